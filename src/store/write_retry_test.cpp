#include "store/write_retry.h"

#include <gtest/gtest.h>

#include "os/clock.h"

namespace tend::store {
namespace {

using namespace std::chrono_literals;

class WriteRetryTest : public ::testing::Test {
protected:
    void SetUp() override { m_loop = Loop::create(m_clock).release_value(); }

    // Runs the loop until `done` or a deadline.
    void run_until(const std::function<bool()>& done, std::chrono::seconds deadline = 10s)
    {
        auto until = std::chrono::steady_clock::now() + deadline;
        while (!done() && std::chrono::steady_clock::now() < until) {
            m_loop->add_timer(10ms, [this] { m_loop->stop(); });
            m_loop->run();
        }
    }

    // A write that fails while the store is "full" and appends its name when it succeeds.
    WriteRetry::Write write(std::string name)
    {
        return [this, name]() -> Result<void> {
            if (m_full)
                return Error("tend.db: step: database or disk is full");
            m_written.push_back(name);
            return Ok{};
        };
    }

    os::SystemClock m_clock;
    std::unique_ptr<Loop> m_loop;
    bool m_full = false;
    std::vector<std::string> m_written;
};

TEST_F(WriteRetryTest, KeepsFailedWritesInOrderAndWritesThemOnceTheStoreWorks)
{
    std::vector<std::string> failing;
    std::vector<Outage> recovered;
    int retries = 0;
    WriteRetry writes(*m_loop,
        {.failing = [&](const std::string& error) { failing.push_back(error); },
            .retry = [&] { ++retries; },
            .recovered = [&](const Outage& outage) { recovered.push_back(outage); }});

    EXPECT_TRUE(writes.write(write("a")));
    m_full = true;
    EXPECT_FALSE(writes.write(write("b")));
    EXPECT_TRUE(writes.failing());
    m_full = false;
    EXPECT_FALSE(writes.write(write("c"))) << "c waits behind b, though it would succeed";
    EXPECT_EQ(m_written, std::vector<std::string>{"a"});
    m_full = true;
    run_until([&] { return retries > 0 || !recovered.empty(); }, 1s);
    EXPECT_TRUE(recovered.empty()) << "the store is still full";
    EXPECT_EQ(retries, 0);

    m_full = false;
    run_until([&] { return !recovered.empty(); });
    ASSERT_EQ(recovered.size(), 1U);
    EXPECT_EQ(m_written, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(retries, 1);
    EXPECT_EQ(failing, std::vector<std::string>{"tend.db: step: database or disk is full"}) << "said once";
    EXPECT_EQ(recovered[0].delayed, 2U);
    EXPECT_GE(recovered[0].failures, 2U);
    EXPECT_EQ(recovered[0].error, "tend.db: step: database or disk is full");
    EXPECT_FALSE(writes.failing());
    EXPECT_TRUE(writes.write(write("d")));
}

TEST_F(WriteRetryTest, AnOutageWithoutKeptWritesLastsUntilTheOwnersRetrySucceeds)
{
    int retries = 0;
    int recovered = 0;
    WriteRetry* self = nullptr;
    WriteRetry writes(*m_loop,
        {.retry =
                [&] {
                    ++retries;
                    // The owner tries its held-back work; the first two tries still fail.
                    if (retries <= 2)
                        self->failed(Error("tend.db: step: disk I/O error"));
                },
            .recovered = [&](const Outage&) { ++recovered; }});
    self = &writes;
    writes.failed(Error("tend.db: step: disk I/O error"));
    EXPECT_TRUE(writes.failing());
    run_until([&] { return recovered > 0; });
    EXPECT_EQ(retries, 3);
    EXPECT_EQ(recovered, 1);
    EXPECT_FALSE(writes.failing());
}

}  // namespace
}  // namespace tend::store
