// The CLI's side of the control API: one blocking request per connection.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "http/message.h"

namespace tend::api {

using http::MessageKind;
using http::MessageParser;
using http::Request;
using http::Response;
using http::serialize;

enum class CallFailure {
    None,
    NotRunning,  // nothing listens on the socket
    BadInput,  // the daemon refused the request as invalid (HTTP 400)
    Failed,  // the action failed (any other non-200)
    Transport,  // the connection broke mid-way
};

struct CallResult {
    CallFailure failure = CallFailure::None;
    nlohmann::json body;  // the response's JSON ({"error": ...} on failure)
    std::string message;  // what went wrong, for people

    [[nodiscard]] bool ok() const { return failure == CallFailure::None; }
};

// Sends one request and waits up to `timeout` for the answer.
CallResult call(const std::string& socket, const std::string& method, const std::string& path,
    const nlohmann::json& body = nullptr, const std::map<std::string, std::string>& query = {},
    std::chrono::milliseconds timeout = std::chrono::minutes(10));

}  // namespace tend::api
