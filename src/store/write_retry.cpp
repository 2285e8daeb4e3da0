#include "store/write_retry.h"

#include <algorithm>

namespace tend::store {

WriteRetry::WriteRetry(Loop& loop, WriteRetryHooks hooks)
    : m_loop(loop)
    , m_hooks(std::move(hooks))
    , m_self(std::make_shared<WriteRetry*>(this))
{}

WriteRetry::~WriteRetry()
{
    if (m_timer != 0)
        m_loop.cancel_timer(m_timer);
}

bool WriteRetry::write(Write write)
{
    if (!m_kept.empty()) {
        m_kept.push_back(std::move(write));
        return false;
    }
    auto written = write();
    if (written)
        return true;
    m_kept.push_back(std::move(write));
    fail(written.error());
    return false;
}

void WriteRetry::failed(const Error& error)
{
    fail(error);
}

void WriteRetry::fail(const Error& error)
{
    ++m_outage.failures;
    if (m_in_round) {
        m_round_failed = true;
        return;
    }
    if (m_failing)
        return;
    m_failing = true;
    m_outage.error = error.message();
    m_since = m_loop.now();
    m_delay = first_delay;
    if (m_hooks.failing)
        m_hooks.failing(m_outage.error);
    arm();
}

void WriteRetry::arm()
{
    if (m_timer != 0)
        return;
    m_timer = m_loop.add_timer(m_delay, [weak = std::weak_ptr<WriteRetry*>(m_self)] {
        if (auto self = weak.lock()) {
            (**self).m_timer = 0;
            (**self).retry_round();
        }
    });
}

bool WriteRetry::write_kept()
{
    while (!m_kept.empty()) {
        auto written = m_kept.front()();
        if (!written) {
            ++m_outage.failures;
            return false;
        }
        m_kept.pop_front();
        ++m_outage.delayed;
    }
    return true;
}

void WriteRetry::retry_round()
{
    if (!write_kept()) {
        m_delay = std::min<std::chrono::milliseconds>(m_delay * 2, longest_delay);
        arm();
        return;
    }
    // The owner's held-back work runs as if the store were healthy; a failure
    // reported meanwhile keeps the outage going.
    m_failing = false;
    m_in_round = true;
    m_round_failed = false;
    if (m_hooks.retry)
        m_hooks.retry();
    m_in_round = false;
    if (std::exchange(m_round_failed, false) || !m_kept.empty()) {
        m_failing = true;
        m_delay = std::min<std::chrono::milliseconds>(m_delay * 2, longest_delay);
        arm();
        return;
    }
    Outage outage = std::exchange(m_outage, Outage{});
    outage.lasted = std::chrono::duration_cast<Duration>(m_loop.now() - m_since);
    if (m_hooks.recovered)
        m_hooks.recovered(outage);
}

bool WriteRetry::flush()
{
    return write_kept();
}

}  // namespace tend::store
