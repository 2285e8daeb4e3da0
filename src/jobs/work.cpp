#include "jobs/work.h"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>

#include "jobs/file_action.h"
#include "os/files.h"
#include "os/process.h"
#include "supervise/guarded.h"

namespace tend::jobs {
namespace {

using supervise::guarded;

using schedule::describe;

}  // namespace

Work::Work(supervise::InstanceContext& context, store::Items& items, schedule::Scheduler& scheduler)
    : m_context(context)
    , m_items(items)
    , m_scheduler(scheduler)
    , m_watcher(context.loop, context.events,
          [this](
              const std::string& job, const std::vector<std::string>& paths, bool scan) { on_files(job, paths, scan); })
    , m_writes(context.loop,
          {
              .failing = [this](const std::string& error) { on_store_failing(error); },
              .retry = [this] { on_store_retry(); },
              .recovered = [this](const store::Outage& outage) { on_store_recovered(outage); },
          })
    , m_self(std::make_shared<Work*>(this))
{}

Work::~Work()
{
    for (auto* jobs : {&m_jobs, &m_retired}) {
        for (auto& [name, job] : *jobs) {
            if (job->wake != 0)
                m_context.loop.cancel_timer(job->wake);
        }
    }
}

std::int64_t Work::now_us() const
{
    return to_micros(m_context.loop.clock().wall_now());
}

Result<void> Work::start()
{
    auto requeued = TRY(m_items.requeue_running(now_us()));
    for (const store::Item& item : requeued)
        m_context.events.record(item.job, "item-requeued",
            fmt::format("item {} ({}) was running when the daemon stopped; it runs again from step {}", item.id,
                item.key, item.step + 1));
    TRY(m_watcher.start());
    return Ok{};
}

void Work::apply(const spec::AppSpec& next)
{
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        if (next.jobs.contains(it->first)) {
            ++it;
            continue;
        }
        // Gone from the app file: its running steps finish; its queue waits in the store.
        it->second->retired = true;
        if (it->second->wake != 0)
            m_context.loop.cancel_timer(std::exchange(it->second->wake, 0));
        if (!it->second->running.empty())
            m_retired[it->first] = std::move(it->second);
        it = m_jobs.erase(it);
    }
    std::vector<WatchSpec> watches;
    for (const auto& [name, spec] : next.jobs) {
        auto& job = m_jobs[name];
        if (!job)
            job = std::make_unique<ItemJob>();
        job->spec = std::make_shared<const spec::JobSpec>(spec);
        job->steps = spec.item_steps();
        job->step_specs.clear();
        for (const spec::StepSpec& step : job->steps) {
            auto step_spec = std::make_shared<spec::JobSpec>(spec);
            step_spec->process.argv = step.argv;
            step_spec->timeout = step.timeout ? step.timeout : spec.timeout;
            job->step_specs.push_back(std::move(step_spec));
        }
        if (!spec.watch.empty())
            watches.push_back({.job = name, .directory = spec.watch_directory, .pattern = spec.watch_pattern});
    }
    m_watcher.set(watches);
    for (const auto& [name, job] : m_jobs)
        dispatch(name);
}

Work::ItemJob* Work::find(const std::string& job)
{
    if (auto it = m_jobs.find(job); it != m_jobs.end())
        return it->second.get();
    if (auto it = m_retired.find(job); it != m_retired.end())
        return it->second.get();
    return nullptr;
}

Result<store::EnqueueResult> Work::feed(
    const std::string& job, const std::vector<std::string>& keys, const std::string& source)
{
    if (!m_jobs.contains(job)) {
        std::vector<std::string> names;
        for (const auto& [name, entry] : m_jobs)
            names.push_back(name);
        return Error(fmt::format("no job named \"{}\" (jobs: {})", job,
                         names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))),
            EINVAL);
    }
    for (const std::string& key : keys) {
        if (key.empty() || key.size() > 4096 || key.find('\0') != std::string::npos)
            return Error("an item must be 1 to 4096 bytes with no NUL", EINVAL);
    }
    auto result = m_items.enqueue(job, keys, source, now_us());
    if (!result) {
        m_writes.failed(result.error());
        if (source == "watch")
            m_held.files.insert(keys.begin(), keys.end());
        else
            ++m_held.feeds;
        return result.error();
    }
    if (!m_shutting_down)
        dispatch(job);
    return result;
}

