"""The single-host supervisor, end to end through the real binary."""

import os
import signal
import sqlite3
import stat
import subprocess
import time
import urllib.request
import uuid

from conftest import APPS, BINARY, alive, pids_with_marker, wait_until
from test_zero_downtime import free_port

BASIC = """
app = "e2e"
[process.web]
command = "sleep 1000"
instances = 2
[process.worker]
command = ["sleep", "1001"]
instances = 3
"""


def test_up_starts_every_instance_and_status_shows_them(tend):
    tend.write(BASIC)
    out = tend.up().stdout
    assert "+ web (added)" in out and "+ worker (added)" in out
    for name in ["web.0", "web.1", "worker.0", "worker.1", "worker.2"]:
        member = tend.wait_state(name, "running")
        assert alive(member["pid"])
        assert member["rss_bytes"] > 0
    text = tend.run("status", check=0).stdout
    assert "worker.2" in text and "running" in text


def test_control_socket_is_private(tend):
    tend.write(BASIC)
    tend.up()
    mode = stat.S_IMODE(os.stat(tend.home / "e2e" / "tend.sock").st_mode)
    assert mode == 0o600


def test_sigkilled_instance_is_back_within_the_backoff_rule(tend):
    tend.write(BASIC)
    tend.up()
    first = tend.wait_state("worker.1", "running")["pid"]
    killed_at = time.monotonic()
    os.kill(first, signal.SIGKILL)
    # A run shorter than stable_after is a quick failure: the first retry comes after 100ms.
    member = wait_until(lambda: (m := tend.instance("worker.1"))["pid"] not in (0, first) and m, 10, "a new pid")
    elapsed = time.monotonic() - killed_at
    assert 0.1 <= elapsed < 5, elapsed
    assert member["restarts"] == 1
    assert member["last_exit"] == "signal 9 (KILL)"
    kinds = [(e["kind"], e["detail"]) for e in tend.events("worker.1")]
    assert any(kind == "exited" and "signal 9 (KILL)" in detail for kind, detail in kinds)
    assert any(kind == "state" and detail.startswith("backoff") for kind, detail in kinds)


def test_stable_instance_restarts_at_once(tend):
    tend.write(BASIC.replace('instances = 2', 'instances = 1\nstable_after = "0"'))
    tend.up()
    first = tend.wait_state("web.0", "running")["pid"]
    os.kill(first, signal.SIGKILL)
    member = wait_until(lambda: (m := tend.instance("web.0"))["pid"] not in (0, first) and m, 5, "restart")
    assert member["restarts"] == 1
    assert not any(e["detail"].startswith("backoff") for e in tend.events("web.0"))


def test_crash_loop_keeps_retrying_and_manual_restart_resets(tend):
    tend.write("""
app = "e2e"
[process.crasher]
command = ["sh", "-c", "echo boom >&2; exit 3"]
max_backoff = "400ms"
""")
    tend.up()
    member = tend.wait_state("crasher.0", "crash-looping")
    assert member["last_exit"] == "exit 3"
    before = member["restarts"]
    wait_until(lambda: tend.instance("crasher.0")["restarts"] > before, 5, "another retry at the cap")
    # The restart itself fails, and says why: the instance's last output.
    result = tend.run("restart", "crasher", check=1)
    assert "crasher.0 never became ready: exited before it was ready (exit 3)" in result.stderr, result.stderr
    assert "last output: boom" in result.stderr, result.stderr
    assert tend.instance("crasher.0")["restarts"] <= 1
    assert (tend.home / "e2e" / "logs" / "crasher.log").read_text().count("boom") >= 3


def test_down_leaves_no_descendant_of_any_kind(tend):
    tend.write("""
app = "e2e"
[process.background]
command = ["sh", "-c", "sleep 3133701 & wait"]
[process.setsid]
command = ["sh", "-c", "setsid sleep 3133702 & wait"]
[process.orphan]
command = ["sh", "-c", "(sleep 3133703 &) ; exec sleep 3133704"]
[process.stubborn]
command = ["sh", "-c", "trap '' TERM; sleep 3133705 & wait"]
stop_timeout = "1s"
""")
    tend.up()
    markers = [f"31337{n:02d}" for n in range(1, 6)]
    wait_until(lambda: all(pids_with_marker(m) for m in markers), 10, "every process to start")
    tend.run("down", check=0)
    leftover = {m: pids_with_marker(m) for m in markers if pids_with_marker(m)}
    assert not leftover, f"survived tend down: {leftover}"


