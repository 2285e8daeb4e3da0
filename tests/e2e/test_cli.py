"""The command line and the control API with hostile names and patterns, at the
limit of descriptors, and as a new user meets them: every --json answer an
object, unknown names refused with "did you mean", exit codes that say what
happened (0 ok, 1 the action failed, 2 bad usage or bad input)."""

import json
import os
import resource
import socket
import subprocess
import time

import pytest

from conftest import BINARY, alive, wait_until


def items(tend, job):
    return json.loads(tend.run("history", job, "--items", "--json", "-n", "1000", check=0).stdout)["items"]


def watched_job(tend, inbox, app):
    tend.write(f'app = "{app}"\n[job.j]\ncommand = ["sh", "-c", "exit 1", "x", "{{item}}"]\nwatch = "{inbox}/*"\n')
    tend.up()


# F8: one watched file named with invalid UTF-8 made every listing holding its
# key answer 400, and the CLI abort on such an argument.
def test_a_file_named_with_invalid_utf8_is_listed_escaped_and_can_be_given_back(tend):
    inbox = tend.app_dir / "in"
    inbox.mkdir()
    watched_job(tend, inbox, "utf")
    raw = os.fsencode(inbox) + b"/bad\xffname"
    open(raw, "wb").close()
    shown = f"{inbox}/bad\\xffname"
    wait_until(lambda: [i for i in items(tend, "j") if i["state"] == "dead"], 15, "the item to fail")
    assert items(tend, "j")[0]["item"] == shown
    for args in (["status", "--events"], ["history", "j", "--items"], ["logs", "--events", "-n", "1000"],
                 ["status", "--events", "--json"]):
        result = tend.run(*args, check=0)
        assert "bad request" not in result.stdout + result.stderr
        assert "events are not shown" not in result.stderr
    assert shown in tend.run("history", "j", "--items", check=0).stdout
    # The key as shown, and the key as its bytes, both name the item.
    assert tend.run("history", "j", "--item", shown, "--json", check=0).stdout.count("bad\\\\xffname") >= 1
    assert "requeued 1" in tend.run("retry", "j", shown, check=0).stdout
    wait_until(lambda: [i for i in items(tend, "j") if i["state"] == "dead"], 15, "the item to fail again")
    assert "requeued 1" in tend.run("retry", "j", os.fsdecode(raw), check=0).stdout


def test_an_argument_that_is_not_utf8_reaches_the_command_as_its_bytes(tend):
    got = tend.app_dir / "got"
    tend.write(f'app = "fe"\n[job.j]\ncommand = ["sh", "-c", "printf %s \\"$1\\" > {got}", "x", "{{item}}"]\n')
    tend.up()
    tend.run("feed", "j", os.fsdecode(b"bad\xffutf8"), check=0)
    wait_until(lambda: got.exists() and got.read_bytes(), 15, "the item to run")
    assert got.read_bytes() == b"bad\xffutf8"
    assert items(tend, "j")[0]["item"] == "bad\\xffutf8"


# F18: keys were printed raw: a name holding escape sequences drove the
# operator's terminal, and a newline broke the table.
def test_listings_escape_control_bytes_and_keys_can_be_given_back_as_shown(tend):
    tend.write('app = "esc"\n[job.j]\ncommand = ["sh", "-c", "exit 1", "x", "{item}"]\n')
    tend.up()
    hostile = "\x1b]0;TITLE\x07\x1b[2J\x1b[31mfake-ok"
    tend.run("feed", "j", hostile, "two\nlines", "\u009b31mcsi", check=0)
    wait_until(lambda: len([i for i in items(tend, "j") if i["state"] == "dead"]) == 3, 15, "the items to fail")
    for args in (["history", "j", "--items"], ["status", "--events", "-n", "100"], ["logs", "--events"]):
        out = tend.run(*args, check=0).stdout
        assert "\x1b" not in out and "\x07" not in out and "\u009b" not in out, (args, out)
    listing = tend.run("history", "j", "--items", check=0).stdout.splitlines()
    assert len(listing) == 4, listing
    assert any(" \\x1b]0;TITLE\\x07\\x1b[2J\\x1b[31mfake-ok " in line for line in listing), listing
    assert any(" two\\x0alines " in line for line in listing), listing
    shown = "\\x1b]0;TITLE\\x07\\x1b[2J\\x1b[31mfake-ok"
    detail = tend.run("history", "j", "--item", shown, check=0).stdout
    assert "\x1b" not in detail and shown in detail
    assert "requeued 1" in tend.run("retry", "j", "two\\x0alines", check=0).stdout


