"""Logs: every line captured and stamped, bounded files, found fast."""

import gzip
import json
import os
import signal
import subprocess
import time


from conftest import APPS, fill, wait_until


def records(tend, *args):
    return [json.loads(line) for line in tend.run("logs", "--json", *args, check=0).stdout.splitlines()]


def test_lines_are_stamped_in_order_per_stream(tend):
    tend.write("""
app = "e2e"
[process.talker]
command = ["sh", "-c", "for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; done; exec sleep 1000"]
""")
    tend.up()
    wait_until(lambda: len(records(tend)) == 10, 10, "ten lines")
    lines = records(tend)
    assert [r["text"] for r in lines if r["stream"] == "out"] == [f"out {i}" for i in range(1, 6)]
    assert [r["text"] for r in lines if r["stream"] == "err"] == [f"err {i}" for i in range(1, 6)]
    stamps = [r["time"] for r in lines]
    assert stamps == sorted(stamps)
    assert all(r["instance"] == "talker.0" for r in lines)
    # Plain text that grep reads.
    text = (tend.home / "e2e" / "logs" / "talker.log").read_text()
    assert " talker.0 err: err 3\n" in text


def test_the_last_line_before_sigkill_is_captured_before_the_exit(tend):
    tend.write("""
app = "e2e"
[process.victim]
command = ["sh", "-c", "echo started; exec sleep 1000"]
""")
    tend.up()
    pid = tend.wait_state("victim.0", "running")["pid"]
    # Write the last words from inside the process's own tree, then SIGKILL it at once.
    with open(f"/proc/{pid}/fd/1", "w") as out:
        out.write("last words before the kill\n")
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: any(e["kind"] == "exited" for e in tend.events("victim.0")), 10, "the exit")
    lines = records(tend, "victim")
    last = next(r for r in lines if r["text"] == "last words before the kill")
    exited = next(e for e in tend.events("victim.0") if e["kind"] == "exited")
    assert last["time"] <= exited["time"]


def test_binary_data_long_lines_and_partial_lines(tend):
    tend.write("""
app = "e2e"
[process.odd]
command = ["python3", "-c", "import sys,time; w=sys.stdout.buffer.write; w(b'nul\\\\x00 and \\\\xff\\\\n'); w(b'x' * 10_000_000 + b'\\\\n'); w(b'no newline yet'); sys.stdout.flush(); time.sleep(1000)"]
""")
    tend.up()
    wait_until(lambda: any(r["text"] == "no newline yet" for r in records(tend, "-n", "1000")), 10,
               "the partial line")
    lines = records(tend, "-n", "1000")
    assert lines[0]["text"] == "nul\\x00 and \\xff"
    pieces = [r for r in lines if r["text"].startswith("xxxx")]
    assert sum(len(r["text"]) for r in pieces) == 10_000_000
    assert all(r["stream"] == "out+" for r in pieces[:-1]) and pieces[-1]["stream"] == "out"
    assert next(r for r in lines if r["text"] == "no newline yet")["stream"] == "out+"
    raw = (tend.home / "e2e" / "logs" / "odd.log").read_bytes()
    raw.decode("utf-8")  # every byte of the file is valid UTF-8
    assert b"\0" not in raw


def test_a_fast_writer_gets_exactly_one_record_per_line(tend):
    # Issue 13 item 19: about one line in 2,400 became two records (`out+`, then
    # `out` 15us later): the flush timer of a line completed long before cut the
    # line that happened to be unfinished when it fired.
    tend.write(f"""
app = "e2e"
[process.writer]
command = ["python3", "{APPS}/fast_writer.py", "3"]
logs = {{ max_size = "512MiB" }}
""")
    tend.up()
    log = tend.home / "e2e" / "logs" / "writer.log"
    wrote = wait_until(lambda: [line for line in log.read_text().splitlines() if " err: wrote " in line], 30,
                       "the writer to finish")
    count = int(wrote[0].split(" err: wrote ")[1].split()[0])
    out = [line for line in log.read_text().splitlines() if " writer.0 out" in line]
    pieces = [line for line in out if " writer.0 out+: " in line]
    assert pieces == [], f"{len(pieces)} of {count} lines were cut: {pieces[:3]}"
    assert len(out) == count
    numbers = [int(line.split(" out: line ")[1].split()[0]) for line in out]
    assert numbers == list(range(1, count + 1))


def test_rotation_retention_and_reading_across_compressed_files(tend):
    tend.write("""
app = "e2e"
[process.chatty]
command = ["python3", "-c", "import sys\\nfor i in range(20000): print(f'line {i:05d} ' + 'y' * 80)\\nsys.stdout.flush()\\nimport time; time.sleep(1000)"]
logs = { max_size = "200KiB", keep = 3, compress = true }
""")
    tend.up()
    logs = tend.home / "e2e" / "logs"
    wait_until(lambda: any(r["text"].startswith("line 19999") for r in records(tend, "-n", "1")), 20, "all lines")
    wait_until(lambda: len([f for f in os.listdir(logs) if f.endswith(".gz")]) >= 3, 20, "compressed files")
    rotated = sorted(f for f in os.listdir(logs) if f.startswith("chatty.log-"))
    # While gzip runs one rotation exists twice (plain and .gz); count rotations.
    assert len({f.removesuffix(".gz") for f in rotated}) <= 3, rotated
    assert all(os.path.getsize(logs / f) < 220 * 1024 for f in rotated + ["chatty.log"])
    wait_until(lambda: all(f.endswith(".gz") for f in os.listdir(logs) if f.startswith("chatty.log-")), 20,
               "compression to finish")
    rotated = sorted(f for f in os.listdir(logs) if f.startswith("chatty.log-"))
    with gzip.open(logs / rotated[0], "rt") as first:
        assert first.readline().split(" chatty.0 out: ")[1].startswith("line ")
    # Reading goes across rotated and compressed files, in order, without gaps inside what was kept.
    everything = records(tend, "--since", "1h")
    numbers = [int(r["text"].split()[1]) for r in everything if r["text"].startswith("line ")]
    assert numbers == list(range(numbers[0], 20000))
    assert numbers[0] > 0  # the oldest were deleted by retention


