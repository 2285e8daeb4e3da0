// Deploys and rollbacks, one at a time: the daemon's single owner of releases/,
// shared/, current and the git mirror.
//
// Serialized in memory (no lock file to go stale): a second deploy or rollback
// while one runs is refused with "deploy N in progress since T by USER". At
// start, releases a killed daemon left building or ready are marked failed;
// the live release (and the app file the daemon resumes with) never changed.
// After each deploy or rollback, release directories past `keep` go (see
// retention.h), removed by `rm -rf` in a child, one at a time, and only when
// the directory is a real directory directly in releases/ (never a symlink,
// never a path elsewhere, whatever the store says).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "deploy/deployment.h"

namespace tend::deploy {

struct RollbackRequest {
    std::optional<std::int64_t> release;  // none: the newest good release older than the live one
    std::string who;
};

// What is under way, for "in progress" answers and `tend status`.
struct Activity {
    std::string kind;  // deploy | rollback
    std::int64_t release = 0;
    std::string who;
    WallTime since;
    std::string phase;
};

class Deployer {
public:
    Deployer(supervise::InstanceContext& instances, store::Releases& releases, store::EventLog& events,
        DeployPaths paths, DeployHooks hooks, std::string log_directory);
    ~Deployer();

    // Fails what a killed daemon left unfinished. logs/deploy.log is opened by
    // the first deploy or rollback, so an app that never deploys has none.
    Result<void> start();

    // Begins a deploy from `source` (the host's [deploy]); `done` gets the
    // outcome. While another deploy or rollback runs: an error with code EBUSY.
    Result<std::int64_t> deploy(
        DeploySource source, DeployRequest request, std::function<void(const DeployOutcome&)> done);
    Result<std::int64_t> rollback(const RollbackRequest& request, std::function<void(const DeployOutcome&)> done);
    // `done` also gets the outcome of what is under way; false when nothing is.
    bool attach(std::function<void(const DeployOutcome&)> done);

    [[nodiscard]] std::optional<Activity> activity() const;
    // "deploy 4 in progress since 2026-11-22T08:00:00Z by ada (build)"
    [[nodiscard]] std::string busy_message() const;

    // Stops a running step (the deploy fails), then `done` once nothing of it runs.
    void shut_down(std::function<void()> done);
    void tick();

    [[nodiscard]] const DeployPaths& paths() const { return m_context.paths; }

private:
    Result<void> open_log();
    void finished(const DeployOutcome& outcome, std::int64_t switched_from);
    void clean_up(std::int64_t switched_from, int keep);
    void remove_next();
    // Whether `directory` may be removed: a directory (not a symlink) directly in releases/.
    [[nodiscard]] Result<void> removable(const std::string& directory) const;
    void notify(const DeployOutcome& outcome);

    DeployContext m_context;
    std::string m_log_directory;
    std::unique_ptr<Deployment> m_deployment;
    std::optional<Activity> m_rollback;
    std::vector<std::function<void(const DeployOutcome&)>> m_waiters;
    struct Removal {
        std::int64_t release = 0;  // 0: a plan's checkout
        std::string directory;
    };
    std::deque<Removal> m_removals;
    std::unique_ptr<schedule::JobRun> m_remover;
    std::function<void()> m_shutdown_done;
    std::shared_ptr<Deployer*> m_self;
};

}  // namespace tend::deploy
