// The scheduler: every [job.NAME] of the app, their fires and their runs.
//
// One CLOCK_REALTIME timerfd, armed at the earliest next fire with
// cancel-on-set, wakes the daemon exactly when a fire is due; there is no
// minute polling. When the clock is set, the timer says so: a jump of up to
// 3h is replanned (fires jumped over count as missed and follow `catchup`), a
// larger one is a reset with no mass catch-up; both are recorded as events.
//
// Each fire is claimed in the store (job, nominal time) when its run is
// queued or started, so no fire runs twice, not across a daemon restart. At
// start, fires missed while the daemon was down, and claimed fires whose run
// had not started (waiting for `jitter` or their turn), follow `catchup`; runs
// the previous daemon left running are recorded as interrupted and retried if
// `retry` allows; retries that were waiting go on.
//
// When the store cannot be written (a full disk), runs that ended are kept
// and written once it can (store/write_retry.h), waiting runs do not start,
// and fires that could not be claimed follow `catchup` once it works again.
//
// Per job: a fire while a run is going follows `overlap`; catch-up runs and
// retries wait their turn; a failed run is retried with exponential backoff
// and jitter. Owns: the runs, the jobs' log files, the wall timer.
// Persists: runs and fires (store/runs.h), events.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "logs/log_file.h"
#include "loop/loop.h"
#include "os/fd.h"
#include "schedule/job_run.h"
#include "schedule/next_fire.h"
#include "store/runs.h"
#include "store/write_retry.h"
#include "supervise/instance.h"

namespace tend::schedule {

struct SchedulerOptions {
    std::string log_directory;
};

struct JobStatus {
    std::string name;
    std::string schedule;  // as written; empty: manual only
    std::string timezone;
    std::optional<WallTime> next_fire;
    std::vector<std::int64_t> running;  // run ids
    std::size_t waiting = 0;  // queued runs (overlap queue, catch-up, retries)
    std::optional<store::Run> last;  // the last finished run
};

class Scheduler {
public:
    Scheduler(supervise::InstanceContext& context, store::Runs& runs, SchedulerOptions options);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Creates the wall timer and marks runs a dead daemon left unfinished.
    Result<void> start();

    // Makes `next` the desired set of jobs. Runs of removed or changed jobs
    // finish with the settings they started with. Fails only when a job's
    // log file cannot be opened, changing nothing.
    Result<void> apply(const spec::AppSpec& next);

    // `tend run JOB`: starts a run now, whatever the overlap policy. `done`,
    // if given, gets the finished run.
    Result<std::int64_t> run_now(const std::string& job, std::function<void(const store::Run&)> done = {});

    // Stops every run (recorded as stopped) and schedules nothing more.
    void shut_down(std::function<void()> done);

    void tick();

    [[nodiscard]] std::vector<JobStatus> status() const;
    [[nodiscard]] bool has_job(const std::string& name) const { return m_jobs.contains(name); }
    // The job's log file (logs/NAME.log), shared with item processing; null for unknown jobs.
    [[nodiscard]] std::shared_ptr<logs::LogFile> log_of(const std::string& name) const;

private:
    struct Pending {
        store::Run run;  // its row exists, in state queued
        MonoTime not_before{};
    };
    struct Job {
        std::shared_ptr<const spec::JobSpec> spec;
        Schedule schedule;
        Zone zone = Zone::utc();
        std::shared_ptr<logs::LogFile> log;
        std::optional<UnixSeconds> next;  // the next nominal fire
        std::map<std::int64_t, std::unique_ptr<JobRun>> running;
        std::deque<Pending> waiting;
        TimerId wake = 0;  // for the first waiting run's not_before
        bool retired = false;  // gone from the app file; dropped once idle
        std::vector<UnixSeconds> unclaimed;  // fires whose claim failed (the store failing)
    };
    // A fire that may run late: missed while the daemon was down or the store
    // failed (no claim), or claimed with its run still queued.
    struct LateFire {
        UnixSeconds nominal = 0;
        std::optional<store::Run> run;  // the queued run of a claimed fire
    };

    static constexpr std::int64_t micros_per_second = 1'000'000;
    // `catchup = "all"` runs at most this many missed fires.
    static constexpr std::size_t catchup_limit = 100;

    struct Timing {
        Schedule schedule;
        Zone zone = Zone::utc();
    };
    static Result<Timing> timing_of(const spec::JobSpec& spec);
    Result<std::unique_ptr<Job>> make_job(const spec::JobSpec& spec);
    void plan_after_start(Job& job, UnixSeconds now);
    void catch_up(Job& job, std::vector<LateFire> fires, UnixSeconds now);
    void resume(Job& job, store::Run run);
    void skip_waiting(Job& job, store::Run run, const std::string& why);
    std::vector<store::Run> take_unstarted(const std::string& job);
    void on_wall_timer();
    void check_clock();
    void fire_due(UnixSeconds now);
    void dispatch_fire(Job& job, UnixSeconds nominal, const std::string& trigger);
    void enqueue(Job& job, store::Run run, std::chrono::milliseconds delay);
    void start_waiting(Job& job);
    // False when the start could not be recorded (the run stays waiting).
    bool start_run(Job& job, store::Run& run, std::function<void(const store::Run&)> done = {});
    void on_run_done(const std::string& job_name, std::int64_t id, const RunOutcome& outcome);
    void maybe_retry(Job& job, const store::Run& failed);
    void record_skipped(Job& job, UnixSeconds nominal, const std::string& trigger, const std::string& why);
    void missed(Job& job, const std::vector<UnixSeconds>& fires, const std::string& why);
    void rearm();
    void drop_idle_retired();
    void continue_shutdown();
    void finish_run(const store::Run& run);
    void on_store_failing(const std::string& error);
    void on_store_retry();
    void on_store_recovered(const store::Outage& outage);
    [[nodiscard]] std::int64_t now_us() const;
    [[nodiscard]] std::vector<UnixSeconds> fires_between(const Job& job, UnixSeconds after, UnixSeconds until) const;

    supervise::InstanceContext& m_context;
    store::Runs& m_runs;
    SchedulerOptions m_options;
    std::map<std::string, std::unique_ptr<Job>> m_jobs;
    std::vector<std::unique_ptr<Job>> m_retired;
    std::map<std::int64_t, std::function<void(const store::Run&)>> m_waiters;  // by run id
    std::vector<store::Run> m_interrupted;  // found at start, retried once their job is known
    std::vector<store::Run> m_unstarted;  // found queued at start, run or skipped once their job is known
    store::WriteRetry m_writes;
    os::UniqueFd m_timer;
    // Where the wall clock should be, to tell a jump from the passage of time.
    WallTime m_last_wall;
    MonoTime m_last_mono{};
    bool m_started = false;
    bool m_first_apply = true;
    bool m_shutting_down = false;
    std::function<void()> m_shutdown_done;
    std::shared_ptr<Scheduler*> m_self;
};

}  // namespace tend::schedule
