"""Triggered work: 10,000 items of a job whose command is `true`, concurrency 8,
end to end (items per second, the daemon's RSS and CPU per item), and enqueue
throughput through `tend feed` (10,000 lines on stdin into a job that holds
them). Neither peer has a durable work queue, so only tend's figures are printed.
"""

import json
import os
import subprocess
import time

from procfs import cpu_seconds, status_kib, stop_tend

ITEMS = int(os.environ.get("TEND_BENCH_ITEMS", 10_000))


def run(binary, work):
    work.mkdir(parents=True)
    env = dict(os.environ, TEND_HOME=str(work / "home"))
    (work / "tend.toml").write_text('app = "itembench"\n'
                                    '[job.work]\ncommand = "true"\nconcurrency = 8\n'
                                    '[job.held]\ncommand = "true"\nrate = "1/h"\n')

    def tend(*args, stdin=None):
        return subprocess.run([binary, *args], cwd=work, env=env, check=True, capture_output=True, text=True,
                              input=stdin)

    tend("up")
    daemon = json.loads(tend("status", "--json").stdout)["daemon"]["pid"]
    try:
        time.sleep(0.5)
        rss_before = status_kib(daemon, "VmRSS")
        lines = "".join(f"item-{i}\n" for i in range(ITEMS))
        began = time.monotonic()
        tend("feed", "held", stdin=lines)
        enqueue_seconds = time.monotonic() - began

        cpu_before = cpu_seconds(daemon)
        began = time.monotonic()
        tend("feed", "work", stdin=lines)
        fed = time.monotonic() - began
        deadline = began + 600
        while True:
            jobs = json.loads(tend("status", "--json").stdout)["jobs"]
            counts = next(job for job in jobs if job["name"] == "work")["items"]
            if counts["succeeded"] + counts["dead"] >= ITEMS:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {counts['succeeded']} items done after 600 s")
            time.sleep(0.2)
        total = time.monotonic() - began
        cpu = cpu_seconds(daemon) - cpu_before
        return {
            "enqueue_per_second": ITEMS / enqueue_seconds,
            "end_to_end_per_second": ITEMS / total,
            "fed_seconds": fed,
            "total_seconds": total,
            "dead": counts["dead"],
            "rss_mb": status_kib(daemon, "VmRSS") / 1024,
            "rss_growth_mb": (status_kib(daemon, "VmHWM") - rss_before) / 1024,
            "daemon_cpu_ms_per_item": cpu * 1000 / ITEMS,
            "wall_ms_per_item_per_slot": total * 1000 * 8 / ITEMS,
        }
    finally:
        stop_tend(binary, work, env, daemon)


def report(result):
    print(f"(g) triggered work: {ITEMS} items of `true`, concurrency 8")
    print(f"    enqueue through tend feed   {result['enqueue_per_second']:9.0f} items/s   (target: at least 2,000/s)")
    print(f"    end to end                  {result['end_to_end_per_second']:9.0f} items/s   "
          f"({result['total_seconds']:.1f} s; {result['dead']} dead)")
    print(f"    daemon RSS after            {result['rss_mb']:9.2f} MB   (peak growth {result['rss_growth_mb']:.2f} MB)")
    print(f"    daemon CPU per item         {result['daemon_cpu_ms_per_item']:9.3f} ms   "
          f"(each of the 8 slots took {result['wall_ms_per_item_per_slot']:.2f} ms of wall time per item)")
    print("    peers: neither supervisord nor PM2 has a durable work queue")
