"""Black-box harness: each test gets its own TEND_HOME and app directory and
drives the real `tend` binary. Waits are conditions with deadlines."""

import contextlib
import errno
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

BINARY = os.environ.get("TEND_BINARY") or str(Path(__file__).resolve().parents[2] / "build" / "src" / "tend")


def wait_until(condition, timeout=15.0, what="condition"):
    """Polls `condition` until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def alive(pid):
    """True when pid runs and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def pids_with_marker(marker):
    """Live processes whose command line contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if marker.encode() in cmdline.read() and alive(int(entry)):
                    found.append(int(entry))
        except OSError:
            pass
    return found


@contextlib.contextmanager
def tmpfs(path, size):
    """A tmpfs of `size` ("2m") mounted at path for the block; skips the test
    where it cannot be mounted (mounting needs root; CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    path.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs the test can fill."""
    with tmpfs(tmp_path / "small", "2m") as mount_point:
        yield mount_point


def fill(directory):
    """Writes a file until the file system is full; returns its path."""
    filler = directory / "filler"
    # Unbuffered: a buffered file would try the failed write again when closed, and raise there.
    with open(filler, "wb", buffering=0) as out:
        chunk = b"\0" * 65536
        try:
            while True:
                out.write(chunk)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    return filler


class Tend:
    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        self.app_dir = root / "app"
        self.app_dir.mkdir(parents=True)
        self.env = dict(os.environ, TEND_HOME=str(self.home))
        self.daemon_pids = set()

    def write(self, text, name="tend.toml"):
        path = self.app_dir / name
        path.write_text(text)
        return path

    def run(self, *args, check=None, timeout=60, input=None):
        result = subprocess.run([BINARY, *args], cwd=self.app_dir, env=self.env, capture_output=True, text=True,
                                timeout=timeout, input=input)
        if check is not None:
            assert result.returncode == check, f"tend {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result

    def up(self, *args):
        result = self.run("up", *args, check=0)
        self.daemon_pids.add(self.status()["daemon"]["pid"])
        return result

    def status(self):
        return json.loads(self.run("status", "--json", check=0).stdout)

    def instance(self, name):
        for group in self.status()["groups"]:
            for member in group["members"]:
                if member["name"] == name:
                    return member
        raise KeyError(name)

    def wait_state(self, name, state, timeout=15.0):
        return wait_until(lambda: self.instance(name)["state"] == state and self.instance(name),
                          timeout, f"{name} to be {state}")

    def events(self, subject="", limit=500):
        args = ["status", "--events", "--json", "-n", str(limit)]
        if subject:
            args.append(subject)
        return json.loads(self.run(*args, check=0).stdout)["events"]

    def own_daemons(self):
        """Pids of tend daemons started with this test's TEND_HOME (also those a
        failed `up` left before their pid was recorded)."""
        marker = f"TEND_HOME={self.home}".encode()
        found = set()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{entry}/exe") != os.path.realpath(BINARY):
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if b"daemon" not in cmdline.read().split(b"\0"):
                        continue
                with open(f"/proc/{entry}/environ", "rb") as environ:
                    if marker in environ.read().split(b"\0"):
                        found.add(int(entry))
            except OSError:
                pass
        return found

    def cleanup(self):
        self.run("down", timeout=60)
        # Whatever a failed test left behind: only daemons this test started, by pid.
        for pid in self.daemon_pids | self.own_daemons():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def tend(tmp_path):
    harness = Tend(tmp_path)
    yield harness
    harness.cleanup()


APPS = Path(__file__).resolve().parent / "apps"


class Load:
    """A bounded load generator on 127.0.0.1: `threads` clients send requests
    one after another, each on a new connection, until stopped or until
    `max_seconds` have passed. Every error and non-200 answer is counted."""

    def __init__(self, port, threads=4, max_seconds=60):
        import threading
        self.port = port
        self.failures = []
        self.bodies = []
        self.count = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._deadline = time.monotonic() + max_seconds
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        import http.client
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", "/")
                response = connection.getresponse()
                body = response.read().decode()
                connection.close()
                with self._lock:
                    self.count += 1
                    self.bodies.append(body)
                    if response.status != 200:
                        self.failures.append(f"HTTP {response.status}")
            except Exception as error:  # every failure is what the test is about
                with self._lock:
                    self.count += 1
                    self.failures.append(repr(error))

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=20)

    def wait_for_requests(self, n, timeout=20):
        start = self.count
        wait_until(lambda: self.count >= start + n, timeout, f"{n} more requests")
