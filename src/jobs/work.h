// Triggered work: items of every job, from the durable queue to their steps.
//
// An item is fed (CLI, API) or arrives in a watched directory; it waits in the
// queue (store/items.h) until its job has room (`concurrency`) and its `rate`
// allows; then its steps run in order, each as a process like a job run (the
// item reaches it only as an argv element or TEND_ITEM). A failed step is
// retried on its own with exponential backoff and jitter; out of retries the
// item is dead, and `tend retry` puts it back at that step. A watched file
// gets `on_success` / `on_failure` once its item has ended (a move never
// replaces a file already there: jobs/file_action.h).
//
//   queued --room--> running --last step ok--> succeeded
//                        |--step ok--> queued (next step)
//                        |--step failed, retries left--> failed --backoff--> running
//                        '--step failed, none left--> dead --tend retry--> queued
//
// A daemon that dies mid-item leaves it `running`; the next one puts it back
// in the queue at its step (at-least-once). A graceful stop does the same for
// items it had to interrupt.
//
// When the store cannot be written (a full disk), the changes of items whose
// steps ended are kept and retried with backoff (store/write_retry.h), no
// item starts, and watched files that could not be queued are found again by
// a rescan; once writes succeed, everything resumes by itself, and events say
// when it began and what was delayed. Owns: the running steps, the watcher,
// the item changes waiting to be written.
// Persists: items and their history (store/items.h), events.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jobs/watcher.h"
#include "schedule/job_run.h"
#include "schedule/scheduler.h"
#include "store/items.h"
#include "store/write_retry.h"

namespace tend::jobs {

class Work {
public:
    Work(supervise::InstanceContext& context, store::Items& items, schedule::Scheduler& scheduler);
    ~Work();
    Work(const Work&) = delete;
    Work& operator=(const Work&) = delete;

    // Puts items a dead daemon left running back in the queue; starts watching.
    Result<void> start();
    // Takes the app's jobs (after the scheduler has, for their log files).
    void apply(const spec::AppSpec& next);

    Result<store::EnqueueResult> feed(
        const std::string& job, const std::vector<std::string>& keys, const std::string& source);
    // Dead items back to the queue at their failed step: one key, or every dead item of the job.
    Result<std::int64_t> retry(const std::string& job, const std::optional<std::string>& key);

    // Stops the running steps; their items go back to the queue.
    void shut_down(std::function<void()> done);
    void tick();

    [[nodiscard]] bool has_job(const std::string& name) const { return m_jobs.contains(name); }

private:
    struct Active {
        store::Item item;
        std::unique_ptr<schedule::JobRun> run;
        MonoTime started{};
    };
    struct ItemJob {
        std::shared_ptr<const spec::JobSpec> spec;
        std::vector<spec::StepSpec> steps;
        std::vector<std::shared_ptr<const spec::JobSpec>> step_specs;  // the job with each step's command
        std::map<std::int64_t, Active> running;
        TimerId wake = 0;
        MonoTime next_start{};  // the rate limit's earliest next start
        bool retired = false;
    };

    void dispatch(const std::string& job);
    void start_item(ItemJob& job, store::Item item);
    void on_step_done(const std::string& job, std::int64_t id, const schedule::RunOutcome& outcome);
    void finish_file(const ItemJob& job, const store::Item& item, bool succeeded);
    void wake_at(ItemJob& job, const std::string& name, MonoTime when);
    void on_files(const std::string& job, const std::vector<std::string>& paths, bool scan);
    void continue_shutdown();
    void write(const store::Item& item, std::vector<store::ItemEvent> events);
    void on_store_failing(const std::string& error);
    void on_store_retry();
    void on_store_recovered(const store::Outage& outage);
    ItemJob* find(const std::string& job);
    [[nodiscard]] std::int64_t now_us() const;

    supervise::InstanceContext& m_context;
    store::Items& m_items;
    schedule::Scheduler& m_scheduler;
    Watcher m_watcher;
    std::map<std::string, std::unique_ptr<ItemJob>> m_jobs;
    std::map<std::string, std::unique_ptr<ItemJob>> m_retired;
    bool m_shutting_down = false;
    std::function<void()> m_shutdown_done;
    // What the current store outage held back, for the event that ends it.
    struct HeldBack {
        std::set<std::int64_t> starts;  // items whose start could not be recorded (they stayed queued)
        std::set<std::string> files;  // watched files that could not be queued
        std::size_t feeds = 0;  // feeds refused
    };
    HeldBack m_held;
    store::WriteRetry m_writes;
    std::shared_ptr<Work*> m_self;
};

}  // namespace tend::jobs
