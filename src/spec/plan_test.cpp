#include "spec/plan.h"

#include <gtest/gtest.h>

namespace tend::spec {
namespace {

ProcessSpec process(const std::string& name, std::vector<std::string> argv, int instances = 1)
{
    ProcessSpec spec;
    spec.name = name;
    spec.argv = std::move(argv);
    spec.instances = instances;
    return spec;
}

TEST(PlanTest, ClassifiesEachGroup)
{
    AppSpec before{.app = "x"};
    before.processes["web"] = process("web", {"web"});
    before.processes["worker"] = process("worker", {"work"}, 5);
    before.processes["old"] = process("old", {"old"});
    before.processes["same"] = process("same", {"same"});
    AppSpec after{.app = "x"};
    after.processes["web"] = process("web", {"web", "--new"});
    after.processes["worker"] = process("worker", {"work"}, 3);
    after.processes["new"] = process("new", {"new"});
    after.processes["same"] = process("same", {"same"});
    after.processes["same"].stop_timeout = std::chrono::seconds(3);

    Plan plan = make_plan(before, after);
    ASSERT_EQ(plan.groups.size(), 5U);
    EXPECT_EQ(plan.describe(),
        "+ new (added)\n"
        "- old (removed)\n"
        "  same (unchanged): restart, stop or check settings changed (applied without a restart)\n"
        "~ web (changed): command changed\n"
        "~ worker (scaled): instances 5 -> 3\n");
    EXPECT_FALSE(plan.empty());
}

TEST(PlanTest, NeverShowsSecretValues)
{
    AppSpec before{.app = "x"};
    before.processes["web"] = process("web", {"web"});
    before.processes["web"].secret_env["TOKEN"] = "old-secret";
    AppSpec after = before;
    after.processes["web"].secret_env["TOKEN"] = "new-secret";
    std::string text = make_plan(before, after).describe();
    EXPECT_EQ(text, "~ web (changed): secrets in env_file changed\n");
}

}  // namespace
}  // namespace tend::spec
