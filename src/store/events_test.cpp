#include "store/events.h"

#include <filesystem>
#include <gtest/gtest.h>

#include "store/schema.h"
#include "testing/temp_dir.h"

namespace tend::store {
namespace {

namespace fs = std::filesystem;

class EventLogTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto loop = Loop::create(m_clock);
        ASSERT_TRUE(loop);
        m_loop = loop.release_value();
    }

    std::string path() const { return (m_dir / "tend.db").string(); }

    os::SystemClock m_clock;
    std::unique_ptr<Loop> m_loop;
    testing::TempDir m_temp;
    const fs::path& m_dir = m_temp.path();
};

TEST_F(EventLogTest, MigratesAndStoresEventsAcrossReopen)
{
    {
        auto db = Database::open(path());
        ASSERT_TRUE(db) << db.error().message();
        EXPECT_EQ((*db)->schema_version(), static_cast<int>(migrations().size()));
        EventLog log(**db, *m_loop);
        log.record("web.0", "started", "pid 42");
        log.record("web.1", "started", "pid 43");
        log.record("worker.0", "exited", "exit 1");
        ASSERT_TRUE(log.flush());
    }
    auto db = Database::open(path());
    ASSERT_TRUE(db);
    EventLog log(**db, *m_loop);
    auto web = log.query({.subject = "web"});
    ASSERT_TRUE(web);
    ASSERT_EQ(web->size(), 2U);
    EXPECT_EQ(web->at(0).subject, "web.0");
    EXPECT_EQ(web->at(1).detail, "pid 43");
    auto one = log.query({.subject = "worker.0"});
    ASSERT_EQ(one->size(), 1U);
    EXPECT_EQ(one->at(0).kind, "exited");
    auto latest = log.query({.limit = 1});
    ASSERT_EQ(latest->size(), 1U);
    EXPECT_EQ(latest->at(0).subject, "worker.0");
}

TEST_F(EventLogTest, KeepsEventsPendingWhileWritesFail)
{
    auto db = Database::open(path());
    ASSERT_TRUE(db);
    EventLog log(**db, *m_loop);
    // A reader holding an exclusive lock makes every write fail like a full disk would.
    ASSERT_TRUE((*db)->execute("PRAGMA busy_timeout=0"));
    auto other = Database::open(path());
    ASSERT_TRUE(other);
    ASSERT_TRUE((*other)->execute("PRAGMA busy_timeout=0"));
    ASSERT_TRUE((*other)->execute("BEGIN EXCLUSIVE"));
    log.record("web.0", "started");
    EXPECT_FALSE(log.flush());
    EXPECT_EQ(log.pending(), 1U);
    ASSERT_TRUE((*other)->execute("COMMIT"));
    EXPECT_TRUE(log.flush());
    EXPECT_EQ(log.pending(), 0U);
    EXPECT_EQ(log.query({})->size(), 1U);
}

TEST_F(EventLogTest, RefusesUnwritableLocation)
{
    auto db = Database::open("/nonexistent-dir/tend.db");
    ASSERT_FALSE(db);
    EXPECT_NE(db.error().message().find("/nonexistent-dir/tend.db"), std::string::npos);
}

}  // namespace
}  // namespace tend::store
