// The control API's routes (documented in docs/api.md):
//
//   GET  /v1/status                  groups and instances, with tree CPU and memory
//   GET  /v1/events?subject=&limit=  tend's own events, oldest first
//   POST /v1/apply   {file?, environment?, plan_only}   the plan, carried out unless plan_only
//   POST /v1/start|stop|restart {target}                 stop answers when the tree is gone
//   POST /v1/down                    answers when everything has stopped; the daemon then exits
//   POST /v1/run {job, wait}         starts a run now; with wait, answers when it has finished
//   GET  /v1/history?job=&failed=&limit=   job runs, oldest first
//   POST /v1/feed {job, items, source}     queues items; {queued, coalesced}
//   POST /v1/retry {job, item?}      dead items back to the queue at their failed step
//   GET  /v1/items?job=&item=&failed=&limit=   items, or one item with its history
//   POST /v1/deploy {ref?, plan_only, attach?, wait?}   answers when the deploy is live or failed
//                                    (wait = false: once it has begun, with {release})
//   POST /v1/rollback {release?}     answers when the release is live again or why not
//   GET  /v1/releases?limit=         releases with their steps, and what is in progress
//
// Errors are {"error": "..."} with 400 for bad input and 409 when the action failed.
#pragma once

#include <functional>
#include <string>

#include "api/server.h"
#include "deploy/deployer.h"
#include "jobs/work.h"
#include "os/clock.h"
#include "schedule/scheduler.h"
#include "spec/plan.h"
#include "store/events.h"
#include "store/items.h"
#include "store/releases.h"
#include "store/runs.h"
#include "supervise/supervisor.h"

namespace tend::api {

struct ApplyRequest {
    std::optional<std::string> file;  // absent: the file applied last
    std::optional<std::string> environment;  // absent: the environment applied last
    bool plan_only = false;
    std::string who;  // the caller, for the record
};

struct ApplyOutcome {
    spec::Plan plan;
    std::string file;
    std::string environment;
    std::optional<std::int64_t> deploying;  // an app file with [deploy] and nothing live: this release started
    std::string note;
};

// What the handlers need from the daemon.
struct DaemonControl {
    supervise::Supervisor& supervisor;
    schedule::Scheduler& scheduler;
    store::Runs& runs;
    jobs::Work& work;
    store::Items& items;
    store::EventLog& events;
    store::Releases& releases;
    deploy::Deployer& deployer;
    std::function<Result<ApplyOutcome>(const ApplyRequest&)> apply;  // errors are bad input
    // Starts a deploy with the [deploy] in effect; errors (busy, no [deploy]) are bad input.
    std::function<Result<std::int64_t>(deploy::DeployRequest, std::function<void(const deploy::DeployOutcome&)>)>
        deploy;
    std::function<void(std::function<void()>)> shut_down;  // done runs before the daemon exits
    os::Clock& clock;
    pid_t pid = 0;
    WallTime started_at;
};

Handler make_handler(DaemonControl& control);

}  // namespace tend::api