void Work::on_files(const std::string& job, const std::vector<std::string>& paths, bool scan)
{
    std::vector<std::string> fresh;
    for (const std::string& path : paths) {
        if (scan) {
            // Found by a scan: skip files whose item is active, or ended after the file last changed.
            auto info = os::file_info(path);
            auto latest = m_items.latest(job, path);
            if (!info || !info->is_regular)
                continue;
            if (latest && latest->has_value() && (*latest)->created_us >= info->modified_us)
                continue;
        }
        fresh.push_back(path);
    }
    if (fresh.empty())
        return;
    auto fed = feed(job, fresh, "watch");
    if (!fed)
        m_context.events.record(job, "watch-failed",
            fmt::format("{} file(s) could not be queued: {}{}", fresh.size(), fed.error().message(),
                m_writes.failing() ? "; they are queued by a rescan once the store can be written" : ""));
}

Result<std::int64_t> Work::retry(const std::string& job, const std::optional<std::string>& key)
{
    if (!m_jobs.contains(job))
        return Error(fmt::format("no job named \"{}\"", job), EINVAL);
    auto requeued = TRY(m_items.retry_dead(job, key, now_us()));
    if (key && requeued == 0) {
        auto latest = TRY(m_items.latest(job, *key));
        if (!latest)
            return Error(fmt::format("job \"{}\" has no item \"{}\"", job, *key), EINVAL);
        return Error(fmt::format("item \"{}\" is {}, not dead", *key, latest->state), EINVAL);
    }
    dispatch(job);
    return requeued;
}

void Work::wake_at(ItemJob& job, const std::string& name, MonoTime when)
{
    if (job.wake != 0)
        m_context.loop.cancel_timer(job.wake);
    auto delay = std::max(when - m_context.loop.now(), MonoTime::duration(std::chrono::milliseconds(1)));
    job.wake = m_context.loop.add_timer(delay, guarded(m_self, [name](Work& self) {
        if (ItemJob* found = self.find(name)) {
            found->wake = 0;
            self.dispatch(name);
        }
    }));
}

void Work::dispatch(const std::string& name)
{
    auto it = m_jobs.find(name);
    // While the store fails, nothing starts: a start must be recorded first.
    if (it == m_jobs.end() || m_shutting_down || m_writes.failing())
        return;
    ItemJob& job = *it->second;
    int room = job.spec->concurrency - static_cast<int>(job.running.size());
    if (room <= 0)
        return;
    auto ready = m_items.ready(name, now_us(), static_cast<std::size_t>(room));
    if (!ready) {
        m_writes.failed(ready.error());
        return;
    }
    for (store::Item& item : *ready) {
        if (m_writes.failing())
            return;
        if (job.spec->rate) {
            MonoTime now = m_context.loop.now();
            if (job.next_start > now) {
                wake_at(job, name, job.next_start);
                return;
            }
            auto spacing
                = std::chrono::duration_cast<MonoTime::duration>(std::chrono::duration<double>(1.0 / *job.spec->rate));
            job.next_start = std::max(job.next_start, now) + spacing;
        }
        start_item(job, std::move(item));
    }
    // Nothing more to start now: wake for the earliest retry still waiting.
    if (static_cast<int>(job.running.size()) < job.spec->concurrency && job.wake == 0) {
        auto next = m_items.next_ready(name);
        if (next && next->has_value() && **next > now_us())
            wake_at(job, name, m_context.loop.now() + std::chrono::microseconds(**next - now_us()));
    }
}

