"""Scheduled jobs through the real binary: calendar, fires, overlap policies,
timeouts, retries, catch-up after downtime, and no fire run twice."""

import json
import os
import signal
import time
from datetime import datetime

from conftest import alive, pids_with_marker, wait_until


def history(tend, job="", limit=1000):
    args = ["history", "--json", "-n", str(limit)]
    if job:
        args.append(job)
    return json.loads(tend.run(*args, check=0).stdout)["runs"]


def seconds(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def job_status(tend, name):
    for job in tend.status()["jobs"]:
        if job["name"] == name:
            return job
    raise KeyError(name)


def finished(runs):
    return [run for run in runs if run["ended"] is not None and run["state"] != "skipped"]


def test_calendar_prints_fire_times_across_a_dst_gap(tend):
    result = tend.run("calendar", "30 2 * * *", "--tz", "America/New_York", "--from", "2026-03-07 12:00", "-n", "2",
                      check=0)
    lines = result.stdout.splitlines()
    assert lines[0] == "2026-03-08 03:00:00 EDT (-04:00 dst)  2026-03-08T07:00:00Z", result.stdout
    assert lines[1].endswith("2026-03-09T06:30:00Z")
    fires = json.loads(tend.run("calendar", "45 * * * *", "--tz", "Australia/Lord_Howe", "--from",
                                "2026-04-05 01:00", "-n", "3", "--json", check=0).stdout)["fires"]
    # 01:45 happens twice when Lord Howe moves back 30 minutes; an hour of `*` fires in both.
    assert [fire["utc"] for fire in fires] == ["2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z",
                                               "2026-04-04T16:15:00Z"]
    assert [fire["offset"] for fire in fires] == ["+11:00", "+10:30", "+10:30"]


def test_bad_expressions_and_zones_are_rejected_with_the_reason(tend):
    for expression, reason in [("0 0 30 2 *", "never fires"), ("61 * * * *", "minute 61 out of range 0-59"),
                               ("5-2 * * * *", "reversed range 5-2")]:
        result = tend.run("calendar", expression)
        assert result.returncode == 2
        assert reason in result.stderr
    result = tend.run("calendar", "@daily", "--tz", "Mars/Olympus")
    assert result.returncode == 2 and "unknown time zone" in result.stderr
    path = tend.write('app = "cal"\n[job.a]\ncommand = "true"\nschedule = "0 0 30 2 *"\n')
    result = tend.run("check")
    assert result.returncode == 2
    assert f"{path}:4:12: schedule: never fires" in result.stderr


def test_every_second_fires_once_per_second_and_shows_in_status(tend):
    tend.write('app = "tick"\n[job.tick]\ncommand = ["sh", "-c", "echo tick $TEND_RUN"]\nschedule = "every 1s"\n')
    tend.up()
    wait_until(lambda: len(finished(history(tend, "tick"))) >= 4, 20, "four runs")
    runs = history(tend, "tick")
    nominals = [seconds(run["nominal"]) for run in runs]
    assert len(nominals) == len(set(nominals)), "a fire ran twice"
    # Whole seconds, in order (a loaded machine may skip one, never repeat one).
    assert all(b - a >= 1 and b == int(b) for a, b in zip(nominals, nominals[1:])), nominals
    for run in finished(runs):
        assert run["state"] == "succeeded" and run["trigger"] == "schedule"
        assert 0 <= seconds(run["started"]) - seconds(run["nominal"]) < 1.0
    status = job_status(tend, "tick")
    assert status["next_fire"] is not None and status["last"]["state"] == "succeeded"
    run_id = finished(runs)[0]["id"]
    logs = tend.run("logs", f"tick#{run_id}", check=0).stdout
    assert f"tick#{run_id} out: tick {run_id}" in logs


def intervals(runs):
    return sorted((seconds(run["started"]), seconds(run["ended"])) for run in finished(runs))


def test_overlap_skip_never_runs_two_at_once_and_records_skips(tend):
    tend.write('app = "ov"\n[job.slow]\ncommand = ["sleep", "2.5"]\nschedule = "every 1s"\n')
    tend.up()
    wait_until(lambda: len(finished(history(tend, "slow"))) >= 2, 30, "two runs")
    runs = history(tend, "slow")
    spans = intervals(runs)
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:])), spans
    skipped = [run for run in runs if run["state"] == "skipped"]
    assert skipped and "was still going" in skipped[0]["error"]


