"""`tend check` and bad input: file:line:col, exit code 2, nothing started."""

import os
import socket
import subprocess
import urllib.request

import pytest

from conftest import alive


CASES = [
    ("malformed toml", 'app = "e2e"\n[process.web\ncommand = "true"\n', ":2:13:"),
    ("unknown key", 'app = "e2e"\n[process.web]\ncommand = "true"\ninstanses = 2\n',
     ':4:1: unknown key "instanses" in [process.web] (did you mean "instances"?)'),
    ("wrong type", 'app = "e2e"\n[process.web]\ncommand = "true"\ninstances = "2"\n',
     ":4:13: instances: expected an integer, found a string"),
    ("bad duration", 'app = "e2e"\n[process.web]\ncommand = "true"\nstop_timeout = "5 minutes"\n',
     ':4:16: stop_timeout: invalid duration "5 minutes"'),
    ("missing command", 'app = "e2e"\n[process.web]\ninstances = 1\n', ":2:1: [process.web] has no command"),
    ("missing binary", 'app = "e2e"\n[process.web]\ncommand = "./no-such-server --port 1"\n',
     ':3:11: command: "./no-such-server" not found'),
    ("missing cwd", 'app = "e2e"\n[process.web]\ncommand = "true"\ncwd = "/no/such/dir"\n',
     ':3:11: cwd "/no/such/dir" is not a directory'),
    ("unknown user", 'app = "e2e"\n[process.web]\ncommand = "true"\nuser = "no-such-user-x"\n',
     ':4:8: user: unknown user "no-such-user-x"'),
    ("cyclic after", 'app = "e2e"\n[process.a]\ncommand = "true"\nafter = ["b"]\n[process.b]\ncommand = "true"\nafter = ["a"]\n',
     ":2:1: after: cycle a -> b -> a"),
    ("unknown after", 'app = "e2e"\n[process.a]\ncommand = "true"\nafter = ["c"]\n',
     ':2:1: after: unknown process "c" in [process.a]'),
]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_check_reports_file_line_col(tend, name, text, expected):
    path = tend.write(text)
    result = tend.run("check")
    assert result.returncode == 2, result
    assert f"{path}{expected}" in result.stderr, result.stderr