void Work::start_item(ItemJob& job, store::Item item)
{
    const std::string& name = job.spec->name;
    if (item.step >= static_cast<int>(job.steps.size()))
        item.step = static_cast<int>(job.steps.size()) - 1;  // the job now has fewer steps
    const spec::StepSpec& step = job.steps.at(static_cast<std::size_t>(item.step));
    std::int64_t now = now_us();
    if (item.source == "watch" && !os::exists(item.key)) {
        item.state = "dead";
        item.error = "the file was removed before it was processed";
        item.updated_us = now;
        write(item,
            {{.item = item.id,
                .time_us = now,
                .kind = "dead",
                .step = step.name,
                .attempt = item.attempt,
                .detail = item.error}});
        m_context.events.record(name, "item-dead", fmt::format("item {} ({}): {}", item.id, item.key, item.error));
        return;
    }
    auto log = m_scheduler.log_of(name);
    if (!log) {
        m_context.events.record(name, "queue-failed", "the job has no log file");
        return;
    }
    item.state = "running";
    item.attempt += 1;
    item.updated_us = now;
    item.error.clear();
    // A start is recorded before the step runs, or the step does not run: the
    // item stays queued and starts once the store can be written again.
    auto stored = m_items.update(
        item, {.item = item.id, .time_us = now, .kind = "started", .step = step.name, .attempt = item.attempt});
    if (!stored) {
        m_writes.failed(stored.error());
        m_held.starts.insert(item.id);
        return;
    }
    auto run = std::make_unique<schedule::JobRun>(m_context, job.step_specs.at(static_cast<std::size_t>(item.step)),
        std::move(log),
        schedule::RunRequest{.id = item.id,
            .trigger = "item",
            .attempt = item.attempt,
            .item = item.key,
            .step = step.name,
            .name = fmt::format("{}#i{}.{}", name, item.id, step.name)});
    schedule::JobRun& started = *run;
    std::int64_t id = item.id;
    job.running[id] = Active{.item = std::move(item), .run = std::move(run), .started = m_context.loop.now()};
    started.start(guarded(
        m_self, [name, id](Work& self, const schedule::RunOutcome& outcome) { self.on_step_done(name, id, outcome); }));
}

void Work::on_step_done(const std::string& name, std::int64_t id, const schedule::RunOutcome& outcome)
{
    ItemJob* job = nullptr;
    for (auto* jobs : {&m_jobs, &m_retired}) {
        if (auto it = jobs->find(name); it != jobs->end() && it->second->running.contains(id))
            job = it->second.get();
    }
    if (job == nullptr)
        return;
    auto node = job->running.extract(id);
    Active& active = node.mapped();
    store::Item item = active.item;
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(m_context.loop.now() - active.started);
    // The run object is inside its own callback: it is destroyed after it returns.
    m_context.loop.defer([finished = std::shared_ptr<schedule::JobRun>(std::move(active.run))] {});
    // The app file may have dropped steps while this one ran: it counts as the last.
    item.step = std::min(item.step, static_cast<int>(job->steps.size()) - 1);
    const spec::StepSpec& step = job->steps.at(static_cast<std::size_t>(item.step));
    std::int64_t now = now_us();
    store::ItemEvent event{.item = item.id,
        .time_us = now,
        .step = step.name,
        .attempt = item.attempt,
        .exit_code = outcome.exit_code,
        .signal = outcome.signal,
        .duration_ms = took.count(),
        .detail = describe(outcome)};
    item.updated_us = now;
    bool ended = false;
    bool succeeded = false;
    if (outcome.state == "succeeded") {
        event.kind = "step-succeeded";
        if (item.step + 1 < static_cast<int>(job->steps.size())) {
            item.step += 1;
            item.attempt = 0;
            item.state = "queued";
            item.not_before_us = 0;
        } else {
            item.state = "succeeded";
            ended = succeeded = true;
        }
    } else if (outcome.state == "stopped" && m_shutting_down) {
        event.kind = "requeued";
        event.detail = "the daemon stopped during the step; it runs again from this step";
        item.state = "queued";
        item.not_before_us = 0;
        item.attempt -= 1;
    } else {
        event.kind = "step-failed";
        spec::RetrySpec retry = step.retry ? *step.retry : job->spec->retry;
        item.error = fmt::format("step {}: {}", step.name, describe(outcome));
        if (item.attempt <= retry.attempts && !job->retired) {
            auto delay = schedule::retry_delay(retry, item.attempt);
            item.state = "failed";
            item.not_before_us = now + std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
            event.detail += fmt::format("; retry {} of {} in {}", item.attempt, retry.attempts, format_duration(delay));
        } else {
            item.state = "dead";
            ended = true;
            event.detail += retry.attempts > 0 ? fmt::format("; no retries left ({} made)", retry.attempts)
                                               : std::string("; no retries");
        }
    }
    std::vector<store::ItemEvent> events{std::move(event)};
    if (ended) {
        events.push_back(succeeded
                ? store::ItemEvent{.item = item.id, .time_us = now, .kind = "succeeded"}
                : store::ItemEvent{.item = item.id, .time_us = now, .kind = "dead", .detail = item.error});
    }
    write(item, std::move(events));
    if (ended) {
        if (!succeeded)
            m_context.events.record(name, "item-dead", fmt::format("item {} ({}): {}", item.id, item.key, item.error));
        if (item.source == "watch")
            finish_file(*job, item, succeeded);
    }
    if (job->retired) {
        if (job->running.empty())
            m_retired.erase(name);
    } else {
        dispatch(name);
    }
    if (m_shutting_down)
        continue_shutdown();
}