def write_log(path, instance, texts):
    with open(path, "w") as log:
        for text in texts:
            log.write(f"2026-01-01T00:00:00.000000Z {instance} out: {text}\n")


# F14: std::regex overflowed its stack on a 16,000-character line and took
# quadratic time on a long log.
def test_grep_neither_crashes_nor_runs_away_on_long_lines(tend):
    logs = tend.home / "rx" / "logs"
    logs.mkdir(parents=True)
    write_log(logs / "p.log", "p.0", ["a" * 16000, "abc"])
    result = tend.run("--app", "rx", "logs", "p", "--grep", "(a|b)*c", check=0)
    assert result.stdout.endswith("p.0 out: abc\n"), result.stdout[-200:]
    # 24 MiB in records of 16 KiB, as a line without a newline is stored.
    piece = "a" * 16384
    with open(logs / "big.log", "w") as log:
        line = f"2026-01-01T00:00:00.000000Z big.0 out+: {piece}\n"
        log.write(line * 1536)
    began = time.monotonic()
    result = tend.run("--app", "rx", "logs", "big", "--grep", "a*b", "-n", "1", check=0, timeout=120)
    assert time.monotonic() - began < 15
    assert result.stdout == ""
    bad = tend.run("--app", "rx", "logs", "p", "--grep", "(a|b", check=2)
    assert "missing )" in bad.stderr, bad.stderr


def test_feed_match_is_against_the_path_under_from_and_says_what_it_saw(tend):
    tend.write('app = "fm"\n[job.j]\ncommand = ["true"]\n')
    tend.up()
    bucket = tend.app_dir / "bucket"
    (bucket / "2026").mkdir(parents=True)
    for name in ("elife-10860.zip", "elife-10861.zip", "other.zip"):
        (bucket / name).write_text("x")
    (bucket / "2026" / "elife-20000.zip").write_text("x")
    result = tend.run("feed", "j", "--from", str(bucket), "--match", "^elife-1", check=0)
    assert "queued 2 item(s)" in result.stdout
    assert "2 of 4 file(s)" in result.stderr
    assert tend.run("feed", "j", "--from", str(bucket), "--match", "^2026/", check=0).stdout.startswith("queued 1")
    none = tend.run("feed", "j", "--from", str(bucket), "--match", "^nothing", check=2)
    assert "4 file(s) under" in none.stderr and "relative to it" in none.stderr
    assert "missing )" in tend.run("feed", "j", "--from", str(bucket), "--match", "(x", check=2).stderr


# UX: reads printed nothing and exited 0 for a name that does not exist.
def test_unknown_names_are_refused_with_did_you_mean(tend):
    tend.write('app = "names"\n[process.web]\ncommand = ["sh", "-c", "echo hello; sleep 1000"]\ninstances = 2\n'
               '[job.ingest]\ncommand = ["sh", "-c", "echo converting \\"$1\\"", "x", "{item}"]\n')
    tend.up()
    wait_until(lambda: "hello" in tend.run("logs", "web.1", check=0).stdout, 15, "web.1 to write")
    web5 = tend.run("logs", "web.5", check=2)
    assert 'no instance or run "web.5"' in web5.stderr and "did you mean" in web5.stderr
    assert 'did you mean "web"' in tend.run("logs", "wbe", check=2).stderr
    assert 'did you mean "names"' in tend.run("--app", "nmaes", "logs", check=2).stderr
    assert "no app named" in tend.run("--app", "nothere", "status", check=2).stderr
    # --app names a state directory and a socket: never a path.
    assert "may contain only" in tend.run("--app", "../names", "status", check=2).stderr
    assert 'did you mean "ingest"' in tend.run("status", "--events", "ingset", check=2).stderr
    assert 'did you mean "ingest"' in tend.run("history", "ingets", check=2).stderr
    assert 'did you mean "ingest"' in tend.run("feed", "ingets", "a", check=2).stderr
    assert 'did you mean "ingest"' in tend.run("history", "ingets", "--items", check=2).stderr
    assert tend.run("status", "--events", "web.0", check=0).stdout
    tend.run("feed", "ingest", "x.zip", check=0)
    wait_until(lambda: items(tend, "ingest")[0]["state"] == "succeeded", 15, "the item to run")
    item_id = items(tend, "ingest")[0]["id"]
    # A run's name stands for its steps' lines too.
    assert "converting x.zip" in tend.run("logs", f"ingest#i{item_id}", check=0).stdout


