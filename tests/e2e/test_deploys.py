"""Deploys from a local git repository of a real app: releases, the rolling
switch under load on 127.0.0.1, automatic rollback, `tend rollback`, no
deploy window for jobs, and every way a deploy can fail with the live release
untouched."""

import json
import os
import shutil
import signal
import socket
import subprocess
import urllib.request

import pytest

from conftest import APPS, BINARY, Load, alive, pids_with_marker, wait_until

RELEASE_APP = APPS / "release"
needs_gunicorn = pytest.mark.skipif(not shutil.which("gunicorn"), reason="gunicorn is installed by scripts/deps.sh test")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Repo:
    """A git repository the tests commit releases into."""

    def __init__(self, path):
        self.path = path
        path.mkdir()
        self.git("init", "-q", "-b", "main")

    def git(self, *args):
        return subprocess.run(["git", "-C", str(self.path), "-c", "user.name=tend", "-c", "user.email=tend@localhost",
                               *args], check=True, capture_output=True, text=True).stdout.strip()

    def write(self, name, text):
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def remove(self, name):
        (self.path / name).unlink()

    def commit(self, message):
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


def web_app_file(port, repo, extra=""):
    return f"""
app = "e2e"
[process.web]
command = ["env", "-u", "LISTEN_FDS", "gunicorn", "--bind", "fd://3", "--workers", "2", "--graceful-timeout", "10", "--preload", "wsgi:app"]
listen = ["127.0.0.1:{port}"]
ready = {{ notify = true, timeout = "20s" }}
instances = 2
stop_timeout = "15s"

[process.worker]
command = ["python3", "worker.py"]
{extra}
[job.hold]
command = ["python3", "job.py"]

[job.tick]
command = ["true"]
schedule = "every 1s"

[deploy]
source = "{repo}"
check = ["python3 check.py"]
shared = ["uploads"]
keep = 10
"""