def test_overlap_queue_waits_for_the_running_one_and_buffers_one(tend):
    tend.write('app = "ov"\n[job.slow]\ncommand = ["sleep", "1.6"]\nschedule = "every 1s"\noverlap = "queue"\n')
    tend.up()
    wait_until(lambda: len(finished(history(tend, "slow"))) >= 3, 30, "three runs")
    runs = history(tend, "slow")
    spans = intervals(runs)
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:])), spans
    # A queued run starts as soon as the one before ends.
    assert any(later[0] - earlier[1] < 0.3 for earlier, later in zip(spans, spans[1:])), spans
    assert any("was already waiting" in run["error"] for run in runs if run["state"] == "skipped")


def test_overlap_replace_stops_the_running_one(tend):
    tend.write('app = "ov"\n[job.long]\ncommand = ["sleep", "30"]\nschedule = "every 1s"\noverlap = "replace"\n'
               'stop_timeout = "2s"\n')
    tend.up()
    wait_until(lambda: len([r for r in history(tend, "long") if r["state"] == "stopped"]) >= 2, 30,
               "two replaced runs")
    stopped = [run for run in history(tend, "long") if run["state"] == "stopped"]
    assert "replaces it" in stopped[0]["error"]
    assert stopped[0]["signal"] == 15


def test_overlap_allow_runs_alongside(tend):
    tend.write('app = "ov"\n[job.slow]\ncommand = ["sleep", "2.5"]\nschedule = "every 1s"\noverlap = "allow"\n')
    tend.up()
    wait_until(lambda: len(job_status(tend, "slow")["running"]) >= 2, 20, "two runs at once")


def test_timeout_stops_the_whole_tree_and_records_timed_out(tend):
    marker = f"tend-timeout-{os.getpid()}-{time.monotonic_ns()}"
    tend.write(f'app = "to"\n[job.hang]\ncommand = ["sh", "-c", "sh -c \'sleep 300; true\' $0 & sleep 301; true", "{marker}"]\n'
               f'timeout = "1s"\nstop_timeout = "1s"\n')
    tend.up()
    result = tend.run("run", "hang", "--wait", "--json", timeout=30)
    assert result.returncode == 1
    run = json.loads(result.stdout)
    assert run["state"] == "timed-out" and "timeout 1s" in run["error"]
    assert 0.9 < run["duration_ms"] / 1000 < 5
    assert not pids_with_marker(marker)


def test_failed_runs_are_retried_with_growing_backoff(tend):
    tend.write('app = "re"\n[job.flaky]\ncommand = ["sh", "-c", "echo attempt $TEND_ATTEMPT; exit 3"]\n'
               'retry = { attempts = 2, backoff = "400ms" }\n')
    tend.up()
    tend.run("run", "flaky", check=0)
    wait_until(lambda: len(finished(history(tend, "flaky"))) == 3, 20, "three attempts")
    runs = finished(history(tend, "flaky"))
    assert [run["attempt"] for run in runs] == [1, 2, 3]
    assert [run["trigger"] for run in runs] == ["manual", "retry", "retry"]
    assert all(run["state"] == "failed" and run["exit_code"] == 3 for run in runs)
    first_wait = seconds(runs[1]["started"]) - seconds(runs[0]["ended"])
    second_wait = seconds(runs[2]["started"]) - seconds(runs[1]["ended"])
    assert 0.19 <= first_wait < 2 and 0.39 <= second_wait < 3, (first_wait, second_wait)
    wait_until(lambda: [e for e in tend.events("flaky") if e["kind"] == "retries-exhausted"], 10, "give-up event")
    # A retry's row is written when it is decided, the moment the give-up event is: a fourth would be here now.
    assert len(history(tend, "flaky")) == 3


def test_a_missing_command_fails_its_run_and_the_scheduler_goes_on(tend):
    script = tend.app_dir / "job.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    tend.write('app = "mi"\n[job.gone]\ncommand = "./job.sh"\n'
               '[job.tick]\ncommand = "true"\nschedule = "every 1s"\n')
    tend.up()
    script.unlink()
    result = tend.run("run", "gone", "--wait", "--json", timeout=30)
    assert result.returncode == 1
    run = json.loads(result.stdout)
    assert run["state"] == "failed" and "No such file" in run["error"], run
    before = len(finished(history(tend, "tick")))
    wait_until(lambda: len(finished(history(tend, "tick"))) >= before + 2, 10, "the schedule to go on")