def test_since_until_grep_and_follow(tend):
    tend.write("""
app = "e2e"
[process.ticker]
command = ["python3", "-u", "-c", "import time\\nfor i in range(100000):\\n    print(f'tick {i} ' + 'z' * 100, flush=True)\\n    time.sleep(0.05)"]
logs = { max_size = "4KiB", keep = 50, compress = true }
""")
    tend.up()
    wait_until(lambda: len(records(tend, "-n", "100")) >= 60, 20, "ticks")
    lines = records(tend, "--since", "1h")
    assert len([f for f in os.listdir(tend.home / "e2e" / "logs") if f.startswith("ticker.log-")]) >= 1
    middle = lines[len(lines) // 2]["time"]
    later = lines[len(lines) * 3 // 4]["time"]
    window = records(tend, "--since", middle, "--until", later)
    assert window and window[0]["time"] >= middle and window[-1]["time"] < later
    assert [r["time"] for r in window] == [r["time"] for r in lines if middle <= r["time"] < later]
    assert all(r["text"].startswith("tick 7") for r in records(tend, "--since", "1h", "--grep", "^tick 7"))
    # -f keeps printing new lines, across rotations.
    from conftest import BINARY
    follower = subprocess.Popen([BINARY, "logs", "-f", "-n", "0"],
                                cwd=tend.app_dir, env=tend.env, stdout=subprocess.PIPE, text=True)
    try:
        seen = []
        deadline = time.monotonic() + 15
        while len(seen) < 20 and time.monotonic() < deadline:
            seen.append(follower.stdout.readline())
        numbers = [int(line.split("tick ")[1].split()[0]) for line in seen if "tick " in line]
        assert len(numbers) == 20 and numbers == list(range(numbers[0], numbers[0] + 20))
    finally:
        follower.kill()
        follower.wait()


def test_full_disk_drops_lines_and_recovers(tend, small_disk):
    tend.env["TEND_HOME"] = str(small_disk / "home")
    tend.home = small_disk / "home"
    progress = tend.app_dir / "progress"
    tend.write(f"""
app = "e2e"
[process.writer]
command = ["python3", "-u", "-c", "import sys,time\\nfor i in range(100000):\\n    print(f'n {{i}}', flush=True)\\n    open(sys.argv[1], 'w').write(str(i))\\n    time.sleep(0.01)", "{progress}"]
logs = {{ compress = false }}
""")
    tend.up()
    wait_until(lambda: len(records(tend, "-n", "5")) == 5, 10, "output")
    filler = fill(small_disk)
    # The app goes on writing (its progress file is on the normal disk); those lines are dropped.
    def written():
        return int(progress.read_text() or 0)  # the app rewrites it: empty for an instant

    full_at = wait_until(written, 10, "progress")
    # More than a page of records, so some write must meet the full disk.
    wait_until(lambda: written() > full_at + 300, 15, "lines written to a full disk")
    filler.unlink()
    wait_until(lambda: records(tend, "--since", "1h", "--grep", "^dropped "), 10, "the drop record")
    drop = records(tend, "--since", "1h", "--grep", "^dropped ")[0]
    assert drop["stream"] == "tend"
    assert "lines) since" in drop["text"]
    before = len(records(tend, "--since", "1h"))
    wait_until(lambda: len(records(tend, "--since", "1h")) > before + 10, 10, "logging to resume")


def test_log_file_deleted_under_tend_is_recreated(tend):
    tend.write("""
app = "e2e"
[process.ticker]
command = ["python3", "-u", "-c", "import time\\nfor i in range(100000):\\n    print(f'tick {i}', flush=True)\\n    time.sleep(0.05)"]
""")
    tend.up()
    path = tend.home / "e2e" / "logs" / "ticker.log"
    wait_until(lambda: path.exists() and path.stat().st_size > 0, 10, "the log")
    path.unlink()
    wait_until(lambda: path.exists() and "tick" in path.read_text(), 10, "a new log file")
    assert tend.instance("ticker.0")["restarts"] == 0


def test_the_daemon_logs_to_its_own_file_in_the_same_format(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\n')
    tend.up()
    tend.run("down", check=0)
    lines = wait_until(lambda: (r := records(tend, "@tend")) and any("daemon stopped" in x["text"] for x in r) and r,
                       10, "the daemon's own records")
    assert lines[0]["instance"] == "tend" and lines[0]["stream"] == "tend"
    assert lines[0]["text"].startswith("daemon for e2e running, pid"), lines[0]["text"]


def test_a_log_directory_that_cannot_be_written_is_a_clear_error(tend):
    tend.write('app = "e2e"\n[process.web]\ncommand = "sleep 1000"\n')
    (tend.home / "e2e").mkdir(parents=True)
    (tend.home / "e2e" / "logs").write_text("a file where the log directory should be\n")
    result = tend.run("up")
    assert result.returncode == 1
    assert "logs/@tend.log: Not a directory" in result.stderr, result.stderr
    assert "no daemon is running" in tend.run("status").stderr
