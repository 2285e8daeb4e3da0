"""Fire precision of the scheduler: how late 100 fires of `every 1s` start.

Two figures per fire: when tend started the run (its recorded start minus the
nominal fire time) and when the command itself first ran (`date +%s.%N` as the
command, read back from the job's log), which adds fork and exec.

Neither peer has a comparable scheduler: supervisord has none, and PM2's
`cron_restart` restarts an app on a cron pattern with one-minute resolution
(as does cron itself), so only tend's figures are printed.
"""

import json
import os
import statistics
import subprocess
import time
from datetime import datetime

from procfs import stop_tend

FIRES = int(os.environ.get("TEND_BENCH_FIRES", 100))


def seconds(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(binary, work):
    work.mkdir(parents=True)
    env = dict(os.environ, TEND_HOME=str(work / "home"))
    (work / "tend.toml").write_text('app = "firebench"\n[job.tick]\ncommand = ["date", "+%s.%N"]\n'
                                    'schedule = "every 1s"\n')
    subprocess.run([binary, "up"], cwd=work, env=env, check=True, capture_output=True)
    daemon = json.loads(subprocess.run([binary, "status", "--json"], cwd=work, env=env, check=True,
                                       capture_output=True, text=True).stdout)["daemon"]["pid"]
    try:
        deadline = time.monotonic() + FIRES * 1.5 + 30
        while True:
            runs = json.loads(subprocess.run([binary, "history", "--json", "-n", str(FIRES + 50), "tick"], cwd=work,
                                             env=env, check=True, capture_output=True, text=True).stdout)
            done = [r for r in runs if r["trigger"] == "schedule" and r["state"] == "succeeded"]
            if len(done) >= FIRES:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(done)} fires after the deadline")
            time.sleep(1)
        done = done[:FIRES]
        started = [(seconds(r["started"]) - seconds(r["nominal"])) * 1000 for r in done]
        logs = subprocess.run([binary, "logs", "tick", "-n", "100000", "--json"], cwd=work, env=env, check=True,
                              capture_output=True, text=True).stdout.splitlines()
        own = {}
        for line in logs:
            record = json.loads(line)
            if record["stream"] == "out":
                own[record["instance"]] = float(record["text"])
        executed = [(own[f"tick#{r['id']}"] - seconds(r["nominal"])) * 1000 for r in done if f"tick#{r['id']}" in own]
        skipped = len([r for r in runs if r["state"] == "skipped"])
        return started, executed, skipped
    finally:
        stop_tend(binary, work, env, daemon)


def report(result):
    started, executed, skipped = result
    print(f"(f) scheduler fire precision: lateness of {len(started)} fires of `every 1s` (idle machine)")
    print(f"    run started by tend   p50 {statistics.median(started):7.3f} ms   p99 {percentile(started, 0.99):7.3f} ms"
          f"   max {max(started):7.3f} ms")
    if executed:
        print(f"    command's own clock   p50 {statistics.median(executed):7.3f} ms   "
              f"p99 {percentile(executed, 0.99):7.3f} ms   max {max(executed):7.3f} ms")
    print(f"    skipped fires: {skipped}")
    print("    peers: supervisord has no scheduler; PM2 cron_restart and cron resolve to the minute")
    print("    target: p99 under 10 ms")