def catch_up_after_downtime(tend, catchup):
    tend.write(f'app = "cu"\n[job.tick]\ncommand = "true"\nschedule = "every 1s"\ncatchup = "{catchup}"\n')
    tend.up()
    wait_until(lambda: len(finished(history(tend, "tick"))) >= 2, 20, "two runs")
    tend.run("down", check=0)
    down_at = time.time()
    time.sleep(3.5)  # the downtime under test: fires fall due while no daemon runs
    tend.up()
    wait_until(lambda: len(finished(history(tend, "tick"))) >= 1 and time.time() > down_at + 5, 20, "a while up")
    runs = history(tend, "tick")
    nominals = [run["nominal"] for run in runs]
    assert len(nominals) == len(set(nominals)), "a fire ran twice"
    return [run for run in runs if run["trigger"] == "catch-up"]


def test_catchup_all_runs_every_missed_fire_once(tend):
    caught = catch_up_after_downtime(tend, "all")
    assert len(caught) >= 3, caught
    assert all(run["state"] == "succeeded" for run in caught)


def test_catchup_latest_runs_the_most_recent_missed_fire_once(tend):
    caught = catch_up_after_downtime(tend, "latest")
    assert len(caught) == 1, caught
    assert any(e["kind"] == "missed" for e in tend.events("tick"))


def test_catchup_none_runs_nothing_missed_and_says_so(tend):
    caught = catch_up_after_downtime(tend, "none")
    assert caught == []
    assert any(e["kind"] == "missed" and "catchup" in e["detail"] for e in tend.events("tick"))


def test_a_run_cut_by_a_killed_daemon_is_interrupted_then_retried_not_rerun(tend):
    marker = f"tend-cut-{os.getpid()}-{time.monotonic_ns()}"
    tend.write(f'app = "cut"\n[job.long]\ncommand = ["sh", "-c", "sleep 4; true", "{marker}"]\nschedule = "every 1h"\n'
               f'retry = {{ attempts = 1, backoff = "100ms" }}\n')
    tend.up()
    tend.run("run", "long", check=0)
    wait_until(lambda: pids_with_marker(marker), 10, "the run to start")
    daemon = tend.status()["daemon"]["pid"]
    os.kill(daemon, signal.SIGKILL)
    wait_until(lambda: not alive(daemon), 10, "the daemon to die")
    tend.up()
    wait_until(lambda: len(history(tend, "long")) >= 2, 10, "the retry")
    runs = history(tend, "long")
    assert runs[0]["state"] == "interrupted" and "daemon stopped" in runs[0]["error"]
    assert runs[1]["trigger"] == "retry" and runs[1]["attempt"] == 2
    # The leftover of the first run was ended; only the retry's process runs.
    wait_until(lambda: len(pids_with_marker(marker)) == 1, 10, "one run's process")
    assert any(e["kind"] == "run-interrupted" for e in tend.events("long"))


def test_no_fire_runs_twice_across_quick_daemon_restarts(tend):
    tend.write('app = "nd"\n[job.tick]\ncommand = "true"\nschedule = "every 1s"\ncatchup = "all"\n')
    for _ in range(3):
        tend.up()
        wait_until(lambda: len(finished(history(tend, "tick"))) >= 1, 10, "a run")
        daemon = tend.status()["daemon"]["pid"]
        before = len(finished(history(tend, "tick")))
        os.kill(daemon, signal.SIGKILL)
        wait_until(lambda: not alive(daemon), 10, "the daemon to die")
    tend.up()
    wait_until(lambda: len(finished(history(tend, "tick"))) >= before + 2, 10, "runs after the last start")
    nominals = [run["nominal"] for run in history(tend, "tick") if run["trigger"] != "retry"]
    assert len(nominals) == len(set(nominals)), "a fire ran twice"