def get(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return response.read().decode().split()[0]


def releases(tend):
    return {r["id"]: r for r in json.loads(tend.run("releases", "--json", check=0).stdout)["releases"]}


def deploy(tend, *args, expect=0):
    result = tend.run("deploy", *args, timeout=180)
    assert result.returncode == expect, f"tend deploy exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@needs_gunicorn
def test_deploys_switch_under_load_and_failed_ones_never_take_over(tend, tmp_path):
    port = free_port()
    repo = Repo(tmp_path / "repo")
    for name in ("wsgi.py", "worker.py", "job.py", "check.py"):
        shutil.copy(RELEASE_APP / name, repo.path / name)
    repo.write("version.txt", "v1\n")
    repo.write("tend.toml", web_app_file(port, repo.path))
    v1 = repo.commit("v1")
    tend.write(web_app_file(port, repo.path))

    # A fresh host: `tend up` deploys the configured ref and answers once it is live.
    up = tend.up()
    assert "release 1 (" in up.stdout and "is live" in up.stdout, up.stdout
    assert get(port) == "v1"
    home = tend.home / "e2e"
    assert os.readlink(home / "current") == str(home / "releases" / f"1-{v1[:7]}")
    assert (home / "releases" / f"1-{v1[:7]}" / "uploads").resolve() == home / "shared" / "uploads"

    # A job started in release 1 is held running across the deploy of release 2.
    tend.run("run", "hold", check=0)
    wait_until(lambda: any(r["state"] == "running" for r in json.loads(
        tend.run("history", "hold", "--json", check=0).stdout)["runs"]), 15, "the job to run")

    repo.write("version.txt", "v2\n")
    repo.write("tend.toml", web_app_file(port, repo.path, extra='[process.extra]\ncommand = ["python3", "worker.py"]\n'))
    repo.commit("v2: new code and one more worker")
    with Load(port) as load:
        load.wait_for_requests(30)
        result = deploy(tend)
        assert "release 2 (" in result.stdout and "is live" in result.stdout
        load.wait_for_requests(30)
        assert get(port) == "v2"
        assert load.bodies[-1].startswith("v2")
        assert any(body.startswith("v1") for body in load.bodies)
    assert load.failures == [], f"{len(load.failures)} of {load.count} failed: {load.failures[:5]}"
    assert tend.instance("extra.0")["state"] == "running"

    # The job finishes in its old release; a new run starts in the new one.
    (home / "shared" / "uploads" / "go").write_text("")
    runs_file = home / "shared" / "uploads" / "job-runs.txt"
    wait_until(lambda: runs_file.exists() and runs_file.read_text().count("\n") == 1, 20, "the held job to end")
    tend.run("run", "hold", "--wait", check=0)
    first, second = runs_file.read_text().splitlines()
    assert first.startswith("v1 ") and first.endswith(f"/releases/1-{v1[:7]}"), first
    assert second.startswith("v2 ") and "/releases/2-" in second, second

    # A release whose check fails never switches.
    repo.write("broken", "")
    repo.commit("v3: check fails")
    with Load(port) as load:
        load.wait_for_requests(20)
        result = deploy(tend, expect=1)
        assert "check failed (exit 1): check: this release is broken" in result.stderr, result.stderr
        load.wait_for_requests(20)
    assert load.failures == [], load.failures[:5]
    assert get(port) == "v2"

    # A release whose web never gets ready (--preload: gunicorn imports the app before it says READY)
    # is switched back while the old instances serve.
    repo.remove("broken")
    repo.write("wsgi.py", "raise ImportError('this release cannot start')\n")
    repo.commit("v4: web never ready")
    web_before = {tend.instance(f"web.{i}")["pid"] for i in range(2)}
    with Load(port) as load:
        load.wait_for_requests(20)
        result = deploy(tend, expect=1)
        assert "never became ready" in result.stderr, result.stderr
        load.wait_for_requests(20)
    assert load.failures == [], f"{len(load.failures)} of {load.count} failed: {load.failures[:5]}"
    assert get(port) == "v2"
    assert {tend.instance(f"web.{i}")["pid"] for i in range(2)} == web_before, tend.run("status", "--events", "-n", "60").stdout
    assert all(alive(pid) for pid in web_before)

    states = {n: r["state"] for n, r in releases(tend).items()}
    assert states == {1: "previous", 2: "live", 3: "failed", 4: "failed"}, states
    assert "check failed" in releases(tend)[3]["error"]
    assert os.readlink(home / "current").startswith(str(home / "releases" / "2-"))
    # Failed releases are never rollback targets.
    refused = tend.run("rollback", "3")
    assert refused.returncode == 2 and "failed releases are never rollback targets" in refused.stderr

    # Rolling back to release 1 under load: its app file comes back too (no `extra`).
    with Load(port) as load:
        load.wait_for_requests(20)
        rollback = tend.run("rollback", check=0, timeout=180)
        load.wait_for_requests(30)
    # Only what the rollback did, not release 1's old fetch and build rows (it rebuilds nothing).
    assert [line.split()[0] for line in rollback.stdout.splitlines()[:-1]] == ["rollback"], rollback.stdout
    assert load.failures == [], f"{len(load.failures)} of {load.count} failed: {load.failures[:5]}"
    assert get(port) == "v1"
    assert "extra" not in {g["name"] for g in tend.status()["groups"]}
    states = {n: r["state"] for n, r in releases(tend).items()}
    assert states[1] == "live" and states[2] == "previous", states
    assert os.readlink(home / "current") == str(home / "releases" / f"1-{v1[:7]}")

    # Every step of every deploy is recorded with its outcome and duration.
    steps = releases(tend)[2]["steps"]
    assert [s["kind"] for s in steps if s["kind"] != "fetch"] == ["resolve", "checkout", "checkout", "steps",
                                                                    "shared", "check", "load", "switch"]
    assert all(s["outcome"] == "ok" and s["duration_ms"] is not None for s in steps)
    # The scheduled job fired through all of it, each fire once.
    runs = json.loads(tend.run("history", "tick", "--json", "-n", "1000", check=0).stdout)["runs"]
    nominal = [r["nominal"] for r in runs if r["nominal"]]
    assert len(nominal) == len(set(nominal)) and len(nominal) >= 5


MIGRATION = '"sh -c \'if test -f bad-migration; then echo migration 7 failed >&2; exit 3; fi\'"'


def simple_app_file(repo, build="", timeout="30s", source=None):
    return f"""
app = "e2e"
[process.worker]
command = ["sleep", "1000"]

[job.ingest]
command = ["sh", "-c", 'while [ ! -f uploads/go ]; do sleep 0.05; done; echo "$TEND_ITEM $(pwd)" >> uploads/items.txt']

[deploy]
source = "{source or repo}"
build = [{build}]
release = [{MIGRATION}]
shared = ["uploads"]
timeout = "{timeout}"
"""


@pytest.fixture
def simple(tend, tmp_path):
    repo = Repo(tmp_path / "repo")
    build = '"sh -c \'if test -f hang; then exec sleep 300; fi\'"'
    repo.write("tend.toml", simple_app_file(repo.path, build=build, timeout="2s"))
    repo.commit("v1")
    tend.write(simple_app_file(repo.path, build=build, timeout="2s"))
    tend.up()
    return repo


def assert_release_1_still_live(tend, worker_pid):
    assert {n: r["state"] for n, r in releases(tend).items()}[1] == "live"
    assert tend.instance("worker.0")["pid"] == worker_pid
    assert alive(worker_pid)


def test_each_bad_release_ends_its_deploy_with_a_clear_reason(tend, simple):
    repo = simple
    worker = tend.wait_state("worker.0", "running")["pid"]

    # --plan fetches and reads the release, shows what would change, and changes nothing.
    plan = tend.run("deploy", "--plan", check=0).stdout
    assert "~ worker (changed): new release code\n" in plan and "~ job ingest (changed): new release code" in plan, plan
    assert list(releases(tend)) == [1]
    wait_until(lambda: os.listdir(tend.home / "e2e" / "releases") == [os.path.basename(releases(tend)[1]["directory"])],
               10, "the plan's checkout to go")

    result = deploy(tend, "no-such-branch", expect=1)
    assert 'unknown ref "no-such-branch"' in result.stderr, result.stderr
    refused = deploy(tend, "main..other", expect=2)
    assert '"main..other" is not a branch, tag or commit' in refused.stderr, refused.stderr

    repo.write("hang", "")
    repo.commit("a build that hangs")
    result = deploy(tend, expect=1)
    assert "build timed-out (signal TERM): ran longer than timeout 2s" in result.stderr, result.stderr
    assert not pids_with_marker("exec sleep 300")
    repo.remove("hang")

    bad = simple_app_file(repo.path) + '\n[process.web]\ncommand = "sleep 1"\ninstances = "two"\n'
    repo.write("tend.toml", bad)
    repo.commit("an app file that does not validate")
    result = deploy(tend, expect=1)
    assert "the release's app file is not valid" in result.stderr
    line = bad.splitlines().index('instances = "two"') + 1
    assert f"/tend.toml:{line}:13: instances: expected an integer" in result.stderr, result.stderr
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo.path, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert f"(`git show {sha[:12]}:tend.toml` shows it)" in result.stderr, result.stderr

    repo.write("tend.toml", simple_app_file(repo.path))
    repo.write("bad-migration", "")
    repo.commit("a release step that fails")
    result = deploy(tend, expect=1)
    assert "release failed (exit 3): migration 7 failed" in result.stderr, result.stderr
    repo.remove("bad-migration")

    repo.write("uploads", "a file where a shared directory goes\n")
    repo.commit("a shared path that is a file")
    result = deploy(tend, expect=1)
    assert 'shared path "uploads": it is a file in the repository but a directory in ' in result.stderr, result.stderr

    tend.write(simple_app_file(repo.path, source=tend.root / "no-such-repo"))
    tend.run("apply", check=0)
    result = deploy(tend, expect=1)
    assert "fetch failed (exit 128)" in result.stderr and "no-such-repo" in result.stderr, result.stderr

    assert_release_1_still_live(tend, worker)
    states = [r["state"] for n, r in sorted(releases(tend).items()) if n > 1]
    assert states == ["failed"] * 6, states
    status = tend.run("status", check=0).stdout
    assert "release 1 (main " in status and "last deploy: release 7 failed: fetch failed" in status, status
    # Failed releases leave no directory behind.
    wait_until(lambda: sorted(os.listdir(tend.home / "e2e" / "releases"))[:1] == [
        os.path.basename(releases(tend)[1]["directory"])] and len(os.listdir(tend.home / "e2e" / "releases")) == 1,
        20, "failed release directories to go")
    plan = tend.run("deploy", "--plan")
    assert plan.returncode == 1, "the source is still unreachable"


def test_one_deploy_at_a_time_and_a_killed_daemon_fails_the_deploy(tend, simple):
    repo = simple
    worker = tend.wait_state("worker.0", "running")["pid"]
    repo.write("hang", "")
    repo.commit("slow build")
    tend.write(simple_app_file(repo.path, build='"sh -c \'if test -f hang; then exec sleep 300; fi\'"', timeout="5m"))
    tend.run("apply", check=0)
    slow = subprocess.Popen([BINARY, "deploy"], cwd=tend.app_dir, env=tend.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: (json.loads(tend.run("releases", "--json", check=0).stdout)["in_progress"] or {}).get(
            "phase") == "build", 30, "the build to run")
        second = tend.run("deploy")
        assert second.returncode == 1
        assert "deploy 2 in progress since" in second.stderr and "(build)" in second.stderr, second.stderr
        refused = tend.run("apply")
        assert refused.returncode == 1 and "deploy 2 in progress" in refused.stderr, refused
        daemon = tend.status()["daemon"]["pid"]
        os.kill(daemon, signal.SIGKILL)
        wait_until(lambda: not alive(daemon), 10, "the daemon to die")
    finally:
        slow.wait(timeout=30)
    assert slow.returncode != 0
    tend.up()
    release = releases(tend)[2]
    assert release["state"] == "failed" and "interrupted" in release["error"], release
    assert releases(tend)[1]["state"] == "live"
    wait_until(lambda: not pids_with_marker("exec sleep 300"), 10, "the cut build to be gone")
    # The worker was restarted by the new daemon, from the live release.
    assert tend.wait_state("worker.0", "running")["pid"] != worker
    assert tend.status()["file"] == releases(tend)[1]["file"]
    # Items queued before a deploy are not lost: the one running finishes in its
    # release, the queued ones run in the new one.
    tend.run("feed", "ingest", "a", "b", "c", check=0)
    wait_until(lambda: any(i["state"] == "running" for i in json.loads(
        tend.run("history", "ingest", "--items", "--json", check=0).stdout)["items"]), 15, "item a to run")
    repo.remove("hang")
    repo.write("uploads/.gitkeep", "")
    repo.commit("fast build; uploads is a directory in the repository")
    deploy(tend)
    assert releases(tend)[3]["state"] == "live"
    new_dir = releases(tend)[3]["directory"]
    assert os.readlink(os.path.join(new_dir, "uploads")) == str(tend.home / "e2e" / "shared" / "uploads")
    shared = tend.home / "e2e" / "shared" / "uploads"
    (shared / "go").write_text("")
    wait_until(lambda: (shared / "items.txt").exists() and len((shared / "items.txt").read_text().splitlines()) == 3,
               20, "every item to run")
    ran = dict(line.split() for line in (shared / "items.txt").read_text().splitlines())
    assert ran["a"] == releases(tend)[1]["directory"]
    assert ran["b"] == ran["c"] == new_dir


def test_a_build_that_fills_the_disk_fails_and_gives_the_space_back(tend, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    repo = Repo(tmp_path / "repo")
    build = '"sh -c \'if test -f fill; then dd if=/dev/zero of=big bs=1M count=32; fi\'"'
    repo.write("tend.toml", simple_app_file(repo.path, build=build))
    repo.commit("v1")
    tend.write(simple_app_file(repo.path, build=build))
    releases_dir = tend.home / "e2e" / "releases"
    releases_dir.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(releases_dir)], check=True)
    try:
        tend.up()
        worker = tend.wait_state("worker.0", "running")["pid"]
        repo.write("fill", "")
        repo.commit("a build that fills the disk")
        result = deploy(tend, expect=1)
        assert "build failed (exit 1)" in result.stderr and "No space left on device" in result.stderr, result.stderr
        assert_release_1_still_live(tend, worker)
        wait_until(lambda: shutil.disk_usage(releases_dir).used < 4 << 20, 20, "the failed release to be removed")
        repo.remove("fill")
        repo.commit("v3")
        deploy(tend)
        assert releases(tend)[3]["state"] == "live"
    finally:
        tend.run("down", timeout=60)
        subprocess.run(["umount", "-l", str(releases_dir)], check=False)


