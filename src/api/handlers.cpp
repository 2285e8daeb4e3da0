#include "api/handlers.h"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>

#include "api/json_text.h"
#include "base/escape.h"
#include "base/strings.h"
#include "base/units.h"
#include "spec/deploy_settings.h"

namespace tend::api {
namespace {

using nlohmann::json;

Response ok(const json& body)
{
    return Response{200, to_json_text(body)};
}

Response failure(int status, std::string_view message)
{
    return Response{status, to_json_text(json{{"error", message}})};
}

// An error from a subsystem: EINVAL marks bad input (400), anything else is
// an action that failed (409): a store that cannot be written, say.
Response failure(const Error& error)
{
    return failure(error.code() == EINVAL ? 400 : 409, error.message());
}

// "no job named "x" (did you mean "y"?)"
std::string unknown_name(std::string_view what, const std::string& name, const std::vector<std::string>& known)
{
    auto suggestion = closest_match(name, known);
    return fmt::format("no {} named \"{}\"{}", what, name,
        suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string());
}

// A fed key arrives as JSON text: one that was not valid UTF-8 was sent with
// its bytes as \xNN (api/json_text.h), and is read back as those bytes. A key
// that is text as it stands is taken as it stands.
std::string fed_key(const std::string& key)
{
    std::string bytes = unescape_bytes(key);
    return bytes != key && !is_valid_utf8(bytes) ? bytes : key;
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
        {"rollout",
            status.rollout == supervise::RolloutRole::None ? json(nullptr)
                                                           : json(supervise::to_string(status.rollout))},
    };
    if (status.started_at) {
        out["started_at"] = format_wall_time(*status.started_at);
        out["uptime_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(now - *status.started_at).count();
    }
    if (status.retry_in)
        out["retry_in_ms"] = status.retry_in->count();
    return out;
}

json changes_json(const std::vector<spec::GroupChange>& changes)
{
    json out = json::array();
    for (const spec::GroupChange& change : changes)
        out.push_back({{"name", change.name}, {"change", spec::to_string(change.kind)}, {"reasons", change.reasons}});
    return out;
}

json optional_json(const auto& value)
{
    return value ? json(*value) : json(nullptr);
}

json run_json(const store::Run& run)
{
    json out{
        {"id", run.id},
        {"job", run.job},
        {"trigger", run.trigger},
        {"attempt", run.attempt},
        {"state", run.state},
        {"nominal", nullptr},
        {"created", format_wall_time(from_micros(run.created_us))},
        {"started", nullptr},
        {"ended", nullptr},
        {"duration_ms", nullptr},
        {"exit_code", optional_json(run.exit_code)},
        {"signal", optional_json(run.signal)},
        {"error", run.error},
    };
    if (run.nominal_us)
        out["nominal"] = format_wall_time(from_micros(*run.nominal_us));
    if (run.started_us)
        out["started"] = format_wall_time(from_micros(*run.started_us));
    if (run.ended_us)
        out["ended"] = format_wall_time(from_micros(*run.ended_us));
    if (run.started_us && run.ended_us)
        out["duration_ms"] = (*run.ended_us - *run.started_us) / 1000;
    return out;
}

json item_json(const store::Item& item, const std::vector<spec::StepSpec>& steps)
{
    std::string step = item.step < static_cast<int>(steps.size()) ? steps[static_cast<std::size_t>(item.step)].name
                                                                  : std::to_string(item.step + 1);
    return json{{"id", item.id}, {"job", item.job}, {"item", item.key}, {"source", item.source}, {"state", item.state},
        {"step", step}, {"step_index", item.step}, {"attempt", item.attempt},
        {"created", format_wall_time(from_micros(item.created_us))},
        {"updated", format_wall_time(from_micros(item.updated_us))},
        {"retry_at", item.state == "failed" ? json(format_wall_time(from_micros(item.not_before_us))) : json(nullptr)},
        {"error", item.error}};
}

json item_event_json(const store::ItemEvent& event)
{
    return json{{"time", format_wall_time(from_micros(event.time_us))}, {"kind", event.kind}, {"step", event.step},
        {"attempt", event.attempt}, {"exit_code", optional_json(event.exit_code)},
        {"signal", optional_json(event.signal)}, {"duration_ms", optional_json(event.duration_ms)},
        {"detail", event.detail}};
}

json job_json(const schedule::JobStatus& job)
{
    return json{
        {"name", job.name},
        {"schedule", job.schedule},
        {"timezone", job.timezone},
        {"next_fire", job.next_fire ? json(format_wall_time(*job.next_fire)) : json(nullptr)},
        {"running", job.running},
        {"waiting", job.waiting},
        {"last", job.last ? run_json(*job.last) : json(nullptr)},
    };
}

json release_json(const store::Release& release)
{
    json out{{"id", release.id}, {"ref", release.ref}, {"sha", release.sha}, {"directory", release.directory},
        {"file", release.file}, {"environment", release.environment}, {"state", release.state}, {"who", release.who},
        {"created", format_wall_time(from_micros(release.created_us))}, {"ended", nullptr}, {"live_since", nullptr},
        {"duration_ms", nullptr}, {"error", release.error}, {"removed", release.removed}};
    if (release.ended_us) {
        out["ended"] = format_wall_time(from_micros(*release.ended_us));
        out["duration_ms"] = (*release.ended_us - release.created_us) / 1000;
    }
    if (release.live_us)
        out["live_since"] = format_wall_time(from_micros(*release.live_us));
    return out;
}

json step_json(const store::ReleaseStep& step)
{
    json out{{"kind", step.kind}, {"command", step.command}, {"outcome", step.outcome}, {"detail", step.detail},
        {"started", format_wall_time(from_micros(step.started_us))}, {"duration_ms", nullptr}};
    if (step.ended_us)
        out["duration_ms"] = (*step.ended_us - step.started_us) / 1000;
    return out;
}

json activity_json(const std::optional<deploy::Activity>& activity)
{
    if (!activity)
        return nullptr;
    return json{{"kind", activity->kind}, {"release", activity->release}, {"who", activity->who},
        {"since", format_wall_time(activity->since)}, {"phase", activity->phase}};
}

// The `limit` query parameter, `fallback` when absent; nullopt when it is not a number.
std::optional<std::size_t> limit_of(const Request& request, std::size_t fallback)
{
    auto it = request.query.find("limit");
    if (it == request.query.end())
        return fallback;
    try {
        return std::stoul(it->second);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// A deploy or rollback that could not begin: busy is "the action failed", anything else bad input.
Response not_begun(const Error& error)
{
    return failure(error.code() == EBUSY ? 409 : 400, error.message());
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
        else if (post && path == "/v1/run")
            run(body, caller, respond);
        else if (get && path == "/v1/history")
            respond(history(request));
        else if (post && path == "/v1/feed")
            respond(feed(body, caller));
        else if (post && path == "/v1/retry")
            respond(retry(body, caller));
        else if (get && path == "/v1/items")
            respond(items(request));
        else if (post && path == "/v1/deploy")
            deploy(body, caller, respond);
        else if (post && path == "/v1/rollback")
            rollback(body, caller, respond);
        else if (get && path == "/v1/releases")
            respond(releases(request));
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
        json jobs = json::array();
        WallTime wall = m_control.clock.wall_now();
        std::set<std::string> job_names;
        for (const auto& job : m_control.scheduler.status()) {
            json entry = job_json(job);
            if (auto counts = m_control.items.counts(job.name))
                entry["items"] = item_counts_json(*counts, wall);
            jobs.push_back(entry);
            job_names.insert(job.name);
        }
        // Items wait in the queue for a job removed from the app file until it comes back.
        json removed_jobs_items = json::array();
        if (auto waiting = m_control.items.waiting_by_job()) {
            for (const auto& [job, counts] : *waiting) {
                if (!job_names.contains(job)) {
                    json entry = item_counts_json(counts, wall);
                    entry.erase("dead");  // only waiting items are counted here
                    entry.erase("succeeded");
                    entry["job"] = job;
                    removed_jobs_items.push_back(entry);
                }
            }
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
            {"jobs", jobs},
            {"items_of_removed_jobs", removed_jobs_items},
            {"store", {{"pending_events", m_control.events.pending()}, {"error", m_control.events.failure()}}},
            {"deploy", deploy_status()},
        });
    }

    static json item_counts_json(const store::ItemCounts& counts, WallTime wall)
    {
        return {{"queued", counts.queued}, {"running", counts.running}, {"failed", counts.failed},
            {"dead", counts.dead}, {"succeeded", counts.succeeded},
            {"oldest_queued_age_ms",
                counts.oldest_queued_us ? json((to_micros(wall) - *counts.oldest_queued_us) / 1000) : json(nullptr)}};
    }

    json deploy_status()
    {
        json out{{"in_progress", activity_json(m_control.deployer.activity())}, {"live", nullptr}, {"last", nullptr}};
        if (auto live = m_control.releases.live(); live && *live)
            out["live"] = release_json(**live);
        if (auto last = m_control.releases.list(1); last && !last->empty())
            out["last"] = release_json(last->front());
        return out;
    }

    // The release's steps; from `first` on (what one deploy or rollback recorded) when given.
    json steps_json(std::int64_t release, std::int64_t first = 0)
    {
        json out = json::array();
        if (auto steps = m_control.releases.steps(release)) {
            for (const auto& step : *steps) {
                if (step.id >= first)
                    out.push_back(step_json(step));
            }
        }
        return out;
    }

    static json deploy_steps_json(const spec::DeploySpec& deploy)
    {
        auto commands = [](const std::vector<std::vector<std::string>>& list) {
            json out = json::array();
            for (const auto& argv : list)
                out.push_back(join_command(argv));
            return out;
        };
        return {{"build", commands(deploy.build)}, {"check", commands(deploy.check)},
            {"release", commands(deploy.release)}, {"shared", deploy.shared}};
    }

    Response outcome_response(const deploy::DeployOutcome& outcome)
    {
        json body{{"release", outcome.release}, {"ref", outcome.ref}, {"sha", outcome.sha},
            {"directory", outcome.directory}, {"ok", outcome.ok}, {"error", outcome.error}, {"plan", nullptr},
            {"text", ""}, {"steps", json::array()}, {"steps_from", outcome.steps_from},
            {"deploy_steps", deploy_steps_json(outcome.deploy)}};
        if (outcome.plan) {
            body["plan"] = changes_json(outcome.plan->groups);
            body["jobs"] = changes_json(outcome.plan->jobs);
            body["text"] = outcome.plan->describe();
        }
        if (outcome.release != 0)
            body["steps"] = steps_json(outcome.release, outcome.first_step);
        return Response{outcome.ok ? 200 : 409, to_json_text(body)};
    }

    void deploy(const json& body, const Caller& caller, const Responder& respond)
    {
        auto done = [this, respond](const deploy::DeployOutcome& outcome) { respond(outcome_response(outcome)); };
        if (body.value("attach", false)) {
            if (!m_control.deployer.attach(done))
                respond(failure(400, "no deploy or rollback is in progress"));
            return;
        }
        deploy::DeployRequest request{
            .ref = body.value("ref", std::string()), .who = caller.user, .plan_only = body.value("plan_only", false)};
        if (auto valid = request.ref.empty() ? Result<void>(Ok{}) : spec::deploy_settings::check_ref(request.ref);
            !valid) {
            respond(failure(400, valid.error().message()));
            return;
        }
        // wait = false: answers {release} once the deploy has begun (attach to wait for it).
        bool wait = body.value("wait", true) || request.plan_only;
        std::function<void(const deploy::DeployOutcome&)> answer = done;
        if (!wait)
            answer = [](const deploy::DeployOutcome&) {};
        auto started = m_control.deploy(std::move(request), std::move(answer));
        if (!started)
            respond(not_begun(started.error()));
        else if (!wait)
            respond(ok({{"release", *started}}));
    }

    void rollback(const json& body, const Caller& caller, const Responder& respond)
    {
        deploy::RollbackRequest request{.who = caller.user};
        if (body.contains("release") && body["release"].is_number_integer())
            request.release = body["release"].get<std::int64_t>();
        auto started = m_control.deployer.rollback(
            request, [this, respond](const deploy::DeployOutcome& outcome) { respond(outcome_response(outcome)); });
        if (!started)
            respond(not_begun(started.error()));
    }

    Response releases(const Request& request)
    {
        auto limit = limit_of(request, 50);
        if (!limit)
            return failure(400, "limit must be a number");
        auto all = m_control.releases.list(*limit);
        if (!all)
            return failure(409, all.error().message());
        json out = json::array();
        for (const store::Release& release : *all) {
            json entry = release_json(release);
            entry["steps"] = steps_json(release.id);
            out.push_back(entry);
        }
        return ok({{"releases", out}, {"in_progress", activity_json(m_control.deployer.activity())}});
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
        // A subject nothing was ever recorded for, and that the app file does not name, is a typo.
        if (!query.subject.empty() && query.after_id == 0 && events->empty()) {
            std::vector<std::string> known = known_names();
            known.insert(known.end(), {"daemon", "deploy"});
            if (std::find(known.begin(), known.end(), query.subject) == known.end())
                return failure(400, unknown_name("group, instance or job", query.subject, known));
        }
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
            return not_begun(outcome.error());  // busy (a deploy runs) is "the action failed"
        return ok({{"plan", changes_json(outcome->plan.groups)}, {"jobs", changes_json(outcome->plan.jobs)},
            {"text", outcome->plan.describe()}, {"changed", !outcome->plan.empty()}, {"file", outcome->file},
            {"environment", outcome->environment}, {"applied", !request.plan_only},
            {"deploying", outcome->deploying ? json(*outcome->deploying) : json(nullptr)}, {"note", outcome->note}});
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

    void run(const json& body, const Caller& caller, const Responder& respond)
    {
        std::string job = body.at("job").get<std::string>();
        bool wait = body.value("wait", false);
        std::function<void(const store::Run&)> done;
        if (wait)
            done = [respond](const store::Run& finished) { respond(ok({{"run", run_json(finished)}})); };
        if (!m_control.scheduler.has_job(job)) {
            respond(failure(400, unknown_name("job", job, job_names())));
            return;
        }
        auto id = m_control.scheduler.run_now(job, done);
        if (!id) {
            respond(failure(id.error()));
            return;
        }
        m_control.events.record(job, "run-requested", fmt::format("run #{} by {}", *id, caller.user));
        if (!wait)
            respond(ok({{"run", {{"id", *id}, {"job", job}, {"state", "running"}}}}));
    }

    Response history(const Request& request)
    {
        store::RunQuery query;
        if (auto it = request.query.find("job"); it != request.query.end())
            query.job = it->second;
        if (auto it = request.query.find("failed"); it != request.query.end())
            query.failed_only = it->second == "1" || it->second == "true";
        auto limit = limit_of(request, query.limit);
        if (!limit)
            return failure(400, "limit must be a number");
        query.limit = *limit;
        if (!query.job.empty() && !m_control.scheduler.has_job(query.job)) {
            auto any = m_control.runs.query({.job = query.job, .limit = 1});
            if (any && any->empty())
                return failure(400, unknown_name("job", query.job, job_names()));
        }
        auto runs = m_control.runs.query(query);
        if (!runs)
            return failure(409, runs.error().message());
        json out = json::array();
        for (const store::Run& run : *runs)
            out.push_back(run_json(run));
        return ok({{"runs", out}});
    }

    Response feed(const json& body, const Caller& caller)
    {
        std::string job = body.at("job").get<std::string>();
        auto keys = body.at("items").get<std::vector<std::string>>();
        for (std::string& key : keys)
            key = fed_key(key);
        std::string source = body.value("source", "feed");
        if (source != "feed" && source != "api")
            return failure(400, "source must be feed or api");
        if (!m_control.work.has_job(job))
            return failure(400, unknown_name("job", job, job_names()));
        auto result = m_control.work.feed(job, keys, source);
        if (!result)
            return failure(result.error());
        if (result->queued > 0 && keys.size() <= 10)
            m_control.events.record(job, "fed", fmt::format("{} item(s) by {}", result->queued, caller.user));
        return ok({{"queued", result->queued}, {"coalesced", result->coalesced}});
    }

    Response retry(const json& body, const Caller& caller)
    {
        std::string job = body.at("job").get<std::string>();
        if (!m_control.work.has_job(job))
            return failure(400, unknown_name("job", job, job_names()));
        std::optional<std::string> key;
        if (body.contains("item") && body["item"].is_string())
            key = stored_key(job, body["item"].get<std::string>());
        auto requeued = m_control.work.retry(job, key);
        if (!requeued)
            return failure(requeued.error());
        m_control.events.record(
            job, "retry-requested", fmt::format("{} dead item(s) requeued by {}", *requeued, caller.user));
        return ok({{"requeued", *requeued}});
    }

    Response items(const Request& request)
    {
        auto job = request.query.find("job");
        if (job == request.query.end())
            return failure(400, "job is required");
        std::vector<spec::StepSpec> steps;
        if (auto it = m_control.supervisor.spec().jobs.find(job->second); it != m_control.supervisor.spec().jobs.end())
            steps = it->second.item_steps();
        else if (auto any = m_control.items.query(job->second, false, 1); any && any->empty())
            return failure(400, unknown_name("job", job->second, job_names()));
        if (auto key = request.query.find("item"); key != request.query.end()) {
            auto item = m_control.items.latest(job->second, stored_key(job->second, key->second));
            if (!item)
                return failure(409, item.error().message());
            if (!item->has_value())
                return failure(400, fmt::format("job \"{}\" has no item \"{}\"", job->second, key->second));
            auto events = m_control.items.history((*item)->id);
            if (!events)
                return failure(409, events.error().message());
            json history = json::array();
            for (const auto& event : *events)
                history.push_back(item_event_json(event));
            json out = item_json(**item, steps);
            out["history"] = history;
            return ok({{"items", json::array({out})}});
        }
        auto limit = limit_of(request, 50);
        if (!limit)
            return failure(400, "limit must be a number");
        bool failed = request.query.contains("failed") && request.query.at("failed") == "1";
        auto found = m_control.items.query(job->second, failed, *limit);
        if (!found)
            return failure(409, found.error().message());
        json out = json::array();
        for (const auto& item : *found)
            out.push_back(item_json(item, steps));
        return ok({{"items", out}});
    }

    // The key of an item as stored: the key as given when an item has it, else
    // the given key with every \xNN read as its byte, so that a key can be
    // given back as tend showed it (base/escape.h).
    std::string stored_key(const std::string& job, const std::string& key)
    {
        std::string bytes = unescape_bytes(key);
        if (bytes == key)
            return key;
        auto as_given = m_control.items.latest(job, key);
        return as_given && as_given->has_value() ? key : bytes;
    }

    std::vector<std::string> job_names() const
    {
        std::vector<std::string> names;
        for (const auto& [name, job] : m_control.supervisor.spec().jobs)
            names.push_back(name);
        return names;
    }

    // Every name the app file gives: process groups, their instances, jobs.
    std::vector<std::string> known_names() const
    {
        std::vector<std::string> names = job_names();
        for (const auto& [name, process] : m_control.supervisor.spec().processes) {
            names.push_back(name);
            for (int i = 0; i < process.instances; ++i)
                names.push_back(fmt::format("{}.{}", name, i));
        }
        return names;
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
