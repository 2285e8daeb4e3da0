"""tend against supervisord and PM2, side by side in one run.

Scenarios (issue: the single-host supervisor):
  memory   daemon PSS (smaps_rollup) while supervising 100 `sleep` children
  restart  latency from SIGKILL of a stable child to its replacement running, p50/p99 over 50 kills
  scale    time to bring 500 children up, and to stop them all
  zero-downtime, logs, schedule, items: see zero_downtime.py, log_throughput.py, fire_precision.py,
           items_throughput.py, deploy_bench.py

Every manager runs under a temporary directory, only on this machine, and is shut down at the end by the
pid it reported. Children are found by a marker argument unique to this run.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import supervisord_conf


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def marked(marker):
    """Pids of live processes whose command line contains the marker argument."""
    needle = b"\0" + marker.encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if needle in b"\0" + cmdline.read() and alive(int(entry)):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.005)


def pss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def run(args, env=None, cwd=None, timeout=120):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=True)


class Tend:
    name = "tend"

    def __init__(self, binary, work):
        self.binary = binary
        self.dir = work / "tend"
        self.dir.mkdir()
        self.env = dict(os.environ, TEND_HOME=str(self.dir / "home"))
        self.pid = None

    def configure(self, command, count, stamp=None):
        env = f'env = {{ BENCH_STAMP = "{stamp}" }}\n' if stamp else ""
        (self.dir / "tend.toml").write_text(
            f'app = "bench"\n[process.child]\ncommand = {json.dumps(command)}\ninstances = {count}\n'
            f'stable_after = "1s"\nstop_timeout = "5s"\n{env}')

    def up(self):
        run([self.binary, "up"], env=self.env, cwd=self.dir)
        status = json.loads(run([self.binary, "status", "--json"], env=self.env, cwd=self.dir).stdout)
        self.pid = status["daemon"]["pid"]

    def apply(self):
        run([self.binary, "apply"], env=self.env, cwd=self.dir)

    def stop_all(self):
        run([self.binary, "stop", "child"], env=self.env, cwd=self.dir)

    def shutdown(self):
        if self.pid and alive(self.pid):
            subprocess.run([self.binary, "down"], env=self.env, cwd=self.dir, capture_output=True, timeout=60)
            if alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
        self.pid = None


class Supervisord:
    name = "supervisord"

    def __init__(self, work):
        self.dir = work / "supervisord"
        self.dir.mkdir()
        self.conf = self.dir / "supervisord.conf"
        self.pid = None

    def configure(self, command, count, stamp=None, autostart=True):
        d = self.dir
        env = f"environment=BENCH_STAMP=\"{stamp}\"\n" if stamp else ""
        supervisord_conf.write(d, f"""[program:child]
