"""Environments (--env, [environment.NAME]): part of the identity of everything
tend runs, for `tend up`, `tend apply` and a foreground `tend daemon`."""

import json
import subprocess

from conftest import BINARY, pids_with_marker, wait_until

BOT = """
app = "bot"
[process.worker]
command = ["sh", "-c", "echo {env} $TEND_ENV $TEND_APP >> worker-{env}.txt; sleep 1000", "{env}-MARK"]
instances = 2

[job.once]
command = ["sh", "-c", "echo {env} $TEND_ENV $TEND_APP > job.txt"]

[environment.dev]
[environment.live]
"""


def marked(tend, environment):
    return pids_with_marker(f"{environment}-MARK-{tend.root.name}")


def test_a_change_of_environment_replaces_every_instance(tend):
    # B2: `tend up --env dev` then `tend up --env live` said "nothing to change" and every worker kept `-e dev`.
    tend.write(BOT.replace("-MARK", "-MARK-" + tend.root.name))
    tend.up("--env", "dev")
    wait_until(lambda: len(marked(tend, "dev")) == 2, 15, "two dev workers")
    result = tend.up("--env", "live")
    assert "~ worker (changed): environment dev -> live" in result.stdout, result.stdout
    assert "~ job once (changed): environment dev -> live" in result.stdout, result.stdout
    wait_until(lambda: len(marked(tend, "live")) == 2 and not marked(tend, "dev"), 30, "every worker to run live")
    assert tend.status()["environment"] == "live"
    assert (tend.app_dir / "worker-live.txt").read_text().splitlines() == ["live live bot"] * 2
    # Every command gets TEND_ENV and TEND_APP, job runs too.
    tend.run("run", "once", "--wait", check=0)
    assert (tend.app_dir / "job.txt").read_text() == "live live bot\n"
    assert "nothing to change" in tend.up("--env", "live").stdout


APP_PER_ENVIRONMENT = """
app = "bot"
[process.worker]
command = ["sleep", "1000"]
instances = {instances}

[environment.live]
app = "bot-live"
"""


def test_a_foreground_daemon_takes_the_environments_app_and_says_why_it_stops(tend):
    # B3: `tend daemon PATH --env live` opened the state of "bot", refused the file and exited 2 printing nothing.
    tend.write(APP_PER_ENVIRONMENT.format(instances=1))
    daemon = subprocess.Popen([BINARY, "daemon", "tend.toml", "--env", "live"], cwd=tend.app_dir, env=tend.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tend.daemon_pids.add(daemon.pid)
        wait_until(lambda: tend.run("--app", "bot-live", "status").returncode == 0, 15, "the bot-live daemon")
        status = json.loads(tend.run("--app", "bot-live", "status", "--json", check=0).stdout)
        assert status["app"] == "bot-live" and status["environment"] == "live", status
        assert not (tend.home / "bot").exists(), "no state is made for the file's base app"
        # `tend apply --env live` goes to the same daemon.
        tend.write(APP_PER_ENVIRONMENT.format(instances=2))
        applied = tend.run("apply", "--env", "live", check=0)
        assert "~ worker (scaled): instances 1 -> 2" in applied.stdout, applied.stdout
        tend.run("--app", "bot-live", "down", check=0)
        daemon.wait(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()

    # A file the daemon refuses: the reason reaches its stderr (what journald keeps), exit 2.
    tend.write(APP_PER_ENVIRONMENT.format(instances='"two"'))
    refused = subprocess.run([BINARY, "daemon", "tend.toml", "--env", "live"], cwd=tend.app_dir, env=tend.env,
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2, refused
    assert "tend.toml:5:13: instances: expected an integer" in refused.stderr, refused.stderr
