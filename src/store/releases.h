// Releases and the steps of the deploys that made them.
//
// A release is one deploy of one commit into releases/<n>-<shortsha>:
//
//   building --steps pass, app file valid--> ready --switched--> live
//   live --another release becomes live--> previous
//   building | ready --a step fails, the switch is undone, the daemon dies--> failed
//
// At most one release is live. Failed releases are never rollback targets and
// never count toward `keep`. Each deploy step (fetch, build, check, switch...)
// is a row with its outcome and times. Rollbacks make an existing release live.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/database.h"

namespace tend::store {

struct Release {
    std::int64_t id = 0;
    std::string ref;
    std::string sha;  // empty until resolved
    std::string directory;  // absolute; empty until checked out
    std::string file;  // the release's own tend.toml
    std::string environment;  // the --env overlay it was read with
    std::string state;  // building | ready | live | previous | failed
    std::string who;
    std::int64_t created_us = 0;
    std::optional<std::int64_t> ended_us;  // the deploy finished (switched or failed)
    std::optional<std::int64_t> live_us;  // last made live
    std::string error;  // why it failed
    bool removed = false;  // its directory was deleted by cleanup

    // Whether a rollback may switch to it.
    [[nodiscard]] bool good() const { return (state == "live" || state == "previous") && !removed; }
};

struct ReleaseStep {
    std::int64_t id = 0;
    std::int64_t release = 0;
    std::string
        kind;  // fetch | resolve | checkout | steps | shared | build | check | load | release | switch | rollback
    std::string command;  // as run, for commands
    std::int64_t started_us = 0;
    std::optional<std::int64_t> ended_us;
    std::string outcome;  // running | ok | failed
    std::string detail;
};

class Releases {
public:
    explicit Releases(Database& db) : m_db(db) {}

    // Inserts a release (state building); returns its number.
    Result<std::int64_t> create(const Release& release);
    // Writes sha, directory, file, state, ended_us and error.
    Result<void> update(const Release& release);
    // Makes `id` live and the live one previous, in one transaction.
    Result<void> make_live(std::int64_t id, std::int64_t now_us);
    Result<void> mark_removed(std::int64_t id);

    // The number the next release will get.
    Result<std::int64_t> next_id();
    Result<std::optional<Release>> live();
    Result<std::optional<Release>> find(std::int64_t id);
    // The most recent `limit`, newest first.
    Result<std::vector<Release>> list(std::size_t limit = 50);

    // Releases left building or ready by a daemon that died: failed, and returned.
    Result<std::vector<Release>> fail_unfinished(std::int64_t now_us);

    Result<std::int64_t> begin_step(
        std::int64_t release, std::string_view kind, std::string_view command, std::int64_t started_us);
    Result<void> end_step(std::int64_t step, std::string_view outcome, std::string_view detail, std::int64_t ended_us);
    Result<std::vector<ReleaseStep>> steps(std::int64_t release);

private:
    Database& m_db;
};

}  // namespace tend::store
