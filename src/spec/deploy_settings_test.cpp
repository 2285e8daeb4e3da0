#include "spec/deploy_settings.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace tend::spec::deploy_settings {
namespace {

using namespace std::chrono_literals;

class DeploySettingsTest : public ::testing::Test {
protected:
    std::string write(const std::string& text)
    {
        std::string path = (m_dir.path() / "tend.toml").string();
        std::ofstream(path) << text;
        return path;
    }

    testing::TempDir m_dir;
};

TEST_F(DeploySettingsTest, ReadsTheDeployTableAloneBeforeTheBuild)
{
    // B5: a release's steps are read right after its checkout, when the commands of its
    // processes (made by the build) do not exist yet.
    std::string path = write(R"(
app = "x"
[process.web]
command = ".venv/bin/gunicorn"
[deploy]
source = "https://example.org/x.git"
build = ["python3 -m venv .venv"]
check = ["{env}-check"]
shared = ["uploads"]
keep = 3
[environment.live]
deploy.check = ["live-check --strict"]
)");
    auto deploy = read_deploy_table(path, "");
    ASSERT_TRUE(deploy) << deploy.error().message();
    ASSERT_TRUE(deploy->has_value());
    EXPECT_EQ((*deploy)->build, (std::vector<std::vector<std::string>>{{"python3", "-m", "venv", ".venv"}}));
    EXPECT_EQ((*deploy)->check, (std::vector<std::vector<std::string>>{{"{env}-check"}}));
    EXPECT_EQ((*deploy)->keep, 3);
    EXPECT_EQ((*deploy)->where.line, 5);
    auto live = read_deploy_table(path, "live");
    ASSERT_TRUE(live) << live.error().message();
    EXPECT_EQ((*live)->check, (std::vector<std::vector<std::string>>{{"live-check", "--strict"}}));
    EXPECT_EQ((*live)->shared, std::vector<std::string>{"uploads"});
}

TEST_F(DeploySettingsTest, NoDeployTableAndErrorsWithTheirPlace)
{
    auto none = read_deploy_table(write("app = \"x\"\n[process.web]\ncommand = \"x\"\n"), "");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    std::string path = write("app = \"x\"\n[deploy]\nsource = \"/r\"\nchek = [\"make test\"]\nkeep = 0\n");
    auto typo = read_deploy_table(path, "");
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().message(), path + ":4:1: unknown key \"chek\" in [deploy] (did you mean \"check\"?)");
    path = write("app = \"x\"\n[deploy]\nsource = \"/r\"\nkeep = 0\n");
    auto keep = read_deploy_table(path, "");
    ASSERT_FALSE(keep);
    EXPECT_EQ(keep.error().message(), path + ":4:8: keep: keep must be between 1 and 1000, not 0");
    EXPECT_FALSE(read_deploy_table(write("app = \"x\"\n[deploy\n"), ""));
    EXPECT_FALSE(read_deploy_table(write("app = \"x\"\n"), "nosuch"));
}

TEST_F(DeploySettingsTest, WhereToFetchFromIsTheHostsEverythingElseTheReleases)
{
    DeploySpec host{.source = "/srv/repo", .ref = "main", .build = {{"host-build"}}, .keep = 7};
    DeploySpec own{.source = "/elsewhere", .ref = "feature", .check = {{"pytest"}}, .keep = 2, .timeout = 5min};
    DeploySpec used = in_effect(host, own);
    EXPECT_EQ(used.source, "/srv/repo");
    EXPECT_EQ(used.ref, "main");
    EXPECT_TRUE(used.build.empty());
    EXPECT_EQ(used.check, (std::vector<std::vector<std::string>>{{"pytest"}}));
    EXPECT_EQ(used.keep, 2);
    EXPECT_EQ(used.timeout, 5min);
    EXPECT_EQ(in_effect(host, std::nullopt), host);
}

}  // namespace
}  // namespace tend::spec::deploy_settings
