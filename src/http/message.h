// HTTP/1.1 messages for the control API, parsed incrementally by the
// http_parser library (the parser Node.js used for years). One request per
// connection; the server closes after responding.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tend::http {

struct Request {
    std::string method;
    std::string path;  // without the query
    std::map<std::string, std::string> query;
    std::string body;
};

struct Response {
    int status = 200;
    std::string body;  // JSON
};

enum class MessageKind { Request, Response };

// Feeds bytes in as they arrive; complete() turns true once a whole message
// has been read. Fails on malformed input or a body over `max_body` bytes.
class MessageParser {
public:
    explicit MessageParser(MessageKind kind, std::size_t max_body = 16 << 20);
    ~MessageParser();
    MessageParser(const MessageParser&) = delete;
    MessageParser& operator=(const MessageParser&) = delete;

    Result<void> feed(std::string_view data);
    // Tells the parser the peer closed (ends a body without a length).
    Result<void> finish();

    [[nodiscard]] bool complete() const { return m_complete; }
    [[nodiscard]] const Request& request() const { return m_request; }
    [[nodiscard]] Response response() const { return {m_status, m_request.body}; }

private:
    struct State;
    std::unique_ptr<State> m_state;
    Request m_request;
    int m_status = 0;
    bool m_complete = false;
    std::size_t m_max_body;
    std::string m_url;
    friend struct Callbacks;
};

std::string serialize(const Request& request);
std::string serialize(const Response& response);
std::string_view status_text(int status);
// Percent-encodes a query value.
std::string url_encode(std::string_view text);

}  // namespace tend::http
