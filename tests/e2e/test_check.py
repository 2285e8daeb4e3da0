"""`tend check` and bad input: file:line:col, exit code 2, nothing started."""

import os

import pytest


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
     ":3:11: cwd /no/such/dir is not a directory"),
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
