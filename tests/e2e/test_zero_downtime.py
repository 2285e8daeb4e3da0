"""Readiness, health, sockets and rolling replacement, with real web servers
under load on 127.0.0.1."""

import shutil
import socket

import pytest

from conftest import APPS, Load, alive, wait_until


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_app(port, version="v1", extra="", flag=""):
    # gunicorn takes fd 3 from --bind fd://3 and again from LISTEN_FDS, and the
    # second take fails (it closes the fd after the first); so LISTEN_FDS is
    # dropped here and --bind fd://3 is what passes the socket.
    return f"""
app = "e2e"
[process.web]
command = ["env", "-u", "LISTEN_FDS", "gunicorn", "--bind", "fd://3", "--workers", "2", "--graceful-timeout", "10", "--chdir", "{APPS}", "wsgi_app:app"]
listen = ["127.0.0.1:{port}"]
ready = {{ notify = true, timeout = "30s" }}
instances = 2
env = {{ VERSION = "{version}", UNHEALTHY_FLAG = "{flag}" }}
stop_timeout = "15s"
{extra}
"""


def node_app(port):
    return f"""
app = "e2e"
[process.web]
command = ["node", "{APPS}/server.js"]
listen = ["127.0.0.1:{port}"]
ready = {{ http = "/healthz" }}
instances = 2
"""


def restart_twice_under_load(tend, port):
    with Load(port) as load:
        load.wait_for_requests(50)
        for _ in range(2):
            before = {tend.instance(f"web.{i}")["pid"] for i in range(2)}
            tend.run("restart", "web", check=0, timeout=120)
            after = {tend.instance(f"web.{i}")["pid"] for i in range(2)}
            assert not before & after, "every instance was replaced"
            load.wait_for_requests(50)
    assert load.count >= 150
    assert load.failures == [], f"{len(load.failures)} of {load.count} requests failed: {load.failures[:5]}"
    return load


@pytest.mark.skipif(not shutil.which("gunicorn"), reason="gunicorn is installed by scripts/deps.sh test")
def test_gunicorn_restarts_twice_under_load_without_a_failed_request(tend):
    port = free_port()
    tend.write(gunicorn_app(port))
    tend.up()
    tend.wait_state("web.1", "running", timeout=30)
    restart_twice_under_load(tend, port)


@pytest.mark.skipif(not shutil.which("node"), reason="node is installed by scripts/deps.sh test")
def test_node_restarts_twice_under_load_without_a_failed_request(tend):
    port = free_port()
    tend.write(node_app(port))
    tend.up()
    tend.wait_state("web.1", "running", timeout=30)
    restart_twice_under_load(tend, port)


def test_sockets_are_passed_with_the_systemd_variables(tend):
    port = free_port()
    tend.write(f"""
app = "e2e"
[process.web]
command = ["sh", "-c", "echo $LISTEN_FDS $LISTEN_FDNAMES $LISTEN_PID $$ > fds.txt; exec sleep 1000"]
listen = ["127.0.0.1:{port}", "unix:{tend.root}/web.sock"]
""")
    tend.up()
    wait_until(lambda: (tend.app_dir / "fds.txt").exists(), 10, "the process to start")
    fds, names, listen_pid, pid = (tend.app_dir / "fds.txt").read_text().split()
    assert (fds, names) == ("2", "web:web")
    assert listen_pid == pid
    # The sockets belong to tend: connections queue even with no process accepting.
    tend.run("stop", "web", check=0)
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


@pytest.mark.skipif(not shutil.which("gunicorn"), reason="gunicorn is installed by scripts/deps.sh test")
def test_a_successor_that_crashes_is_rolled_back_while_the_old_ones_serve(tend):
    port = free_port()
    tend.write(gunicorn_app(port))
    tend.up()
    tend.wait_state("web.1", "running", timeout=30)
    old = {tend.instance(f"web.{i}")["pid"] for i in range(2)}
    with Load(port) as load:
        load.wait_for_requests(30)
        broken = gunicorn_app(port).replace('"wsgi_app:app"', '"no_such_module:app"')
        tend.write(broken)
        tend.run("apply", check=0)
        wait_until(lambda: next(g for g in tend.status()["groups"] if g["name"] == "web")["rollout_error"], 60,
                   "the rollout to fail")
        load.wait_for_requests(30)
    group = next(g for g in tend.status()["groups"] if g["name"] == "web")
    assert "never became ready" in group["rollout_error"]
    assert {tend.instance(f"web.{i}")["pid"] for i in range(2)} == old
    assert all(alive(pid) for pid in old)
    assert load.failures == [], load.failures[:5]
    assert any(e["kind"] == "rollout-failed" for e in tend.events("web"))


