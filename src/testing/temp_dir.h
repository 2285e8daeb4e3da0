// A fresh directory for one test, named after it, removed when the test ends.
#pragma once

#include <filesystem>
#include <gtest/gtest.h>
#include <string>

namespace tend::testing {

class TempDir {
public:
    TempDir()
    {
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        m_path = std::filesystem::temp_directory_path()
            / (std::string("tend-") + test->test_suite_name() + "-" + test->name());
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() { std::filesystem::remove_all(m_path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::string string() const { return m_path.string(); }

private:
    std::filesystem::path m_path;
};

}  // namespace tend::testing
