"""Triggered work through the real binary: watched inboxes, steps, retries from
a failed step, feeds with a pattern and a rate, hostile file names, and a
daemon killed while eight items run."""

import json
import os
import signal
import time
from datetime import datetime

from conftest import alive, fill, pids_with_marker, tmpfs, wait_until


def items(tend, job, failed=False):
    args = ["history", job, "--items", "--json", "-n", "100000"]
    if failed:
        args.append("--failed")
    return json.loads(tend.run(*args, check=0).stdout)["items"]


def item(tend, job, key):
    return json.loads(tend.run("history", job, "--item", key, "--json", check=0).stdout)["items"][0]


def states(tend, job):
    return sorted(entry["state"] for entry in items(tend, job))


def seconds(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def job_status(tend, name):
    return next(job for job in tend.status()["jobs"] if job["name"] == name)


PIPELINE = """app = "pipe"
[job.publish]
watch = "inbox/*.zip"
concurrency = 2
on_success = "move:done"
on_failure = "move:failed"
retry = {{ attempts = 1, backoff = "100ms" }}
steps = [
  {{ name = "validate", command = ["sh", "-c", "test -s \\"$1\\" && echo valid \\"$1\\"", "v", "{{item}}"] }},
  {{ name = "convert", command = ["sh", "-c", "test -e {gate} && echo converted >> \\"$TEND_ITEM\\""] }},
  {{ name = "publish", command = ["sh", "-c", "echo published \\"$TEND_ITEM\\""] }},
]
"""


def test_a_three_step_pipeline_over_files_dropped_into_an_inbox(tend):
    inbox = tend.app_dir / "inbox"
    inbox.mkdir()
    gate = tend.app_dir / "gate"
    gate.touch()
    (inbox / "early.zip").write_text("here before the daemon\n")
    (inbox / "notes.txt").write_text("not a zip\n")
    tend.write(PIPELINE.format(gate=gate))
    tend.up()
    (inbox / "a.zip").write_text("article a\n")
    # Moved in, the way an upload finishes.
    (tend.app_dir / "b.part").write_text("article b\n")
    os.rename(tend.app_dir / "b.part", inbox / "b.zip")
    (inbox / "empty.zip").touch()
    wait_until(lambda: states(tend, "publish") == ["dead", "succeeded", "succeeded", "succeeded"], 20,
               "every item to end")
    done = tend.app_dir / "done"
    assert sorted(os.listdir(done)) == ["a.zip", "b.zip", "early.zip"]
    assert (done / "a.zip").read_text() == "article a\nconverted\n"
    assert os.listdir(tend.app_dir / "failed") == ["empty.zip"]
    assert os.listdir(inbox) == ["notes.txt"]
    history = item(tend, "publish", str(inbox / "a.zip"))["history"]
    steps = [(event["kind"], event["step"]) for event in history if event["kind"].startswith("step")]
    assert steps == [("step-succeeded", "validate"), ("step-succeeded", "convert"), ("step-succeeded", "publish")]
    assert all(event["duration_ms"] is not None for event in history if event["kind"].startswith("step"))
    empty = item(tend, "publish", str(inbox / "empty.zip"))
    assert empty["state"] == "dead" and empty["step"] == "validate" and empty["attempt"] == 2
    assert [e["exit_code"] for e in empty["history"] if e["kind"] == "step-failed"] == [1, 1]
    logs = tend.run("logs", "publish", "-n", "1000", check=0).stdout
    assert "out: published " + str(inbox / "b.zip") in logs


def test_a_failed_item_is_retried_from_its_failed_step(tend):
    gate = tend.app_dir / "gate"
    tend.write(f"""app = "pipe"
[job.publish]
retry = {{ attempts = 1, backoff = "100ms" }}
steps = [
  {{ name = "validate", command = ["sh", "-c", "echo valid $TEND_ITEM"] }},
  {{ name = "convert", command = ["test", "-e", "{gate}"] }},
  {{ name = "publish", command = ["true"] }},
]
""")
    tend.up()
    key = "article-17"
    tend.run("feed", "publish", key, check=0)
    wait_until(lambda: item(tend, "publish", key)["state"] == "dead", 20, "the item to die at convert")
    dead = item(tend, "publish", key)
    assert dead["step"] == "convert" and dead["attempt"] == 2
    assert job_status(tend, "publish")["items"]["dead"] == 1
    gate.touch()
    assert "requeued 1" in tend.run("retry", "publish", key, check=0).stdout
    wait_until(lambda: item(tend, "publish", key)["state"] == "succeeded", 20, "the retried item to succeed")
    history = item(tend, "publish", key)["history"]
    validated = [e for e in history if e["step"] == "validate" and e["kind"] == "step-succeeded"]
    assert len(validated) == 1, "the retry resumed at convert, not from the start"
    assert [e["kind"] for e in history].count("retry") == 1
    result = tend.run("retry", "publish", key)
    assert result.returncode == 2 and "not dead" in result.stderr
    tend.run("feed", "publish", "other", check=0)
    wait_until(lambda: item(tend, "publish", "other")["state"] == "succeeded", 20, "another item")
    assert "requeued 0" in tend.run("retry", "publish", "--failed", check=0).stdout


def test_feed_with_a_pattern_and_a_rate(tend):
    source = tend.app_dir / "bucket"
    (source / "2026" / "11").mkdir(parents=True)
    for name in ["a.zip", "b.zip", "2026/c.zip", "2026/11/d.zip", "2026/11/e.zip", "readme.txt", "f.zip.part"]:
        (source / name).write_text(name)
    tend.write('app = "feed"\n[job.ingest]\ncommand = ["sh", "-c", "echo got \\"$1\\"", "x", "{item}"]\n'
               'concurrency = 4\n')
    tend.up()
    began = time.monotonic()
    result = tend.run("feed", "ingest", "--from", str(source), "--match", r"\.zip$", "--rate", "4/s", check=0)
    took = time.monotonic() - began
    assert "queued 5 item(s)" in result.stdout
    assert took >= 0.9, f"5 items at 4/s took {took:.2f}s"
    wait_until(lambda: states(tend, "ingest") == ["succeeded"] * 5, 20, "five items")
    keys = sorted(entry["item"] for entry in items(tend, "ingest"))
    assert keys == sorted(str(source / n) for n in ["a.zip", "b.zip", "2026/c.zip", "2026/11/d.zip", "2026/11/e.zip"])
    # Lines on stdin, and the same key twice while it is queued: coalesced.
    result = tend.run("feed", "ingest", input="k1\nk2\nk1\n", check=0)
    assert "queued 2" in result.stdout and "1 already queued or running, coalesced" in result.stdout
    result = tend.run("feed", "nosuchjob", "k")
    assert result.returncode == 2 and "no job named" in result.stderr


def test_feed_rate_is_checked_like_the_app_files_rates(tend):
    # --rate used strtod: nan/s, 1e-12/s (no limit at all) and hex were taken.
    tend.write('app = "feedrate"\n[job.ingest]\ncommand = "true"\n')
    tend.up()
    for bad in ["nan/s", "inf/s", "1e-12/s", "0x10/s", " 1/s", "0/s", "2/d"]:
        result = tend.run("feed", "ingest", "a", "--rate", bad)
        assert result.returncode == 2, (bad, result.stdout, result.stderr)
        assert "--rate" in result.stderr, result.stderr
    assert tend.run("feed", "ingest", "a", "--rate", "50", check=0).stdout


def test_the_job_rate_spaces_item_starts(tend):
    tend.write('app = "rate"\n[job.slowly]\ncommand = "true"\nconcurrency = 8\nrate = "5/s"\n')
    tend.up()
    tend.run("feed", "slowly", *[f"k{i}" for i in range(6)], check=0)
    wait_until(lambda: states(tend, "slowly") == ["succeeded"] * 6, 20, "six items")
    starts = sorted(seconds(next(e["time"] for e in item(tend, "slowly", f"k{i}")["history"] if e["kind"] == "started"))
                    for i in range(6))
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.15, gaps


def test_hostile_file_names_are_plain_items(tend):
    inbox = tend.app_dir / "inbox"
    inbox.mkdir()
    tend.write('app = "hostile"\n[job.take]\nwatch = "inbox/*.zip"\n'
               'command = ["sh", "-c", "printf \'%s\\\\n\' \\"$1\\" \\"$TEND_ITEM\\" >> seen.txt", "x", "{item}"]\n')
    tend.up()
    names = ["$(touch PWNED).zip", "a;touch PWNED2.zip", "`touch PWNED3`.zip", "{env} {item}.zip"]
    for name in names:
        (inbox / name).write_text("payload\n")
    tend.run("feed", "take", "x$(touch PWNED4)y", "z;touch PWNED5", check=0)
    wait_until(lambda: states(tend, "take") == ["succeeded"] * 6, 20, "six items")
    seen = (tend.app_dir / "seen.txt").read_text().splitlines()
    for name in names:
        assert seen.count(str(inbox / name)) == 2, (name, seen)
    assert seen.count("x$(touch PWNED4)y") == 2 and seen.count("z;touch PWNED5") == 2
    for root, dirs, files in os.walk(tend.root):
        assert not [f for f in files if f.startswith("PWNED")], (root, files)


def test_a_watched_directory_missing_at_start_or_removed_is_waited_for(tend):
    tend.write('app = "missing"\n[job.take]\nwatch = "later/*.txt"\ncommand = "true"\non_success = "delete"\n')
    tend.up()
    wait_until(lambda: any(e["kind"] == "watch-missing" for e in tend.events("take")), 10, "a missing-dir event")
    later = tend.app_dir / "later"
    later.mkdir()
    (later / "one.txt").write_text("1")
    wait_until(lambda: states(tend, "take") == ["succeeded"], 10, "the first file")
    assert not (later / "one.txt").exists(), "on_success = delete"
    later.rmdir()
    wait_until(lambda: len([e for e in tend.events("take") if e["kind"] == "watch-missing"]) >= 2, 10,
               "the directory to be missed again")
    later.mkdir()
    wait_until(lambda: any(e["kind"] == "watch" for e in tend.events("take")), 10, "the directory to be watched again")
    (later / "two.txt").write_text("2")
    wait_until(lambda: states(tend, "take") == ["succeeded", "succeeded"], 10, "the second file")


def test_files_already_processed_are_not_processed_again_after_a_restart(tend):
    inbox = tend.app_dir / "inbox"
    inbox.mkdir()
    tend.write('app = "again"\n[job.take]\nwatch = "inbox/*"\ncommand = "true"\n')
    (inbox / "kept").write_text("x")
    tend.up()
    wait_until(lambda: states(tend, "take") == ["succeeded"], 10, "the first run")
    tend.run("down", check=0)
    (inbox / "new").write_text("y")
    tend.up()
    # The start scan queues every file it takes in one transaction: once the new
    # one is done, a reprocessed old one would be in the list too.
    wait_until(lambda: states(tend, "take").count("succeeded") >= 2, 10, "the new file")
    assert sorted(entry["item"] for entry in items(tend, "take")) == [str(inbox / "kept"), str(inbox / "new")]
    # A file written again later is new work.
    (inbox / "kept").write_text("changed")
    wait_until(lambda: len(items(tend, "take")) == 3, 10, "the rewritten file")


def test_a_burst_of_files_a_file_removed_before_its_run_and_a_hanging_command(tend):
    inbox = tend.app_dir / "inbox"
    inbox.mkdir()
    tend.write('app = "burst"\n[job.take]\nwatch = "inbox/*.dat"\ncommand = "true"\nconcurrency = 8\n'
               'on_success = "delete"\n'
               '[job.hang]\ncommand = ["sleep", "30"]\ntimeout = "500ms"\nstop_timeout = "1s"\n'
               'retry = { attempts = 1, backoff = "100ms" }\n')
    tend.up()
    count = 5000
    for i in range(count):
        (inbox / f"{i:05d}.dat").write_text("x")
    wait_until(lambda: job_status(tend, "take")["items"]["succeeded"] + job_status(tend, "take")["items"]["dead"]
               == count, 120, f"{count} items to end")
    counts = job_status(tend, "take")["items"]
    assert counts["succeeded"] + counts["dead"] == count and counts["queued"] == 0
    for dead in items(tend, "take", failed=True):
        assert "removed before" in dead["error"]
    assert os.listdir(inbox) == []
    tend.run("feed", "hang", "h1", check=0)
    wait_until(lambda: item(tend, "hang", "h1")["state"] == "dead", 20, "the hanging item to die")
    history = item(tend, "hang", "h1")["history"]
    failures = [e["detail"] for e in history if e["kind"] == "step-failed"]
    assert len(failures) == 2 and all(f.startswith("timed-out (signal TERM): ran longer than timeout") for f in failures)


def test_a_daemon_killed_while_eight_items_run_loses_nothing_and_runs_nothing_twice_at_once(tend):
    marks = tend.app_dir / "marks"
    marks.mkdir()
    marker = f"tend-items-{os.getpid()}-{time.monotonic_ns()}"
    tend.write(f'app = "kill"\n[job.work]\nconcurrency = 8\n'
               f'command = ["sh", "-c", "echo start >> {marks}/$1; sleep 2; echo end >> {marks}/$1", "{marker}", '
               f'"{{item}}"]\n')
    tend.up()
    keys = [f"item{i:02d}" for i in range(20)]
    tend.run("feed", "work", *keys, check=0)
    wait_until(lambda: job_status(tend, "work")["items"]["running"] == 8, 10, "eight running")
    daemon = tend.status()["daemon"]["pid"]
    running = [entry["item"] for entry in items(tend, "work") if entry["state"] == "running"]
    os.kill(daemon, signal.SIGKILL)
    wait_until(lambda: not alive(daemon), 10, "the daemon to die")
    tend.up()
    # The new daemon ended what the old one left running before it ran anything again.
    wait_until(lambda: job_status(tend, "work")["items"]["succeeded"] == 20, 60, "all twenty items")
    assert not pids_with_marker(marker)
    for key in keys:
        lines = (marks / key).read_text().split()
        assert lines.count("end") == 1, (key, lines)
        if key in running:
            assert lines == ["start", "start", "end"], (key, lines)
            kinds = [e["kind"] for e in item(tend, "work", key)["history"]]
            assert "requeued" in kinds
        else:
            assert lines == ["start", "end"], (key, lines)
    assert any(e["kind"] == "item-requeued" for e in tend.events("work"))


def test_tend_down_puts_running_items_back_in_the_queue(tend):
    tend.write('app = "down"\n[job.work]\ncommand = ["sleep", "30"]\nconcurrency = 2\nstop_timeout = "2s"\n')
    tend.up()
    tend.run("feed", "work", "a", "b", "c", check=0)
    wait_until(lambda: job_status(tend, "work")["items"]["running"] == 2, 10, "two running")
    tend.run("down", check=0)
    tend.write('app = "down"\n[job.work]\ncommand = "true"\nconcurrency = 2\n')
    tend.up()
    wait_until(lambda: states(tend, "work") == ["succeeded"] * 3, 20, "all three, after the restart")
    requeued = [key for key in "abc" if "requeued" in [e["kind"] for e in item(tend, "work", key)["history"]]]
    assert len(requeued) == 2, requeued


def test_items_of_a_job_removed_from_the_app_file_stay_in_sight_until_it_returns(tend):
    tend.write('app = "gone"\n[job.ingest]\ncommand = "true"\nrate = "1/h"\n')
    tend.up()
    tend.run("feed", "ingest", *[f"k{i}" for i in range(5)], check=0)
    # At 1/h the first item runs and four wait.
    wait_until(lambda: job_status(tend, "ingest")["items"]["succeeded"] == 1, 15, "the first item")
    assert job_status(tend, "ingest")["items"]["queued"] == 4
    assert tend.status()["items_of_removed_jobs"] == []
    tend.write('app = "gone"\n[process.idle]\ncommand = "sleep 1000"\n')
    tend.run("apply", check=0)
    status = tend.status()
    assert status["jobs"] == []
    assert [(entry["job"], entry["queued"], entry["running"]) for entry in status["items_of_removed_jobs"]] \
        == [("ingest", 4, 0)]
    text = tend.run("status", check=0).stdout
    assert "items of jobs not in the app file" in text, text
    assert [line for line in text.splitlines() if line.startswith("ingest ") and "4 queued" in line], text
    # Back without the rate: the four that waited run.
    tend.write('app = "gone"\n[job.ingest]\ncommand = "true"\n')
    tend.run("apply", check=0)
    wait_until(lambda: states(tend, "ingest") == ["succeeded"] * 5, 20, "the four waiting items")
    assert tend.status()["items_of_removed_jobs"] == []


def test_a_move_never_replaces_a_file_of_the_same_name(tend):
    # Regression (F9): the second `dup` replaced the first in done/, and nothing said so.
    inbox = tend.app_dir / "in"
    inbox.mkdir()
    done = tend.app_dir / "done"
    tend.write('app = "mv"\n[job.take]\nwatch = "in/*"\ncommand = "true"\non_success = "move:done"\n')
    tend.up()
    (inbox / "dup").write_text("first\n")
    wait_until(lambda: (done / "dup").exists() and not (inbox / "dup").exists(), 10, "the first file to be moved")
    (inbox / "dup").write_text("second\n")
    wait_until(lambda: len(os.listdir(done)) == 2 and not (inbox / "dup").exists(), 10, "the second file to be moved")
    second = item(tend, "take", str(inbox / "dup"))
    assert sorted(os.listdir(done)) == ["dup", f"dup.{second['id']}"]
    assert (done / "dup").read_text() == "first\n"
    assert (done / f"dup.{second['id']}").read_text() == "second\n"
    moved = [e["detail"] for e in second["history"] if e["kind"] == "file"]
    assert moved == [f"moved to {done}/dup.{second['id']}"], second["history"]


def test_the_queue_resumes_by_itself_after_the_disk_was_full(tend, tmp_path):
    # Regression (F7): after a transient full disk, items whose steps had ended stayed `running` and nothing
    # more ran until the daemon restarted.
    with tmpfs(tmp_path / "small", "20m") as small:
        tend.home = small / "home"
        tend.env["TEND_HOME"] = str(tend.home)
        ledger = tend.app_dir / "ledger"
        tend.write(f'app = "full"\n[job.j]\nconcurrency = 2\n'
                   f'command = ["sh", "-c", "echo $1 >> {ledger}; sleep 0.05", "x", "{{item}}"]\n')
        tend.up()
        keys = [f"m{i}" for i in range(300)]
        tend.run("feed", "j", *keys, check=0)
        wait_until(lambda: job_status(tend, "j")["items"]["succeeded"] >= 10, 30, "the queue to run")
        filler = fill(small)
        # The daemon notices when a write fails (events cannot be stored either).
        wait_until(lambda: tend.status()["store"]["error"], 60, "a write to fail on the full disk")
        done_when_full = job_status(tend, "j")["items"]["succeeded"]
        assert done_when_full < 300, "the disk filled too late to matter"
        filler.unlink()
        wait_until(lambda: job_status(tend, "j")["items"]["succeeded"] == 300, 120,
                   "every item to succeed once the disk has room, without a restart or a new feed")
        counts = job_status(tend, "j")["items"]
        assert counts["running"] == 0 and counts["queued"] == 0, counts
        lines = ledger.read_text().split()
        assert sorted(lines) == sorted(keys), "each item ran once"
        kinds = [e["kind"] for e in tend.events("items")]
        assert "store-failing" in kinds and "store-recovered" in kinds, kinds
        recovered = [e["detail"] for e in tend.events("items") if e["kind"] == "store-recovered"]
        assert "nothing was lost" in recovered[-1], recovered
        tend.cleanup()
