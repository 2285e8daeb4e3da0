// Ends process trees: the stop signal to everything in a run now, SIGKILL to
// whatever of it is left when the timeout runs out. It finishes a job when no
// member is alive, checking on child-exit events (every member either is
// tend's child or has a parent in the tree, so the last exit always reaches
// tend), never by polling.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <string>

#include "loop/loop.h"
#include "supervise/process_tree.h"

namespace tend::supervise {

class TreeKiller {
public:
    TreeKiller(Loop& loop, Attribution& attribution) : m_loop(loop), m_attribution(attribution) {}

    // Signals the run's process group and every member with `signal`, then
    // SIGKILLs the survivors after `timeout`. `on_gone` runs once nothing of
    // the run is alive (possibly at once).
    void terminate(
        const RunIdentity& run, int signal, std::chrono::milliseconds timeout, std::function<void()> on_gone = {});

    // Sends SIGKILL to the run's remaining members now (a second stop).
    void kill_now(const std::string& run_id);

    // To be called on every child exit: re-checks the jobs soon, batched.
    void notice_exit();

    // SIGKILL to every descendant of tend, for the last step of `tend down`.
    // Returns how many were signalled.
    std::size_t kill_all_descendants();

    [[nodiscard]] bool idle() const { return m_jobs.empty(); }
    // Runs whenever the last job finishes.
    void on_idle(std::function<void()> callback) { m_on_idle = std::move(callback); }
    [[nodiscard]] std::size_t active() const { return m_jobs.size(); }

private:
    struct Job {
        RunIdentity run;
        int signal = 0;
        std::vector<ProcessId> members;
        TimerId deadline = 0;
        bool killed = false;
        bool signalled = false;  // the first signal has gone to every member, not just the group
        std::function<void()> on_gone;
    };

    [[nodiscard]] bool nothing_left(const RunIdentity& run) const;
    void signal_members(Job& job, int signal, const ProcessSnapshot& snapshot);
    void signal_new_jobs();
    void on_deadline(const std::string& run_id);
    void recheck();
    void schedule_recheck();
    Job* find(const std::string& run_id);
    void finish(std::list<Job>::iterator job);

    Loop& m_loop;
    Attribution& m_attribution;
    std::list<Job> m_jobs;
    bool m_recheck_scheduled = false;
    std::function<void()> m_on_idle;
    bool m_signal_scheduled = false;
};

}  // namespace tend::supervise