def test_a_symlink_in_the_repository_never_leads_outside_the_release(tend, tmp_path):
    # F10: a committed `a -> VICTIM` with shared = ["a/data"] made the deploy run
    # `rm -rf releases/1-.../a/data`, deleting VICTIM/data, and link it to shared/.
    victim = tmp_path / "victim"
    (victim / "data").mkdir(parents=True)
    (victim / "data" / "file.txt").write_text("precious\n")
    repo = Repo(tmp_path / "repo")
    os.symlink(victim, repo.path / "a")
    repo.write("tend.toml", 'app = "e2e"\n[process.web]\ncommand = ["sleep", "1000"]\n')
    repo.commit("v1")
    tend.write(f'app = "e2e"\n[process.web]\ncommand = ["sleep", "1000"]\n[deploy]\nsource = "{repo.path}"\n'
               'shared = ["a/data"]\n')
    up = tend.run("up", timeout=120)
    tend.daemon_pids.add(tend.status()["daemon"]["pid"])
    assert up.returncode == 1, up
    assert 'shared path "a/data": in the repository, a/data: "a" is a symlink' in up.stderr, up.stderr
    assert (victim / "data" / "file.txt").read_text() == "precious\n"
    assert sorted(os.listdir(victim)) == ["data"] and not os.path.islink(victim / "data")
    release = releases(tend)[1]
    assert release["state"] == "failed" and '"a" is a symlink' in release["error"], release
    assert [s["kind"] for s in release["steps"] if s["outcome"] == "failed"] == ["shared"]
    assert not (tend.home / "e2e" / "shared" / "a").exists()