def test_stop_and_start_one_instance(tend):
    tend.write(BASIC)
    tend.up()
    tend.wait_state("worker.2", "running")
    pid = tend.instance("worker.2")["pid"]
    tend.run("stop", "worker.2", check=0)
    assert tend.instance("worker.2")["state"] == "stopped"
    assert not alive(pid)
    assert tend.instance("worker.1")["state"] == "running"
    tend.run("start", "worker.2", check=0)
    tend.wait_state("worker.2", "running")
    bad = tend.run("stop", "worker.7")
    assert bad.returncode == 2 and "worker has 3 instance(s)" in bad.stderr
    bad = tend.run("stop", "wrker")
    assert bad.returncode == 2 and 'no process group "wrker"' in bad.stderr


def test_apply_restarts_only_changed_groups(tend):
    tend.write(BASIC)
    tend.up()
    for name in ["web.0", "web.1", "worker.0", "worker.1", "worker.2"]:
        tend.wait_state(name, "running")
    web_pids = [tend.instance(f"web.{i}")["pid"] for i in range(2)]
    worker_pids = [tend.instance(f"worker.{i}")["pid"] for i in range(3)]

    tend.write(BASIC.replace('"1001"', '"1002"'))
    plan = tend.run("apply", "--plan", check=0).stdout
    assert "~ worker (changed): command changed" in plan
    assert "  web (unchanged)" in plan
    assert [tend.instance(f"worker.{i}")["pid"] for i in range(3)] == worker_pids

    tend.run("apply", check=0)
    wait_until(lambda: all(tend.instance(f"worker.{i}")["pid"] not in (0, worker_pids[i]) for i in range(3)), 15,
               "workers to restart")
    assert [tend.instance(f"web.{i}")["pid"] for i in range(2)] == web_pids


def test_apply_scales_without_restarting_the_rest(tend):
    tend.write(BASIC)
    tend.up()
    keep = tend.wait_state("worker.0", "running")["pid"]
    tend.write(BASIC.replace("instances = 3", "instances = 1"))
    out = tend.run("apply", check=0).stdout
    assert "~ worker (scaled): instances 3 -> 1" in out
    wait_until(lambda: len([m for g in tend.status()["groups"] if g["name"] == "worker" for m in g["members"]]) == 1,
               15, "scale down")
    assert tend.instance("worker.0")["pid"] == keep


def test_after_orders_start_and_stop(tend):
    tend.write("""
app = "e2e"
[process.decider]
command = "sleep 1000"
after = ["web"]
[process.web]
command = "sleep 1000"
""")
    tend.up()
    tend.wait_state("decider.0", "running")
    events = tend.events()
    web_running = next(e["id"] for e in events if e["subject"] == "web.0" and e["detail"] == "running")
    decider_started = next(e["id"] for e in events if e["subject"] == "decider.0" and e["kind"] == "started")
    assert web_running < decider_started
    tend.run("down", check=0)
    # Read the history straight from the database: the daemon is gone.
    db = sqlite3.connect(tend.home / "e2e" / "tend.db")
    rows = db.execute("SELECT id, subject FROM events WHERE kind = 'exited'").fetchall()
    exits = {subject: row_id for row_id, subject in rows}
    assert exits["decider.0"] < exits["web.0"]


