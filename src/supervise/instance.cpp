#include "supervise/instance.h"

#include "supervise/environment.h"
#include "supervise/guarded.h"

#include <algorithm>
#include <fmt/format.h>
#include <random>
#include <tuple>

#include "base/strings.h"
#include "os/env.h"
#include "os/files.h"
#include "os/process.h"
#include "os/socket.h"
#include "os/spawn.h"

namespace tend::supervise {
std::string_view to_string(InstanceState state)
{
    switch (state) {
    case InstanceState::Stopped: return "stopped";
    case InstanceState::Starting: return "starting";
    case InstanceState::Running: return "running";
    case InstanceState::Stopping: return "stopping";
    case InstanceState::Backoff: return "backoff";
    case InstanceState::CrashLooping: return "crash-looping";
    case InstanceState::Exited: return "exited";
    }
    return "stopped";
}

std::string_view to_string(RolloutRole role)
{
    switch (role) {
    case RolloutRole::None: return "";
    case RolloutRole::Old: return "old";
    case RolloutRole::New: return "new";
    }
    return "";
}

Instance::Instance(
    InstanceContext& context, std::shared_ptr<const spec::ProcessSpec> spec, int index, InstanceResources resources)
    : m_context(context)
    , m_spec(std::move(spec))
    , m_index(index)
    , m_resources(std::move(resources))
    , m_name(fmt::format("{}.{}", m_spec->name, index))
    , m_self(std::make_shared<Instance*>(this))
{}

Instance::~Instance()
{
    cancel_timers();
    close_notify_socket();
    remove_instance_socket();
    if (m_pid > 0)
        m_context.loop.unwatch_child(m_pid);
}

void Instance::start()
{
    handle(Event::Start);
}

void Instance::start_trial(TrialDone done)
{
    m_trial = std::move(done);
    m_trial_kind = TrialKind::Successor;
    handle(Event::Start);
}

void Instance::restart_trial(ReplaceCause cause, TrialDone done)
{
    m_trial = std::move(done);
    m_trial_kind = TrialKind::InPlace;
    restart(cause);
}

void Instance::stop(std::function<void()> done)
{
    if (done) {
        if (settled_down() && m_tree_gone) {
            m_context.loop.defer(std::move(done));
        } else {
            m_stop_waiters.push_back(std::move(done));
        }
    }
    handle(Event::Stop);
}

void Instance::restart(ReplaceCause cause)
{
    m_restart_cause = cause;
    handle(Event::Restart);
}

void Instance::carry_counters_from(const Instance& predecessor)
{
    m_restarts = predecessor.m_restarts + 1;
    m_failures = predecessor.m_failures;
    if (!predecessor.m_recycle_reason.empty())
        m_last_exit = "recycled: " + predecessor.m_recycle_reason;
}

namespace {

// Whether a line of output names a failure: the line a traceback ends with,
// an "error:" from a tool. It is quoted even when a few lines of shutdown
// chatter follow it (gunicorn's "Worker failed to boot." comes after the error).
bool names_a_failure(std::string_view line)
{
    for (std::string_view word : {"Error", "Exception", "error:", "Error:", "FATAL", "fatal:", "panic:"}) {
        if (line.find(word) != std::string_view::npos)
            return true;
    }
    return false;
}

}  // namespace

std::string Instance::last_output() const
{
    if (!m_capture)
        return {};
    constexpr std::size_t quoted = 3;
    auto lines = m_capture->last_lines(200);
    if (lines.empty())
        return {};
    std::size_t first = lines.size() > quoted ? lines.size() - quoted : 0;
    std::vector<std::string> shown(lines.begin() + static_cast<std::ptrdiff_t>(first), lines.end());
    if (std::none_of(shown.begin(), shown.end(), [](const std::string& line) { return names_a_failure(line); })) {
        for (std::size_t at = first; at-- > 0;) {
            if (names_a_failure(lines[at])) {
                shown.insert(shown.begin(), lines[at] + (at + 1 < first ? " | ..." : ""));
                break;
            }
        }
    }
    return fmt::format("; last output: {}", fmt::join(shown, " | "));
}

// The transition function: every event, in every state.
void Instance::handle(Event event)
{
    using S = InstanceState;
    switch (event) {
    case Event::Start:
        m_want = Want::Up;
        if (m_state == S::Stopped || m_state == S::Exited)
            spawn();
        else if (m_state == S::Backoff || m_state == S::CrashLooping) {
            cancel_timers();
            spawn();
        }
        break;
    case Event::Stop:
        m_want = Want::Down;
        if (m_state == S::Starting || m_state == S::Running)
            begin_stop();
        else if (m_state == S::Backoff || m_state == S::CrashLooping) {
            cancel_timers();
            enter(S::Stopped, "stop requested");
            notify_stopped();
        } else if (m_state == S::Stopping && m_main_exited) {
            finish_stop_if_done();
        }
        break;
    case Event::Restart:
        if (m_restart_cause == ReplaceCause::Requested) {
            m_failures = {};
            m_restarts = 0;
            m_context.events.record(m_name, "restart", "requested");
        }
        m_want = Want::Up;
        if (m_state == S::Starting || m_state == S::Running)
            begin_stop();
        else if (m_state != S::Stopping) {
            cancel_timers();
            spawn();
        }
        break;
    case Event::Ready:
        if (m_state == S::Starting) {
            enter(S::Running);
            begin_health();
            if (m_trial)
                begin_settling();
        }
        break;
    case Event::ReadyFailed:
        if (m_state == S::Starting) {
            bool unnotified = m_notify_fd.valid() && !m_notified;
            std::string why = fmt::format("not ready after {}{}{}", format_duration(m_spec->ready.timeout),
                unnotified                 ? std::string(" (no READY=1 came)")
                    : m_last_probe.empty() ? std::string()
                                           : fmt::format(" (last check: {})", m_last_probe),
                last_output());
            m_context.events.record(m_name, "ready-failed", why);
            m_failed_start = true;
            begin_stop();
            end_trial(false, why);
        }
        break;
    case Event::BackoffElapsed:
        if ((m_state == S::Backoff || m_state == S::CrashLooping) && m_want == Want::Up)
            spawn();
        break;
    case Event::TreeGone:
        m_tree_gone = true;
        if (m_state == S::Stopping)
            finish_stop_if_done();
        break;
    }
}

void Instance::spawn()
{
    const spec::ProcessSpec& spec = *m_spec;
    m_launched = m_spec;
    int out_fd = -1;
    int err_fd = -1;
    if (m_resources.log != nullptr) {
        if (!m_capture)
            m_capture = std::make_unique<logs::Capture>(m_context.loop, *m_resources.log, m_name);
        auto pipes = m_capture->open();
        if (!pipes) {
            on_spawn_failed(pipes.error().context("capture output"));
            return;
        }
        std::tie(out_fd, err_fd) = *pipes;
        m_capture->forget_last_lines();
    }
    std::uint64_t run_number = m_context.next_run++;
    m_run_id = fmt::format("{}-{}-{}", m_context.app, os::self_pid(), run_number);
    if (spec.ready.instance_socket || spec.health.instance_socket) {
        if (auto opened = open_instance_socket(run_number); !opened) {
            on_spawn_failed(opened.error());
            return;
        }
    }
    os::SpawnOptions options{
        .argv = child_argv(),
        .env = child_environment(),
        .cwd = spec.cwd,
        .stdout_fd = out_fd,
        .stderr_fd = err_fd,
        .pass_fds = m_resources.sockets,
        .set_listen_pid = !m_resources.sockets.empty() || m_instance_socket.valid(),
    };
    if (m_instance_socket.valid())
        options.pass_fds.push_back(m_instance_socket.get());
    if (spec.user && os::effective_uid() == 0) {
        auto user = os::lookup_user(*spec.user);
        if (!user) {
            on_spawn_failed(user.error());
            return;
        }
        options.uid = user->uid;
        options.gid = user->gid;
    }
    if (spec.group && os::effective_uid() == 0) {
        auto group = os::lookup_group(*spec.group);
        if (!group) {
            on_spawn_failed(group.error());
            return;
        }
        options.gid = *group;
    }
    if (spec.ready.notify || spec.ready.kind == spec::CheckKind::Notify) {
        if (auto opened = open_notify_socket(run_number, options); !opened) {
            on_spawn_failed(opened.error());
            return;
        }
    }
    auto pid = os::spawn(options);
    if (!pid) {
        on_spawn_failed(pid.error());
        return;
    }
    m_pid = *pid;
    m_instance_socket.reset();  // the child holds it now: only this run accepts on it
    m_main_exited = false;
    m_tree_gone = false;
    m_started_mono = m_context.loop.now();
    m_started_wall = m_context.loop.clock().wall_now();
    m_last_error.clear();
    m_last_cpu_ticks = 0;
    m_context.loop.watch_child(
        m_pid, guarded(m_self, [](Instance& self, const os::ExitStatus& exit) { self.on_exit(exit); }));
    auto start_ticks = os::read_process(m_pid).value_or(os::ProcessInfo{}).start_ticks;
    (void)m_context.live.add({.run_id = m_run_id,
        .name = m_name,
        .pid = m_pid,
        .start_ticks = static_cast<std::int64_t>(start_ticks),
        .started_us = to_micros(*m_started_wall)});
    m_context.events.record(m_name, "started", fmt::format("pid {}: {}", m_pid, join_command(options.argv)));
    m_health_failures = 0;
    m_replacement_asked = false;
    m_recycle_reason.clear();
    m_recycle_looping = false;
    m_recycle_retry = false;
    m_failed_start = false;
    m_status_text.clear();
    m_last_probe.clear();
    if (spec.max_age) {
        // Up to 10% earlier, so instances started together do not recycle together.
        std::uniform_real_distribution<double> spread(0.9, 1.0);
        std::mt19937_64 random(std::random_device{}());
        auto age = std::chrono::duration_cast<std::chrono::milliseconds>(*spec.max_age * spread(random));
        m_recycle_at = m_started_mono + age;
    } else {
        m_recycle_at.reset();
    }
    enter(InstanceState::Starting);
    begin_readiness();
}

void Instance::on_spawn_failed(const Error& error)
{
    close_notify_socket();
    remove_instance_socket();
    m_last_error = error.message();
    m_context.events.record(m_name, "spawn-failed", error.message());
    if (m_trial) {
        if (m_trial_kind == TrialKind::Successor)
            m_want = Want::Down;
        end_trial(false, error.message());
    }
    after_unexpected_exit(os::ExitStatus{.exit_code = 127}, true);
}

void Instance::on_exit(const os::ExitStatus& exit)
{
    // Whatever the process wrote before it died is in the log before its exit is recorded.
    if (m_capture)
        m_capture->drain();
    m_main_exited = true;
    m_last_exit = exit.describe();
    m_cpu_percent = 0;
    m_rss_bytes = 0;
    m_processes = 0;
    (void)m_context.live.remove(m_run_id);
    m_context.events.record(
        m_name, "exited", fmt::format("pid {} {} after {}", exit.pid, m_last_exit, format_duration(ran_for())));
    cancel_timers();
    close_notify_socket();
    remove_instance_socket();
    m_context.killer.notice_exit();
    if (m_trial && (m_state == InstanceState::Starting || m_state == InstanceState::Running)) {
        if (m_trial_kind == TrialKind::Successor)
            m_want = Want::Down;
        end_trial(false,
            fmt::format("{} ({}){}",
                m_state == InstanceState::Starting ? "exited before it was ready" : "exited soon after it was ready",
                m_last_exit, last_output()));
    }
    if (m_state == InstanceState::Stopping) {
        finish_stop_if_done();
        return;
    }
    // Whatever the main process left behind goes the way a stop would send it.
    m_context.killer.terminate(
        run(), m_spec->stop_signal, std::chrono::duration_cast<std::chrono::milliseconds>(m_spec->stop_timeout));
    after_unexpected_exit(exit, false);
}

void Instance::after_unexpected_exit(const os::ExitStatus& exit, bool spawn_failed)
{
    m_pid = 0;
    if (m_want == Want::Down) {
        enter(InstanceState::Stopped);
        notify_stopped();
        return;
    }
    auto decision = decide_restart(
        *m_spec, exit, spawn_failed ? std::chrono::milliseconds(0) : ran_for(), spawn_failed, m_failures);
    if (!decision.restart) {
        enter(InstanceState::Exited, fmt::format("restart = \"{}\"", spec::to_string(m_spec->restart)));
        return;
    }
    ++m_restarts;
    if (decision.delay.count() == 0) {
        spawn();
        return;
    }
    m_retry_at = m_context.loop.now() + decision.delay;
    m_backoff_timer = m_context.loop.add_timer(decision.delay, guarded(m_self, [](Instance& self) {
        self.m_backoff_timer = 0;
        self.handle(Event::BackoffElapsed);
    }));
    InstanceState next = decision.crash_looping ? InstanceState::CrashLooping : InstanceState::Backoff;
    std::string why = fmt::format("{} quick failure{} in a row, retry in {}", m_failures.consecutive,
        m_failures.consecutive == 1 ? "" : "s", format_duration(decision.delay));
    if (next != m_state || next == InstanceState::Backoff)
        enter(next, why);
}

void Instance::begin_stop()
{
    cancel_timers();
    enter(InstanceState::Stopping, fmt::format("signal {}", os::signal_name(m_spec->stop_signal)));
    m_tree_gone = false;
    m_context.killer.terminate(run(), m_spec->stop_signal,
        std::chrono::duration_cast<std::chrono::milliseconds>(m_spec->stop_timeout),
        guarded(m_self, [](Instance& self) { self.handle(Event::TreeGone); }));
}

void Instance::finish_stop_if_done()
{
    if (!m_main_exited || !m_tree_gone)
        return;
    if (m_failed_start && m_want == Want::Up) {
        // Never became ready: a quick failure, with the backoff that brings.
        m_failed_start = false;
        after_unexpected_exit(os::ExitStatus{.exit_code = 0}, true);
        return;
    }
    m_pid = 0;
    if (m_want == Want::Up) {
        ++m_restarts;
        spawn();
        return;
    }
    enter(InstanceState::Stopped);
    notify_stopped();
}

void Instance::notify_stopped()
{
    auto waiters = std::move(m_stop_waiters);
    m_stop_waiters.clear();
    for (auto& waiter : waiters)
        waiter();
}

void Instance::enter(InstanceState state, std::string_view why)
{
    if (state == m_state && why.empty())
        return;
    m_state = state;
    m_context.events.record(
        m_name, "state", why.empty() ? std::string(to_string(state)) : fmt::format("{} ({})", to_string(state), why));
    if (m_context.on_state_change)
        m_context.on_state_change();
}

void Instance::cancel_timers()
{
    if (m_ready_timer != 0)
        m_context.loop.cancel_timer(std::exchange(m_ready_timer, 0));
    if (m_backoff_timer != 0)
        m_context.loop.cancel_timer(std::exchange(m_backoff_timer, 0));
    if (m_probe_timer != 0)
        m_context.loop.cancel_timer(std::exchange(m_probe_timer, 0));
    if (m_settle_timer != 0)
        m_context.loop.cancel_timer(std::exchange(m_settle_timer, 0));
    if (m_recycle_timer != 0)
        m_context.loop.cancel_timer(std::exchange(m_recycle_timer, 0));
    m_probe.reset();
    if (m_notify_fd.valid())
        m_context.loop.remove_fd(m_notify_fd.get());
}

std::vector<std::string> Instance::child_environment() const
{
    std::map<std::string, std::string> merged = base_environment(*m_spec);
    merged["TEND_APP"] = m_context.app;
    merged["TEND_PROCESS"] = m_spec->name;
    merged["TEND_INSTANCE"] = std::to_string(m_index);
    merged["TEND_RUN_ID"] = m_run_id;
    if (m_spec->port)
        merged["PORT"] = std::to_string(*m_spec->port + m_index);
    if (!m_resources.sockets.empty()) {
        merged["LISTEN_FDS"] = std::to_string(m_resources.sockets.size());
        merged["LISTEN_FDNAMES"] = m_resources.socket_names;
    }
    if (!m_instance_socket_path.empty()) {
        // After the listen sockets: fd 3 + their number.
        merged["LISTEN_FDS"] = std::to_string(m_resources.sockets.size() + 1);
        merged["LISTEN_FDNAMES"] = m_resources.socket_names + (m_resources.sockets.empty() ? "" : ":") + "instance";
        merged["TEND_INSTANCE_FD"] = std::to_string(3 + m_resources.sockets.size());
    }
    return to_entries(merged);
}

std::vector<std::string> Instance::child_argv() const
{
    return expand_command(m_spec->argv);
}

std::vector<std::string> Instance::expand_command(const std::vector<std::string>& argv) const
{
    std::string index = std::to_string(m_index);
    std::string port = m_spec->port ? std::to_string(*m_spec->port + m_index) : std::string("{port}");
    return expand_placeholders(
        argv, {{"{env}", m_spec->environment}, {"{app}", m_context.app}, {"{instance}", index}, {"{port}", port}});
}

std::chrono::milliseconds Instance::ran_for() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_context.loop.now() - m_started_mono);
}