def test_readiness_deadline_fails_the_start_and_backs_off(tend):
    tend.write(f"""
app = "e2e"
[process.silent]
command = ["python3", "{APPS}/silent.py"]
ready = {{ notify = true, timeout = "1s" }}
""")
    tend.up()
    wait_until(lambda: any(e["kind"] == "ready-failed" for e in tend.events("silent.0")), 15, "ready-failed")
    detail = next(e["detail"] for e in tend.events("silent.0") if e["kind"] == "ready-failed")
    assert detail.startswith("not ready after 1s")
    wait_until(lambda: tend.instance("silent.0")["restarts"] >= 1, 15, "a retry")


@pytest.mark.skipif(not shutil.which("gunicorn"), reason="gunicorn is installed by scripts/deps.sh test")
def test_failing_health_checks_replace_the_instance(tend):
    port = free_port()
    flag = tend.app_dir / "unhealthy"
    tend.write(gunicorn_app(port, extra='health = { http = "/healthz", every = "200ms", fails = 3, timeout = "2s" }\n'
                            'instances = 1\n', flag=flag).replace("instances = 2\n", ""))
    tend.up()
    first = tend.wait_state("web.0", "running", timeout=30)["pid"]
    flag.write_text("")
    wait_until(lambda: any(e["kind"] == "recycle" and "unhealthy" in e["detail"] for e in tend.events("web.0")), 20,
               "the health failure to be acted on")
    flag.unlink()
    wait_until(lambda: (m := tend.instance("web.0"))["pid"] not in (0, first) and m["state"] == "running", 30,
               "a new instance")
    kinds = [e["kind"] for e in tend.events("web.0")]
    assert kinds.count("health-failed") >= 3
    wait_until(lambda: not alive(first), 20, "the unhealthy instance to stop")


def test_memory_limit_recycles_the_instance(tend):
    tend.write(f"""
app = "e2e"
[process.hog]
command = ["python3", "{APPS}/hog.py"]
max_memory = "40MiB"
""")
    tend.up()
    first = tend.wait_state("hog.0", "running")["pid"]
    wait_until(lambda: any(e["kind"] == "recycle" and "over max_memory 40.0MiB" in e["detail"]
                           for e in tend.events("hog.0")), 20, "a memory recycle")
    wait_until(lambda: not alive(first), 20, "the old instance to stop")


def test_a_memory_limit_below_the_apps_size_backs_off_into_a_crash_loop(tend):
    # Issue 13 item 18: recycled every 2-3s for ever, with restarts = 0, no backoff and no warning.
    tend.write(f"""
app = "e2e"
[process.hog]
command = ["python3", "{APPS}/hog.py"]
max_memory = "40MiB"
max_backoff = "800ms"
""")
    tend.up()

    def looping():
        members = [m for g in tend.status()["groups"] for m in g["members"] if m["name"] == "hog.0"]
        return next((m for m in members if m["state"] == "crash-looping"), None)

    member = wait_until(looping, 90, "the recycles to reach the backoff cap")
    assert member["pid"] > 0 and alive(member["pid"]), "it serves while its recycle waits"
    assert member["restarts"] >= 3, member
    assert member["last_exit"].startswith("recycled: memory"), member
    assert member["retry_in_ms"] is not None
    details = [e["detail"] for e in tend.events("hog.0") if e["kind"] == "recycle"]
    assert any("quick recycles in a row, the next in 800ms (crash-looping)" in d for d in details), details


def test_a_successor_that_cannot_start_fails_the_restart_at_once_with_its_last_lines(tend):
    # Issue 13 item 27: the cause (ModuleNotFoundError) was not in the message.
    worker = tend.app_dir / "worker.py"
    worker.write_text("import time\nprint('worker up', flush=True)\ntime.sleep(1000)\n")
    tend.write('app = "e2e"\n[process.worker]\ncommand = ["python3", "worker.py"]\ninstances = 2\n')
    tend.up()
    old = {tend.wait_state(f"worker.{i}", "running")["pid"] for i in range(2)}
    worker.write_text("import nothere\n")
    result = tend.run("restart", "worker", check=1, timeout=60)
    assert "worker.0 never became ready: exited before it was ready (exit 1); last output: " in result.stderr
    assert "ModuleNotFoundError: No module named 'nothere'; the old instance keeps serving" in result.stderr
    assert {tend.instance(f"worker.{i}")["pid"] for i in range(2)} == old
    assert all(alive(pid) for pid in old)


