#include "supervise/probe.h"

#include <csignal>
#include <fmt/format.h>

#include "os/process.h"
#include "os/socket.h"
#include "os/spawn.h"

namespace tend::supervise {

Probe::Probe(Loop& loop, const spec::CheckSpec& check, Done done)
    : m_loop(loop)
    , m_check(check)
    , m_done(std::move(done))
    , m_self(std::make_shared<Probe*>(this))
{}

std::unique_ptr<Probe> Probe::start(Loop& loop, const spec::CheckSpec& check, const std::string& address,
    std::chrono::milliseconds timeout, const ProbeEnvironment& environment, Done done)
{
    std::unique_ptr<Probe> probe(new Probe(loop, check, std::move(done)));
    probe->m_timeout_length = timeout;
    probe->m_timeout = loop.add_timer(timeout, [weak = std::weak_ptr<Probe*>(probe->m_self)] {
        if (auto self = weak.lock()) {
            (*self)->m_timeout = 0;
            (*self)->finish(false, fmt::format("timed out after {}", format_duration((*self)->m_timeout_length)));
        }
    });
    if (check.kind == spec::CheckKind::Exec)
        probe->begin_exec(environment);
    else
        probe->begin_connect(address);
    return probe;
}

Probe::~Probe()
{
    if (m_timeout != 0)
        m_loop.cancel_timer(m_timeout);
    if (m_socket.valid())
        m_loop.remove_fd(m_socket.get());
    if (m_pid > 0) {
        m_loop.unwatch_child(m_pid);
        // The check's process is reaped by the loop as an unwatched exit.
        (void)os::send_group_signal(m_pid, SIGKILL);
    }
}

void Probe::begin_connect(const std::string& address)
{
    if (address.empty()) {
        m_loop.defer([weak = std::weak_ptr<Probe*>(m_self)] {
            if (auto self = weak.lock())
                (*self)->finish(false, "no address to probe (set listen, port, or an address in the check)");
        });
        return;
    }
    auto socket = os::start_connect(address);
    if (!socket) {
        std::string detail = socket.error().message();
        m_loop.defer([weak = std::weak_ptr<Probe*>(m_self), detail] {
            if (auto self = weak.lock())
                (*self)->finish(false, detail);
        });
        return;
    }
    m_socket = socket.release_value();
    auto added
        = m_loop.add_fd(m_socket.get(), os::Interest::Write, [weak = std::weak_ptr<Probe*>(m_self)](FdEvent event) {
              if (auto self = weak.lock())
                  (*self)->on_socket(event);
          });
    if (!added)
        finish(false, added.error().message());
}

void Probe::on_socket(FdEvent event)
{
    if (!m_connected) {
        if (auto connected = os::connect_result(m_socket.get()); !connected) {
            finish(false, connected.error().message());
            return;
        }
        m_connected = true;
        on_connected();
        return;
    }
    if (event.readable || event.hangup)
        on_response_bytes();
}

void Probe::on_connected()
{
    if (m_check.kind == spec::CheckKind::Tcp) {
        finish(true, "connected");
        return;
    }
    std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: tend-check\r\n"
                                      "Connection: close\r\n\r\n",
        m_check.path);
    auto written = os::write_some(m_socket.get(), request);
    if (!written || *written != request.size()) {
        finish(false, "could not send the request");
        return;
    }
    m_parser = std::make_unique<http::MessageParser>(http::MessageKind::Response, 1 << 20);
    m_loop.modify_fd(m_socket.get(), os::Interest::Read);
}

void Probe::on_response_bytes()
{
    char buffer[8192];
    auto n = os::read_some(m_socket.get(), buffer);
    if (!n && n.error().code() == EAGAIN)
        return;
    if (!n) {
        finish(false, n.error().message());
        return;
    }
    auto fed = *n == 0 ? m_parser->finish() : m_parser->feed(std::string_view(buffer, *n));
    if (!fed) {
        finish(false, fed.error().message());
        return;
    }
    if (!m_parser->complete()) {
        if (*n == 0)
            finish(false, "connection closed before a response");
        return;
    }
    int status = m_parser->response().status;
    bool passed = m_check.status != 0 ? status == m_check.status : status >= 200 && status < 400;
    finish(passed, fmt::format("HTTP {}", status));
}

void Probe::begin_exec(const ProbeEnvironment& environment)
{
    auto pid = os::spawn({
        .argv = environment.argv,
        .env = environment.env,
        .cwd = environment.cwd,
        .stdout_fd = environment.output_fd,
        .stderr_fd = environment.output_fd,
    });
    if (!pid) {
        std::string detail = pid.error().message();
        m_loop.defer([weak = std::weak_ptr<Probe*>(m_self), detail] {
            if (auto self = weak.lock())
                (*self)->finish(false, detail);
        });
        return;
    }
    m_pid = *pid;
    m_loop.watch_child(m_pid, [weak = std::weak_ptr<Probe*>(m_self)](const os::ExitStatus& exit) {
        if (auto self = weak.lock()) {
            (*self)->m_pid = 0;
            (*self)->finish(exit.success(), exit.describe());
        }
    });
}

void Probe::finish(bool passed, std::string detail)
{
    if (!m_done)
        return;
    if (m_timeout != 0)
        m_loop.cancel_timer(std::exchange(m_timeout, 0));
    if (m_socket.valid()) {
        m_loop.remove_fd(m_socket.get());
        m_socket.reset();
    }
    // The callback may destroy this probe: nothing may touch members after it.
    auto done = std::move(m_done);
    m_done = nullptr;
    done(ProbeResult{passed, std::move(detail)});
}

std::string probe_address(const spec::ProcessSpec& spec, const spec::CheckSpec& check, int index)
{
    if (!check.address.empty())
        return check.address;
    if (!spec.listen.empty()) {
        const spec::ListenSpec& listen = spec.listen.front();
        if (listen.unix_socket)
            return "unix:" + listen.path;
        std::string host = listen.host;
        if (host.empty() || host == "0.0.0.0" || host == "*")
            host = "127.0.0.1";
        else if (host == "::")
            host = "::1";
        if (host.find(':') != std::string::npos)
            host = "[" + host + "]";
        return fmt::format("{}:{}", host, listen.port);
    }
    if (spec.port)
        return fmt::format("127.0.0.1:{}", *spec.port + index);
    return {};
}

}  // namespace tend::supervise