void Instance::sample(const ProcessSnapshot& snapshot, MonoTime now)
{
    if (m_pid <= 0 || m_main_exited) {
        m_cpu_percent = 0;
        m_rss_bytes = 0;
        m_processes = 0;
        return;
    }
    auto members = m_context.attribution.members(snapshot, run());
    TreeUsage usage = usage_of(snapshot, members);
    if (m_last_cpu_ticks != 0 && now > m_last_sample && usage.cpu_ticks >= m_last_cpu_ticks) {
        double seconds = std::chrono::duration<double>(now - m_last_sample).count();
        double cpu_seconds
            = static_cast<double>(usage.cpu_ticks - m_last_cpu_ticks) / static_cast<double>(os::ticks_per_second());
        m_cpu_percent = 100.0 * cpu_seconds / seconds;
    }
    m_last_cpu_ticks = usage.cpu_ticks;
    m_last_sample = now;
    m_rss_bytes = usage.rss_bytes;
    m_processes = usage.processes;
    if (m_spec->max_memory && m_rss_bytes > *m_spec->max_memory)
        ask_replacement(
            fmt::format("memory {} is over max_memory {}", format_size(m_rss_bytes), format_size(*m_spec->max_memory)));
    else if (m_recycle_at && now >= *m_recycle_at)
        ask_replacement(fmt::format("reached max_age {}", format_duration(*m_spec->max_age)));
}

InstanceStatus Instance::status() const
{
    InstanceStatus status{
        .name = m_name,
        // A running instance whose recycles loop at the backoff cap is shown as the crash loop it is.
        .state = m_state == InstanceState::Running && m_recycle_looping ? InstanceState::CrashLooping : m_state,
        .pid = m_main_exited ? 0 : m_pid,
        .started_at = m_main_exited ? std::nullopt : m_started_wall,
        .restarts = m_restarts,
        .last_exit = m_last_exit,
        .last_error = m_last_error,
        .cpu_percent = m_cpu_percent,
        .rss_bytes = m_rss_bytes,
        .processes = m_processes,
        .status_text = m_status_text,
        .health_failures = m_health_failures,
    };
    if (m_backoff_timer != 0 || m_recycle_timer != 0) {
        status.retry_in = std::max(std::chrono::milliseconds(0),
            std::chrono::duration_cast<std::chrono::milliseconds>(m_retry_at - m_context.loop.now()));
    }
    return status;
}

}  // namespace tend::supervise
