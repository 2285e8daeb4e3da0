"""A deploy of a no-op change under load, for tend and for the way teams do it
with supervisord today (`git pull` in the served checkout, then `supervisorctl
restart`). PM2 has no comparable local deploy (`pm2 deploy` drives ssh and
git on remote hosts), so it is not in this one.

For each: wrk load (bounded, 127.0.0.1 only) for LOAD_SECONDS with the deploy
started at 3 s; tend then gets a second load run with `tend rollback` in it.
Reported: time from command to switched, where it went (tend's own step
records), and failed requests."""

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import supervisord_conf
from zero_downtime import free_port, wait_for_port, wrk

RELEASE_APP = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "apps" / "release"
LOAD_SECONDS = 14


def git(directory, *args):
    subprocess.run(["git", "-C", str(directory), "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
                   check=True, capture_output=True)


def make_repo(path, app_file):
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for name in ("wsgi.py", "check.py"):
        shutil.copy(RELEASE_APP / name, path / name)
    (path / "version.txt").write_text("v1\n")
    (path / "tend.toml").write_text(app_file)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "v1")


def noop_commit(repo, n):
    (repo / "noop.txt").write_text(f"{n}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"no-op {n}")


def under_load(port, action):
    """wrk for LOAD_SECONDS with `action()` at 3 s; returns (wrk result, action's result)."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(wrk=wrk(port, LOAD_SECONDS)))
    thread.start()
    time.sleep(3)
    outcome = action()
    thread.join()
    return result["wrk"], outcome


def timed(command, **kwargs):
    began = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    return time.monotonic() - began, done


def run_tend(binary, work):
    port = free_port()
    repo = work / "repo"
    app_file = f"""app = "deploybench"
[process.web]
command = ["env", "-u", "LISTEN_FDS", "gunicorn", "--bind", "fd://3", "--workers", "2", "--preload", "wsgi:app"]
listen = ["127.0.0.1:{port}"]
ready = {{ notify = true }}
instances = 2

[deploy]
source = "{repo}"
check = ["python3 check.py"]
"""
    make_repo(repo, app_file)
    host = work / "host"
    host.mkdir()
    (host / "tend.toml").write_text(app_file)
    env = dict(os.environ, TEND_HOME=str(work / "home"))
    first, done = timed([binary, "up"], cwd=host, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"tend up: {done.stderr}")
    try:
        wait_for_port(port)
        noop_commit(repo, 1)
        deploy_load, (deploy_seconds, deployed) = under_load(
            port, lambda: timed([binary, "deploy", "--json"], cwd=host, env=env))
        if deployed.returncode != 0:
            raise RuntimeError(f"tend deploy: {deployed.stdout} {deployed.stderr}")
        steps = {}
        for step in json.loads(deployed.stdout)["steps"]:
            phase = {"fetch": "fetch", "resolve": "fetch", "checkout": "fetch", "switch": "switch"}.get(
                step["kind"], "build")
            steps[phase] = steps.get(phase, 0) + (step["duration_ms"] or 0) / 1000
        rollback_load, (rollback_seconds, rolled) = under_load(
            port, lambda: timed([binary, "rollback"], cwd=host, env=env))
        if rolled.returncode != 0:
            raise RuntimeError(f"tend rollback: {rolled.stderr}")
        return {"first": first, "deploy": deploy_seconds, "steps": steps, "deploy_load": deploy_load,
                "rollback": rollback_seconds, "rollback_load": rollback_load}
    finally:
        subprocess.run([binary, "down"], cwd=host, env=env, capture_output=True, timeout=60)


def run_supervisord(work):
    port = free_port()
    repo = work / "repo"
    make_repo(repo, "")
    checkout = work / "checkout"
    subprocess.run(["git", "clone", "-q", str(repo), str(checkout)], check=True)
    conf = supervisord_conf.write(work, f"""[program:web]
command=gunicorn --bind 127.0.0.1:{port} --workers 4 --preload wsgi:app
directory={checkout}
stopwaitsecs=10
redirect_stderr=true
stdout_logfile={work}/web.log
""")
    subprocess.run(["supervisord", "-c", str(conf)], check=True)
    try:
        wait_for_port(port)
        noop_commit(repo, 1)

        def deploy():
            began = time.monotonic()
            subprocess.run(["git", "-C", str(checkout), "pull", "-q"], check=True, capture_output=True)
            subprocess.run(["supervisorctl", "-c", str(conf), "restart", "web"], capture_output=True, timeout=60)
            return time.monotonic() - began

        deploy_load, seconds = under_load(port, deploy)
        return {"deploy": seconds, "deploy_load": deploy_load}
    finally:
        subprocess.run(["supervisorctl", "-c", str(conf), "shutdown"], capture_output=True, timeout=60)


def run_all(binary, work, managers):
    results = {}
    if "tend" in managers:
        results["tend"] = run_tend(binary, work / "tend")
    if "supervisord" in managers:
        results["supervisord"] = run_supervisord(work / "supervisord")
    return results


def report(results):
    print(f"(h) deploy of a no-op change under {LOAD_SECONDS} s of wrk load (2 threads, 16 connections)")
    tend = results.get("tend")
    if tend:
        steps = tend["steps"]
        print(f"    tend         deploy {tend['deploy']:6.2f} s (fetch {steps.get('fetch', 0):.2f}, "
              f"build+check {steps.get('build', 0):.2f}, switch {steps.get('switch', 0):.2f})   "
              f"failed {tend['deploy_load'][1]} of {tend['deploy_load'][0]}")
        print(f"    tend         rollback {tend['rollback']:4.2f} s   failed {tend['rollback_load'][1]} of "
              f"{tend['rollback_load'][0]}   (first deploy by `tend up` on an empty host: {tend['first']:.2f} s)")
    peer = results.get("supervisord")
    if peer:
        print(f"    supervisord  git pull + supervisorctl restart {peer['deploy']:5.2f} s   failed "
              f"{peer['deploy_load'][1]} of {peer['deploy_load'][0]}")
    print("    target: tend 0 failed requests during deploy and rollback")