def test_environment_variables_and_overlay(tend):
    tend.write("""
app = "e2e"
[defaults]
env = { SHARED = "yes" }
[process.web]
command = ["sh", "-c", "env > env.$TEND_INSTANCE.txt; exec sleep 1000"]
instances = 2
port = 8100
[environment.live]
process.web.env = { MODE = "live" }
""")
    tend.up("--env", "live")
    wait_until(lambda: (tend.app_dir / "env.1.txt").exists() and "PORT" in (tend.app_dir / "env.1.txt").read_text(),
               10, "env file")
    env = dict(line.split("=", 1) for line in (tend.app_dir / "env.1.txt").read_text().splitlines() if "=" in line)
    assert env["TEND_APP"] == "e2e"
    assert env["TEND_PROCESS"] == "web"
    assert env["TEND_INSTANCE"] == "1"
    assert env["PORT"] == "8101"
    assert env["SHARED"] == "yes"
    assert env["MODE"] == "live"


def test_commands_never_go_through_a_shell(tend):
    tend.write("""
app = "e2e"
[process.web]
command = "sh -c 'exec sleep 1000' $(touch PWNED) ; touch PWNED2"
""")
    tend.up()
    tend.wait_state("web.0", "running")
    assert not (tend.app_dir / "PWNED").exists()
    assert not (tend.app_dir / "PWNED2").exists()


def test_second_up_changes_nothing(tend):
    tend.write(BASIC)
    tend.up()
    pid = tend.status()["daemon"]["pid"]
    out = tend.run("up", check=0).stdout
    assert "nothing to change" in out
    assert tend.status()["daemon"]["pid"] == pid


