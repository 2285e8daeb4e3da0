#include "schedule/scheduler.h"

#include <algorithm>
#include <fmt/format.h>
#include <random>

#include "os/events.h"
#include "supervise/group.h"
#include "supervise/guarded.h"

namespace tend::schedule {
namespace {

using supervise::guarded;

// A clock set by more than this is a reset: the schedule starts over from
// the new time, with no catch-up of what lies in between.
constexpr auto reset_jump = std::chrono::hours(3);
// Smaller differences between wall and monotonic time are drift, not a jump.
constexpr auto noticeable_jump = std::chrono::seconds(1);
// Enumerating missed fires stops here (an `every 1s` job down for a day).
constexpr std::size_t enumeration_limit = 100'000;

std::chrono::milliseconds random_up_to(std::chrono::milliseconds limit)
{
    if (limit.count() <= 0)
        return std::chrono::milliseconds(0);
    static std::mt19937_64 random(std::random_device{}());
    std::uniform_int_distribution<std::int64_t> pick(0, limit.count());
    return std::chrono::milliseconds(pick(random));
}

}  // namespace

Scheduler::Scheduler(supervise::InstanceContext& context, store::Runs& runs, SchedulerOptions options)
    : m_context(context)
    , m_runs(runs)
    , m_options(std::move(options))
    , m_writes(context.loop,
          {
              .failing = [this](const std::string& error) { on_store_failing(error); },
              .retry = [this] { on_store_retry(); },
              .recovered = [this](const store::Outage& outage) { on_store_recovered(outage); },
          })
    , m_self(std::make_shared<Scheduler*>(this))
{}

Scheduler::~Scheduler()
{
    for (auto& [name, job] : m_jobs) {
        if (job->wake != 0)
            m_context.loop.cancel_timer(job->wake);
    }
    for (auto& job : m_retired) {
        if (job->wake != 0)
            m_context.loop.cancel_timer(job->wake);
    }
    if (m_timer.valid())
        m_context.loop.remove_fd(m_timer.get());
}

std::int64_t Scheduler::now_us() const
{
    return to_micros(m_context.loop.clock().wall_now());
}

Result<void> Scheduler::start()
{
    m_timer = TRY(os::make_timer_fd(os::TimerClock::Realtime));
    TRY(m_context.loop.add_fd(
        m_timer.get(), os::Interest::Read, guarded(m_self, [](Scheduler& self, FdEvent) { self.on_wall_timer(); })));
    m_last_wall = m_context.loop.clock().wall_now();
    m_last_mono = m_context.loop.now();
    m_interrupted = TRY(m_runs.interrupt_running(now_us()));
    m_unstarted = TRY(m_runs.waiting());
    for (const store::Run& run : m_interrupted)
        m_context.events.record(run.job, "run-interrupted",
            fmt::format(
                "run #{} ({}, attempt {}): the daemon stopped during the run", run.id, run.trigger, run.attempt));
    m_started = true;
    return Ok{};
}

Result<Scheduler::Timing> Scheduler::timing_of(const spec::JobSpec& spec)
{
    Timing timing;
    if (!spec.schedule.empty())
        timing.schedule = TRY(parse_schedule(spec.schedule));
    timing.zone = TRY(Zone::load(spec.timezone));
    return timing;
}

Result<std::unique_ptr<Scheduler::Job>> Scheduler::make_job(const spec::JobSpec& spec)
{
    auto job = std::make_unique<Job>();
    job->spec = std::make_shared<const spec::JobSpec>(spec);
    Timing timing = TRY(timing_of(spec));
    job->schedule = std::move(timing.schedule);
    job->zone = std::move(timing.zone);
    // A job removed while its runs went on and now back (a rollback, an apply)
    // keeps writing through the same log file: one writer per file.
    for (const auto& retired : m_retired) {
        if (retired->spec->name == spec.name) {
            job->log = retired->log;
            job->log->set_policy(supervise::rotation_policy(spec.process.logs));
            return job;
        }
    }
    job->log = std::make_shared<logs::LogFile>(
        m_context.loop, m_options.log_directory, spec.name, supervise::rotation_policy(spec.process.logs));
    TRY(job->log->open());
    return job;
}

Result<void> Scheduler::apply(const spec::AppSpec& next)
{
    if (m_shutting_down)
        return Error("the daemon is shutting down");
    // Everything that can fail happens before anything changes: new jobs are
    // made whole (their log file opened), changed schedules and zones are read.
    std::map<std::string, std::unique_ptr<Job>> created;
    std::map<std::string, Timing> retimed;
    for (const auto& [name, spec] : next.jobs) {
        auto it = m_jobs.find(name);
        if (it == m_jobs.end())
            created[name] = TRY(make_job(spec));
        else if (it->second->spec->schedule != spec.schedule || it->second->spec->timezone != spec.timezone)
            retimed[name] = TRY(timing_of(spec));
    }
    UnixSeconds now = now_us() / micros_per_second;
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        if (next.jobs.contains(it->first)) {
            ++it;
            continue;
        }
        m_context.events.record(it->first, "job-removed", "gone from the app file; runs under way finish");
        Job& job = *it->second;
        for (Pending& pending : job.waiting) {
            pending.run.state = "stopped";
            pending.run.ended_us = now_us();
            pending.run.error = "the job was removed before it ran";
            finish_run(pending.run);
        }
        job.waiting.clear();
        job.unclaimed.clear();
        job.retired = true;
        m_retired.push_back(std::move(it->second));
        it = m_jobs.erase(it);
    }
    for (const auto& [name, spec] : next.jobs) {
        auto it = m_jobs.find(name);
        if (it == m_jobs.end()) {
            Job& job = *(m_jobs[name] = std::move(created.at(name)));
            plan_after_start(job, now);
            if (job.schedule.kind == Schedule::Kind::Reboot && !job.spec->schedule.empty()) {
                store::Run run{.job = name, .trigger = "reboot", .state = "queued", .created_us = now_us()};
                enqueue(job, run, std::chrono::milliseconds(0));
            }
            continue;
        }
        // A changed job keeps its runs and log file; new runs use the new settings.
        Job& job = *it->second;
        job.log->set_policy(supervise::rotation_policy(spec.process.logs));
        job.spec = std::make_shared<const spec::JobSpec>(spec);
        if (auto timing = retimed.find(name); timing != retimed.end()) {
            job.schedule = std::move(timing->second.schedule);
            job.zone = std::move(timing->second.zone);
            job.next = job.spec->schedule.empty() ? std::nullopt : next_fire(job.schedule, job.zone, now);
            m_context.events.record(name, "job-changed", fmt::format("schedule \"{}\"", spec.schedule));
        }
    }
    if (m_first_apply) {
        m_first_apply = false;
        for (const store::Run& run : m_interrupted) {
            auto it = m_jobs.find(run.job);
            if (it != m_jobs.end())
                maybe_retry(*it->second, run);
        }
        m_interrupted.clear();
        // Waiting runs of jobs no longer in the app file never run.
        for (store::Run& run : std::exchange(m_unstarted, {})) {
            run.state = "stopped";
            run.ended_us = now_us();
            run.error = "the job was removed before it ran";
            finish_run(run);
        }
    }
    rearm();
    return Ok{};
}

