// Writes that must reach the store even when it fails for a while (a full
// disk, an I/O error). Each write is a function that does its work in one
// transaction, so trying it again is safe.
//
//   healthy --a write fails--> failing: that write is kept, and every later
//           write waits behind it, in order
//   failing --retry (100ms, doubling up to 2s)--> the kept writes, then the
//           owner's `retry` hook (e.g. start what was held back)
//           --all succeeded--> healthy (`recovered` says how long, and what waited)
//           --one failed--> failing, next retry later
//
// While failing, the owner holds back work that needs the store (it asks
// failing()) and reports writes it does not keep (failed()), such as the
// start of an item it leaves queued. Owns: the kept writes and the retry timer.
// Persists: nothing itself.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/units.h"
#include "loop/loop.h"

namespace tend::store {

// One spell of failing writes, as `recovered` reports it.
struct Outage {
    std::string error;  // the first failure, e.g. "tend.db: step: database or disk is full"
    Duration lasted{0};
    std::size_t delayed = 0;  // kept writes written late
    std::size_t failures = 0;  // failed attempts, counting retries
};

struct WriteRetryHooks {
    std::function<void(const std::string& error)> failing;  // the first failure of an outage
    std::function<void()> retry;  // after the kept writes succeeded; may call write() and failed()
    std::function<void(const Outage&)> recovered;  // the retry round found the store working
};

class WriteRetry {
public:
    using Write = std::function<Result<void>()>;

    WriteRetry(Loop& loop, WriteRetryHooks hooks);
    ~WriteRetry();
    WriteRetry(const WriteRetry&) = delete;
    WriteRetry& operator=(const WriteRetry&) = delete;

    // Writes now when no write is waiting; otherwise, or when it fails, keeps
    // it for the retries. True when it was written now.
    bool write(Write write);
    // A write the owner does not keep failed: the store counts as failing
    // until a retry round succeeds.
    void failed(const Error& error);
    // Tries the kept writes once more, now (at shutdown). False if some remain.
    bool flush();

    [[nodiscard]] bool failing() const { return m_failing || m_round_failed; }
    [[nodiscard]] std::size_t waiting() const { return m_kept.size(); }

    static constexpr auto first_delay = std::chrono::milliseconds(100);
    static constexpr auto longest_delay = std::chrono::seconds(2);

private:
    void fail(const Error& error);
    void arm();
    void retry_round();
    bool write_kept();

    Loop& m_loop;
    WriteRetryHooks m_hooks;
    std::deque<Write> m_kept;
    bool m_failing = false;
    bool m_in_round = false;
    bool m_round_failed = false;
    Outage m_outage;
    MonoTime m_since{};
    std::chrono::milliseconds m_delay = first_delay;
    TimerId m_timer = 0;
    std::shared_ptr<WriteRetry*> m_self;
};

}  // namespace tend::store
