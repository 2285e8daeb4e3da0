// The scheduler's runs: waiting their turn, starting, ending, retrying.
#include <cerrno>
#include <fmt/format.h>

#include "schedule/scheduler.h"
#include "supervise/guarded.h"

namespace tend::schedule {

using supervise::guarded;

void Scheduler::record_skipped(Job& job, UnixSeconds nominal, const std::string& trigger, const std::string& why)
{
    store::Run run{.job = job.spec->name,
        .nominal_us = nominal * micros_per_second,
        .trigger = trigger,
        .state = "skipped",
        .created_us = now_us(),
        .ended_us = now_us(),
        .error = why};
    auto claimed = m_runs.claim_fire(run);
    if (!claimed)
        m_writes.failed(claimed.error());
    if (claimed && claimed->has_value())
        m_context.events.record(job.spec->name, "run-skipped",
            fmt::format("run #{} for the fire of {}: {}", **claimed, format_utc(nominal), why));
}

void Scheduler::enqueue(Job& job, store::Run run, std::chrono::milliseconds delay)
{
    if (run.id == 0) {
        auto id = m_runs.insert(run);
        if (!id) {
            m_context.events.record(job.spec->name, "run-failed",
                fmt::format(
                    "a {} run could not be recorded, so it was not run: {}", run.trigger, id.error().message()));
            m_writes.failed(id.error());
            return;
        }
        run.id = *id;
    }
    job.waiting.push_back(Pending{.run = std::move(run), .not_before = m_context.loop.now() + delay});
    start_waiting(job);
}

void Scheduler::start_waiting(Job& job)
{
    // While the store fails, nothing starts: a start must be recorded first.
    while (!job.waiting.empty() && !m_shutting_down && !m_writes.failing()) {
        bool free = job.running.empty() || job.spec->overlap == spec::Overlap::Allow;
        if (!free)
            return;
        Pending& front = job.waiting.front();
        MonoTime now = m_context.loop.now();
        if (front.not_before > now) {
            if (job.wake != 0)
                m_context.loop.cancel_timer(job.wake);
            std::string name = job.spec->name;
            job.wake = m_context.loop.add_timer(front.not_before - now, guarded(m_self, [name](Scheduler& self) {
                auto it = self.m_jobs.find(name);
                if (it == self.m_jobs.end())
                    return;
                it->second->wake = 0;
                self.start_waiting(*it->second);
            }));
            return;
        }
        store::Run run = std::move(front.run);
        job.waiting.pop_front();
        if (!start_run(job, run))
            return;
    }
}

bool Scheduler::start_run(Job& job, store::Run& run, std::function<void(const store::Run&)> done)
{
    if (done)
        m_waiters[run.id] = std::move(done);
    if (run.state != "running") {
        // Recorded before the spawn, or not started: a queued row is a run
        // the next daemon may still start, so it must not have run already.
        std::int64_t started = now_us();
        auto marked = m_runs.mark_started(run.id, started);
        if (!marked) {
            job.waiting.push_front(Pending{.run = run, .not_before = m_context.loop.now()});
            m_writes.failed(marked.error());
            return false;
        }
        if (!*marked) {
            m_context.events.record(job.spec->name, "run-not-started",
                fmt::format("run #{} is no longer queued in the store, so it is not started", run.id));
            m_waiters.erase(run.id);
            return true;
        }
        run.state = "running";
        run.started_us = started;
    }
    auto process = std::make_unique<JobRun>(m_context, job.spec, job.log,
        RunRequest{.id = run.id, .trigger = run.trigger, .attempt = run.attempt, .nominal_us = run.nominal_us});
    JobRun& started = *process;
    job.running[run.id] = std::move(process);
    std::string name = job.spec->name;
    std::int64_t id = run.id;
    started.start(guarded(
        m_self, [name, id](Scheduler& self, const RunOutcome& outcome) { self.on_run_done(name, id, outcome); }));
    return true;
}

void Scheduler::on_run_done(const std::string& job_name, std::int64_t id, const RunOutcome& outcome)
{
    Job* job = nullptr;
    if (auto it = m_jobs.find(job_name); it != m_jobs.end() && it->second->running.contains(id))
        job = it->second.get();
    for (auto& retired : m_retired) {
        if (job == nullptr && retired->running.contains(id))
            job = retired.get();
    }
    if (job == nullptr)
        return;
    auto node = job->running.extract(id);
    const JobRun& process = *node.mapped();
    store::Run run{
        .id = id,
        .job = job_name,
        .nominal_us = process.request().nominal_us,
        .trigger = process.request().trigger,
        .attempt = process.request().attempt,
        .state = outcome.state,
        .started_us = process.started_at() ? std::optional(to_micros(*process.started_at())) : std::nullopt,
        .ended_us = now_us(),
        .exit_code = outcome.exit_code,
        .signal = outcome.signal,
        .error = outcome.error,
    };
    // The run object is inside its own callback: it is destroyed after it returns.
    m_context.loop.defer([finished = std::shared_ptr<JobRun>(std::move(node.mapped()))] {});
    finish_run(run);
    std::int64_t took = run.started_us ? (*run.ended_us - *run.started_us) / 1000 : 0;
    m_context.events.record(job_name, "run-finished",
        fmt::format("run #{} {} after {}", id, describe(outcome), format_duration(std::chrono::milliseconds(took))));
    if (auto waiter = m_waiters.extract(id); !waiter.empty())
        waiter.mapped()(run);
    if (run.state == "failed" || run.state == "timed-out")
        maybe_retry(*job, run);
    start_waiting(*job);
    drop_idle_retired();
    if (m_shutting_down)
        continue_shutdown();
}

void Scheduler::maybe_retry(Job& job, const store::Run& failed)
{
    const spec::RetrySpec& retry = job.spec->retry;
    if (job.retired || m_shutting_down)
        return;
    if (failed.attempt > retry.attempts) {
        if (retry.attempts > 0)
            m_context.events.record(job.spec->name, "retries-exhausted",
                fmt::format(
                    "run #{} was attempt {} of {}; no more retries", failed.id, failed.attempt, retry.attempts + 1));
        return;
    }
    auto delay = retry_delay(retry, failed.attempt);
    store::Run next{.job = failed.job,
        .nominal_us = failed.nominal_us,
        .trigger = "retry",
        .attempt = failed.attempt + 1,
        .state = "queued",
        .created_us = now_us()};
    m_context.events.record(job.spec->name, "retry",
        fmt::format("run #{} {}: attempt {} of {} in {}", failed.id, failed.state, failed.attempt + 1,
            retry.attempts + 1, format_duration(delay)));
    enqueue(job, next, delay);
}

Result<std::int64_t> Scheduler::run_now(const std::string& name, std::function<void(const store::Run&)> done)
{
    if (m_shutting_down)
        return Error("the daemon is shutting down");
    auto it = m_jobs.find(name);
    if (it == m_jobs.end()) {
        std::vector<std::string> names;
        for (const auto& [job_name, job] : m_jobs)
            names.push_back(job_name);
        return Error(fmt::format("no job named \"{}\" (jobs: {})", name,
                         names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))),
            EINVAL);
    }
    if (!it->second->spec->steps.empty())
        return Error(
            fmt::format("job \"{}\" processes items in steps; give it items with `tend feed {}`", name, name), EINVAL);
    store::Run run{.job = name, .trigger = "manual", .state = "queued", .created_us = now_us()};
    run.id = TRY(m_runs.insert(run));
    if (m_writes.failing()) {
        if (done)
            m_waiters[run.id] = std::move(done);
        enqueue(*it->second, run, std::chrono::milliseconds(0));  // starts once the store works
    } else {
        start_run(*it->second, run, std::move(done));
    }
    return run.id;
}

void Scheduler::finish_run(const store::Run& run)
{
    m_writes.write([runs = &m_runs, run] { return runs->finish(run); });
}

void Scheduler::on_store_failing(const std::string& error)
{
    m_context.events.record("scheduler", "store-failing",
        fmt::format("runs cannot be recorded ({}); waiting runs do not start, the ends of runs are kept and written "
                    "once they can, and fires that cannot be claimed follow catchup then",
            error));
}

void Scheduler::on_store_retry()
{
    UnixSeconds now = now_us() / micros_per_second;
    for (auto& [name, job] : m_jobs) {
        std::vector<LateFire> late;
        for (UnixSeconds fire : std::exchange(job->unclaimed, {}))
            late.push_back(LateFire{.nominal = fire});
        catch_up(*job, std::move(late), now);
        start_waiting(*job);
    }
}

void Scheduler::on_store_recovered(const store::Outage& outage)
{
    m_context.events.record("scheduler", "store-recovered",
        fmt::format("runs are recorded again after {} (it failed with: {}): {} change(s) of runs were written late",
            format_duration(outage.lasted), outage.error, outage.delayed));
}

}  // namespace tend::schedule