std::vector<UnixSeconds> Scheduler::fires_between(const Job& job, UnixSeconds after, UnixSeconds until) const
{
    std::vector<UnixSeconds> fires;
    UnixSeconds cursor = after;
    for (std::size_t i = 0; i < enumeration_limit; ++i) {
        auto fire = next_fire(job.schedule, job.zone, cursor);
        if (!fire || *fire > until)
            break;
        fires.push_back(*fire);
        cursor = *fire;
    }
    return fires;
}

void Scheduler::on_wall_timer()
{
    switch (os::read_wall_timer(m_timer.get())) {
    case os::WallTimerRead::Nothing: return;
    case os::WallTimerRead::ClockChanged: check_clock(); break;
    case os::WallTimerRead::Expired: check_clock(); break;
    }
    fire_due(now_us() / micros_per_second);
    rearm();
}

void Scheduler::check_clock()
{
    WallTime wall = m_context.loop.clock().wall_now();
    MonoTime mono = m_context.loop.now();
    auto expected = m_last_wall + std::chrono::duration_cast<std::chrono::microseconds>(mono - m_last_mono);
    auto jump = wall - expected;
    m_last_wall = wall;
    m_last_mono = mono;
    auto size = jump < jump.zero() ? -jump : jump;
    if (size < noticeable_jump)
        return;
    std::string amount = format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(size));
    if (size <= reset_jump) {
        m_context.events.record("scheduler", "clock-jump",
            fmt::format(
                "the clock moved {} by {}; fires are replanned", jump < jump.zero() ? "back" : "forward", amount));
        return;
    }
    m_context.events.record("scheduler", "clock-reset",
        fmt::format("the clock moved {} by {} (over 3h): schedules start over from {}, fires in between are "
                    "not caught up",
            jump < jump.zero() ? "back" : "forward", amount, format_wall_time(wall)));
    UnixSeconds now = to_micros(wall) / micros_per_second;
    for (auto& [name, job] : m_jobs) {
        if (job->next)
            job->next = next_fire(job->schedule, job->zone, now);
    }
}

