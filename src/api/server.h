// The control API's server: HTTP over the 0600 unix socket, served on the
// event loop. Handlers answer through a Responder, at once or later (a stop
// answers when the processes are gone); a connection closed early makes the
// Responder a no-op.
//
// It stays reachable when the daemon runs short of descriptors: one spare
// descriptor is kept so that a client (`tend status`, `tend down`) can still
// be served when accept fails with EMFILE, and otherwise the listening socket
// is left alone for a moment instead of being retried in a spin. Connections
// are capped, and one whose request has not arrived in time is closed; at the
// cap, or out of descriptors, the connection that has waited longest for its
// request is closed to make room.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "http/message.h"
#include "loop/loop.h"
#include "os/socket.h"

namespace tend::api {

using http::MessageKind;
using http::MessageParser;
using http::Request;
using http::Response;
using http::serialize;

using Responder = std::function<void(Response)>;

struct Caller {
    os::PeerCredentials peer{};
    std::string user;  // login name of the peer's uid
};

using Handler = std::function<void(const Request&, const Caller&, Responder)>;

struct ServerLimits {
    // Connections open at once; one more is answered 503 and closed.
    std::size_t max_connections = 256;
    // A connection whose request is not complete by then is closed (an
    // answer being prepared, e.g. a stop, is waited for however long it takes).
    std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
    // A connection that has not sent its request this long after it was accepted
    // may be closed to make room (at the cap, or out of descriptors).
    std::chrono::milliseconds idle_grace = std::chrono::seconds(1);
    // How long the listening socket is not watched after accept ran out of descriptors.
    std::chrono::milliseconds accept_pause = std::chrono::milliseconds(100);
};

class Server {
public:
    Server(Loop& loop, os::UniqueFd listen_fd, Handler handler, ServerLimits limits = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    Result<void> start();

private:
    struct Connection;
    void accept_all();
    void serve(os::UniqueFd fd);
    void refuse_busy(os::UniqueFd fd);
    bool close_oldest_idle();
    void out_of_descriptors(const Error& error);
    void resume_accepting();
    void take_spare();
    void on_event(std::uint64_t id, FdEvent event);
    void on_readable(Connection& connection);
    void respond(std::uint64_t id, const Response& response);
    void flush(Connection& connection);
    void close(std::uint64_t id);

    Loop& m_loop;
    os::UniqueFd m_listen_fd;
    Handler m_handler;
    ServerLimits m_limits;
    os::UniqueFd m_spare;  // given up so that accept can succeed at EMFILE
    bool m_accepting = false;  // the listening socket is watched
    std::uint64_t m_refused = 0;  // accepts that failed, or were refused, since the last note
    MonoTime m_last_eviction_note{};
    std::map<std::uint64_t, std::unique_ptr<Connection>> m_connections;
    std::uint64_t m_next_id = 1;
    std::shared_ptr<Server*> m_self;
};

}  // namespace tend::api
