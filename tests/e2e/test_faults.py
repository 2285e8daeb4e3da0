"""Faults the supervisor must ride out: a full disk under the database, and
running processes as another user."""

import os
import pwd
import signal
import subprocess

import pytest

from conftest import alive, wait_until


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs the test can fill; needs root (CI runs as root)."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], check=True)
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory):
    """Writes a file until the file system is full; returns its path."""
    filler = directory / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


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
