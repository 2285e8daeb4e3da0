// The scheduler's late fires: missed while the daemon was down or the store
// failed, or claimed with a run that had not started when the daemon stopped.
// Which of them run follows the job's `catchup` and `catchup_window`.
#include <algorithm>
#include <fmt/format.h>

#include "schedule/scheduler.h"

namespace tend::schedule {
namespace {

UnixSeconds seconds_of(Duration duration)
{
    return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
}

}  // namespace

std::vector<store::Run> Scheduler::take_unstarted(const std::string& job)
{
    std::vector<store::Run> taken;
    std::erase_if(m_unstarted, [&](store::Run& run) {
        if (run.job != job)
            return false;
        taken.push_back(std::move(run));
        return true;
    });
    return taken;
}

void Scheduler::plan_after_start(Job& job, UnixSeconds now)
{
    job.next.reset();
    std::vector<LateFire> late;
    for (store::Run& run : take_unstarted(job.spec->name)) {
        if (run.trigger == "reboot")
            skip_waiting(job, std::move(run), "this start queues a new @reboot run");
        else if (run.trigger == "retry" || run.trigger == "manual" || !run.nominal_us)
            resume(job, std::move(run));
        else
            late.push_back(LateFire{.nominal = *run.nominal_us / micros_per_second, .run = std::move(run)});
    }
    bool scheduled = !job.spec->schedule.empty() && job.schedule.kind != Schedule::Kind::Reboot;
    auto last = scheduled ? m_runs.last_fire(job.spec->name) : Result<std::optional<std::int64_t>>(std::nullopt);
    if (last && last->has_value()) {
        UnixSeconds last_fire = **last / micros_per_second;
        UnixSeconds window = seconds_of(job.spec->catchup_window);
        // Fires older than the window are never run; only those within it are enumerated.
        UnixSeconds from = std::max(last_fire, now - window - 1);
        if (from > last_fire) {
            auto first_in_window = next_fire(job.schedule, job.zone, from);
            if (auto earlier = next_fire(job.schedule, job.zone, last_fire);
                earlier && first_in_window && *earlier < *first_in_window)
                m_context.events.record(job.spec->name, "missed",
                    fmt::format("fires from {} on were missed while the daemon was down and are older than "
                                "catchup_window {}",
                        format_utc(*earlier), format_duration(job.spec->catchup_window)));
        }
        for (UnixSeconds fire : fires_between(job, from, now))
            late.push_back(LateFire{.nominal = fire});
    }
    catch_up(job, std::move(late), now);
    if (scheduled)
        job.next = next_fire(job.schedule, job.zone, now);
}

void Scheduler::catch_up(Job& job, std::vector<LateFire> fires, UnixSeconds now)
{
    if (fires.empty())
        return;
    std::stable_sort(
        fires.begin(), fires.end(), [](const LateFire& a, const LateFire& b) { return a.nominal < b.nominal; });
    const spec::JobSpec& spec = *job.spec;
    std::size_t allowed = 0;
    std::string why;
    switch (spec.catchup) {
    case spec::Catchup::None: why = "catchup = \"none\""; break;
    case spec::Catchup::Latest:
        allowed = 1;
        why = "catchup = \"latest\" runs only the most recent";
        break;
    case spec::Catchup::All:
        allowed = catchup_limit;
        why = fmt::format("catchup = \"all\" runs at most {}", catchup_limit);
        break;
    }
    auto old = std::partition_point(fires.begin(), fires.end(),
        [oldest = now - seconds_of(spec.catchup_window)](const LateFire& fire) { return fire.nominal < oldest; });
    std::size_t in_window = static_cast<std::size_t>(fires.end() - old);
    auto first_run = old + static_cast<long>(in_window > allowed ? in_window - allowed : 0);
    std::vector<UnixSeconds> too_old;
    std::vector<UnixSeconds> not_allowed;
    for (auto it = fires.begin(); it != fires.end(); ++it) {
        bool is_old = it < old;
        if (it >= first_run) {
            if (it->run)
                resume(job, std::move(*it->run));
            else
                dispatch_fire(job, it->nominal, "catch-up");
        } else if (it->run) {
            skip_waiting(job, std::move(*it->run),
                fmt::format("the daemon stopped before it started, and {}",
                    is_old ? fmt::format("it is older than catchup_window {}", format_duration(spec.catchup_window))
                           : why));
        } else {
            (is_old ? too_old : not_allowed).push_back(it->nominal);
        }
    }
    missed(job, too_old, fmt::format("older than catchup_window {}", format_duration(spec.catchup_window)));
    missed(job, not_allowed, why);
}

void Scheduler::resume(Job& job, store::Run run)
{
    std::string what = run.nominal_us ? fmt::format("run #{} ({}, attempt {}) for the fire of {}", run.id, run.trigger,
                           run.attempt, format_utc(*run.nominal_us / micros_per_second))
                                      : fmt::format("run #{} ({}, attempt {})", run.id, run.trigger, run.attempt);
    m_context.events.record(
        job.spec->name, "run-resumed", what + " had not started when the daemon stopped; it runs now");
    enqueue(job, std::move(run), std::chrono::milliseconds(0));
}

void Scheduler::skip_waiting(Job& job, store::Run run, const std::string& why)
{
    run.state = "skipped";
    run.ended_us = now_us();
    run.error = "not run: " + why;
    finish_run(run);
    m_context.events.record(job.spec->name, "run-skipped",
        run.nominal_us ? fmt::format(
            "run #{} for the fire of {}: {}", run.id, format_utc(*run.nominal_us / micros_per_second), run.error)
                       : fmt::format("run #{} ({}): {}", run.id, run.trigger, run.error));
}

void Scheduler::missed(Job& job, const std::vector<UnixSeconds>& fires, const std::string& why)
{
    if (fires.empty())
        return;
    m_context.events.record(job.spec->name, "missed",
        fires.size() == 1 ? fmt::format("the fire of {} was not run: {}", format_utc(fires.front()), why)
                          : fmt::format("{} fires from {} to {} were not run: {}", fires.size(),
                              format_utc(fires.front()), format_utc(fires.back()), why));
}

}  // namespace tend::schedule
