// Job runs and claimed fires.
//
// A scheduled fire is claimed by inserting (job, nominal time) into `fires`,
// whose primary key makes the claim succeed once: a fire never runs twice, not
// after a daemon restart. The claim and the run's row are written in one
// transaction before the run starts (or starts waiting: jitter, overlap), so a
// daemon killed mid-run leaves a row in state `running` that the next daemon
// marks `interrupted`, and a fire that had not started leaves a row `queued`
// that the next daemon runs or skips as `catchup` says. A row leaves `queued`
// once (mark_started), so the same fire is not started twice.
//
// Run states: queued -> running -> succeeded | failed | timed-out | stopped |
// interrupted; a fire skipped by the overlap policy or not caught up is a run
// row in state `skipped` (never silently missed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/database.h"

namespace tend::store {

struct Run {
    std::int64_t id = 0;
    std::string job;
    std::optional<std::int64_t> nominal_us;  // the fire it runs for; none for manual runs
    std::string trigger;  // schedule | manual | catch-up | retry | reboot
    int attempt = 1;
    std::string state;
    std::int64_t created_us = 0;
    std::optional<std::int64_t> started_us;
    std::optional<std::int64_t> ended_us;
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::string error;

    [[nodiscard]] bool failed() const;
};

struct RunQuery {
    std::string job;  // empty: every job
    bool failed_only = false;
    std::size_t limit = 50;  // the most recent, oldest first
};

class Runs {
public:
    explicit Runs(Database& db) : m_db(db) {}

    // Claims (job, nominal) and inserts the run in one transaction. Returns
    // nothing when the fire was claimed before (it ran or was skipped already).
    Result<std::optional<std::int64_t>> claim_fire(const Run& run);
    // Inserts a run that claims no fire (manual runs and retries).
    Result<std::int64_t> insert(const Run& run);
    // queued -> running. False (and nothing changed) when the run is not queued.
    Result<bool> mark_started(std::int64_t id, std::int64_t started_us);
    Result<void> finish(const Run& run);

    // The latest claimed fire of a job, for catch-up after downtime.
    Result<std::optional<std::int64_t>> last_fire(const std::string& job);
    // Rows left `running` by a daemon that died: marks them `interrupted`
    // (ended now) and returns them.
    Result<std::vector<Run>> interrupt_running(std::int64_t now_us);
    // Rows left `queued` by the previous daemon (stopped or killed before they
    // started), oldest first. They stay queued.
    Result<std::vector<Run>> waiting();

    Result<std::vector<Run>> query(const RunQuery& query);
    Result<std::optional<Run>> last_finished(const std::string& job);

private:
    Database& m_db;
};

}  // namespace tend::store
