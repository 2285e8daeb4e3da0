#include "api/server.h"

#include <cerrno>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_text.h"
#include "os/files.h"

namespace tend::api {

struct Server::Connection {
    std::uint64_t id = 0;
    os::UniqueFd fd;
    MessageParser parser{MessageKind::Request};
    std::string output;
    std::size_t written = 0;
    bool dispatched = false;
    TimerId request_timer = 0;
    MonoTime accepted_at{};
};

Server::Server(Loop& loop, os::UniqueFd listen_fd, Handler handler, ServerLimits limits)
    : m_loop(loop)
    , m_listen_fd(std::move(listen_fd))
    , m_handler(std::move(handler))
    , m_limits(limits)
    , m_self(std::make_shared<Server*>(this))
{}

Server::~Server()
{
    for (auto& [id, connection] : m_connections) {
        m_loop.cancel_timer(connection->request_timer);
        m_loop.remove_fd(connection->fd.get());
    }
    if (m_accepting)
        m_loop.remove_fd(m_listen_fd.get());
}

Result<void> Server::start()
{
    m_spare = TRY(os::open_null());
    TRY(m_loop.add_fd(m_listen_fd.get(), os::Interest::Read, [this](FdEvent) { accept_all(); }));
    m_accepting = true;
    return Ok{};
}

void Server::accept_all()
{
    while (m_accepting) {
        auto accepted = os::accept_connection(m_listen_fd.get());
        if (!accepted) {
            // Out of descriptors: a connection still waiting for its request makes room first.
            bool exhausted = accepted.error().code() == EMFILE || accepted.error().code() == ENFILE;
            if (exhausted && close_oldest_idle())
                continue;
            out_of_descriptors(accepted.error());
            return;
        }
        if (!accepted->has_value())
            return;
        if (m_connections.size() >= m_limits.max_connections && !close_oldest_idle())
            refuse_busy(std::move(**accepted));
        else
            serve(std::move(**accepted));
    }
}

// A client that connects and sends nothing must not keep out one that has a
// request to make: the connection that has waited longest for its request goes,
// if it has had the time to send one (one accepted a moment ago has not been
// read yet: accept fails with EMFILE even when nothing else is waiting).
bool Server::close_oldest_idle()
{
    for (const auto& [id, connection] : m_connections) {
        if (m_loop.now() - connection->accepted_at < m_limits.idle_grace)
            return false;  // the rest are newer still
        if (!connection->dispatched && connection->output.empty()) {
            // Said at most once a minute: a flood of such clients must not flood the log too.
            if (m_loop.now() - m_last_eviction_note >= std::chrono::minutes(1)) {
                m_last_eviction_note = m_loop.now();
                std::fprintf(stderr, "tend: closing API connections that sent no request, to make room (%zu open)\n",
                    m_connections.size());
            }
            close(id);
            return true;
        }
    }
    return false;
}

void Server::serve(os::UniqueFd fd)
{
    if (m_refused > 0 && m_spare.valid()) {
        std::fprintf(stderr, "tend: the API accepts connections again (%llu refused or failed meanwhile)\n",
            static_cast<unsigned long long>(m_refused));
        m_refused = 0;
    }
    std::uint64_t id = m_next_id++;
    auto connection = std::make_unique<Connection>();
    connection->id = id;
    connection->fd = std::move(fd);
    connection->accepted_at = m_loop.now();
    int raw = connection->fd.get();
    auto weak = std::weak_ptr<Server*>(m_self);
    connection->request_timer = m_loop.add_timer(m_limits.request_timeout, [weak, id] {
        if (auto self = weak.lock()) {
            auto it = (*self)->m_connections.find(id);
            if (it != (*self)->m_connections.end() && !it->second->dispatched) {
                it->second->request_timer = 0;
                (*self)->close(id);
            }
        }
    });
    m_connections.emplace(id, std::move(connection));
    if (!m_loop.add_fd(raw, os::Interest::Read, [this, id](FdEvent event) { on_event(id, event); }))
        close(id);
}

void Server::refuse_busy(os::UniqueFd fd)
{
    // Best effort: the socket is new, so its buffer takes the whole answer.
    Response busy{503,
        to_json_text(nlohmann::json{
            {"error", fmt::format("the daemon is serving {} connections already; try again", m_connections.size())}})};
    (void)os::write_some(fd.get(), serialize(busy));
    if (m_refused++ == 0)
        std::fprintf(stderr, "tend: %zu API connections open: refusing more until some close\n", m_connections.size());
}

// accept failed: out of descriptors (EMFILE, ENFILE) or of memory. Retrying
// at once would fail again, and the listening socket would keep waking the
// loop: the spare descriptor is given up so that one waiting client is served
// (the next `tend status` or `tend down`), and the socket is left alone for a
// moment. Repeats are counted, not logged one by one.
void Server::out_of_descriptors(const Error& error)
{
    if (m_refused++ == 0)
        std::fprintf(stderr, "tend: %s: pausing the API for %lldms at a time until it works again\n",
            error.message().c_str(), static_cast<long long>(m_limits.accept_pause.count()));
    if (m_spare.valid()) {
        m_spare.reset();
        auto accepted = os::accept_connection(m_listen_fd.get());
        if (accepted && accepted->has_value())
            serve(std::move(**accepted));
        else
            take_spare();
    }
    m_loop.remove_fd(m_listen_fd.get());
    m_accepting = false;
    auto weak = std::weak_ptr<Server*>(m_self);
    m_loop.add_timer(m_limits.accept_pause, [weak] {
        if (auto self = weak.lock())
            (*self)->resume_accepting();
    });
}

void Server::take_spare()
{
    if (m_spare.valid())
        return;
    if (auto spare = os::open_null())
        m_spare = std::move(*spare);
}

void Server::resume_accepting()
{
    take_spare();
    if (!m_loop.add_fd(m_listen_fd.get(), os::Interest::Read, [this](FdEvent) { accept_all(); })) {
        out_of_descriptors(Error("watch the API socket"));
        return;
    }
    m_accepting = true;
    accept_all();
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
        respond(id, Response{400, to_json_text(nlohmann::json{{"error", fed.error().message()}})});
        return;
    }
    if (!connection.parser.complete())
        return;
    connection.dispatched = true;
    m_loop.cancel_timer(connection.request_timer);
    connection.request_timer = 0;
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
    m_loop.cancel_timer(it->second->request_timer);
    m_loop.remove_fd(it->second->fd.get());
    // Defer destruction: we may be inside this connection's callback.
    auto connection = std::shared_ptr<Connection>(std::move(it->second));
    m_connections.erase(it);
    // Its descriptor is the first to come free: the spare is taken back before
    // anything else (an instance's start) can have it.
    m_loop.defer([connection, weak = std::weak_ptr<Server*>(m_self)]() mutable {
        connection.reset();
        if (auto self = weak.lock())
            (*self)->take_spare();
    });
}

}  // namespace tend::api
