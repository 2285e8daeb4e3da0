#include "api/client.h"

#include <cerrno>
#include <fmt/format.h>

#include "api/json_text.h"
#include "os/fd.h"
#include "os/socket.h"

namespace tend::api {

CallResult call(const std::string& socket, const std::string& method, const std::string& path,
    const nlohmann::json& body, const std::map<std::string, std::string>& query, std::chrono::milliseconds timeout)
{
    auto connection = os::connect_unix(socket);
    if (!connection) {
        bool absent = connection.error().code() == ECONNREFUSED || connection.error().code() == ENOENT;
        return {absent ? CallFailure::NotRunning : CallFailure::Transport, nullptr, connection.error().message()};
    }
    os::set_receive_timeout(connection->get(), timeout);
    Request request{.method = method, .path = path, .query = query, .body = body.is_null() ? "" : to_json_text(body)};
    if (auto sent = os::write_all(connection->get(), serialize(request)); !sent)
        return {CallFailure::Transport, nullptr, sent.error().message()};
    MessageParser parser(MessageKind::Response);
    char buffer[65536];
    while (!parser.complete()) {
        auto n = os::read_some(connection->get(), buffer);
        if (!n) {
            bool timed_out = n.error().code() == EAGAIN;
            return {CallFailure::Transport, nullptr,
                timed_out ? std::string("timed out waiting for the daemon") : n.error().message()};
        }
        auto fed = *n == 0 ? parser.finish() : parser.feed(std::string_view(buffer, *n));
        if (!fed)
            return {CallFailure::Transport, nullptr, fed.error().message()};
        if (*n == 0)
            break;
    }
    if (!parser.complete())
        return {CallFailure::Transport, nullptr, "the daemon closed the connection without an answer"};
    Response response = parser.response();
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (json.is_discarded())
        return {CallFailure::Transport, nullptr, "the daemon sent a response that is not JSON"};
    if (response.status == 200)
        return {CallFailure::None, json, ""};
    std::string message = json.is_object() && json.contains("error") && json["error"].is_string()
        ? json["error"].get<std::string>()
        : fmt::format("HTTP {}", response.status);
    return {response.status == 400 ? CallFailure::BadInput : CallFailure::Failed, json, message};
}

}  // namespace tend::api