def steps_app_file(repo, deploy=""):
    return f"""
app = "e2e"
[process.worker]
command = ["sleep", "1000"]

[deploy]
source = "{repo}"
{deploy}
"""


def hook(name):
    return f'"sh -c \'echo {name} >> $TEND_SHARED/hooks.txt\'"'


def test_steps_come_from_the_release_being_deployed(tend, tmp_path):
    # B5: a check added in commit N ran first when deploying N+1; deploying an
    # old branch changed the next deploy's steps; `tend apply` of the host's
    # file silently replaced the repository's `release` hook.
    repo = Repo(tmp_path / "repo")
    repo.write("tend.toml", steps_app_file(repo.path, f"release = [{hook('v1')}]"))
    repo.commit("v1")
    repo.git("branch", "old")
    host = steps_app_file(repo.path, f"release = [{hook('host')}]")
    tend.write(host)
    tend.up()
    hooks = tend.home / "e2e" / "shared" / "hooks.txt"
    assert hooks.read_text().split() == ["v1"]

    failing_check = '"sh -c \'echo check-v2 >> $TEND_SHARED/hooks.txt; exit 1\'"'
    repo.write("tend.toml", steps_app_file(repo.path, f"check = [{failing_check}]\nrelease = [{hook('v2')}]"))
    v2 = repo.commit("v2 adds a check that fails")
    plan = tend.run("deploy", "--plan", check=0).stdout
    assert plan.startswith(f"main is {v2}\nsteps from {v2[:12]}:tend.toml:\n  check    sh -c 'echo check-v2"), plan
    assert "  release  sh -c 'echo v2 >>" in plan, plan
    result = deploy(tend, expect=1)
    assert "check failed (exit 1)" in result.stderr, result.stderr
    assert hooks.read_text().split() == ["v1", "check-v2"], "a plan runs no check"

    # An old branch deploys with its own steps, and the next deploy of main runs main's again.
    deploy(tend, "old")
    assert hooks.read_text().split()[-1] == "v1"
    result = deploy(tend, expect=1)
    assert "check failed (exit 1)" in result.stderr, result.stderr

    # The host's file, applied again, says where to fetch from; its hook never replaces the release's.
    applied = tend.run("apply", check=0).stdout
    assert "build, check, release and shared come from the [deploy] of each release's own tend.toml" in applied
    repo.write("tend.toml", steps_app_file(repo.path, f"release = [{hook('v3')}]"))
    repo.commit("v3")
    deploy(tend)
    assert hooks.read_text().split()[-1] == "v3"

    # A commit whose tend.toml has no [deploy] is made ready with the host's steps, and says so.
    repo.write("tend.toml", 'app = "e2e"\n[process.worker]\ncommand = ["sleep", "1000"]\n')
    v4 = repo.commit("v4 without [deploy]")
    result = deploy(tend)
    assert f"from {tend.app_dir / 'tend.toml'} ({v4[:12]}:tend.toml has no [deploy])" in result.stdout, result.stdout
    assert hooks.read_text().split()[-1] == "host"

    # A daemon started again (as a systemd unit does) resumes the live release's own file
    # and still takes where to fetch from, and the fallback steps, from the host's file.
    tend.run("down", check=0)
    tend.write(steps_app_file(repo.path, f"release = [{hook('host-edited')}]"))
    daemon = subprocess.Popen([BINARY, "daemon", "--app", "e2e", "--resume"], cwd=tend.app_dir, env=tend.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tend.daemon_pids.add(daemon.pid)
    wait_until(lambda: tend.run("status").returncode == 0, 15, "the daemon to resume")
    assert tend.status()["file"] == releases(tend)[6]["file"]
    repo.write("tend.toml", 'app = "e2e"\n[process.worker]\ncommand = ["sleep", "1000"]\n# v5\n')
    repo.commit("v5 without [deploy]")
    deploy(tend)
    assert hooks.read_text().split()[-1] == "host-edited"
    tend.run("down", check=0)
    daemon.wait(timeout=30)


def test_the_default_ref_is_the_remotes_default_branch(tend, tmp_path):
    # UX 22: `ref` unset meant "main", and a repository whose default branch is master said unknown ref "main".
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=tend", "-c", "user.email=tend@localhost"]
    subprocess.run([*git, "init", "-q", "-b", "master"], check=True)
    (repo / "tend.toml").write_text('app = "e2e"\n[process.worker]\ncommand = ["sleep", "1000"]\n')
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "v1"], check=True)
    tend.write(f'app = "e2e"\n[process.worker]\ncommand = ["sleep", "1000"]\n[deploy]\nsource = "{repo}"\n')
    tend.up()
    assert releases(tend)[1]["ref"] == "master" and releases(tend)[1]["state"] == "live"
    # The remote's HEAD is asked each time: a new default branch is followed.
    subprocess.run([*git, "checkout", "-q", "-b", "trunk"], check=True)
    deploy(tend)
    assert releases(tend)[2]["ref"] == "trunk"