def test_every_json_answer_is_an_object(tend):
    tend.write('app = "js"\n[job.j]\ncommand = ["true"]\n')
    tend.up()
    tend.run("run", "j", "--wait", check=0)
    tend.run("feed", "j", "a", check=0)
    wait_until(lambda: items(tend, "j")[0]["state"] == "succeeded", 15, "the item to run")
    answers = {
        "history": tend.run("history", "--json", check=0).stdout,
        "history j": tend.run("history", "j", "--json", check=0).stdout,
        "items": tend.run("history", "j", "--items", "--json", check=0).stdout,
        "item": tend.run("history", "j", "--item", "a", "--json", check=0).stdout,
        "status": tend.run("status", "--json", check=0).stdout,
        "events": tend.run("status", "--events", "--json", check=0).stdout,
        "run": tend.run("run", "j", "--wait", "--json", check=0).stdout,
        "feed": tend.run("feed", "j", "b", "--json", check=0).stdout,
        "apply": tend.run("apply", "--plan", "--json", check=0).stdout,
        "calendar": tend.run("calendar", "@daily", "-n", "2", "--json", check=0).stdout,
        "calendar reboot": tend.run("calendar", "@reboot", "--json", check=0).stdout,
        "releases": tend.run("releases", "--json", check=0).stdout,
    }
    for name, text in answers.items():
        assert isinstance(json.loads(text), dict), (name, text)
    assert len(json.loads(answers["history"])["runs"]) == 1
    assert json.loads(answers["item"])["items"][0]["item"] == "a"
    assert len(json.loads(answers["calendar"])["fires"]) == 2


def test_exit_codes_and_messages_a_new_user_meets(tend):
    version = tend.run("--version", check=0)
    assert version.stdout.startswith("tend ")
    # No app file here: the prefix and how to give one.
    missing = tend.run("up", check=2)
    assert missing.stderr.startswith("tend: ") and "tend up PATH" in missing.stderr
    tend.write('app = "ex"\n[process.w]\ncommand = ["sleep", "1000"]\n'
               '[process.very_long_process_group_name]\ncommand = ["sleep", "1000"]\n'
               '[job.j]\ncommand = ["true"]\n')
    down = tend.run("down", check=0)
    assert "nothing to stop" in down.stdout
    tend.up()
    tend.wait_state("very_long_process_group_name.0", "running")
    table = [line for line in tend.run("status", check=0).stdout.splitlines()
             if line.startswith(("NAME", "w.0", "very_long"))]
    assert len(table) == 3 and len({line.index(" running") if "running" in line else line.index(" STATE")
                                    for line in table}) == 1, table
    assert tend.run("status", "--check", check=0)
    tend.run("stop", "w", check=0)
    check = tend.run("status", "--check", check=1)
    assert "w.0 is stopped" in check.stderr
    assert tend.run("retry", "j", "nosuch", check=2)
    assert tend.run("run", "nosuch", check=2)
    assert tend.run("stop", "nosuch", check=2)


