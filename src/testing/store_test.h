// A fresh tend.db (every migration applied) in a temporary directory, for the store's tests.
#pragma once

#include <gtest/gtest.h>
#include <memory>

#include "store/database.h"
#include "testing/temp_dir.h"

namespace tend::testing {

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto db = store::Database::open((m_temp.path() / "tend.db").string());
        ASSERT_TRUE(db) << db.error().message();
        m_db = db.release_value();
    }

    TempDir m_temp;
    std::unique_ptr<store::Database> m_db;
};

}  // namespace tend::testing