def test_deploy_steps_expand_placeholders_and_get_the_environment(tend, tmp_path):
    # B7: `{env}` in a deploy step became an empty string, and was printed unexpanded.
    repo = Repo(tmp_path / "repo")
    step = '"sh -c \'echo {env} {app} $TEND_ENV $TEND_APP > $TEND_SHARED/step.txt\'"'
    text = f"""
app = "e2e"
[process.worker]
command = ["sh", "-c", "echo {{env}} $TEND_ENV $TEND_APP > $TEND_SHARED/../worker.txt; exec sleep 1000"]
env = {{ TEND_SHARED = "{tend.home / 'e2e' / 'shared'}" }}
[deploy]
source = "{repo.path}"
build = [{step}]
[environment.live]
process.worker.instances = 1
"""
    repo.write("tend.toml", text)
    repo.commit("v1")
    tend.write(text)
    tend.up("--env", "live")
    home = tend.home / "e2e"
    assert (home / "shared" / "step.txt").read_text() == "live e2e live e2e\n"
    build = [s for s in releases(tend)[1]["steps"] if s["kind"] == "build"][0]
    assert build["command"] == "sh -c 'echo live e2e $TEND_ENV $TEND_APP > $TEND_SHARED/step.txt'", build
    wait_until(lambda: (home / "worker.txt").exists() and (home / "worker.txt").read_text(), 15, "the worker to write")
    assert (home / "worker.txt").read_text() == "live live e2e\n"


