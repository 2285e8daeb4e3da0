"""Faults the supervisor must ride out: a full disk under the database, and
running processes as another user."""

import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import APPS, BINARY, alive, fill, wait_until


def test_full_disk_keeps_supervising_and_stores_events_when_space_returns(tend, small_disk):
    tend.env["TEND_HOME"] = str(small_disk / "home")
    tend.home = small_disk / "home"
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\nstable_after = "0"\n')
    tend.up()
    first = tend.wait_state("web.0", "running")["pid"]
    filler = fill(small_disk)
    os.kill(first, signal.SIGKILL)
    # Supervision goes on without the database.
    second = wait_until(lambda: (m := tend.instance("web.0"))["pid"] not in (0, first) and m["pid"], 10, "restart")
    assert alive(second)
    store = wait_until(lambda: (s := tend.status()["store"])["error"] and s, 10, "the daemon to report the full disk")
    assert "full" in store["error"] and store["pending_events"] > 0
    assert "warning: events are not being stored" in tend.run("status", check=0).stdout
    filler.unlink()
    # The events held back while the disk was full reach the database.
    wait_until(lambda: any(e["kind"] == "exited" and f"pid {first} " in e["detail"] for e in tend.events("web.0")),
               10, "the held-back exit event")
    assert tend.status()["store"]["error"] == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_runs_as_the_configured_user(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\nuser = "nobody"\ncwd = "/"\n')
    tend.up()
    pid = tend.wait_state("web.0", "running")["pid"]
    with open(f"/proc/{pid}/status") as status:
        uids = next(line for line in status if line.startswith("Uid:")).split()[1:]
    assert int(uids[0]) == pwd.getpwnam("nobody").pw_uid


def notify_app(flag):
    return f"""
app = "e2e"
[process.web]
command = ["python3", "{APPS}/ready_on_flag.py", "{flag}"]
ready = {{ notify = true, timeout = "60s" }}
"""


def notify_socket_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as environ:
        for entry in environ.read().split(b"\0"):
            if entry.startswith(b"NOTIFY_SOCKET="):
                return entry.split(b"=", 1)[1].decode()
    raise AssertionError(f"pid {pid} has no NOTIFY_SOCKET")


def test_a_notify_message_from_outside_the_instance_tree_is_ignored(tend):
    # Issue 13 item 2: any process could send READY=1 and STATUS= to an abstract socket.
    flag = tend.app_dir / "go"
    tend.write(notify_app(flag))
    tend.up()
    pid = tend.wait_state("web.0", "starting")["pid"]
    address = notify_socket_of(pid)
    assert address.startswith("/"), f"a socket file, not the abstract namespace: {address}"
    assert stat.S_IMODE(os.stat(address).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(address)).st_mode) == 0o711
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as forger:
        forger.sendto(b"READY=1\nSTATUS=forged", address)
    wait_until(lambda: any(e["kind"] == "notify-ignored" for e in tend.events("web.0")), 10, "the message to be ignored")
    member = tend.instance("web.0")
    assert member["state"] == "starting" and member["status_text"] == "", member
    flag.write_text("")  # the instance itself says READY=1
    member = tend.wait_state("web.0", "running")
    assert member["status_text"] == "serving"
    assert not os.path.exists(address) or tend.instance("web.0")["pid"] == pid


def test_another_user_cannot_reach_a_notify_socket(tend):
    if os.geteuid() != 0:
        pytest.skip("acting as another user needs root")
    # A home every user can search, as an admin makes it for `user` processes
    # (chmod 711 on the state directory): only the socket's own mode protects it.
    home = Path(tempfile.mkdtemp(prefix="tend-notify-"))
    try:
        os.chmod(home, 0o711)
        tend.env["TEND_HOME"] = str(home)
        tend.home = home
        flag = tend.app_dir / "go"
        tend.write(notify_app(flag))
        tend.up()
        os.chmod(home / "e2e", 0o711)
        pid = tend.wait_state("web.0", "starting")["pid"]
        address = notify_socket_of(pid)
        forged = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c",
             "import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'READY=1', sys.argv[1])",
             address], capture_output=True, text=True, timeout=30)
        assert forged.returncode != 0 and "PermissionError" in forged.stderr, forged
        member = tend.instance("web.0")
        assert member["state"] == "starting" and member["status_text"] == "", member
        flag.write_text("")
        tend.wait_state("web.0", "running")
    finally:
        tend.cleanup()
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.skipif(not shutil.which("gunicorn"), reason="gunicorn is installed by scripts/deps.sh test")
def test_a_daemon_killed_mid_deploy_comes_back_with_the_live_release_and_no_orphan(tend, tmp_path):
    # Issue 13 item 0 (F2): killed during a switch, the next daemon left the old
    # release's instances running (holding the port) and its own crash-looped.
    from test_deploys import RELEASE_APP, Repo, get, releases, web_app_file
    from test_zero_downtime import free_port
    port = free_port()
    repo = Repo(tmp_path / "repo")
    for name in ("wsgi.py", "worker.py", "job.py", "check.py"):
        shutil.copy(RELEASE_APP / name, repo.path / name)
    shutil.copy(APPS / "silent.py", repo.path / "silent.py")
    repo.write("version.txt", "v1\n")
    repo.write("tend.toml", web_app_file(port, repo.path))
    repo.commit("v1")
    tend.write(web_app_file(port, repo.path))
    tend.up()
    assert get(port) == "v1"
    # Release 2's web never says READY=1: its successor waits out a long deadline.
    never = re.sub(r"(\[process\.web\]\ncommand = )\[[^\n]*\]", r'\1["python3", "silent.py"]',
                   web_app_file(port, repo.path))
    never = re.sub(r'ready = \{ notify = true, timeout = "[^"]*" \}', 'ready = { notify = true, timeout = "300s" }', never)
    assert "silent.py" in never and '"300s"' in never
    repo.write("version.txt", "v2\n")
    repo.write("tend.toml", never)
    repo.commit("v2: web never ready")
    deploying = subprocess.Popen([BINARY, "deploy"], cwd=tend.app_dir, env=tend.env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: any(m["name"].startswith("web.") and m["state"] == "starting" and m["pid"]
                               for g in tend.status()["groups"] for m in g["members"]),
                   120, "the switch to start a new web instance")
        running = {m["pid"] for g in tend.status()["groups"] for m in g["members"] if m["pid"]}
        daemon = tend.status()["daemon"]["pid"]
        os.kill(daemon, signal.SIGKILL)
        wait_until(lambda: not alive(daemon), 10, "the daemon to die")
    finally:
        deploying.wait(timeout=60)
    tend.up()
    wait_until(lambda: not any(alive(pid) for pid in running), 15, "every leftover to be ended")
    for index in range(2):
        tend.wait_state(f"web.{index}", "running", timeout=30)
    assert get(port) == "v1"
    assert releases(tend)[2]["state"] == "failed"
