// The control API's server: HTTP over the 0600 unix socket, served on the
// event loop. Handlers answer through a Responder, at once or later (a stop
// answers when the processes are gone); a connection closed early makes the
// Responder a no-op.
#pragma once

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

class Server {
public:
    Server(Loop& loop, os::UniqueFd listen_fd, Handler handler);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    Result<void> start();

private:
    struct Connection;
    void accept_all();
    void on_event(std::uint64_t id, FdEvent event);
    void on_readable(Connection& connection);
    void respond(std::uint64_t id, const Response& response);
    void flush(Connection& connection);
    void close(std::uint64_t id);

    Loop& m_loop;
    os::UniqueFd m_listen_fd;
    Handler m_handler;
    std::map<std::uint64_t, std::unique_ptr<Connection>> m_connections;
    std::uint64_t m_next_id = 1;
    std::shared_ptr<Server*> m_self;
};

}  // namespace tend::api