def test_a_shared_file_is_linked_as_a_file(tend, tmp_path):
    # B8: shared = ["settings.py"] made a directory, so the app crash-looped.
    repo = Repo(tmp_path / "repo")
    text = f"""
app = "e2e"
[process.app]
command = ["sh", "-c", "cat settings.py > ../../seen.txt; exec sleep 1000"]
[deploy]
source = "{repo.path}"
shared = ["settings.py"]
"""
    repo.write("tend.toml", text)
    repo.write("settings.py", "SECRET = 'default'\n")
    repo.commit("v1 with a default settings.py")
    tend.write(text)
    tend.up()
    home = tend.home / "e2e"
    seen = home / "seen.txt"
    wait_until(lambda: seen.exists() and seen.read_text(), 15, "the app to read its settings")
    assert seen.read_text() == "SECRET = 'default'\n"
    assert (home / "shared" / "settings.py").read_text() == "SECRET = 'default'\n", "seeded from the repository"
    live = releases(tend)[1]["directory"]
    assert os.readlink(os.path.join(live, "settings.py")) == str(home / "shared" / "settings.py")
    assert "seeded" in [s for s in releases(tend)[1]["steps"] if s["kind"] == "shared"][0]["detail"]

    # The host's copy is kept: a new default in the repository does not replace it.
    (home / "shared" / "settings.py").write_text("SECRET = 'host'\n")
    seen.unlink()
    repo.write("settings.py", "SECRET = 'new default'\n")
    repo.commit("v2")
    deploy(tend)
    wait_until(lambda: seen.exists() and seen.read_text(), 15, "the new release to read its settings")
    assert seen.read_text() == "SECRET = 'host'\n"