void Work::finish_file(const ItemJob& job, const store::Item& item, bool succeeded)
{
    const spec::FileAction& action = succeeded ? job.spec->on_success : job.spec->on_failure;
    Result<void> done = Ok{};
    std::string what;
    switch (action.kind) {
    case spec::FileAction::Kind::Keep: return;
    case spec::FileAction::Kind::Delete:
        what = "deleted";
        done = os::remove_file(item.key);
        break;
    case spec::FileAction::Kind::Move: {
        // Never over a file already there: a taken name gets the item's number.
        auto moved = move_into(item.key, action.directory, item.id);
        what = moved ? "moved to " + *moved : "moved to " + action.directory;
        if (!moved)
            done = moved.error();
        break;
    }
    }
    store::ItemEvent event{.item = item.id,
        .time_us = now_us(),
        .kind = done ? "file" : "file-failed",
        .detail = done ? what : fmt::format("could not be {}: {}", what, done.error().message())};
    m_writes.write([items = &m_items, event] { return items->record(event); });
}

void Work::write(const store::Item& item, std::vector<store::ItemEvent> events)
{
    m_writes.write([items = &m_items, item, events = std::move(events)] { return items->update(item, events); });
}

void Work::on_store_failing(const std::string& error)
{
    m_held = {};
    m_context.events.record("items", "store-failing",
        fmt::format("item changes cannot be written ({}); no item starts until they can, and the changes of "
                    "steps that end meanwhile are kept and written then (retrying every {} at most)",
            error, format_duration(store::WriteRetry::longest_delay)));
}

void Work::on_store_retry()
{
    if (!m_held.files.empty())
        m_watcher.rescan();
    for (const auto& [name, job] : m_jobs)
        dispatch(name);
}

void Work::on_store_recovered(const store::Outage& outage)
{
    std::vector<std::string> parts;
    parts.push_back(fmt::format("{} change(s) of items whose steps ended were written late", outage.delayed));
    parts.push_back(fmt::format("{} item(s) waited to start (they stayed queued)", m_held.starts.size()));
    if (!m_held.files.empty())
        parts.push_back(fmt::format(
            "{} watched file(s) that could not be queued were found again by a rescan", m_held.files.size()));
    if (m_held.feeds > 0)
        parts.push_back(fmt::format("{} feed(s) were refused with an error", m_held.feeds));
    m_context.events.record("items", "store-recovered",
        fmt::format("item changes are written again after {} (it failed with: {}): {}; nothing was lost",
            format_duration(outage.lasted), outage.error, fmt::join(parts, "; ")));
    m_held = {};
}

void Work::tick()
{
    m_watcher.tick();
}

void Work::shut_down(std::function<void()> done)
{
    m_shutting_down = true;
    m_shutdown_done = std::move(done);
    for (auto* jobs : {&m_jobs, &m_retired}) {
        for (auto& [name, job] : *jobs) {
            if (job->wake != 0)
                m_context.loop.cancel_timer(std::exchange(job->wake, 0));
            for (auto& [id, active] : job->running)
                active.run->stop("the daemon is stopping");
        }
    }
    continue_shutdown();
}

void Work::continue_shutdown()
{
    for (auto* jobs : {&m_jobs, &m_retired}) {
        for (auto& [name, job] : *jobs) {
            if (!job->running.empty())
                return;
        }
    }
    if (!m_shutdown_done)
        return;
    if (!m_writes.flush())
        m_context.events.record("items", "store-failing",
            fmt::format("{} item change(s) could not be written before the daemon stopped; those items are "
                        "found running at the next start and run again from the step they were in",
                m_writes.waiting()));
    m_context.loop.defer(std::exchange(m_shutdown_done, {}));
}

}  // namespace tend::jobs
