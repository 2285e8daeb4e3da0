#include "api/handlers.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/units.h"

namespace tend::api {
namespace {

using nlohmann::json;

Response ok(const json& body)
{
    return Response{200, body.dump()};
}

Response failure(int status, std::string_view message)
{
    return Response{status, json{{"error", message}}.dump()};
}

json instance_json(const supervise::InstanceStatus& status, WallTime now)
{
    json out{
        {"name", status.name},
        {"state", supervise::to_string(status.state)},
        {"pid", status.pid},
        {"restarts", status.restarts},
        {"last_exit", status.last_exit},
        {"last_error", status.last_error},
        {"cpu_percent", status.cpu_percent},
        {"rss_bytes", status.rss_bytes},
        {"processes", status.processes},
        {"started_at", nullptr},
        {"uptime_ms", nullptr},
        {"retry_in_ms", nullptr},
        {"status_text", status.status_text},
        {"health_failures", status.health_failures},
    };
    if (status.started_at) {
        out["started_at"] = format_wall_time(*status.started_at);
        out["uptime_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(now - *status.started_at).count();
    }
    if (status.retry_in)
        out["retry_in_ms"] = status.retry_in->count();
    return out;
}

json plan_json(const spec::Plan& plan)
{
    json groups = json::array();
    for (const spec::GroupChange& change : plan.groups)
        groups.push_back(
            {{"name", change.name}, {"change", spec::to_string(change.kind)}, {"reasons", change.reasons}});
    return groups;
}

class Handlers {
public:
    explicit Handlers(DaemonControl& control) : m_control(control) {}

    void handle(const Request& request, const Caller& caller, const Responder& respond)
    {
        json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            respond(failure(400, "request body is not a JSON object"));
            return;
        }
        try {
            route(request, body, caller, respond);
        } catch (const json::exception& error) {
            respond(failure(400, fmt::format("bad request: {}", error.what())));
        }
    }

private:
    void route(const Request& request, const json& body, const Caller& caller, const Responder& respond)
    {
        const std::string& path = request.path;
        bool get = request.method == "GET";
        bool post = request.method == "POST";
        if (get && path == "/v1/status")
            respond(status());
        else if (get && path == "/v1/events")
            respond(events(request));
        else if (post && path == "/v1/apply")
            respond(apply(body, caller));
        else if (post && path == "/v1/start")
            respond(start(body, caller));
        else if (post && path == "/v1/restart")
            restart(body, caller, respond);
        else if (post && path == "/v1/stop")
            stop(body, caller, respond);
        else if (post && path == "/v1/down")
            down(caller, respond);
        else
            respond(failure(404, fmt::format("no such endpoint: {} {}", request.method, path)));
    }

    Response status()
    {
        WallTime now = m_control.clock.wall_now();
        const spec::AppSpec& spec = m_control.supervisor.spec();
        json groups = json::array();
        for (const auto& group : m_control.supervisor.status()) {
            json members = json::array();
            for (const auto& member : group.members)
                members.push_back(instance_json(member, now));
            groups.push_back({{"name", group.name}, {"instances", group.instances}, {"ready", group.ready},
                {"replacing", group.replacing}, {"rollout_error", group.rollout_error}, {"members", members}});
        }
        return ok({
            {"app", spec.app},
            {"file", spec.file},
            {"environment", spec.environment},
            {"daemon",
                {{"pid", m_control.pid}, {"started_at", format_wall_time(m_control.started_at)},
                    {"uptime_ms",
                        std::chrono::duration_cast<std::chrono::milliseconds>(now - m_control.started_at).count()},
                    {"shutting_down", m_control.supervisor.shutting_down()}}},
            {"groups", groups},
            {"store", {{"pending_events", m_control.events.pending()}, {"error", m_control.events.failure()}}},
        });
    }

    Response events(const Request& request)
    {
        store::EventQuery query;
        if (auto it = request.query.find("subject"); it != request.query.end())
            query.subject = it->second;
        try {
            if (auto it = request.query.find("limit"); it != request.query.end())
                query.limit = std::stoul(it->second);
            if (auto it = request.query.find("after"); it != request.query.end())
                query.after_id = std::stoll(it->second);
        } catch (const std::exception&) {
            return failure(400, "limit and after must be numbers");
        }
        auto events = m_control.events.query(query);
        if (!events)
            return failure(409, events.error().message());
        json out = json::array();
        for (const auto& event : *events) {
            out.push_back({{"id", event.id}, {"time", format_wall_time(event.time)}, {"subject", event.subject},
                {"kind", event.kind}, {"detail", event.detail}});
        }
        return ok({{"events", out}});
    }

    Response apply(const json& body, const Caller& caller)
    {
        ApplyRequest request{.plan_only = body.value("plan_only", false), .who = caller.user};
        if (body.contains("file") && body["file"].is_string())
            request.file = body["file"].get<std::string>();
        if (body.contains("environment") && body["environment"].is_string())
            request.environment = body["environment"].get<std::string>();
        auto outcome = m_control.apply(request);
        if (!outcome)
            return failure(400, outcome.error().message());
        return ok({{"plan", plan_json(outcome->plan)}, {"text", outcome->plan.describe()},
            {"changed", !outcome->plan.empty()}, {"file", outcome->file}, {"environment", outcome->environment},
            {"applied", !request.plan_only}});
    }

    Response start(const json& body, const Caller& caller)
    {
        std::string target = body.at("target").get<std::string>();
        auto done = m_control.supervisor.start(target);
        if (!done)
            return failure(400, done.error().message());
        m_control.events.record(target, "start-requested", fmt::format("by {}", caller.user));
        return ok({{"target", target}});
    }

    void restart(const json& body, const Caller& caller, const Responder& respond)
    {
        std::string target = body.at("target").get<std::string>();
        m_control.events.record(target, "restart-requested", fmt::format("by {}", caller.user));
        auto begun = m_control.supervisor.restart(target, [respond, target](const Result<void>& outcome) {
            if (outcome)
                respond(ok({{"target", target}}));
            else
                respond(failure(409, outcome.error().message()));
        });
        if (!begun)
            respond(failure(400, begun.error().message()));
    }

    void stop(const json& body, const Caller& caller, const Responder& respond)
    {
        std::string target = body.at("target").get<std::string>();
        m_control.events.record(target, "stop-requested", fmt::format("by {}", caller.user));
        auto done = m_control.supervisor.stop(target, [respond, target] { respond(ok({{"target", target}})); });
        if (!done)
            respond(failure(400, done.error().message()));
    }

    void down(const Caller& caller, const Responder& respond)
    {
        m_control.events.record("daemon", "down-requested", fmt::format("by {}", caller.user));
        m_control.shut_down([respond] { respond(ok({{"stopped", true}})); });
    }

    DaemonControl& m_control;
};

}  // namespace

Handler make_handler(DaemonControl& control)
{
    auto handlers = std::make_shared<Handlers>(control);
    return [handlers](const Request& request, const Caller& caller, const Responder& respond) {
        handlers->handle(request, caller, respond);
    };
}

}  // namespace tend::api
