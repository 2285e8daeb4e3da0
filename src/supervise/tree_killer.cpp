#include "supervise/tree_killer.h"

#include <csignal>

namespace tend::supervise {
namespace {

// Exits arrive in bursts when many instances stop together; one rescan after
// a short pause covers the whole burst.
constexpr auto recheck_delay = std::chrono::milliseconds(10);

}  // namespace

void TreeKiller::terminate(
    const RunIdentity& run, int signal, std::chrono::milliseconds timeout, std::function<void()> on_gone)
{
    if (Job* existing = find(run.run_id)) {
        // Already ending: a repeated stop only adds the callback.
        if (on_gone) {
            auto previous = std::move(existing->on_gone);
            existing->on_gone = [previous = std::move(previous), on_gone = std::move(on_gone)] {
                if (previous)
                    previous();
                on_gone();
            };
        }
        return;
    }
    if (nothing_left(run)) {
        if (on_gone)
            m_loop.defer(std::move(on_gone));
        return;
    }
    // The group gets the signal now; members that left the group get it in
    // one batch after this round of events, so stopping 500 instances costs
    // one scan of the process table, not 500.
    Job job{.run = run, .signal = signal, .on_gone = std::move(on_gone)};
    if (run.main_pid > 1)
        (void)os::send_group_signal(run.main_pid, signal);
    std::string run_id = run.run_id;
    job.deadline = m_loop.add_timer(timeout, [this, run_id] { on_deadline(run_id); });
    m_jobs.push_back(std::move(job));
    if (!m_signal_scheduled) {
        m_signal_scheduled = true;
        m_loop.defer([this] { signal_new_jobs(); });
    }
}

// The fast answer for a run whose main process has exited and was reaped:
// every process it left behind was reparented to tend (a subreaper), so it
// is a direct child of tend that no one watches, or a descendant of one. No
// such child means nothing of the run is left, without a scan.
bool TreeKiller::nothing_left(const RunIdentity& run) const
{
    if (run.main_pid <= 1 || m_loop.watches_child(run.main_pid) || os::process_exists(run.main_pid))
        return false;
    auto children = os::direct_children();
    if (!children)
        return false;
    for (pid_t child : *children) {
        if (!m_loop.watches_child(child))
            return false;
    }
    return true;
}

void TreeKiller::signal_new_jobs()
{
    m_signal_scheduled = false;
    auto snapshot = ProcessSnapshot::take(os::self_pid());
    for (Job& job : m_jobs) {
        if (job.signalled)
            continue;
        job.signalled = true;
        signal_members(job, job.signal, snapshot);
    }
    schedule_recheck();
}

void TreeKiller::signal_members(Job& job, int signal, const ProcessSnapshot& snapshot)
{
    job.members = m_attribution.members(snapshot, job.run);
    for (const ProcessId& member : job.members)
        (void)os::send_signal(member.pid, signal);
    // A stopped process only dies of SIGKILL or after SIGCONT.
    if (signal != SIGKILL) {
        for (const ProcessId& member : job.members) {
            const os::ProcessInfo* info = snapshot.find(member.pid);
            if (info != nullptr && (info->state == 'T' || info->state == 't'))
                (void)os::send_signal(member.pid, SIGCONT);
        }
    }
}

void TreeKiller::kill_now(const std::string& run_id)
{
    if (find(run_id) != nullptr)
        on_deadline(run_id);
}

void TreeKiller::on_deadline(const std::string& run_id)
{
    Job* job = find(run_id);
    if (job == nullptr)
        return;
    auto snapshot = ProcessSnapshot::take(os::self_pid());
    if (job->run.main_pid > 1)
        (void)os::send_group_signal(job->run.main_pid, SIGKILL);
    signal_members(*job, SIGKILL, snapshot);
    job->killed = true;
    job->signalled = true;
    schedule_recheck();
}

void TreeKiller::notice_exit()
{
    if (!m_jobs.empty())
        schedule_recheck();
}

void TreeKiller::schedule_recheck()
{
    if (m_recheck_scheduled)
        return;
    m_recheck_scheduled = true;
    m_loop.add_timer(recheck_delay, [this] {
        m_recheck_scheduled = false;
        recheck();
    });
}

void TreeKiller::recheck()
{
    // Cheap check first: are the known members gone? Only then rescan, to
    // catch anything forked after the signal went out.
    bool any_candidate = false;
    for (Job& job : m_jobs) {
        if (!job.signalled)
            continue;
        std::erase_if(job.members, [](const ProcessId& member) { return !is_alive(member); });
        any_candidate = any_candidate || job.members.empty();
    }
    if (!any_candidate)
        return;
    auto snapshot = ProcessSnapshot::take(os::self_pid());
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        auto next = std::next(it);
        if (it->signalled && it->members.empty()) {
            it->members = m_attribution.members(snapshot, it->run);
            if (it->members.empty()) {
                finish(it);
            } else {
                // Late forks get the same treatment as the rest of the tree.
                for (const ProcessId& member : it->members)
                    (void)os::send_signal(member.pid, it->killed ? SIGKILL : it->signal);
            }
        }
        it = next;
    }
}

void TreeKiller::finish(std::list<Job>::iterator job)
{
    m_loop.cancel_timer(job->deadline);
    auto on_gone = std::move(job->on_gone);
    m_jobs.erase(job);
    if (on_gone)
        on_gone();
    if (m_jobs.empty() && m_on_idle)
        m_on_idle();
}

TreeKiller::Job* TreeKiller::find(const std::string& run_id)
{
    for (Job& job : m_jobs) {
        if (job.run.run_id == run_id)
            return &job;
    }
    return nullptr;
}

std::size_t TreeKiller::kill_all_descendants()
{
    auto snapshot = ProcessSnapshot::take(os::self_pid());
    std::size_t count = 0;
    for (pid_t pid : snapshot.descendants()) {
        const os::ProcessInfo* info = snapshot.find(pid);
        if (info != nullptr && info->state != 'Z') {
            (void)os::send_signal(pid, SIGKILL);
            ++count;
        }
    }
    return count;
}

}  // namespace tend::supervise