command={" ".join(command)}
numprocs={count}
process_name=%(program_name)s_%(process_num)d
autostart={"true" if autostart else "false"}
autorestart=true
startsecs=1
stopwaitsecs=5
redirect_stderr=true
stdout_logfile={d}/child.log
{env}""", supervisord_extra=f"childlogdir={d}\nminfds=8192\n")

    def ctl(self, *args):
        return subprocess.run(["supervisorctl", "-c", str(self.conf), *args], capture_output=True, text=True,
                              timeout=120)

    def up(self):
        run(["supervisord", "-c", str(self.conf)])
        pidfile = self.dir / "supervisord.pid"
        self.pid = int(wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), 20, "supervisord pid"))
        wait_until(lambda: self.ctl("status").returncode in (0, 3), 20, "supervisord to answer")

    def start_all(self):
        self.ctl("start", "child:*")

    def stop_all(self):
        self.ctl("stop", "child:*")

    def shutdown(self):
        if self.pid and alive(self.pid):
            self.ctl("shutdown")
            try:
                wait_until(lambda: not alive(self.pid), 30, "supervisord to exit")
            except RuntimeError:
                os.kill(self.pid, signal.SIGKILL)
        self.pid = None


class PM2:
    name = "pm2"

    def __init__(self, work):
        self.dir = work / "pm2"
        self.dir.mkdir()
        self.env = dict(os.environ, PM2_HOME=str(self.dir / "home"))
        self.pid = None

    def configure(self, command, count, stamp=None, autostart=True):
        env = {"BENCH_STAMP": stamp} if stamp else {}
        app = {"name": "child", "script": command[0], "args": command[1:], "interpreter": "none",
               "exec_mode": "fork", "instances": count, "autorestart": True, "min_uptime": 1000,
               "restart_delay": 0, "kill_timeout": 5000, "env": env, "autostart": autostart}
        (self.dir / "ecosystem.config.js").write_text("module.exports = " + json.dumps({"apps": [app]}) + ";\n")

    def pm2(self, *args, timeout=300):
        return subprocess.run(["pm2", *args], env=self.env, cwd=self.dir, capture_output=True, text=True,
                              timeout=timeout)

    def up(self):
        self.pm2("start", "ecosystem.config.js")
        pidfile = self.dir / "home" / "pm2.pid"
        self.pid = int(wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), 30, "pm2 pid"))

    def start_all(self):
        self.pm2("start", "ecosystem.config.js")

    def stop_all(self):
        self.pm2("stop", "all")

    def shutdown(self):
        if self.pid and alive(self.pid):
            self.pm2("kill")
            if alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
        self.pid = None


def marker_command(marker):
    return ["sleep", marker]


def bench_memory(manager, marker, count=100):
    manager.configure(marker_command(marker), count)
    manager.up()
    wait_until(lambda: len(marked(marker)) == count, 60, f"{count} children under {manager.name}")
    time.sleep(2)  # let the manager settle after the start burst before measuring
    pss = pss_kib(manager.pid)
    manager.shutdown()
    wait_until(lambda: not marked(marker), 30, "children to exit")
    return pss / 1024.0


def bench_restart(manager, child, marker, kills):
    stamp = Path(tempfile.mkdtemp()) / "stamps"
    manager.configure([child, marker], 1, stamp=str(stamp))
    manager.up()

    def stamps():
        if not stamp.exists():
            return []
        return [tuple(int(x) for x in line.split()) for line in stamp.read_text().splitlines() if line.strip()]

    wait_until(lambda: stamps(), 30, f"the child under {manager.name}")
    latencies = []
    for _ in range(kills):
        pid, started = stamps()[-1]
        # Stable: past every manager's quick-failure window (1s here for all three).
        wait_until(lambda: time.monotonic_ns() - started > 1_300_000_000, 10, "a stable child")
        count = len(stamps())
        killed_at = time.monotonic_ns()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: len(stamps()) > count, 30, f"{manager.name} to restart the child")
        latencies.append((stamps()[-1][1] - killed_at) / 1e6)
    manager.shutdown()
    shutil.rmtree(stamp.parent, ignore_errors=True)
    latencies.sort()
    return statistics.median(latencies), latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]


def bench_scale(manager, marker, count=500):
    manager.configure(marker_command(marker), count, **({"autostart": False} if manager.name == "supervisord" else {}))
    if manager.name == "tend":
        # Start the daemon with nothing to run, then apply the 500.
        manager.configure(marker_command(marker), 0)
        manager.up()
        manager.configure(marker_command(marker), count)
        began = time.monotonic()
        manager.apply()
    elif manager.name == "pm2":
        began = time.monotonic()
        manager.up()
    else:
        manager.up()
        began = time.monotonic()
        manager.start_all()
    wait_until(lambda: len(marked(marker)) == count, 120, f"{count} children under {manager.name}")
    up_seconds = time.monotonic() - began
    began = time.monotonic()
    manager.stop_all()
    wait_until(lambda: not marked(marker), 120, f"children under {manager.name} to stop")
    stop_seconds = time.monotonic() - began
    manager.shutdown()
    return up_seconds, stop_seconds


def ratio(value, base):
    return f"{value / base:.1f}x" if base else "-"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tend", required=True)
    parser.add_argument("--child", required=True)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--only",
                        choices=["memory", "restart", "scale", "zero-downtime", "logs", "schedule", "items", "deploy"])
    parser.add_argument("--managers", default="tend,supervisord,pm2", help="comma-separated subset")
    args = parser.parse_args()
    args.tend = os.path.abspath(args.tend)
    args.child = os.path.abspath(args.child)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    work = Path(tempfile.mkdtemp(prefix="tend-bench-"))
    token = str(os.getpid())
    peers = [lambda: Tend(args.tend, work / "a"), lambda: Supervisord(work / "b"), lambda: PM2(work / "c")]
    for sub in "abc":
        (work / sub).mkdir()
    results = {}
    try:
        for scenario in ["memory", "restart", "scale"]:
            if args.only and scenario != args.only:
                continue
            for index, make in enumerate(peers):
                if ["tend", "supervisord", "pm2"][index] not in args.managers.split(","):
                    continue
                for sub in "abc":
                    shutil.rmtree(work / sub, ignore_errors=True)
                    (work / sub).mkdir()
                manager = make()
                marker = f"4{token}{index}{len(results)}"
                print(f"running {scenario} for {manager.name}...", file=sys.stderr, flush=True)
                try:
                    if scenario == "memory":
                        results[(scenario, manager.name)] = bench_memory(manager, marker)
                    elif scenario == "restart":
                        results[(scenario, manager.name)] = bench_restart(manager, args.child, marker, args.kills)
                    else:
                        results[(scenario, manager.name)] = bench_scale(manager, marker)
                except Exception as error:  # a peer that fails is reported, not fatal
                    print(f"  {manager.name}: {error}", file=sys.stderr)
                finally:
                    manager.shutdown()
    finally:
        for sub in "abc":
            shutil.rmtree(work / sub, ignore_errors=True)
    report(results, args.kills)
    if args.only in (None, "zero-downtime"):
        run_zero_downtime(args, work)
    if args.only in (None, "logs"):
        import log_throughput
        writer = os.path.join(os.path.dirname(args.child), "tend_bench_writer")
        results = log_throughput.run_all(args.tend, writer, work / "logs", args.managers.split(","))
        shutil.rmtree(work, ignore_errors=True)
        log_throughput.report(results)
    if args.only in (None, "schedule") and "tend" in args.managers.split(","):
        import fire_precision
        print("running schedule precision for tend (100 s)...", file=sys.stderr, flush=True)
        result = fire_precision.run(args.tend, work / "schedule")
        shutil.rmtree(work, ignore_errors=True)
        fire_precision.report(result)
    if args.only in (None, "items") and "tend" in args.managers.split(","):
        import items_throughput
        print("running triggered work for tend...", file=sys.stderr, flush=True)
        result = items_throughput.run(args.tend, work / "items")
        shutil.rmtree(work, ignore_errors=True)
        items_throughput.report(result)
    if args.only in (None, "deploy"):
        import deploy_bench
        print("running deploys under load...", file=sys.stderr, flush=True)
        try:
            result = deploy_bench.run_all(args.tend, work / "deploy", args.managers.split(","))
            deploy_bench.report(result)
        except Exception as error:  # reported, not fatal
            print(f"  deploy: {error}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


def run_zero_downtime(args, work):
    import zero_downtime
    runners = {
        "tend": lambda: zero_downtime.run_tend(args.tend, work / "zd-tend"),
        "supervisord": lambda: zero_downtime.run_supervisord(work / "zd-supervisord"),
        "pm2": lambda: zero_downtime.run_pm2(work / "zd-pm2"),
    }
    results = {}
    for name, runner in runners.items():
        if name not in args.managers.split(","):
            continue
        print(f"running zero-downtime for {name}...", file=sys.stderr, flush=True)
        try:
            results[name] = runner()
        except Exception as error:  # a peer that fails is reported, not fatal
            print(f"  {name}: {error}", file=sys.stderr)
            results[name] = None
    shutil.rmtree(work, ignore_errors=True)
    zero_downtime.report(results)


def report(results, kills):
    names = ["tend", "supervisord", "pm2"]
    print()
    if any(k[0] == "memory" for k in results):
        print("(a) daemon memory, PSS while supervising 100 sleep children (lower is better)")
        base = results.get(("memory", "tend"))
        for name in names:
            value = results.get(("memory", name))
            if value is not None:
                print(f"    {name:<12} {value:8.2f} MB   {ratio(value, base) if name != 'tend' else ''}")
        print("    target: tend under 5 MB, at most 1/5 of supervisord and 1/8 of PM2")
    if any(k[0] == "restart" for k in results):
        print(f"(b) restart latency after SIGKILL of a stable child, over {kills} kills")
        base = results.get(("restart", "tend"))
        for name in names:
            value = results.get(("restart", name))
            if value is not None:
                extra = "" if name == "tend" or not base else f"   p50 {ratio(value[0], base[0])}, p99 {ratio(value[1], base[1])}"
                print(f"    {name:<12} p50 {value[0]:8.2f} ms   p99 {value[1]:8.2f} ms{extra}")
        print("    target: tend p50 under 5 ms, p99 under 20 ms")
    if any(k[0] == "scale" for k in results):
        print("(c) 500 children: time to bring all up, and to stop all")
        base = results.get(("scale", "tend"))
        for name in names:
            value = results.get(("scale", name))
            if value is not None:
                extra = "" if name == "tend" or not base else f"   up {ratio(value[0], base[0])}, stop {ratio(value[1], base[1])}"
                print(f"    {name:<12} up {value[0]:7.3f} s   stop {value[1]:7.3f} s{extra}")
        print("    target: tend up in under 1 s, all stopped in under 2 s")


if __name__ == "__main__":
    main()