def test_commands_a_build_creates_are_checked_after_the_build(tend, tmp_path):
    # B6 (the deploy side): a release's command made by its build is found after the build; one the
    # build does not make fails the deploy with file:line:col, and nothing switches.
    repo = Repo(tmp_path / "repo")
    make = '"sh -c \'mkdir -p bin && printf \\"#!/bin/sh\\\\nexec sleep 1000\\\\n\\" > bin/serve && chmod +x bin/serve\'"'

    def release_file(build):
        return f'app = "e2e"\n[process.web]\ncommand = "bin/serve"\n[deploy]\nsource = "{repo.path}"\nbuild = [{build}]\n'

    repo.write("tend.toml", release_file(make))
    repo.commit("v1: the build makes bin/serve")
    tend.write(f'app = "e2e"\n[deploy]\nsource = "{repo.path}"\n')
    tend.up()
    web = tend.wait_state("web.0", "running")["pid"]
    repo.write("tend.toml", release_file('"true"'))
    repo.commit("v2: the build makes nothing")
    result = deploy(tend, expect=1)
    assert "/tend.toml:3:11: command: \"bin/serve\" not found" in result.stderr, result.stderr
    assert releases(tend)[1]["state"] == "live" and releases(tend)[2]["state"] == "failed"
    assert tend.instance("web.0")["pid"] == web


def test_deploy_says_only_why_it_cannot_begin(tend):
    # UX 3: `tend --app X deploy` with a daemon that has no app file printed "deploying" and then why not.
    daemon = subprocess.Popen([BINARY, "daemon", "--app", "e2e"], cwd=tend.root, env=tend.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tend.daemon_pids.add(daemon.pid)
    wait_until(lambda: tend.run("--app", "e2e", "status").returncode == 0, 15, "the daemon")
    result = tend.run("--app", "e2e", "deploy")
    assert result.returncode == 2, result
    assert "no app file applied yet" in result.stderr and result.stdout == "", result
    # UX 2: with no [deploy], `tend deploy` printed the error and "deploying; output in ...".
    tend.write('app = "e2e"\n[process.web]\ncommand = ["sleep", "1000"]\n')
    tend.up()
    result = tend.run("deploy")
    assert result.returncode == 2, result
    assert "has no [deploy] table" in result.stderr and result.stdout == "", result
    tend.run("down", check=0)
    daemon.wait(timeout=30)
