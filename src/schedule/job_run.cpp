#include "schedule/job_run.h"

#include <algorithm>
#include <fmt/format.h>
#include <random>
#include <tuple>

#include "base/strings.h"
#include "os/process.h"
#include "os/spawn.h"
#include "supervise/environment.h"
#include "supervise/guarded.h"

namespace tend::schedule {

using supervise::guarded;

namespace {

// The job's user and group, or an error: a run never falls back to the daemon's identity.
Result<pid_t> switch_identity(const spec::ProcessSpec& spec, os::SpawnOptions& options)
{
    if (os::effective_uid() != 0)
        return 0;
    if (spec.user) {
        auto user = TRY(os::lookup_user(*spec.user));
        options.uid = user.uid;
        options.gid = user.gid;
    }
    if (spec.group)
        options.gid = TRY(os::lookup_group(*spec.group));
    return 0;
}

}  // namespace

std::string describe(const RunOutcome& outcome)
{
    std::string text = outcome.state;
    if (outcome.signal)
        text += fmt::format(" (signal {})", os::signal_name(*outcome.signal));
    else if (outcome.exit_code && *outcome.exit_code != 0)
        text += fmt::format(" (exit {})", *outcome.exit_code);
    if (!outcome.error.empty())
        text += ": " + outcome.error;
    return text;
}

std::chrono::milliseconds retry_delay(const spec::RetrySpec& retry, int attempt)
{
    static std::mt19937_64 random(std::random_device{}());
    auto full = retry.backoff * (1LL << std::clamp(attempt - 1, 0, 20));
    full = std::min<std::chrono::milliseconds>(full, std::chrono::hours(24));
    std::uniform_int_distribution<std::int64_t> cut(0, full.count() / 2);
    return full - std::chrono::milliseconds(cut(random));
}

JobRun::JobRun(supervise::InstanceContext& context, std::shared_ptr<const spec::JobSpec> spec,
    std::shared_ptr<logs::LogFile> log, RunRequest request)
    : m_context(context)
    , m_spec(std::move(spec))
    , m_log(std::move(log))
    , m_request(std::move(request))
    , m_name(m_request.name.empty() ? fmt::format("{}#{}", m_spec->name, m_request.id) : m_request.name)
    , m_run_id(fmt::format("{}-{}-{}", m_context.app, os::self_pid(), m_name))
    , m_self(std::make_shared<JobRun*>(this))
{}

JobRun::~JobRun()
{
    if (m_timeout_timer != 0)
        m_context.loop.cancel_timer(m_timeout_timer);
    if (m_pid > 0 && !m_main_exited)
        m_context.loop.unwatch_child(m_pid);
}

void JobRun::start(std::function<void(const RunOutcome&)> done)
{
    m_done = std::move(done);
    const spec::ProcessSpec& spec = m_spec->process;
    m_capture = std::make_unique<logs::Capture>(m_context.loop, *m_log, m_name);
    auto pipes = m_capture->open();
    os::SpawnOptions options{.argv = child_argv(), .env = child_environment(), .cwd = spec.cwd};
    Result<pid_t> pid = Error("");
    if (!pipes) {
        pid = pipes.error().context("capture output");
    } else {
        std::tie(options.stdout_fd, options.stderr_fd) = *pipes;
        pid = switch_identity(spec, options);
        if (pid)
            pid = os::spawn(options);
    }
    if (!pid) {
        m_log->note(m_name, fmt::format("run could not start: {}", pid.error().message()));
        m_main_exited = true;
        m_tree_gone = true;
        m_outcome = RunOutcome{.state = "failed", .error = pid.error().message()};
        m_context.loop.defer(guarded(m_self, [](JobRun& self) { self.finish_if_done(); }));
        return;
    }
    m_pid = *pid;
    m_started_at = m_context.loop.clock().wall_now();
    m_started_mono = m_context.loop.now();
    m_context.loop.watch_child(
        m_pid, guarded(m_self, [](JobRun& self, const os::ExitStatus& exit) { self.on_exit(exit); }));
    auto start_ticks = os::read_process(m_pid).value_or(os::ProcessInfo{}).start_ticks;
    (void)m_context.live.add({.run_id = m_run_id,
        .name = m_name,
        .pid = m_pid,
        .start_ticks = static_cast<std::int64_t>(start_ticks),
        .started_us = to_micros(*m_started_at)});
    if (!m_request.item && !m_request.quiet)
        m_context.events.record(m_spec->name, "run-started",
            fmt::format("run #{} ({}{}) pid {}: {}", m_request.id, m_request.trigger,
                m_request.attempt > 1 ? fmt::format(", attempt {}", m_request.attempt) : std::string(), m_pid,
                join_command(options.argv)));
    if (m_spec->timeout) {
        m_timeout_timer = m_context.loop.add_timer(*m_spec->timeout, guarded(m_self, [](JobRun& self) {
            self.m_timeout_timer = 0;
            self.on_timeout();
        }));
    }
}

void JobRun::stop(const std::string& why)
{
    begin_stop("stopped", why);
}

void JobRun::on_timeout()
{
    begin_stop("timed-out", fmt::format("ran longer than timeout {}", format_duration(*m_spec->timeout)));
}

void JobRun::begin_stop(std::string state, std::string why)
{
    if (m_main_exited || m_stop_state)
        return;
    m_stop_state = std::move(state);
    m_outcome.error = why;
    m_log->note(m_name, fmt::format("stopping: {}", why));
    const spec::ProcessSpec& spec = m_spec->process;
    m_context.killer.terminate({m_run_id, m_pid}, spec.stop_signal,
        std::chrono::duration_cast<std::chrono::milliseconds>(spec.stop_timeout), guarded(m_self, [](JobRun& self) {
            self.m_tree_gone = true;
            self.finish_if_done();
        }));
}

void JobRun::on_exit(const os::ExitStatus& exit)
{
    // The last lines are in the log before the exit is recorded.
    m_capture->drain();
    m_main_exited = true;
    (void)m_context.live.remove(m_run_id);
    m_context.killer.notice_exit();
    if (m_timeout_timer != 0)
        m_context.loop.cancel_timer(std::exchange(m_timeout_timer, 0));
    if (exit.signal != 0)
        m_outcome.signal = exit.signal;
    else
        m_outcome.exit_code = exit.exit_code;
    if (m_stop_state) {
        m_outcome.state = *m_stop_state;
    } else {
        m_outcome.state = exit.success() ? "succeeded" : "failed";
        // Whatever the command left behind goes the way a stop would send it.
        const spec::ProcessSpec& spec = m_spec->process;
        m_context.killer.terminate({m_run_id, m_pid}, spec.stop_signal,
            std::chrono::duration_cast<std::chrono::milliseconds>(spec.stop_timeout), guarded(m_self, [](JobRun& self) {
                self.m_tree_gone = true;
                self.finish_if_done();
            }));
    }
    auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(m_context.loop.now() - m_started_mono);
    m_log->note(m_name, fmt::format("run {}: {} after {}", m_outcome.state, exit.describe(), format_duration(ran)));
    finish_if_done();
}

void JobRun::finish_if_done()
{
    if (!m_main_exited || !m_tree_gone || m_finished)
        return;
    m_finished = true;
    m_capture.reset();
    if (m_done) {
        // The callback may destroy this run.
        auto done = std::move(m_done);
        done(m_outcome);
    }
}

std::vector<std::string> JobRun::child_environment() const
{
    auto merged = supervise::base_environment(m_spec->process);
    merged["TEND_APP"] = m_context.app;
    merged["TEND_JOB"] = m_spec->name;
    merged["TEND_RUN"] = std::to_string(m_request.id);
    merged["TEND_RUN_ID"] = m_run_id;
    merged["TEND_ATTEMPT"] = std::to_string(m_request.attempt);
    merged["TEND_TRIGGER"] = m_request.trigger;
    if (m_request.nominal_us)
        merged["TEND_FIRE_TIME"] = format_wall_time(from_micros(*m_request.nominal_us));
    if (m_request.item) {
        merged["TEND_ITEM"] = *m_request.item;
        merged["TEND_ITEM_ID"] = std::to_string(m_request.id);
        merged["TEND_STEP"] = m_request.step;
        merged.erase("TEND_RUN");
    }
    return supervise::to_entries(merged);
}

std::vector<std::string> JobRun::child_argv() const
{
    std::string run = std::to_string(m_request.id);
    // Last: an item's own text is never searched for placeholders.
    if (m_request.item)
        return supervise::expand_placeholders(m_spec->process.argv,
            {{"{env}", m_spec->process.environment}, {"{app}", m_context.app}, {"{run}", run},
                {"{item}", *m_request.item}});
    return supervise::expand_placeholders(
        m_spec->process.argv, {{"{env}", m_spec->process.environment}, {"{app}", m_context.app}, {"{run}", run}});
}

}  // namespace tend::schedule