def test_daemon_killed_loses_no_history_and_recovers(tend):
    tend.write(BASIC)
    tend.up()
    tend.wait_state("worker.0", "running")
    old_daemon = tend.status()["daemon"]["pid"]
    old_worker = tend.instance("worker.0")["pid"]
    before = tend.events(limit=10000)
    os.kill(old_daemon, signal.SIGKILL)
    wait_until(lambda: not alive(old_daemon), 10, "daemon to die")
    # The stale socket file is still there; a new daemon takes over.
    assert (tend.home / "e2e" / "tend.sock").exists()
    tend.up()
    assert tend.status()["daemon"]["pid"] != old_daemon
    wait_until(lambda: not alive(old_worker), 10, "leftover instance to be ended")
    after = tend.events(limit=10000)
    assert [e["id"] for e in after[:len(before)]] == [e["id"] for e in before]
    assert any(e["kind"] == "leftover-killed" for e in after)
    db = sqlite3.connect(tend.home / "e2e" / "tend.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_second_daemon_is_refused(tend):
    tend.write(BASIC)
    tend.up()
    result = tend.run("daemon", timeout=20)
    assert result.returncode == 1
    assert 'a tend daemon for app "e2e" is already running' in result.stderr


def test_a_group_removed_and_back_while_it_still_stops_keeps_one_writer_on_its_log(tend):
    # The group ignores TERM, so it takes its stop_timeout to go.
    stubborn = """
[process.stubborn]
command = ["sh", "-c", "trap '' TERM; echo up; exec sleep 1000"]
stop_timeout = "4s"
"""
    base = 'app = "e2e"\n[process.idle]\ncommand = "sleep 1000"\n'
    tend.write(base + stubborn)
    tend.up()
    tend.wait_state("stubborn.0", "running")
    tend.write(base)
    tend.run("apply", check=0)
    tend.write(base + stubborn)
    tend.run("apply", check=0)
    daemon = tend.status()["daemon"]["pid"]
    log = str(tend.home / "e2e" / "logs" / "stubborn.log")
    writers = [fd for fd in os.listdir(f"/proc/{daemon}/fd") if os.path.realpath(f"/proc/{daemon}/fd/{fd}") == log]
    assert len(writers) == 1, f"{len(writers)} open descriptors on {log}"
    wait_until(lambda: open(log).read().count(" out: up") == 2, 10, "the new instance to write")


def kill_daemon(tend):
    daemon = tend.status()["daemon"]["pid"]
    os.kill(daemon, signal.SIGKILL)
    wait_until(lambda: not alive(daemon), 10, "the daemon to die")


def member_pids(tend, group):
    return {m["pid"] for g in tend.status()["groups"] if g["name"] == group for m in g["members"] if m["pid"]}


def test_a_daemon_killed_after_a_rolling_restart_leaves_no_old_instance(tend):
    # Issue 13 item 0: the successor's record replaced its predecessor's, whose
    # exit then erased it; the next daemon left the instances running.
    marker = f"rolled-{uuid.uuid4().hex}"
    tend.write(f"""
app = "e2e"
[process.web]
command = ["python3", "-c", "import time; time.sleep(1000)", "{marker}"]
instances = 2
""")
    tend.up()
    for index in range(2):
        tend.wait_state(f"web.{index}", "running")
    first = member_pids(tend, "web")
    tend.run("restart", "web", check=0, timeout=60)
    wait_until(lambda: not any(alive(pid) for pid in first), 15, "the replaced instances to stop")
    second = member_pids(tend, "web")
    assert len(second) == 2 and not first & second
    kill_daemon(tend)
    tend.up()
    wait_until(lambda: not any(alive(pid) for pid in second), 15, "the leftover instances to be ended")
    for index in range(2):
        tend.wait_state(f"web.{index}", "running")
    assert len(pids_with_marker(marker)) == 2
    killed = [e for e in tend.events(limit=10000) if e["kind"] == "leftover-killed"]
    assert {e["subject"] for e in killed} == {"web.0", "web.1"}, killed


def test_a_listen_group_comes_back_after_a_rolling_restart_and_a_daemon_kill(tend):
    # Issue 13 item 0: the orphans held the port, so the next daemon could not bind it.
    port = free_port()
    tend.write(f"""
app = "e2e"
[process.web]
command = ["python3", "{APPS}/fd_server.py"]
listen = ["127.0.0.1:{port}"]
ready = {{ notify = true, timeout = "20s" }}
instances = 2
""")
    tend.up()
    for index in range(2):
        tend.wait_state(f"web.{index}", "running")
    tend.run("restart", "web", check=0, timeout=60)
    second = member_pids(tend, "web")
    kill_daemon(tend)
    tend.up()
    wait_until(lambda: not any(alive(pid) for pid in second), 15, "the leftover instances to be ended")
    for index in range(2):
        tend.wait_state(f"web.{index}", "running")
    third = member_pids(tend, "web")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        assert int(response.read().decode().split()[1]) in third


def test_a_stopped_instance_shows_no_memory_or_cpu(tend):
    # Issue 13 item 17: `pid 0` with the last run's RSS.
    tend.write(BASIC)
    tend.up()
    wait_until(lambda: tend.instance("worker.0")["rss_bytes"] > 0, 10, "a memory sample")
    tend.run("stop", "worker.0", check=0)
    member = tend.instance("worker.0")
    assert member["state"] == "stopped" and member["pid"] == 0
    assert member["rss_bytes"] == 0 and member["cpu_percent"] == 0 and member["processes"] == 0, member


def test_a_rolling_replacement_marks_the_old_and_the_new_instance(tend):
    # Issue 13 item 27: two rows named web.0 both read `running`.
    tend.write("""
app = "e2e"
[process.web]
command = ["sleep", "1000"]
ready = { exec = ["test", "-e", "go"], every = "100ms" }
""")
    (tend.app_dir / "go").write_text("")
    tend.up()
    old = tend.wait_state("web.0", "running")["pid"]
    (tend.app_dir / "go").unlink()
    restart = subprocess.Popen([BINARY, "restart", "web"], cwd=tend.app_dir, env=tend.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = wait_until(lambda: len(m := [m for g in tend.status()["groups"] for m in g["members"]]) == 2 and m, 15,
                      "a successor")
    roles = {m["pid"]: m["rollout"] for m in rows}
    assert roles[old] == "old", rows
    assert [m["rollout"] for m in rows if m["pid"] != old] == ["new"], rows
    table = tend.run("status", check=0).stdout
    assert "running (old)" in table and "starting (new)" in table, table
    (tend.app_dir / "go").write_text("")
    wait_until(lambda: len(rows := tend.status()["groups"][0]["members"]) == 1 and rows[0]["pid"] != old, 20,
               "the switch")
    assert tend.status()["groups"][0]["members"][0]["rollout"] is None
    assert restart.wait(timeout=30) == 0