@pytest.mark.skipif(not shutil.which("gunicorn"), reason="gunicorn is installed by scripts/deps.sh test")
def test_gunicorn_whose_workers_cannot_boot_never_goes_live_with_notify_and_an_instance_probe(tend):
    # Issue 13 item 26: gunicorn's master says READY=1 before its workers import
    # the app, and a probe through the shared socket is answered by the old
    # instances; the safe setup waits for both, probing this instance's own socket.
    port = free_port()
    flag = tend.app_dir / "broken"
    tend.write(f"""
app = "e2e"
[process.web]
command = ["gunicorn", "--workers", "2", "--graceful-timeout", "10", "--chdir", "{APPS}", "boot_app:app"]
listen = ["127.0.0.1:{port}"]
ready = {{ notify = true, http = "/healthz", instance_socket = true, timeout = "30s" }}
instances = 2
env = {{ BROKEN_FLAG = "{flag}" }}
stop_timeout = "15s"
""")
    tend.up()
    old = {tend.wait_state(f"web.{i}", "running", timeout=30)["pid"] for i in range(2)}
    with Load(port) as load:
        load.wait_for_requests(30)
        flag.write_text("")
        result = tend.run("restart", "web", check=1, timeout=120)
        load.wait_for_requests(30)
    assert "web.0 never became ready: exited" in result.stderr, result.stderr
    assert "RuntimeError: boom: missing config" in result.stderr, result.stderr
    assert {tend.instance(f"web.{i}")["pid"] for i in range(2)} == old
    assert all(alive(pid) for pid in old)
    assert load.failures == [], load.failures[:5]
    # Once the release can boot, the same setup goes live.
    flag.unlink()
    tend.run("restart", "web", check=0, timeout=120)
    assert not {tend.instance(f"web.{i}")["pid"] for i in range(2)} & old


def test_port_in_use_is_a_clear_error_and_changes_nothing(tend):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        tend.write(f'app = "e2e"\n[process.web]\ncommand = "sleep 1000"\nlisten = ["127.0.0.1:{port}"]\n')
        result = tend.run("up")
        assert result.returncode != 0
        assert f"listen 127.0.0.1:{port}: Address already in use" in result.stderr
        assert tend.status()["groups"] == []


def test_unix_socket_in_a_missing_directory_is_a_clear_error(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\nlisten = ["unix:/no/such/dir/web.sock"]\n')
    result = tend.run("up")
    assert result.returncode != 0
    assert "listen unix:/no/such/dir/web.sock: No such file or directory" in result.stderr


def test_a_check_url_that_never_answers_fails_readiness(tend):
    port = free_port()
    tend.write(f"""
app = "e2e"
[process.mute]
command = "sleep 1000"
port = {port}
ready = {{ http = "/healthz", timeout = "1s", every = "100ms" }}
""")
    tend.up()
    wait_until(lambda: any(e["kind"] == "ready-failed" for e in tend.events("mute.0")), 15, "ready-failed")
    detail = next(e["detail"] for e in tend.events("mute.0") if e["kind"] == "ready-failed")
    assert detail.startswith("not ready after 1s (last check: connect: Connection refused)"), detail
    wait_until(lambda: tend.instance("mute.0")["restarts"] >= 1, 15, "a retry with backoff")


def test_an_apply_whose_second_bind_fails_changes_no_group(tend):
    ports = [free_port() for _ in range(3)]
    app = """
app = "e2e"
[process.a]
command = "sleep 1000"
listen = ["127.0.0.1:{a}"]
[process.b]
command = "sleep 1000"
listen = ["127.0.0.1:{b}"]
"""
    tend.write(app.format(a=ports[0], b=ports[1]))
    tend.up()
    pid = tend.wait_state("a.0", "running")["pid"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        # a moves to a free port, b to a taken one: the whole apply must fail.
        tend.write(app.format(a=ports[2], b=busy))
        result = tend.run("apply")
        assert result.returncode != 0
        assert f"listen 127.0.0.1:{busy}: Address already in use" in result.stderr
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", ports[2]), timeout=2).close()
    socket.create_connection(("127.0.0.1", ports[0]), timeout=2).close()
    assert tend.instance("a.0")["pid"] == pid
    assert not tend.status()["groups"][0]["replacing"]
    # The same move without the conflict goes through, and the old address is let go.
    tend.write(app.format(a=ports[2], b=ports[1]))
    assert "listen changed" in tend.run("apply", check=0).stdout
    wait_until(lambda: (m := tend.instance("a.0"))["pid"] not in (0, pid) and m["state"] == "running", 20, "a new a.0")
    socket.create_connection(("127.0.0.1", ports[2]), timeout=2).close()
    wait_until(lambda: not alive(pid), 20, "the old a.0 to stop")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", ports[0]), timeout=2).close()
