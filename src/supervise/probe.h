// One attempt of a readiness or health check, run on the event loop without
// blocking: an HTTP request, a TCP connect, or a command that must exit 0.
// (`notify` readiness is not a probe: the instance listens for READY=1.)
//
// A probe reports exactly once through its callback, then does nothing more.
// Destroying it before then cancels it (and kills an exec check's process).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"
#include "loop/loop.h"
#include "os/fd.h"
#include "spec/app_spec.h"

namespace tend::supervise {

struct ProbeResult {
    bool passed = false;
    std::string detail;  // "HTTP 200", "connect: Connection refused", "timed out after 5s", "exit 1"
};

struct ProbeEnvironment {
    std::vector<std::string> env;  // for exec checks
    std::vector<std::string> argv;  // exec: the check's command with its placeholders expanded
    std::string cwd;
    int output_fd = -1;  // exec checks write here (the group's log)
};

class Probe {
public:
    using Done = std::function<void(const ProbeResult&)>;

    // Starts the check against `address` ("HOST:PORT" or "unix:PATH"; unused by exec).
    static std::unique_ptr<Probe> start(Loop& loop, const spec::CheckSpec& check, const std::string& address,
        std::chrono::milliseconds timeout, const ProbeEnvironment& environment, Done done);
    ~Probe();
    Probe(const Probe&) = delete;
    Probe& operator=(const Probe&) = delete;

private:
    Probe(Loop& loop, const spec::CheckSpec& check, Done done);
    void begin_connect(const std::string& address);
    void begin_exec(const ProbeEnvironment& environment);
    void on_socket(FdEvent event);
    void on_connected();
    void on_response_bytes();
    void finish(bool passed, std::string detail);

    Loop& m_loop;
    spec::CheckSpec m_check;
    Done m_done;
    os::UniqueFd m_socket;
    bool m_connected = false;
    std::unique_ptr<http::MessageParser> m_parser;
    pid_t m_pid = 0;
    TimerId m_timeout = 0;
    std::chrono::milliseconds m_timeout_length{0};
    std::shared_ptr<Probe*> m_self;
};

// Where a group's http and tcp checks connect: the check's own address, else
// the group's first listen socket (0.0.0.0 and :: probed on loopback), else
// 127.0.0.1:PORT+index. Empty when there is none.
std::string probe_address(const spec::ProcessSpec& spec, const spec::CheckSpec& check, int index);

}  // namespace tend::supervise
