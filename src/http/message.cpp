#include "http/message.h"

#include <fmt/format.h>
#include <http_parser.h>

namespace tend::http {

struct MessageParser::State {
    http_parser parser{};
    http_parser_settings settings{};
};

struct Callbacks {
    static MessageParser& self(http_parser* parser) { return *static_cast<MessageParser*>(parser->data); }

    static int on_url(http_parser* parser, const char* at, std::size_t length)
    {
        self(parser).m_url.append(at, length);
        return 0;
    }

    static int on_body(http_parser* parser, const char* at, std::size_t length)
    {
        MessageParser& message = self(parser);
        if (message.m_request.body.size() + length > message.m_max_body)
            return 1;
        message.m_request.body.append(at, length);
        return 0;
    }

    static int on_message_complete(http_parser* parser)
    {
        MessageParser& message = self(parser);
        message.m_complete = true;
        message.m_status = static_cast<int>(parser->status_code);
        message.m_request.method = http_method_str(static_cast<http_method>(parser->method));
        split_url(message);
        return 0;
    }

    static int hex(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    static std::string decode(std::string_view text)
    {
        std::string out;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
                out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
                i += 2;
            } else {
                out += text[i] == '+' ? ' ' : text[i];
            }
        }
        return out;
    }

    static void split_url(MessageParser& message)
    {
        std::string_view url = message.m_url;
        std::size_t question = url.find('?');
        message.m_request.path = decode(url.substr(0, question));
        if (question == std::string_view::npos)
            return;
        std::string_view query = url.substr(question + 1);
        while (!query.empty()) {
            std::size_t amp = query.find('&');
            std::string_view pair = query.substr(0, amp);
            std::size_t equals = pair.find('=');
            std::string key = decode(pair.substr(0, equals));
            message.m_request.query[key] = equals == std::string_view::npos ? "" : decode(pair.substr(equals + 1));
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        }
    }
};

MessageParser::MessageParser(MessageKind kind, std::size_t max_body)
    : m_state(std::make_unique<State>())
    , m_max_body(max_body)
{
    http_parser_init(&m_state->parser, kind == MessageKind::Request ? HTTP_REQUEST : HTTP_RESPONSE);
    m_state->parser.data = this;
    http_parser_settings_init(&m_state->settings);
    m_state->settings.on_url = Callbacks::on_url;
    m_state->settings.on_body = Callbacks::on_body;
    m_state->settings.on_message_complete = Callbacks::on_message_complete;
}

MessageParser::~MessageParser() = default;

Result<void> MessageParser::feed(std::string_view data)
{
    if (m_complete)
        return Ok{};
    std::size_t parsed = http_parser_execute(&m_state->parser, &m_state->settings, data.data(), data.size());
    auto error = static_cast<http_errno>(m_state->parser.http_errno);
    if (error != HPE_OK && !(m_complete && error == HPE_CB_message_complete))
        return Error(fmt::format("bad HTTP message: {}", http_errno_description(error)));
    if (parsed != data.size() && !m_complete)
        return Error("bad HTTP message: trailing data");
    return Ok{};
}

Result<void> MessageParser::finish()
{
    return feed(std::string_view());
}

std::string serialize(const Request& request)
{
    std::string target = request.path;
    char separator = '?';
    for (const auto& [key, value] : request.query) {
        target += fmt::format("{}{}={}", separator, url_encode(key), url_encode(value));
        separator = '&';
    }
    return fmt::format("{} {} HTTP/1.1\r\nHost: tend\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                       "Connection: close\r\n\r\n{}",
        request.method, target, request.body.size(), request.body);
}

std::string serialize(const Response& response)
{
    return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                       "Connection: close\r\n\r\n{}",
        response.status, status_text(response.status), response.body.size(), response.body);
}

std::string_view status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 500: return "Internal Server Error";
    default: return "Unknown";
    }
}

std::string url_encode(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '~')
            out += c;
        else
            out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    return out;
}

}  // namespace tend::http
