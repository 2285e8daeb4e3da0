"""Zero-downtime restarts under load, for tend, supervisord and PM2.

20 s of wrk load (bounded, 127.0.0.1 only) with two restarts in it: tend
restarts the gunicorn app it serves from its own socket (`tend restart web`),
supervisord restarts the same gunicorn app bound to its port
(`supervisorctl restart web`), and PM2 reloads a Node app in cluster mode (`pm2
reload`, its native zero-downtime case). A 5 s run at rest gives the baseline
p99 for each."""

import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import supervisord_conf

APPS = Path(__file__).resolve().parent / "apps"
# The same WSGI app the end-to-end tests serve.
WSGI_APPS = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "apps"
LOAD_SECONDS = 20
REST_SECONDS = 5


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrk(port, seconds):
    """Runs wrk and returns (requests, failed, p99 ms)."""
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "5s", "--latency",
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=seconds + 30).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    failed = 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        failed += sum(int(x) for x in errors.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        failed += int(non2xx.group(1))
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    value, unit = float(match.group(1)), match.group(2)
    p99 = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return requests, failed, p99


def wait_for_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


def under_load(port, restart):
    """wrk for LOAD_SECONDS with `restart()` run at 6 s and 13 s."""
    result = {}

    def load():
        result["wrk"] = wrk(port, LOAD_SECONDS)

    thread = threading.Thread(target=load)
    thread.start()
    began = time.monotonic()
    for at in (6, 13):
        time.sleep(max(0, began + at - time.monotonic()))
        restart()
    thread.join()
    return result["wrk"]


def run_tend(binary, work):
    port = free_port()
    work.mkdir(parents=True)
    env = dict(os.environ, TEND_HOME=str(work / "home"))
    (work / "tend.toml").write_text(f"""app = "zd"
[process.web]
command = ["env", "-u", "LISTEN_FDS", "gunicorn", "--bind", "fd://3", "--workers", "2", "--chdir", "{WSGI_APPS}", "wsgi_app:app"]
listen = ["127.0.0.1:{port}"]
ready = {{ notify = true }}
instances = 2
""")
    subprocess.run([binary, "up"], cwd=work, env=env, check=True, capture_output=True)
    try:
        wait_for_port(port)
        time.sleep(2)
        rest = wrk(port, REST_SECONDS)
        load = under_load(port, lambda: subprocess.run([binary, "restart", "web"], cwd=work, env=env,
                                                       capture_output=True, timeout=60))
        return rest, load
    finally:
        subprocess.run([binary, "down"], cwd=work, env=env, capture_output=True, timeout=60)


def run_supervisord(work):
    port = free_port()
    work.mkdir(parents=True)
    conf = supervisord_conf.write(work, f"""[program:web]
command=gunicorn --bind 127.0.0.1:{port} --workers 4 --chdir {WSGI_APPS} wsgi_app:app
stopwaitsecs=10
redirect_stderr=true
stdout_logfile={work}/web.log
""")
    subprocess.run(["supervisord", "-c", str(conf)], check=True)
    try:
        wait_for_port(port)
        time.sleep(2)
        rest = wrk(port, REST_SECONDS)
        load = under_load(port, lambda: subprocess.run(["supervisorctl", "-c", str(conf), "restart", "web"],
                                                       capture_output=True, timeout=60))
        return rest, load
    finally:
        subprocess.run(["supervisorctl", "-c", str(conf), "shutdown"], capture_output=True, timeout=60)


def run_pm2(work):
    port = free_port()
    work.mkdir(parents=True)
    env = dict(os.environ, PM2_HOME=str(work / "home"), PORT=str(port))
    subprocess.run(["pm2", "start", str(APPS / "port_server.js"), "--name", "web", "-i", "4", "--wait-ready",
                    "--kill-timeout", "10000"], env=env, capture_output=True, check=True, timeout=120)
    try:
        wait_for_port(port)
        time.sleep(2)
        rest = wrk(port, REST_SECONDS)
        load = under_load(port, lambda: subprocess.run(["pm2", "reload", "web"], env=env, capture_output=True,
                                                       timeout=120))
        return rest, load
    finally:
        subprocess.run(["pm2", "kill"], env=env, capture_output=True, timeout=60)


def report(results):
    print(f"(d) zero-downtime restarts: {LOAD_SECONDS} s of wrk load (2 threads, 16 connections) with two restarts")
    for name, value in results.items():
        if value is None:
            continue
        (rest_requests, rest_failed, rest_p99), (requests, failed, p99) = value
        print(f"    {name:<12} failed {failed:5d} of {requests:7d}   p99 {p99:8.2f} ms   (at rest {rest_p99:6.2f} ms, "
              f"{p99 / rest_p99 if rest_p99 else 0:.1f}x)")
    print("    target: tend 0 failed requests, p99 during restarts within 2x of p99 at rest")
