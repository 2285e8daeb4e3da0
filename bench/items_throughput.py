"""Triggered work: 10,000 items of a job whose command is `true`, concurrency 8,
end to end (items per second, the daemon's RSS and CPU per item), and enqueue
throughput through `tend feed` (10,000 lines on stdin into a job that holds
them). Then the same job with 5,000 and with 100,000 items queued (the rate of
the next 2,000, and how long `tend status` takes), and the size of tend.db after
1,000,000 finished items with the default retention (tend_bench_store: the
store's own code, no processes). Neither peer has a durable work queue, so only
tend's figures are printed.
"""

import json
import os
import shutil
import statistics
import subprocess
import time

from procfs import cpu_seconds, status_kib, stop_tend

ITEMS = int(os.environ.get("TEND_BENCH_ITEMS", 10_000))
BACKLOGS = (5_000, 100_000)
WINDOW = 2_000  # items timed while the backlog stays about its size
ROUNDS = 3
STORE_ITEMS = 1_000_000


def run(binary, work):
    result = run_end_to_end(binary, work / "end-to-end")
    # Rounds alternate between the backlogs, so a machine loaded by others weighs on both; medians are reported.
    rounds = {backlog: [] for backlog in BACKLOGS}
    for number in range(ROUNDS):
        for backlog in BACKLOGS:
            rounds[backlog].append(run_backlog(binary, work / f"backlog-{backlog}-{number}", backlog))
    result["backlogs"] = {backlog: {key: statistics.median(entry[key] for entry in entries) for key in entries[0]}
                          for backlog, entries in rounds.items()}
    per_tick = max(1, round(result["backlogs"][BACKLOGS[0]]["per_second"]))
    result["store"] = run_store(binary, work / "store", per_tick)
    return result


def run_end_to_end(binary, work):
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


def run_backlog(binary, work, backlog):
    """`backlog` items wait behind a rate of 1/h; the rate goes, and the next WINDOW are timed."""
    work.mkdir(parents=True)
    env = dict(os.environ, TEND_HOME=str(work / "home"))
    job = '[job.work]\ncommand = "true"\nconcurrency = 8\n'

    def tend(*args, stdin=None):
        return subprocess.run([binary, *args], cwd=work, env=env, check=True, capture_output=True, text=True,
                              input=stdin)

    def counts():
        jobs = json.loads(tend("status", "--json").stdout)["jobs"]
        return next(entry for entry in jobs if entry["name"] == "work")["items"]

    (work / "tend.toml").write_text('app = "backlog"\n' + job + 'rate = "1/h"\n')
    tend("up")
    daemon = json.loads(tend("status", "--json").stdout)["daemon"]["pid"]
    try:
        tend("feed", "work", stdin="".join(f"item-{i}\n" for i in range(backlog)))
        deadline = time.monotonic() + 600
        while counts()["succeeded"] < 1:
            if time.monotonic() > deadline:
                raise RuntimeError("the first item never ran")
            time.sleep(0.2)
        began = time.monotonic()
        for _ in range(5):
            tend("status", "--json")
        status_ms = (time.monotonic() - began) * 1000 / 5
        queued = counts()["queued"]
        (work / "tend.toml").write_text('app = "backlog"\n' + job)
        cpu_before = cpu_seconds(daemon)
        began = time.monotonic()
        tend("apply")
        while True:
            done = counts()["succeeded"]
            if done >= 1 + WINDOW:
                break
            if time.monotonic() > began + 600:
                raise RuntimeError(f"only {done} items done after 600 s")
            time.sleep(0.1)
        seconds = time.monotonic() - began
        cpu = cpu_seconds(daemon) - cpu_before
        return {"queued": queued, "per_second": (done - 1) / seconds, "status_ms": status_ms,
                "cpu_ms_per_item": cpu * 1000 / (done - 1)}
    finally:
        stop_tend(binary, work, env, daemon)
        shutil.rmtree(work, ignore_errors=True)


def run_store(binary, work, per_tick):
    store_bench = os.environ.get("TEND_BENCH_STORE") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(binary))), "bench", "tend_bench_store")
    try:
        out = subprocess.run([store_bench, str(work), str(STORE_ITEMS), str(per_tick)], check=True,
                             capture_output=True, text=True, timeout=3600).stdout
        return json.loads(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mb(size):
    return size / 1e6


def report(result):
    print(f"(g) triggered work: {ITEMS} items of `true`, concurrency 8")
    print(f"    enqueue through tend feed   {result['enqueue_per_second']:9.0f} items/s   (target: at least 2,000/s)")
    print(f"    end to end                  {result['end_to_end_per_second']:9.0f} items/s   "
          f"({result['total_seconds']:.1f} s; {result['dead']} dead)")
    print(f"    daemon RSS after            {result['rss_mb']:9.2f} MB   (peak growth {result['rss_growth_mb']:.2f} MB)")
    print(f"    daemon CPU per item         {result['daemon_cpu_ms_per_item']:9.3f} ms   "
          f"(each of the 8 slots took {result['wall_ms_per_item_per_slot']:.2f} ms of wall time per item)")
    small, large = (result["backlogs"][backlog] for backlog in BACKLOGS)
    print(f"    the next {WINDOW:,} items, median of {ROUNDS} rounds:")
    print(f"      with {small['queued']:>7,.0f} queued       {small['per_second']:9.0f} items/s   "
          f"(daemon CPU {small['cpu_ms_per_item']:.2f} ms per item; tend status {small['status_ms']:.0f} ms)")
    print(f"      with {large['queued']:>7,.0f} queued       {large['per_second']:9.0f} items/s   "
          f"(daemon CPU {large['cpu_ms_per_item']:.2f} ms per item; tend status {large['status_ms']:.0f} ms)")
    print(f"      the larger backlog runs at {large['per_second'] / small['per_second']:.0%} of the smaller one's rate "
          f"(target: at least 90%)")
    store = result["store"]
    print(f"    tend.db after {store['items']:,} finished items, {store['items_per_tick']} a second, default retention:")
    print(f"      {mb(store['final_bytes']):.1f} MB ({store['kept']:,} items kept, max_items {store['max_items']:,}); "
          f"at most {mb(store['peak_bytes']):.1f} MB with the WAL along the way")
    print(f"      pruning took {store['prune_ms_mean']:.1f} ms a tick on average, {store['prune_ms_p99']:.1f} ms at p99, "
          f"{store['prune_ms_max']:.1f} ms at most")
    item_bytes = store["bytes_at_limit"] / store["max_items"] if store["bytes_at_limit"] else 0
    print(f"      rows: {item_bytes:.0f} bytes per finished item with its history, "
          f"{store['bytes_per_run_and_fire']:.0f} per run with its fire claim, {store['bytes_per_event']:.0f} per event")
    print("    peers: neither supervisord nor PM2 has a durable work queue")
