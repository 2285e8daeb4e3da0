#include "api/server.h"

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace tend::api {

struct Server::Connection {
    std::uint64_t id = 0;
    os::UniqueFd fd;
    MessageParser parser{MessageKind::Request};
    std::string output;
    std::size_t written = 0;
    bool dispatched = false;
};

Server::Server(Loop& loop, os::UniqueFd listen_fd, Handler handler)
    : m_loop(loop)
    , m_listen_fd(std::move(listen_fd))
    , m_handler(std::move(handler))
    , m_self(std::make_shared<Server*>(this))
{}

Server::~Server()
{
    for (auto& [id, connection] : m_connections)
        m_loop.remove_fd(connection->fd.get());
    m_loop.remove_fd(m_listen_fd.get());
}

Result<void> Server::start()
{
    return m_loop.add_fd(m_listen_fd.get(), os::Interest::Read, [this](FdEvent) { accept_all(); });
}

void Server::accept_all()
{
    for (;;) {
        auto accepted = os::accept_connection(m_listen_fd.get());
        if (!accepted) {
            std::fprintf(stderr, "tend: %s\n", accepted.error().message().c_str());
            return;
        }
        if (!accepted->has_value())
            return;
        std::uint64_t id = m_next_id++;
        auto connection = std::make_unique<Connection>();
        connection->id = id;
        connection->fd = std::move(**accepted);
        int fd = connection->fd.get();
        m_connections.emplace(id, std::move(connection));
        if (!m_loop.add_fd(fd, os::Interest::Read, [this, id](FdEvent event) { on_event(id, event); }))
            close(id);
    }
}

void Server::on_event(std::uint64_t id, FdEvent event)
{
    auto it = m_connections.find(id);
    if (it == m_connections.end())
        return;
    Connection& connection = *it->second;
    if (event.writable)
        flush(connection);
    else if (event.readable || event.hangup)
        on_readable(connection);
}

void Server::on_readable(Connection& connection)
{
    std::uint64_t id = connection.id;
    char buffer[16384];
    auto n = os::read_some(connection.fd.get(), buffer);
    if (!n && n.error().code() == EAGAIN)
        return;
    if (!n || *n == 0) {
        // The peer went away; an answer still being prepared is dropped.
        close(id);
        return;
    }
    if (connection.dispatched)
        return;
    if (auto fed = connection.parser.feed(std::string_view(buffer, *n)); !fed) {
        respond(id, Response{400, nlohmann::json{{"error", fed.error().message()}}.dump()});
        return;
    }
    if (!connection.parser.complete())
        return;
    connection.dispatched = true;
    Caller caller;
    if (auto peer = os::peer_credentials(connection.fd.get())) {
        caller.peer = *peer;
        caller.user = os::user_name(peer->uid);
    }
    auto weak = std::weak_ptr<Server*>(m_self);
    m_handler(connection.parser.request(), caller, [weak, id](Response response) {
        if (auto self = weak.lock())
            (*self)->respond(id, std::move(response));
    });
}

void Server::respond(std::uint64_t id, const Response& response)
{
    auto it = m_connections.find(id);
    if (it == m_connections.end() || !it->second->output.empty())
        return;
    it->second->output = serialize(response);
    flush(*it->second);
}

void Server::flush(Connection& connection)
{
    std::uint64_t id = connection.id;
    auto n = os::write_some(connection.fd.get(), std::string_view(connection.output).substr(connection.written));
    if (!n) {
        close(id);
        return;
    }
    connection.written += *n;
    if (connection.written == connection.output.size()) {
        close(id);
        return;
    }
    m_loop.modify_fd(connection.fd.get(), os::Interest::Write);
}

void Server::close(std::uint64_t id)
{
    auto it = m_connections.find(id);
    if (it == m_connections.end())
        return;
    m_loop.remove_fd(it->second->fd.get());
    // Defer destruction: we may be inside this connection's callback.
    auto connection = std::shared_ptr<Connection>(std::move(it->second));
    m_connections.erase(it);
    m_loop.defer([connection] {});
}

}  // namespace tend::api