void Scheduler::fire_due(UnixSeconds now)
{
    if (m_shutting_down)
        return;
    for (auto& [name, job] : m_jobs) {
        if (!job->next || *job->next > now)
            continue;
        std::vector<UnixSeconds> due = fires_between(*job, *job->next - 1, now);
        job->next = next_fire(job->schedule, job->zone, now);
        if (due.empty())
            continue;
        UnixSeconds latest = due.back();
        due.pop_back();
        // Fires jumped over (a clock set forward, a stalled host) are missed fires.
        if (job->spec->catchup == spec::Catchup::All) {
            for (UnixSeconds fire : due)
                dispatch_fire(*job, fire, "catch-up");
        } else {
            missed(*job, due, "later fires were due at the same time");
        }
        dispatch_fire(*job, latest, "schedule");
    }
}

void Scheduler::dispatch_fire(Job& job, UnixSeconds nominal, const std::string& trigger)
{
    const spec::JobSpec& spec = *job.spec;
    bool catching_up = trigger == "catch-up";
    if (!catching_up) {
        if (spec.overlap == spec::Overlap::Skip && (!job.running.empty() || !job.waiting.empty())) {
            auto busy = !job.running.empty() ? job.running.begin()->first : job.waiting.front().run.id;
            record_skipped(job, nominal, trigger, fmt::format("overlap = \"skip\": run #{} was still going", busy));
            return;
        }
        if (spec.overlap == spec::Overlap::Queue && !job.waiting.empty()) {
            record_skipped(job, nominal, trigger,
                fmt::format("overlap = \"queue\": run #{} was already waiting", job.waiting.front().run.id));
            return;
        }
    }
    store::Run run{.job = spec.name,
        .nominal_us = nominal * micros_per_second,
        .trigger = trigger,
        .state = "queued",
        .created_us = now_us()};
    auto delay = catching_up ? std::chrono::milliseconds(0) : random_up_to(spec.jitter);
    bool free = job.running.empty() || spec.overlap == spec::Overlap::Allow;
    // Starting at once: the claim records the start too, one transaction before the spawn.
    bool at_once = delay.count() == 0 && free && job.waiting.empty() && !m_shutting_down;
    if (at_once) {
        run.state = "running";
        run.started_us = run.created_us;
    }
    auto claimed = m_runs.claim_fire(run);
    if (!claimed) {
        // Not run now; once the store works again it follows `catchup`.
        m_context.events.record(spec.name, "fire-failed",
            fmt::format("the fire of {} could not be claimed ({}); it follows catchup once the store can be written",
                format_utc(nominal), claimed.error().message()));
        job.unclaimed.push_back(nominal);
        if (job.unclaimed.size() > catchup_limit)
            job.unclaimed.erase(job.unclaimed.begin());
        m_writes.failed(claimed.error());
        return;
    }
    if (!claimed->has_value())
        return;  // claimed before: it ran (or was skipped) already
    run.id = **claimed;
    if (!catching_up && spec.overlap == spec::Overlap::Replace) {
        for (auto& [id, running] : job.running)
            running->stop(fmt::format("overlap = \"replace\": run #{} replaces it", run.id));
    }
    if (at_once)
        start_run(job, run);
    else
        enqueue(job, run, delay);
}

