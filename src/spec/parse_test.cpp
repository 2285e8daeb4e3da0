#include "spec/parse.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "spec/settings.h"
#include "testing/temp_dir.h"

namespace tend::spec {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ParseTest : public ::testing::Test {
protected:
    Result<AppSpec> parse(std::string_view text, const std::string& environment = "")
    {
        return parse_app_file(text, (m_dir / "tend.toml").string(), environment);
    }

    std::string file() const { return (m_dir / "tend.toml").string(); }

    testing::TempDir m_temp;
    const fs::path& m_dir = m_temp.path();
};

TEST_F(ParseTest, ParsesTheDesignExample)
{
    auto spec = parse(R"(
app = "validator"
[defaults]
env = { PYTHONUNBUFFERED = "1" }
stop_timeout = "30s"

[process.web]
command = ["sh", "-c", "exec sleep 100"]
port = 8080

[process.worker]
command = "sleep 100 --env {env}"
instances = 5

[process.decider]
command = "sleep 100"
instances = 3
after = ["web"]
env = { MODE = "decide" }
restart = "on-failure"
stop_signal = "INT"
)");
    ASSERT_TRUE(spec) << spec.error().message();
    EXPECT_EQ(spec->app, "validator");
    ASSERT_EQ(spec->processes.size(), 3U);
    const auto& worker = spec->processes.at("worker");
    EXPECT_EQ(worker.argv, (std::vector<std::string>{"sleep", "100", "--env", "{env}"}));
    EXPECT_EQ(worker.instances, 5);
    EXPECT_EQ(worker.stop_timeout, 30s);
    EXPECT_EQ(worker.cwd, m_dir.string());
    const auto& decider = spec->processes.at("decider");
    EXPECT_EQ(decider.env.at("PYTHONUNBUFFERED"), "1");
    EXPECT_EQ(decider.env.at("MODE"), "decide");
    EXPECT_EQ(decider.restart, RestartPolicy::OnFailure);
    EXPECT_EQ(decider.stop_signal, SIGINT);
    EXPECT_EQ(spec->processes.at("web").port, 8080);
    auto order = spec->start_order();
    auto position
        = [&](const std::string& name) { return std::find(order.begin(), order.end(), name) - order.begin(); };
    EXPECT_LT(position("web"), position("decider"));
}

struct ErrorCase {
    const char* name;
    const char* text;
    const char* expected;  // the message after "FILE:"
};

TEST_F(ParseTest, ReportsErrorsWithLineAndColumn)
{
    const ErrorCase cases[] = {
        {"malformed toml", "app = \"x\"\n[process.web\ncommand = \"true\"\n", "2:13: "},
        {"unknown key with suggestion", "app = \"x\"\n[process.web]\ncommand = \"true\"\ninstance = 3\n",
            "4:1: unknown key \"instance\" in [process.web] (did you mean \"instances\"?)"},
        {"wrong type", "app = \"x\"\n[process.web]\ncommand = \"true\"\ninstances = \"five\"\n",
            "4:13: instances: expected an integer, found a string"},
        {"bad duration", "app = \"x\"\n[process.web]\ncommand = \"true\"\nstop_timeout = \"10 parsecs\"\n",
            "4:16: stop_timeout: invalid duration \"10 parsecs\": unit must be one of ms, s, m, h, d, w"},
        {"missing command", "app = \"x\"\n[process.web]\ninstances = 2\n", "2:1: [process.web] has no command"},
        {"empty command", "app = \"x\"\n[process.web]\ncommand = []\n", "3:11: command: command is empty"},
        {"unknown after",
            "app = \"x\"\n[process.web]\ncommand = \"true\"\nafter = [\"workr\"]\n[process.worker]\ncommand = "
            "\"true\"\n",
            "2:1: after: unknown process \"workr\" in [process.web] (did you mean \"worker\"?)"},
        {"cyclic after",
            "app = \"x\"\n[process.a]\ncommand = \"true\"\nafter = [\"b\"]\n[process.b]\ncommand = \"true\"\nafter = "
            "[\"a\"]\n",
            "2:1: after: cycle a -> b -> a"},
        {"missing binary", "app = \"x\"\n[process.web]\ncommand = \"tend-no-such-binary --x\"\n",
            "3:11: command: \"tend-no-such-binary\" not found in PATH"},
        {"bad restart", "app = \"x\"\n[process.web]\ncommand = \"true\"\nrestart = \"sometimes\"\n",
            "4:11: restart: restart must be \"always\", \"on-failure\" or \"never\", not \"sometimes\""},
        {"unknown top key", "app = \"x\"\nproces = 1\n",
            "2:1: unknown key \"proces\" in the top level (did you mean \"process\"?)"},
        {"unknown user", "app = \"x\"\n[process.web]\ncommand = \"true\"\nuser = \"tend-no-such-user\"\n",
            "4:8: user: unknown user \"tend-no-such-user\""},
        {"bad signal", "app = \"x\"\n[defaults]\nstop_signal = \"TERMINATE\"\n",
            "3:15: stop_signal: unknown signal \"TERMINATE\" (expected e.g. TERM, INT, QUIT, HUP, USR1)"},
        {"unterminated quote", "app = \"x\"\n[process.web]\ncommand = \"echo 'hi\"\n",
            "3:11: command: unterminated single quote in command"},
        {"missing cwd", "app = \"x\"\n[process.web]\ncommand = \"true\"\ncwd = \"/nonexistent-tend-dir\"\n",
            "3:11: cwd /nonexistent-tend-dir is not a directory"},
        {"bad app name", "app = \"my app\"\n",
            "1:7: app: app name \"my app\" may contain only letters, digits, '-' and '_'"},
    };
    for (const auto& c : cases) {
        auto spec = parse(c.text);
        ASSERT_FALSE(spec) << c.name;
        std::string expected = file() + ":" + c.expected;
        EXPECT_EQ(spec.error().message().substr(0, expected.size()), expected)
            << c.name << "\n got: " << spec.error().message();
    }
}

TEST_F(ParseTest, ReportsEveryProblemAtOnce)
{
    auto spec = parse(
        "app = \"x\"\n[process.a]\ncommand = \"true\"\ninstanses = 1\n[process.b]\ncommand = \"true\"\nrestart = 3\n");
    ASSERT_FALSE(spec);
    EXPECT_NE(spec.error().message().find(":4:1:"), std::string::npos);
    EXPECT_NE(spec.error().message().find(":7:11:"), std::string::npos);
}

TEST_F(ParseTest, AppliesEnvironmentOverlay)
{
    const char* text = R"(
app = "x"
[process.worker]
command = "true"
instances = 5
env = { A = "1", B = "2" }
[environment.dev]
process.worker.instances = 1
process.worker.env = { B = "dev" }
[environment.live]
process.worker.instanses = 9
)";
    auto plain = parse(text);
    ASSERT_TRUE(plain) << plain.error().message();
    EXPECT_EQ(plain->processes.at("worker").instances, 5);
    auto dev = parse(text, "dev");
    ASSERT_TRUE(dev) << dev.error().message();
    EXPECT_EQ(dev->processes.at("worker").instances, 1);
    EXPECT_EQ(dev->processes.at("worker").env.at("A"), "1");
    EXPECT_EQ(dev->processes.at("worker").env.at("B"), "dev");
    auto live = parse(text, "live");
    ASSERT_FALSE(live);
    EXPECT_NE(live.error().message().find(":11:16: unknown key \"instanses\""), std::string::npos)
        << live.error().message();
    auto missing = parse(text, "staging");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("unknown environment \"staging\" (the file defines: dev, live)"),
        std::string::npos);
}

