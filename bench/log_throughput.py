"""Log capture throughput: one child writes 500 MB of 100-byte lines as fast as
it can; the time until every byte is in the log file, and the daemon's peak RSS
growth, for tend, supervisord and PM2, against `child > file` and
`child | cat > file`."""

import json
import os
import subprocess
import time
from pathlib import Path

import supervisord_conf

BYTES = int(os.environ.get("TEND_BENCH_LOG_BYTES", 500_000_000))
REPEATS = int(os.environ.get("TEND_BENCH_LOG_REPEATS", 5))
MARKER = b"END-OF-BENCHMARK-OUTPUT"


def ends_with_marker(path):
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - 4096))
            return MARKER in log.read()
    except OSError:
        return False


def wait_for_marker(path, timeout=600):
    deadline = time.monotonic() + timeout
    while not ends_with_marker(path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} never got the last line")
        time.sleep(0.01)


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def baseline(writer, work, through_cat):
    out = work / ("cat.log" if through_cat else "direct.log")
    began = time.monotonic()
    if through_cat:
        subprocess.run(f"{writer} {BYTES} | cat > {out}", shell=True, check=True)
    else:
        with open(out, "wb") as target:
            subprocess.run([writer, str(BYTES)], stdout=target, check=True)
    elapsed = time.monotonic() - began
    out.unlink()
    return elapsed, None


def run_tend(binary, writer, work):
    work.mkdir(parents=True)
    env = dict(os.environ, TEND_HOME=str(work / "home"))
    (work / "tend.toml").write_text('app = "logbench"\n[process.idle]\ncommand = "sleep 100000"\n')
    subprocess.run([binary, "up"], cwd=work, env=env, check=True, capture_output=True)
    try:
        pid = json.loads(subprocess.run([binary, "status", "--json"], cwd=work, env=env, check=True,
                                        capture_output=True, text=True).stdout)["daemon"]["pid"]
        time.sleep(1)
        before = status_kib(pid, "VmRSS")
        (work / "tend.toml").write_text(f"""app = "logbench"
[process.idle]
command = "sleep 100000"
[process.writer]
command = ["{writer}", "{BYTES}"]
restart = "never"
logs = {{ max_size = "4GiB", compress = false }}
""")
        began = time.monotonic()
        subprocess.run([binary, "apply"], cwd=work, env=env, check=True, capture_output=True)
        wait_for_marker(work / "home" / "logbench" / "logs" / "writer.log")
        elapsed = time.monotonic() - began
        return elapsed, (status_kib(pid, "VmHWM") - before) / 1024
    finally:
        subprocess.run([binary, "down"], cwd=work, env=env, capture_output=True, timeout=60)


def run_supervisord(writer, work):
    work.mkdir(parents=True)
    log = work / "writer.log"
    conf = supervisord_conf.write(work, f"""[program:writer]
command={writer} {BYTES}
autostart=false
autorestart=false
startsecs=0
redirect_stderr=true
stdout_logfile={log}
stdout_logfile_maxbytes=0
""")
    subprocess.run(["supervisord", "-c", str(conf)], check=True)
    try:
        pidfile = work / "supervisord.pid"
        deadline = time.monotonic() + 20
        while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int(pidfile.read_text())
        time.sleep(1)
        before = status_kib(pid, "VmRSS")
        began = time.monotonic()
        subprocess.run(["supervisorctl", "-c", str(conf), "start", "writer"], capture_output=True, timeout=60)
        wait_for_marker(log)
        elapsed = time.monotonic() - began
        return elapsed, (status_kib(pid, "VmHWM") - before) / 1024
    finally:
        subprocess.run(["supervisorctl", "-c", str(conf), "shutdown"], capture_output=True, timeout=60)


def run_pm2(writer, work):
    work.mkdir(parents=True)
    env = dict(os.environ, PM2_HOME=str(work / "home"))
    log = work / "writer.log"
    subprocess.run(["pm2", "ping"], env=env, capture_output=True, timeout=60)
    try:
        pid = int((work / "home" / "pm2.pid").read_text())
        time.sleep(1)
        before = status_kib(pid, "VmRSS")
        began = time.monotonic()
        subprocess.run(["pm2", "start", writer, "--name", "writer", "--no-autorestart", "-o", str(log), "-e",
                        str(work / "err.log"), "--", str(BYTES)], env=env, capture_output=True, timeout=120)
        wait_for_marker(log)
        elapsed = time.monotonic() - began
        return elapsed, (status_kib(pid, "VmHWM") - before) / 1024
    finally:
        subprocess.run(["pm2", "kill"], env=env, capture_output=True, timeout=60)


def median_run(runner, repeats):
    """Runs `runner` `repeats` times: the median time and the largest RSS growth."""
    outcomes = [runner(i) for i in range(repeats)]
    times = sorted(outcome[0] for outcome in outcomes)
    growths = [outcome[1] for outcome in outcomes if outcome[1] is not None]
    return times[len(times) // 2], (max(growths) if growths else None)


def run_all(binary, writer, work, managers):
    """The baselines and tend run REPEATS times each, interleaved, and report
    the median: `child | cat > file` alone varied by 2x between runs here.
    The peers run once (PM2 does not survive repeated runs in one session)."""
    import shutil
    results = {}
    work.mkdir(parents=True, exist_ok=True)

    def tend_once(i):
        target = work / f"log-tend-{i}"
        try:
            return run_tend(binary, writer, target)
        finally:
            shutil.rmtree(target, ignore_errors=True)

    timed = {"child > file": [], "child | cat > file": [], "tend": []}
    runners = {
        "child > file": lambda i: baseline(writer, work, False),
        "child | cat > file": lambda i: baseline(writer, work, True),
        "tend": tend_once,
    }
    for i in range(REPEATS):
        for name, runner in runners.items():
            if name == "tend" and name not in managers:
                continue
            print(f"running log throughput for {name} ({i + 1} of {REPEATS})...", flush=True,
                  file=__import__("sys").stderr)
            try:
                timed[name].append(runner(i))
            except Exception as error:  # reported, not fatal
                print(f"  {name}: {error}", file=__import__("sys").stderr)
    for name, outcomes in timed.items():
        if outcomes:
            results[name] = median_run(lambda i, o=outcomes: o[i], len(outcomes))
    for name, runner in [("supervisord", lambda: run_supervisord(writer, work / "log-supervisord")),
                         ("pm2", lambda: run_pm2(writer, work / "log-pm2"))]:
        if name not in managers:
            continue
        print(f"running log throughput for {name}...", flush=True, file=__import__("sys").stderr)
        try:
            results[name] = runner()
        except Exception as error:  # a peer that fails is reported, not fatal
            print(f"  {name}: {error}", file=__import__("sys").stderr)
    return results


def report(results):
    mb = BYTES / 1e6
    print(f"(e) log capture: one child writes {mb:.0f} MB of 100-byte lines; time until all of it is in the log file")
    print(f"    (baselines and tend: median of {REPEATS} interleaved runs; peers: one run)")
    base = results.get("child | cat > file")
    for name, (seconds, rss) in results.items():
        rate = mb / seconds
        versus = f"   {rate / (mb / base[0]) * 100:5.1f}% of child | cat" if base else ""
        growth = f"   daemon peak RSS growth {rss:6.2f} MB" if rss is not None else ""
        print(f"    {name:<20} {seconds:7.2f} s  {rate:8.1f} MB/s{versus}{growth}")
    print("    target: tend at least 70% of child | cat > file while stamping every line, faster than both peers,")
    print("            peak daemon RSS growth under 4 MB")