std::shared_ptr<logs::LogFile> Scheduler::log_of(const std::string& name) const
{
    auto it = m_jobs.find(name);
    return it == m_jobs.end() ? nullptr : it->second->log;
}

void Scheduler::rearm()
{
    if (!m_timer.valid())
        return;
    std::optional<UnixSeconds> earliest;
    for (const auto& [name, job] : m_jobs) {
        if (job->next && (!earliest || *job->next < *earliest))
            earliest = job->next;
    }
    if (!earliest || m_shutting_down) {
        (void)os::arm_timer(m_timer.get(), std::chrono::nanoseconds(0));
        return;
    }
    if (auto armed = os::arm_wall_timer(m_timer.get(), from_micros(*earliest * micros_per_second)); !armed)
        m_context.events.record("scheduler", "timer-failed", armed.error().message());
}

void Scheduler::tick()
{
    if (!m_started)
        return;
    check_clock();
    for (auto& [name, job] : m_jobs)
        job->log->tick();
    drop_idle_retired();
}

void Scheduler::drop_idle_retired()
{
    std::erase_if(m_retired, [this](const std::unique_ptr<Job>& job) {
        if (!job->running.empty())
            return false;
        if (job->wake != 0)
            m_context.loop.cancel_timer(job->wake);
        return true;
    });
}

void Scheduler::shut_down(std::function<void()> done)
{
    m_shutdown_done = std::move(done);
    m_shutting_down = true;
    rearm();
    auto stop_job = [this](Job& job) {
        if (job.wake != 0)
            m_context.loop.cancel_timer(std::exchange(job.wake, 0));
        // Waiting runs stay queued in the store: the next start runs them, or
        // not, as `catchup` says (retries go on).
        for (const Pending& pending : job.waiting) {
            m_context.events.record(job.spec->name, "run-waiting",
                fmt::format("run #{} ({}) had not started; the next start runs it as {}", pending.run.id,
                    pending.run.trigger,
                    pending.run.trigger == "retry"
                        ? std::string("a retry")
                        : fmt::format("catchup = \"{}\" allows", to_string(job.spec->catchup))));
        }
        job.waiting.clear();
        for (auto& [id, run] : job.running)
            run->stop("the daemon is stopping");
    };
    for (auto& [name, job] : m_jobs)
        stop_job(*job);
    for (auto& job : m_retired)
        stop_job(*job);
    continue_shutdown();
}

void Scheduler::continue_shutdown()
{
    for (const auto& [name, job] : m_jobs) {
        if (!job->running.empty())
            return;
    }
    for (const auto& job : m_retired) {
        if (!job->running.empty())
            return;
    }
    if (!m_shutdown_done)
        return;
    if (!m_writes.flush())
        m_context.events.record("scheduler", "store-failing",
            fmt::format("the ends of {} run(s) could not be written before the daemon stopped; the next start "
                        "finds them running and records them as interrupted",
                m_writes.waiting()));
    m_context.loop.defer(std::exchange(m_shutdown_done, {}));
}

std::vector<JobStatus> Scheduler::status() const
{
    std::vector<JobStatus> out;
    for (const auto& [name, job] : m_jobs) {
        JobStatus status{.name = name, .schedule = job->spec->schedule, .timezone = job->spec->timezone};
        if (job->next)
            status.next_fire = from_micros(*job->next * micros_per_second);
        for (const auto& [id, run] : job->running)
            status.running.push_back(id);
        status.waiting = job->waiting.size();
        if (auto last = m_runs.last_finished(name); last && last->has_value())
            status.last = **last;
        out.push_back(std::move(status));
    }
    return out;
}

}  // namespace tend::schedule