TEST_F(ParseTest, ShellOptIn)
{
    auto spec = parse("app = \"x\"\n[process.web]\ncommand = \"echo $HOME | cat\"\nshell = true\n");
    ASSERT_TRUE(spec) << spec.error().message();
    EXPECT_EQ(spec->processes.at("web").argv, (std::vector<std::string>{"/bin/sh", "-c", "echo $HOME | cat"}));
}

TEST_F(ParseTest, RefusesOpenSecretFiles)
{
    auto secrets = m_dir / "secrets.env";
    std::ofstream(secrets) << "DB_PASSWORD=hunter2\n";
    fs::permissions(secrets, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    std::string text = "app = \"x\"\n[process.web]\ncommand = \"true\"\nenv_file = \"secrets.env\"\n";
    auto spec = parse(text);
    ASSERT_FALSE(spec);
    EXPECT_NE(spec.error().message().find(":4:12: env_file: " + secrets.string() + " has mode 0604"), std::string::npos)
        << spec.error().message();
    fs::permissions(secrets, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    spec = parse(text);
    ASSERT_TRUE(spec) << spec.error().message();
    EXPECT_EQ(spec->processes.at("web").secret_env.at("DB_PASSWORD"), "hunter2");
}

TEST_F(ParseTest, ReferenceInDocsMatchesTheTable)
{
    std::ifstream docs(std::string(TEND_SOURCE_DIR) + "/docs/app-file.md");
    std::string content((std::istreambuf_iterator<char>(docs)), std::istreambuf_iterator<char>());
    EXPECT_NE(content.find(settings_reference()), std::string::npos)
        << "docs/app-file.md is out of date: paste the output of `tend check --reference` into it";
}

TEST_F(ParseTest, ParsesJobs)
{
    auto spec = parse(R"(
app = "validator"
timezone = "Europe/London"
[defaults]
env = { A = "1" }
[job.fetch]
command = "sleep 1"
schedule = "0 * * * *"
overlap = "queue"
timeout = "10m"
retry = { attempts = 3, backoff = "30s" }
jitter = "5s"
catchup = "all"
catchup_window = "2h"
stop_signal = "INT"
[job.report]
command = ["sleep", "2"]
schedule = "@daily"
timezone = "America/New_York"
)");
    ASSERT_TRUE(spec) << spec.error().message();
    ASSERT_EQ(spec->jobs.size(), 2U);
    const JobSpec& fetch = spec->jobs.at("fetch");
    EXPECT_EQ(fetch.schedule, "0 * * * *");
    EXPECT_EQ(fetch.timezone, "Europe/London");
    EXPECT_EQ(fetch.overlap, Overlap::Queue);
    EXPECT_EQ(fetch.timeout, 10min);
    EXPECT_EQ(fetch.retry.attempts, 3);
    EXPECT_EQ(fetch.retry.backoff, 30s);
    EXPECT_EQ(fetch.jitter, 5s);
    EXPECT_EQ(fetch.catchup, Catchup::All);
    EXPECT_EQ(fetch.catchup_window, 2h);
    EXPECT_EQ(fetch.process.stop_signal, SIGINT);
    EXPECT_EQ(fetch.process.env.at("A"), "1");
    EXPECT_EQ(fetch.process.name, "fetch");
    EXPECT_EQ(spec->jobs.at("report").timezone, "America/New_York");
    EXPECT_EQ(spec->jobs.at("report").overlap, Overlap::Skip);
}

TEST_F(ParseTest, RejectsBadJobsWithTheirLocation)
{
    struct Case {
        const char* body;
        std::string expected;
    };
    const Case cases[] = {
        {"[job.a]\ncommand = \"true\"\nschedule = \"61 * * * *\"\n", ":4:12: schedule: minute 61 out of range 0-59"},
        {"[job.a]\ncommand = \"true\"\nschedule = \"5-2 * * * *\"\n", ":4:12: schedule: reversed range 5-2 in minute"},
        {"[job.a]\ncommand = \"true\"\nschedule = \"0 0 30 2 *\"\n", ":4:12: schedule: never fires"},
        {"[job.a]\ncommand = \"true\"\ntimezone = \"Mars/Base\"\n", ":4:12: timezone: unknown time zone \"Mars/Base\""},
        {"[job.a]\ncommand = \"true\"\noverlap = \"sometimes\"\n", ":4:11: overlap: overlap must be"},
        {"[job.a]\ncommand = \"true\"\nretry = { attempts = 3, backof = \"1s\" }\n",
            ":4:9: retry: unknown key \"backof\" in retry (did you mean \"backoff\"?)"},
        {"[job.a]\ncommand = \"true\"\ninstances = 2\n", ":4:1: unknown key \"instances\" in [job.a]"},
        {"[job.a]\nschedule = \"@daily\"\n", ":2:1: [job.a] has no command"},
        {"[process.a]\ncommand = \"true\"\n[job.a]\ncommand = \"true\"\n", ":4:1: job \"a\" has the name of a process"},
        {"[job.a]\ncommand = \"no-such-program-here\"\n", ":3:11: command: \"no-such-program-here\" not found"},
    };
    for (const Case& c : cases) {
        auto spec = parse(std::string("app = \"x\"\n") + c.body);
        ASSERT_FALSE(spec) << c.body;
        EXPECT_NE(spec.error().message().find(file() + c.expected), std::string::npos) << c.body << "\n"
                                                                                       << spec.error().message();
    }
    auto top = parse("app = \"x\"\ntimezone = \"Nowhere/Land\"\n");
    ASSERT_FALSE(top);
    EXPECT_NE(top.error().message().find(":2:12: timezone: unknown time zone"), std::string::npos);
}

TEST_F(ParseTest, ParsesTheDeployTable)
{
    auto spec = parse(R"(
app = "validator"
[deploy]
source = "repo"
ref = "v2"
build = ["python3 -m venv .venv", [".venv/bin/pip", "install", "-r", "requirements.txt"]]
check = ".venv/bin/python -m pytest -q"
shared = ["tmp", "uploads/files"]
keep = 3
env = { MODE = "build" }
timeout = "10m"
)");
    ASSERT_TRUE(spec) << spec.error().message();
    ASSERT_TRUE(spec->deploy);
    const DeploySpec& deploy = *spec->deploy;
    EXPECT_EQ(deploy.source, (m_dir / "repo").string());
    EXPECT_EQ(deploy.ref, "v2");
    ASSERT_EQ(deploy.build.size(), 2U);
    EXPECT_EQ(deploy.build[0], (std::vector<std::string>{"python3", "-m", "venv", ".venv"}));
    EXPECT_EQ(deploy.build[1].front(), ".venv/bin/pip");
    ASSERT_EQ(deploy.check.size(), 1U);
    EXPECT_EQ(deploy.shared, (std::vector<std::string>{"tmp", "uploads/files"}));
    EXPECT_EQ(deploy.keep, 3);
    EXPECT_EQ(deploy.env.at("MODE"), "build");
    EXPECT_EQ(deploy.timeout, 10min);
    auto url = parse("app = \"x\"\n[deploy]\nsource = \"https://example.org/org/app.git\"\n");
    ASSERT_TRUE(url) << url.error().message();
    EXPECT_EQ(url->deploy->source, "https://example.org/org/app.git");
    EXPECT_EQ(url->deploy->ref, "");  // the remote's default branch, found at each deploy
}

TEST_F(ParseTest, RejectsABadDeployTableWithItsLocation)
{
    struct Case {
        const char* body;
        std::string expected;
    };
    const Case cases[] = {
        {"[deploy]\nref = \"main\"\n", ":2:1: [deploy] has no source"},
        {"[deploy]\nsource = \"r\"\nshared = [\"../etc\"]\n", ":4:10: shared: shared path \"../etc\" must be relative"},
        {"[deploy]\nsource = \"r\"\nkeep = 0\n", ":4:8: keep: keep must be between 1 and 1000, not 0"},
        {"[deploy]\nsource = \"r\"\nbuild = [\"\"]\n", ":4:9: build: command is empty"},
        {"[deploy]\nsource = \"r\"\nrefs = \"main\"\n",
            ":4:1: unknown key \"refs\" in [deploy] (did you mean \"ref\"?)"},
        {"[deploy]\nsource = \"r\"\nref = \"--upload-pack=x\"\n", ":4:7: ref: \"--upload-pack=x\" is not a branch"},
    };
    for (const Case& c : cases) {
        auto spec = parse(std::string("app = \"x\"\n") + c.body);
        ASSERT_FALSE(spec) << c.body;
        EXPECT_NE(spec.error().message().find(file() + c.expected), std::string::npos) << c.body << "\n"
                                                                                       << spec.error().message();
    }
}

}  // namespace
}  // namespace tend::spec
