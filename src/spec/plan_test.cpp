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

TEST(PlanTest, AChangeOfEnvironmentReplacesEveryGroupAndJob)
{
    // B2: `tend up --env dev` then `tend up --env live` said "nothing to change",
    // and every worker kept running `-e dev`.
    AppSpec dev{.app = "bot", .environment = "dev"};
    dev.processes["worker"] = process("worker", {"python3", "worker.py", "-e", "{env}"}, 5);
    dev.processes["worker"].environment = "dev";
    dev.jobs["nightly"] = JobSpec{.name = "nightly", .process = dev.processes["worker"]};
    AppSpec live = dev;
    live.environment = "live";
    live.processes["worker"].environment = "live";
    live.jobs["nightly"].process.environment = "live";
    Plan plan = make_plan(dev, live);
    EXPECT_EQ(plan.describe(),
        "~ worker (changed): environment dev -> live\n"
        "~ job nightly (changed): environment dev -> live\n");
    AppSpec none = dev;
    none.processes["worker"].environment.clear();
    EXPECT_EQ(make_plan(dev, none).groups.front().reasons, std::vector<std::string>{"environment dev -> (none)"});
}

TEST(PlanTest, NewReleaseCodeIsTheReasonNotItsDirectory)
{
    // UX 21: a deploy's plan said "cwd changed" for every group.
    AppSpec before{.app = "x", .directory = "/state/releases/1-aaaaaaa"};
    before.processes["web"] = process("web", {"/state/releases/1-aaaaaaa/.venv/bin/gunicorn"});
    before.processes["web"].cwd = "/state/releases/1-aaaaaaa";
    before.processes["worker"] = process("worker", {"python3", "worker.py"}, 2);
    before.processes["worker"].cwd = "/state/releases/1-aaaaaaa/workers";
    AppSpec after{.app = "x", .directory = "/state/releases/2-bbbbbbb"};
    after.processes["web"] = process("web", {"/state/releases/2-bbbbbbb/.venv/bin/gunicorn"});
    after.processes["web"].cwd = "/state/releases/2-bbbbbbb";
    after.processes["worker"] = process("worker", {"python3", "worker.py"}, 3);
    after.processes["worker"].cwd = "/state/releases/2-bbbbbbb/other";
    EXPECT_EQ(make_plan(before, after, Code::New).describe(),
        "~ web (changed): new release code\n"
        "~ worker (changed): new release code, cwd changed, instances 2 -> 3\n");
    // Applied as a file (no new code), the same specs differ by their paths.
    EXPECT_EQ(
        make_plan(before, after).groups.front().reasons, (std::vector<std::string>{"command changed", "cwd changed"}));
}

}  // namespace
}  // namespace tend::spec
