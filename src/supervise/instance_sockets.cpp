// The private sockets of an instance's runs: the notify socket (READY=1 and
// STATUS= from the run's own tree only) and the run's own socket for checks.
// Part of Instance (instance.h); split out of instance.cpp along that concept.
#include <fmt/format.h>

#include "os/files.h"
#include "os/process.h"
#include "os/socket.h"
#include "supervise/instance.h"

namespace tend::supervise {

// A socket file per run, in the daemon's runtime directory: only the daemon's
// user (and the instance's, which owns the file) can send to it, and only
// datagrams from the run's own tree are heeded (on_notify_readable).
Result<void> Instance::open_notify_socket(std::uint64_t run_number, os::SpawnOptions& options)
{
    TRY(os::make_directories(m_context.runtime_directory, 0711));
    std::string path = fmt::format("{}/{}.notify", m_context.runtime_directory, run_number);
    std::optional<os::SocketOwner> owner;
    if (options.uid || options.gid)
        owner = os::SocketOwner{options.uid.value_or(os::effective_uid()), options.gid.value_or(0)};
    m_notify_fd = TRY(os::bind_notify_socket(path, owner));
    m_notify_path = path;
    m_notify_ignored = 0;
    m_notified = false;
    options.env.push_back("NOTIFY_SOCKET=" + path);
    return Ok{};
}

// A socket for this run alone, passed after the group's listen sockets: a check
// through it is answered by this run and never by another instance sharing the
// listen socket (the one a rolling replacement is about to stop).
Result<void> Instance::open_instance_socket(std::uint64_t run_number)
{
    TRY(os::make_directories(m_context.runtime_directory, 0711));
    std::string path = fmt::format("{}/{}.probe", m_context.runtime_directory, run_number);
    m_instance_socket = TRY(os::listen_unix_stream(path, 128, 0600));
    m_instance_socket_path = path;
    return Ok{};
}

void Instance::remove_instance_socket()
{
    m_instance_socket.reset();
    if (!m_instance_socket_path.empty())
        (void)os::remove_file(std::exchange(m_instance_socket_path, {}));
}

std::string Instance::check_address(const spec::CheckSpec& check) const
{
    if (check.instance_socket)
        return m_instance_socket_path.empty() ? std::string() : "unix:" + m_instance_socket_path;
    return probe_address(*m_spec, check, m_index);
}

void Instance::close_notify_socket()
{
    if (m_notify_fd.valid())
        m_context.loop.remove_fd(m_notify_fd.get());
    m_notify_fd.reset();
    if (!m_notify_path.empty())
        (void)os::remove_file(std::exchange(m_notify_path, {}));
}

void Instance::on_notify_readable()
{
    while (true) {
        auto message = os::receive_datagram(m_notify_fd.get());
        if (!message || !message->has_value())
            return;
        // Only the run's own tree may speak for it (systemd's NotifyAccess=all
        // within the unit); whoever else reached the socket is ignored, and
        // the first such sender of each run is recorded.
        if (!belongs_to_run((*message)->pid, run(), os::self_pid())) {
            if (m_notify_ignored++ == 0)
                m_context.events.record(m_name, "notify-ignored",
                    fmt::format("a message from pid {} (uid {}), which is not in this run's process tree",
                        (*message)->pid, (*message)->uid));
            continue;
        }
        // Newline-separated assignments, as in sd_notify(3).
        std::string_view rest = (*message)->text;
        bool ready = false;
        while (!rest.empty()) {
            std::size_t end = rest.find('\n');
            std::string_view line = rest.substr(0, end);
            if (line == "READY=1")
                ready = true;
            else if (line.starts_with("STATUS="))
                m_status_text = std::string(line.substr(7));
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        }
        if (ready && m_state == InstanceState::Starting && !m_notified) {
            m_notified = true;
            if (m_spec->ready.kind != spec::CheckKind::Notify) {
                m_context.events.record(m_name, "notified", "READY=1; probing now");
                probe_readiness();
                continue;
            }
            if (m_ready_timer != 0)
                m_context.loop.cancel_timer(std::exchange(m_ready_timer, 0));
            handle(Event::Ready);
        }
    }
}

}  // namespace tend::supervise