def test_up_with_a_bad_file_starts_nothing(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "true"\ninstanses = 2\n')
    result = tend.run("up")
    assert result.returncode == 2
    assert "tend.toml:4:1:" in result.stderr
    assert not (tend.home / "e2e" / "tend.sock").exists()


def test_bad_file_on_apply_keeps_everything_running(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\n')
    tend.up()
    pid = tend.wait_state("web.0", "running")["pid"]
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\nrestart = "sometimes"\n')
    result = tend.run("apply")
    assert result.returncode == 2
    assert ':4:11: restart: restart must be "always", "on-failure" or "never"' in result.stderr
    assert tend.instance("web.0")["pid"] == pid
    assert tend.instance("web.0")["state"] == "running"


def test_secret_file_must_not_be_world_readable(tend):
    secrets = tend.write("TOKEN=s3cret\n", "secrets.env")
    os.chmod(secrets, 0o644)
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\nenv_file = "secrets.env"\n')
    result = tend.run("check")
    assert result.returncode == 2
    assert "has mode 0644" in result.stderr and "chmod 600" in result.stderr
    os.chmod(secrets, 0o600)
    tend.run("check", check=0)
    tend.up()
    tend.wait_state("web.0", "running")
    # Secrets never appear in what tend shows.
    assert "s3cret" not in tend.run("status", "--json", check=0).stdout
    assert "s3cret" not in tend.run("status", "--events", "-n", "500", check=0).stdout


def test_unknown_command_suggests(tend):
    result = tend.run("stauts")
    assert result.returncode == 2
    assert 'did you mean "status"?' in result.stderr


def test_unknown_environment(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "true"\n[environment.live]\nprocess.web.instances = 2\n')
    result = tend.run("check", "--env", "staging")
    assert result.returncode == 2
    assert 'unknown environment "staging" (the file defines: live)' in result.stderr


def test_status_without_daemon_says_so(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "true"\n')
    result = tend.run("status")
    assert result.returncode == 1
    assert "no daemon is running" in result.stderr


# Issue 13 item 1 (F1): a cron step near INT_MAX crashed `check`, `calendar` and the daemon.
CRON_CASES = [
    ("5/2147483647 * * * *", 'bad step "2147483647" in minute: larger than the field\'s range 0-59'),
    ("* * * * 6/2147483647", 'bad step "2147483647" in day of week: larger than the field\'s range 0-6'),
    ("* 7-7 */2147483647 * *", 'bad step "2147483647" in day of month: larger than the field\'s range 1-31'),
    ("1-5/2147483647 * * * *", 'bad step "2147483647" in minute'),
    ("*/1000 * * * *", 'bad step "1000" in minute: larger than the field\'s range 0-59 (the largest step is 59)'),
    ("*/60 * * * *", 'bad step "60" in minute'),
    ("every 1500ms", "every: the period must be whole seconds, not 1s500ms"),
    ("every 1000000000w", 'duration "1000000000w" is longer than the limit of 3650d'),
]


@pytest.mark.parametrize("expression,reason", CRON_CASES, ids=[c[0] for c in CRON_CASES])
def test_bad_schedules_are_refused_with_the_reason(tend, expression, reason):
    path = tend.write(f'app = "e2e"\n[job.j]\ncommand = "true"\nschedule = "{expression}"\n')
    result = tend.run("check")
    assert result.returncode == 2, result
    assert f"{path}:4:12: schedule: {reason}" in result.stderr, result.stderr
    calendar = tend.run("calendar", expression)
    assert calendar.returncode == 2, calendar
    assert reason in calendar.stderr, calendar.stderr


def test_apply_of_a_bad_schedule_leaves_the_daemon_running(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\n')
    tend.up()
    pid = tend.wait_state("web.0", "running")["pid"]
    daemon = tend.status()["daemon"]["pid"]
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\n'
               '[job.j]\ncommand = "true"\nschedule = "1/2147483647 * * * *"\n')
    result = tend.run("apply")
    assert result.returncode == 2, result
    assert ':6:12: schedule: bad step "2147483647" in minute' in result.stderr, result.stderr
    assert tend.status()["daemon"]["pid"] == daemon
    assert tend.instance("web.0")["pid"] == pid


BAD_VALUES = [
    # Issue 13 item 8 (F20): a step name with a newline forged log records.
    ("step name", '[job.j]\nsteps = [{ name = "a\\n2026-01-01T00:00:00.000000Z web.0 out: FORGED", command = "true" }]\n',
     ':3:9: steps: step name "a\\n2026-01-01T00:00:00.000000Z web.0 out: FORGED" may contain only letters'),
    # Issue 13 item 15 (F20): env keys that break PATH, empty ones, non-strings.
    ("env key with =", '[process.w]\ncommand = "true"\nenv = { "PATH=/evil:" = "x" }\n',
     ':4:7: env: "PATH=/evil:" is not a variable name'),
    ("empty env key", '[process.w]\ncommand = "true"\nenv = { "" = "1" }\n', ":4:7: env: a variable name is empty"),
    ("env integer", '[process.w]\ncommand = "true"\nenv = { A = 1 }\n',
     ':4:7: env: A: expected a string, found an integer (quote it: A = "...")'),
    # Issue 13 item 14 (F15-F17): numbers that cannot be represented.
    ("timeout overflow", '[job.j]\ncommand = "true"\ntimeout = "16000w"\n',
     ':4:11: timeout: duration "16000w" is longer than the limit of 3650d'),
    ("negative stop_timeout", '[process.w]\ncommand = "true"\nstop_timeout = "'
     + "2305843009213693951ms" * 5 + '"\n', ":4:16: stop_timeout: duration"),
    ("rate too slow", '[job.j]\ncommand = "true"\nrate = "1e-12/s"\n', ':4:8: rate: rate "1e-12/s" is not N/s'),
    ("rate nan", '[job.j]\ncommand = "true"\nrate = "nan/s"\n', ':4:8: rate: rate "nan/s" is not N/s'),
    ("rate padded", '[job.j]\ncommand = "true"\nrate = " 1/s"\n', ':4:8: rate: rate " 1/s" is not N/s'),
    # F20: PORT=65537.
    ("port past 65535", '[process.w]\ncommand = "true"\nport = 65535\ninstances = 3\n',
     ":4:8: port: 3 instances from port 65535 need ports up to 65537, past 65535"),
    # Issue 13 item 25 (F5): a port group cannot roll.
    ("rolling with port", '[process.w]\ncommand = "true"\nport = 8080\nrollout = "rolling"\n',
     ":5:11: rollout: [process.w] has port and no listen, so it cannot roll"),
]


@pytest.mark.parametrize("name,body,expected", BAD_VALUES, ids=[c[0] for c in BAD_VALUES])
def test_bad_values_are_refused_where_they_are_written(tend, name, body, expected):
    path = tend.write('app = "e2e"\n' + body)
    result = tend.run("check")
    assert result.returncode == 2, result
    assert f"{path}{expected}" in result.stderr, result.stderr


# Issue 13 item 15 (F20): a typo in an environment passed `tend check` and failed only with --env.
def test_check_validates_every_environment(tend):
    path = tend.write('app = "e2e"\n[process.a]\ncommand = "true"\n'
                      '[environment.live]\nprocess.a.instanses = 9\nprocess.b.instances = 2\n')
    for args in (["check"], ["up"]):
        result = tend.run(*args)
        assert result.returncode == 2, result
        assert f'{path}:5:11: unknown key "instanses" in [process.a] (did you mean "instances"?) (with --env live)' in result.stderr, result.stderr
        assert (f'{path}:6:9: [environment.live] sets process.b, but the file has no [process.b] '
                '(did you mean "a"?) (with --env live)') in result.stderr, result.stderr


# Issue 13 item 9 (F20): an env_file error echoed part of the secret line.
def test_a_bad_secret_file_line_is_located_never_quoted(tend):
    secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7SECRETKEYMATERIAL+ab=="
    secrets = tend.write(f"TOKEN=1\n{secret}\n", "secrets.env")
    os.chmod(secrets, 0o600)
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\nenv_file = "secrets.env"\n')
    result = tend.run("check")
    assert result.returncode == 2, result
    assert f":4:12: env_file: {secrets}:2:70: invalid variable name" in result.stderr, result.stderr
    assert "SECRET" not in result.stderr and "MIIE" not in result.stderr, result.stderr


# Issue 13 item 9 (F20): a 5 MB command was echoed in full in "not found in PATH".
def test_errors_quote_only_an_excerpt(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "' + "x" * 5_000_000 + '"\n')
    result = tend.run("check")
    assert result.returncode == 2, result
    assert len(result.stderr) < 1000, result.stderr[:1000]
    assert "(5000000 bytes) not found in PATH" in result.stderr, result.stderr


# Issue 13 item 25 (F5): with port and no listen, a rolling restart always failed (EADDRINUSE).
def test_a_port_group_is_replaced_stop_first_and_check_says_so(tend):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tend.write(f"""
app = "e2e"
[process.web]
command = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "{{port}}"]
port = {port}
ready = {{ tcp = true, timeout = "10s" }}
""")
    check = tend.run("check", check=0)
    assert (f'{path}:3:1: [process.web] has port and no listen: restarts and deploys stop each instance before '
            f'starting its successor (rollout = "stop-first", a short gap); for zero downtime let tend hold the '
            f'socket: listen = "0.0.0.0:{port}"') in check.stdout, check.stdout
    tend.up()
    first = tend.wait_state("web.0", "running")["pid"]
    tend.run("restart", "web", check=0)
    second = tend.wait_state("web.0", "running")["pid"]
    assert second != first and not alive(first)
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).status == 200


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=tend", "-c", "user.email=tend@localhost", *args],
                   check=True, capture_output=True)


def app_with_a_built_program(repo, build, program=".venv/bin/web"):
    return f"""
app = "e2e"
[process.web]
command = ["{program}"]
[deploy]
source = "{repo}"
build = [{build}]
"""


# Issue 13 item 25 (B6): the README's example failed `tend check` and a first `tend up` because
# `.venv/bin/gunicorn` does not exist before [deploy].build creates it.
def test_a_program_the_build_creates_is_checked_after_the_build(tend, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    makes_it = ('["sh", "-c", "mkdir -p .venv/bin && printf \'#!/bin/sh\\\\nexec sleep 1000\\\\n\' > .venv/bin/web '
                '&& chmod +x .venv/bin/web"]')
    (repo / "tend.toml").write_text(app_with_a_built_program(repo, makes_it))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    path = tend.write(app_with_a_built_program(repo, makes_it))
    check = tend.run("check", check=0)
    assert (f'{path}:4:11: command: ".venv/bin/web" does not exist yet; a deploy checks it after [deploy].build'
            in check.stdout), check.stdout
    tend.up()
    tend.wait_state("web.0", "running")

    # A release whose program the build does not make fails at the load of its own file, after the build.
    (repo / "tend.toml").write_text(app_with_a_built_program(repo, makes_it, program=".venv/bin/other"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v2")
    result = tend.run("deploy", timeout=180)
    assert result.returncode == 1, result
    assert "the release's app file is not valid" in result.stderr, result.stderr
    assert ':4:11: command: ".venv/bin/other" not found' in result.stderr, result.stderr
    assert tend.instance("web.0")["state"] == "running"