def limited_up(tend, soft, hard):
    """`tend up` with a low limit on open descriptors, which the daemon inherits."""
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    result = subprocess.run([BINARY, "up"], cwd=tend.app_dir, env=tend.env, capture_output=True, text=True,
                            timeout=60, preexec_fn=limit)
    assert result.returncode == 0, result.stderr
    tend.daemon_pids.add(tend.status()["daemon"]["pid"])


def running(tend):
    return sum(member["state"] == "running" for group in tend.status()["groups"] for member in group["members"])


# F6: at ~300 instances against 1024 descriptors starts failed, the accept
# loop spun on EMFILE, status and down hung, and @tend.log grew ~20 MB/s.
def test_out_of_descriptors_the_api_still_answers_and_tends_log_stays_small(tend):
    tend.write('app = "nofile"\n[process.w]\ncommand = ["sleep", "1000"]\ninstances = 60\n')
    limited_up(tend, 128, 128)
    daemon = tend.status()["daemon"]["pid"]
    own_log = tend.home / "nofile" / "logs"
    began = time.monotonic()
    while time.monotonic() - began < 5:
        status = tend.run("status", "--json", timeout=20)
        assert status.returncode == 0, status.stderr
        json.loads(status.stdout)
    size = sum(f.stat().st_size for f in own_log.glob("@tend.log*"))
    assert size < 2 << 20, size
    down = tend.run("down", timeout=60)
    assert down.returncode == 0, down.stderr
    wait_until(lambda: not alive(daemon), 15, "the daemon to exit")


def test_connections_that_send_nothing_do_not_keep_status_out(tend):
    tend.write('app = "idle"\n[process.w]\ncommand = ["sleep", "1000"]\n')
    limited_up(tend, 200, 200)
    held = []
    try:
        for _ in range(1000):
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.setblocking(False)
            try:
                client.connect(str(tend.home / "idle" / "tend.sock"))
                held.append(client)
            except OSError:
                client.close()
        assert len(held) > 250
        for _ in range(3):
            status = tend.run("status", "--json", timeout=20)
            assert status.returncode == 0, status.stderr
        assert tend.run("down", timeout=60).returncode == 0
    finally:
        for client in held:
            client.close()


def test_the_daemon_raises_its_descriptor_limit_and_children_get_the_usual_one_back(tend):
    tend.write('app = "raise"\n[process.w]\ncommand = ["sleep", "1000"]\ninstances = 60\n')
    limited_up(tend, 128, 4096)
    wait_until(lambda: running(tend) == 60, 30, "every instance to run")
    pid = tend.instance("w.59")["pid"]
    with open(f"/proc/{pid}/limits") as limits:
        line = next(line for line in limits if line.startswith("Max open files"))
    assert line.split()[3:5] == ["128", "4096"], line
    with open(f"/proc/{tend.status()['daemon']['pid']}/limits") as limits:
        line = next(line for line in limits if line.startswith("Max open files"))
    assert line.split()[3:5] == ["4096", "4096"], line


# F15: a store that cannot be written is the action failing (1), not bad input (2).
def test_feed_on_a_full_store_exits_1(tend, tmp_path):
    script = tmp_path / "full.sh"
    home = tmp_path / "small"
    home.mkdir()
    script.write_text(f"""set -u
mount -t tmpfs -o size=3m none {home} || exit 77
export TEND_HOME={home}
cd {tend.app_dir}
{BINARY} up >/dev/null || exit 70
trap '{BINARY} down >/dev/null 2>&1' EXIT
{BINARY} feed j first >/dev/null || exit 71
dd if=/dev/zero of={home}/filler bs=64k 2>/dev/null
{BINARY} feed j $(seq 1 300 | sed s/^/item-/) 2>{tmp_path}/feed.err
echo "feed exited $?"
""")
    tend.write('app = "full"\n[job.j]\ncommand = ["true"]\n')
    result = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", str(script)],
                            capture_output=True, text=True, timeout=120)
    if result.returncode == 77 or result.stderr.startswith("unshare:"):
        pytest.skip(f"cannot mount a small file system here: {result.stderr.strip()}")
    assert "feed exited 1" in result.stdout, (result.stdout, result.stderr,
                                               (tmp_path / "feed.err").read_text())