def test_apply_plan_shows_job_changes_and_applies_a_new_schedule(tend):
    tend.write('app = "pl"\n[job.report]\ncommand = "true"\nschedule = "0 3 * * *"\n')
    tend.up()
    assert job_status(tend, "report")["next_fire"].endswith("T03:00:00.000000Z")
    tend.write('app = "pl"\n[job.report]\ncommand = "true"\nschedule = "30 4 * * *"\ntimezone = "Asia/Kolkata"\n'
               '[job.extra]\ncommand = "true"\n')
    plan = tend.run("apply", "--plan", check=0).stdout
    assert "~ job report (changed): schedule \"0 3 * * *\" -> \"30 4 * * *\", timezone UTC -> Asia/Kolkata" in plan
    assert "+ job extra (added)" in plan
    assert job_status(tend, "report")["next_fire"].endswith("T03:00:00.000000Z"), "--plan changes nothing"
    tend.run("apply", check=0)
    # 04:30 in Kolkata (+05:30) is 23:00 UTC.
    assert job_status(tend, "report")["next_fire"].endswith("T23:00:00.000000Z")
    assert job_status(tend, "extra")["schedule"] == ""


def test_a_job_removed_and_back_while_its_run_goes_keeps_one_writer_on_its_log(tend):
    job = """
[job.talk]
command = ["sh", "-c", "echo first; while [ ! -f go ]; do sleep 0.05; done; echo last"]
"""
    tend.write('app = "e2e"\n[process.idle]\ncommand = "sleep 1000"\n' + job)
    tend.up()
    tend.run("run", "talk", check=0)
    wait_until(lambda: any(r["state"] == "running" for r in history(tend, "talk")), 10, "the run to start")
    tend.write('app = "e2e"\n[process.idle]\ncommand = "sleep 1000"\n')
    tend.run("apply", check=0)
    tend.write('app = "e2e"\n[process.idle]\ncommand = "sleep 1000"\n' + job)
    tend.run("apply", check=0)
    daemon = tend.status()["daemon"]["pid"]
    log = str(tend.home / "e2e" / "logs" / "talk.log")
    writers = [fd for fd in os.listdir(f"/proc/{daemon}/fd") if os.path.realpath(f"/proc/{daemon}/fd/{fd}") == log]
    assert len(writers) == 1, f"{len(writers)} open descriptors on {log}"
    (tend.app_dir / "go").write_text("")
    tend.run("run", "talk", "--wait", check=0)
    wait_until(lambda: open(log).read().count(" out: last") == 2, 10, "both runs to end in the one log")
    assert open(log).read().count(" out: first") == 2


def restart_while_a_fire_waits_for_its_jitter(tend, restart):
    """A fire waits for a jitter longer than the period (later fires are skipped); the daemon restarts."""
    ledger = tend.app_dir / "ledger"
    tend.write(f'app = "jit"\n[job.j]\ncommand = ["sh", "-c", "echo $TEND_RUN $TEND_FIRE_TIME >> {ledger}"]\n'
               f'schedule = "every 2s"\njitter = "1h"\ncatchup = "all"\n')
    tend.up()
    waiting = wait_until(lambda: [run for run in history(tend, "j") if run["state"] == "queued"], 20,
                         "a fire to wait for its jitter")[0]
    restart()
    wait_until(lambda: ledger.exists() and str(waiting["id"]) in ledger.read_text().split(), 20,
               "the waiting fire to run after the restart")
    runs = history(tend, "j")
    run = next(r for r in runs if r["id"] == waiting["id"])
    assert run["state"] == "succeeded" and run["nominal"] == waiting["nominal"], run
    started = [line.split()[0] for line in ledger.read_text().splitlines()]
    assert len(started) == len(set(started)), "a run ran twice"
    nominals = [r["nominal"] for r in runs if r["state"] not in ("skipped",) and r["trigger"] != "retry"]
    assert len(nominals) == len(set(nominals)), "a fire ran twice"
    assert any(e["kind"] == "run-resumed" for e in tend.events("j"))


def test_a_fire_waiting_for_its_jitter_runs_after_tend_down_and_up(tend):
    # Regression (F11): the waiting run was marked `stopped` and its fire never ran.
    def down_up():
        tend.run("down", check=0)
        tend.up()
    restart_while_a_fire_waits_for_its_jitter(tend, down_up)


def test_a_fire_waiting_for_its_jitter_runs_after_the_daemon_was_killed(tend):
    def kill_up():
        daemon = tend.status()["daemon"]["pid"]
        os.kill(daemon, signal.SIGKILL)
        wait_until(lambda: not alive(daemon), 10, "the daemon to die")
        tend.up()
    restart_while_a_fire_waits_for_its_jitter(tend, kill_up)
