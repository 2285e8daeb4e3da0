#include "spec/parse.h"

#include <filesystem>
#include <fmt/format.h>
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
            "3:11: cwd \"/nonexistent-tend-dir\" is not a directory"},
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
process.worker.instances = 9
)";
    auto plain = parse(text);
    ASSERT_TRUE(plain) << plain.error().message();
    EXPECT_EQ(plain->processes.at("worker").instances, 5);
    auto dev = parse(text, "dev");
    ASSERT_TRUE(dev) << dev.error().message();
    EXPECT_EQ(dev->processes.at("worker").instances, 1);
    EXPECT_EQ(dev->processes.at("worker").env.at("A"), "1");
    EXPECT_EQ(dev->processes.at("worker").env.at("B"), "dev");
    auto missing = parse(text, "staging");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("unknown environment \"staging\" (the file defines: dev, live)"),
        std::string::npos);
}

// Issue 13 item 15 (F20): typos in an environment passed `tend check` and failed only with --env.
TEST_F(ParseTest, ValidatesEveryEnvironmentWhicheverIsRun)
{
    const char* text = R"(
app = "x"
[process.a]
command = "true"
[environment.dev]
process.a.instances = 1
[environment.live]
process.a.instanses = 9
process.b.instances = 2
)";
    for (const char* environment : {"", "dev"}) {
        auto spec = parse(text, environment);
        ASSERT_FALSE(spec) << environment;
        const std::string& message = spec.error().message();
        EXPECT_NE(
            message.find(file()
                + ":8:11: unknown key \"instanses\" in [process.a] (did you mean \"instances\"?) (with --env live)"),
            std::string::npos)
            << message;
        EXPECT_NE(message.find(file()
                      + ":9:9: [environment.live] sets process.b, but the file has no [process.b] "
                        "(did you mean \"a\"?) (with --env live)"),
            std::string::npos)
            << message;
    }
    auto live = parse(text, "live");
    ASSERT_FALSE(live);
    EXPECT_NE(
        live.error().message().find(":8:11: unknown key \"instanses\" in [process.a] (did you mean \"instances\"?)\n"),
        std::string::npos)
        << live.error().message();
}

TEST_F(ParseTest, OtherEnvironmentsAreCheckedWithoutThisHostsFacts)
{
    // The live secrets, user and program exist only on the live host.
    auto spec = parse(R"(
app = "x"
[process.a]
command = "true"
[environment.live]
defaults.env_file = "/etc/x-live/secrets.env"
process.a.user = "tend-no-such-user"
process.a.command = "/opt/live-only/server"
process.a.cwd = "/srv/live-only"
)");
    ASSERT_TRUE(spec) << spec.error().message();
    auto live = parse(R"(
app = "x"
[process.a]
command = "true"
[environment.live]
process.a.command = "/opt/live-only/server"
)",
        "live");
    ASSERT_FALSE(live);
    EXPECT_NE(live.error().message().find("\"/opt/live-only/server\" not found"), std::string::npos);
}

TEST_F(ParseTest, EnvironmentsHaveNamesAndDoNotNest)
{
    auto bad_name = parse("app = \"x\"\n[environment.\"a b\"]\napp = \"y\"\n");
    ASSERT_FALSE(bad_name);
    EXPECT_NE(bad_name.error().message().find(
                  ":2:14: environment name \"a b\" may contain only letters, digits, '-' and '_'"),
        std::string::npos)
        << bad_name.error().message();
    auto nested = parse("app = \"x\"\n[environment.a]\nenvironment.b.app = \"y\"\n");
    ASSERT_FALSE(nested);
    EXPECT_NE(nested.error().message().find(":3:1: [environment.a] holds \"environment\": environments do not nest"),
        std::string::npos)
        << nested.error().message();
    auto not_table = parse("app = \"x\"\n[environment]\nlive = 3\n");
    ASSERT_FALSE(not_table);
    EXPECT_NE(not_table.error().message().find(":3:8: environment.live must be a table"), std::string::npos)
        << not_table.error().message();
}

// Issue 13 item 8 (F20): a step name with a newline forged log records.
TEST_F(ParseTest, ValidatesEveryNameWithOneRule)
{
    struct Case {
        std::string body;
        std::string expected;
    };
    const Case cases[] = {
        {"[job.j]\nsteps = [{ name = \"a\\n2026-01-01T00:00:00.000000Z web.0 out: FORGED\", command = \"true\" }]\n",
            ":3:9: steps: step name \"a\\n2026-01-01T00:00:00.000000Z web.0 out: FORGED\" may contain only letters, "
            "digits, '-' and '_'"},
        {"[job.j]\nsteps = [{ name = \"\", command = \"true\" }]\n", ":3:9: steps: step name is empty"},
        {"[job.j]\nsteps = [{ name = \"a.b\", command = \"true\" }]\n", ":3:9: steps: step name \"a.b\" may"},
        {"[job.\"a\\u001b[2J\"]\ncommand = \"true\"\n", ":2:6: job name \"a\\x1b[2J\" may contain only"},
        {"[process.\"w eb\"]\ncommand = \"true\"\n", ":2:10: process name \"w eb\" may contain only"},
        {"[process.\"" + std::string(65, 'w') + "\"]\ncommand = \"true\"\n", ":2:10: process name \"www"},
    };
    for (const Case& c : cases) {
        auto spec = parse("app = \"x\"\n" + c.body);
        ASSERT_FALSE(spec) << c.body;
        EXPECT_NE(spec.error().message().find(file() + c.expected), std::string::npos) << c.body << "\n"
                                                                                       << spec.error().message();
    }
    auto app = parse("app = \"x\\ny\"\n");
    ASSERT_FALSE(app);
    EXPECT_NE(app.error().message().find(":1:7: app: app name \"x\\ny\" may contain only"), std::string::npos);
}

// Issue 13 item 15 (F20): "PATH=/evil:" as a key broke every start.
TEST_F(ParseTest, RefusesEnvironmentVariablesThatAreNotNamesAndStrings)
{
    struct Case {
        std::string body;
        std::string expected;
    };
    const Case cases[] = {
        {"[process.w]\ncommand = \"true\"\nenv = { \"PATH=/evil:\" = \"x\" }\n",
            ":4:7: env: \"PATH=/evil:\" is not a variable name: the character at 5 is not a letter, digit or "
            "'_'"},
        {"[process.w]\ncommand = \"true\"\nenv = { \"\" = \"1\" }\n", ":4:7: env: a variable name is empty"},
        {"[process.w]\ncommand = \"true\"\nenv = { A = 1 }\n",
            ":4:7: env: A: expected a string, found an integer (quote it: A = \"...\")"},
        {"[process.w]\ncommand = \"true\"\nenv = { A = true }\n", ":4:7: env: A: expected a string"},
        {"[defaults]\nenv = { \"1A\" = \"x\" }\n", ":3:7: env: \"1A\" is not a variable name"},
        {"[process.w]\ncommand = \"true\"\nenv = { A = \"x\\u0000y\" }\n", ":4:7: env: the value of A has a NUL"},
        {"[process.w]\ncommand = \"true\"\n[process.w.env]\n\"A B\" = \"x\"\n", "env: \"A B\" is not a"},
        {"[job.j]\ncommand = \"true\"\nenv = { \"X=1\" = \"x\" }\n", ":4:7: env: \"X=1\" is not"},
        {"[deploy]\nsource = \"r\"\nenv = { \"X=1\" = \"x\" }\n", ":4:7: env: \"X=1\" is not"},
        {"[process.w]\ncommand = [\"true\", \"a\\u0000b\"]\n",
            ":3:11: command: the argument \"a\\x00b\" has "
            "a NUL byte"},
    };
    for (const Case& c : cases) {
        auto spec = parse("app = \"x\"\n" + c.body);
        ASSERT_FALSE(spec) << c.body;
        EXPECT_NE(spec.error().message().find(c.expected), std::string::npos) << c.body << "\n"
                                                                              << spec.error().message();
    }
}

// Issue 13 item 9 (F20): a bad env_file line echoed the secret.
TEST_F(ParseTest, SecretFileErrorsNameThePlaceNeverTheText)
{
    auto secrets = m_dir / "secrets.env";
    std::ofstream(secrets) << "TOKEN=1\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7SECRET+ab==\n";
    fs::permissions(secrets, fs::perms::owner_read | fs::perms::owner_write);
    auto spec = parse("app = \"x\"\n[process.web]\ncommand = \"true\"\nenv_file = \"secrets.env\"\n");
    ASSERT_FALSE(spec);
    const std::string& message = spec.error().message();
    EXPECT_NE(message.find(":4:12: env_file: " + secrets.string() + ":2:59: invalid variable name"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
    EXPECT_EQ(message.find("MIIE"), std::string::npos) << message;
}

// Issue 13 item 9 (F20): a 5 MB command was echoed in full.
TEST_F(ParseTest, ErrorsQuoteOnlyAnExcerptOfWhatTheUserWrote)
{
    std::string huge(5'000'000, 'x');
    const std::string bodies[] = {
        "[process.w]\ncommand = \"" + huge + "\"\n",
        "[process.w]\ncommand = \"true\"\nrestart = \"" + huge + "\"\n",
        "[process.w]\ncommand = \"true\"\n" + huge + " = 1\n",
        "[process.w]\ncommand = \"true\"\nafter = [\"" + huge + "\"]\n",
        "[job.j]\ncommand = \"true\"\nschedule = \"" + huge + "\"\n",
        "[job.j]\ncommand = \"true\"\ntimeout = \"" + huge + "\"\n",
        "[job.j]\ncommand = \"true\"\nrate = \"" + huge + "\"\n",
        "[job.j]\ncommand = \"true\"\ntimezone = \"" + huge + "\"\n",
        "[process.w]\ncommand = \"true\"\nuser = \"" + huge + "\"\n",
        "[process.w]\ncommand = \"true\"\nlisten = \"" + huge + "\"\n",
        "[process.w]\ncommand = \"true\"\ncwd = \"/" + huge + "\"\n",
    };
    for (const std::string& body : bodies) {
        auto spec = parse("app = \"x\"\n" + body);
        ASSERT_FALSE(spec) << body.substr(0, 40);
        EXPECT_LT(spec.error().message().size(), 2000U) << spec.error().message().substr(0, 2000);
    }
}

// Issue 13 item 14 (F15-F17): durations and rates that cannot be represented.
TEST_F(ParseTest, RefusesDurationsAndRatesThatCannotBeRepresented)
{
    const char* wrapped = "2305843009213693951ms2305843009213693951ms2305843009213693951ms2305843009213693951ms"
                          "2305843009213693951ms";
    struct Case {
        std::string body;
        std::string expected;
    };
    const Case cases[] = {
        {"[job.j]\ncommand = \"true\"\ntimeout = \"16000w\"\n",
            ":4:11: timeout: duration \"16000w\" is longer than the limit of 3650d (about 10 years)"},
        {std::string("[process.w]\ncommand = \"true\"\nstop_timeout = \"") + wrapped + "\"\n",
            ":4:16: stop_timeout: duration"},
        {"[job.j]\ncommand = \"true\"\nschedule = \"every 1000000000w\"\n", ":4:12: schedule: duration"},
        {"[job.j]\ncommand = \"true\"\nschedule = \"every 1500ms\"\n",
            ":4:12: schedule: every: the period must be whole seconds, not 1s500ms"},
        {"[job.j]\ncommand = \"true\"\nrate = \"1e-12/s\"\n", ":4:8: rate: rate \"1e-12/s\" is not N/s"},
        {"[job.j]\ncommand = \"true\"\nrate = \"0.000000000001/s\"\n",
            ":4:8: rate: rate \"0.000000000001/s\" is slower"},
        {"[job.j]\ncommand = \"true\"\nrate = \"nan/s\"\n", ":4:8: rate: rate \"nan/s\" is not"},
        {"[job.j]\ncommand = \"true\"\nrate = \" 1/s\"\n", ":4:8: rate: rate \" 1/s\" is not"},
        {"[job.j]\ncommand = \"true\"\njitter = \"3651d\"\n", ":4:10: jitter: duration \"3651d\" is longer"},
        {"[job.j]\nsteps = [{ command = \"true\", timeout = \"0\" }]\n", ":3:9: steps: a step's timeout must be"},
    };
    for (const Case& c : cases) {
        auto spec = parse("app = \"x\"\n" + c.body);
        ASSERT_FALSE(spec) << c.body;
        EXPECT_NE(spec.error().message().find(file() + c.expected), std::string::npos) << c.body << "\n"
                                                                                       << spec.error().message();
    }
}

// Issue 13 (F20): PORT=65537, and files too large to be a deployment.
TEST_F(ParseTest, RefusesWhatIsPastTheFilesLimits)
{
    auto ports = parse("app = \"x\"\n[process.w]\ncommand = \"true\"\nport = 65535\ninstances = 3\n");
    ASSERT_FALSE(ports);
    EXPECT_NE(
        ports.error().message().find(":4:8: port: 3 instances from port 65535 need ports up to 65537, past 65535"),
        std::string::npos)
        << ports.error().message();
    EXPECT_TRUE(parse("app = \"x\"\n[process.w]\ncommand = \"true\"\nport = 65533\ninstances = 3\n"));

    std::string groups = "app = \"x\"\n";
    for (int i = 0; i <= 1000; ++i)
        groups += fmt::format("[process.p{}]\ncommand = \"true\"\n", i);
    auto many = parse(groups);
    ASSERT_FALSE(many);
    EXPECT_NE(many.error().message().find("more than 1000 process groups (the limit)"), std::string::npos)
        << many.error().message().substr(0, 500);

    std::string jobs = "app = \"x\"\n";
    for (int i = 0; i <= 1000; ++i)
        jobs += fmt::format("[job.j{}]\ncommand = \"true\"\n", i);
    auto many_jobs = parse(jobs);
    ASSERT_FALSE(many_jobs);
    EXPECT_NE(many_jobs.error().message().find("more than 1000 jobs (the limit)"), std::string::npos);

    auto instances = parse("app = \"x\"\n[process.a]\ncommand = \"true\"\ninstances = 6000\n[process.b]\ncommand = "
                           "\"true\"\ninstances = 5000\n");
    ASSERT_FALSE(instances);
    EXPECT_NE(instances.error().message().find(":5:1: [process.b] brings the file past 10000 instances in all"),
        std::string::npos)
        << instances.error().message();

    std::string steps = "app = \"x\"\n[job.j]\nsteps = [";
    for (int i = 0; i <= 100; ++i)
        steps += fmt::format("{{ command = \"true\" }},");
    auto many_steps = parse(steps + "]\n");
    ASSERT_FALSE(many_steps);
    EXPECT_NE(many_steps.error().message().find("steps: a job has at most 100 steps, not 101"), std::string::npos);
}

// Issue 13 item 25 (F5): a group with port and no listen cannot roll.
TEST_F(ParseTest, PortWithoutListenStopsFirst)
{
    auto spec = parse(R"(
app = "x"
[process.web]
command = "true"
port = 8080
[process.sock]
command = "true"
port = 8090
listen = "127.0.0.1:8090"
[process.plain]
command = "true"
)");
    ASSERT_TRUE(spec) << spec.error().message();
    EXPECT_EQ(spec->processes.at("web").rollout, Rollout::StopFirst);
    EXPECT_EQ(spec->processes.at("sock").rollout, Rollout::Rolling);
    EXPECT_EQ(spec->processes.at("plain").rollout, Rollout::Rolling);
    ASSERT_EQ(spec->notes.size(), 1U);
    EXPECT_EQ(spec->notes[0],
        file()
            + ":3:1: [process.web] has port and no listen: restarts and deploys stop each "
              "instance before starting its successor (rollout = \"stop-first\", a short "
              "gap); for zero downtime let tend hold the socket: listen = \"0.0.0.0:8080\"");

    struct Case {
        const char* text;
        const char* expected;
    };
    const Case refused[] = {
        {"app = \"x\"\n[process.web]\ncommand = \"true\"\nport = 8080\nrollout = \"rolling\"\n",
            ":5:11: rollout: [process.web] has port and no listen, so it cannot roll"},
        {"app = \"x\"\n[defaults]\nrollout = \"rolling\"\n[process.web]\ncommand = \"true\"\nport = 8080\n",
            ":3:11: rollout: [process.web] has port and no listen, so it cannot roll"},
        {"app = \"x\"\n[process.web]\ncommand = \"true\"\nport = 8080\nlisten = \"127.0.0.1:8080\"\n"
         "[environment.dev]\nprocess.web.listen = []\nprocess.web.rollout = \"rolling\"\n",
            ":8:23: rollout: [process.web] has port and no listen, so it cannot roll"},
    };
    for (const Case& c : refused) {
        auto bad = parse(c.text);
        ASSERT_FALSE(bad) << c.text;
        EXPECT_NE(bad.error().message().find(file() + c.expected), std::string::npos) << bad.error().message();
        EXPECT_NE(bad.error().message().find("let tend hold the socket (listen = \"0.0.0.0:8080\""), std::string::npos);
    }
    auto stop_first = parse("app = \"x\"\n[process.web]\ncommand = \"true\"\nport = 8080\nrollout = \"stop-first\"\n");
    ASSERT_TRUE(stop_first) << stop_first.error().message();
    EXPECT_EQ(stop_first->processes.at("web").rollout, Rollout::StopFirst);
    EXPECT_EQ(stop_first->notes.size(), 1U);
}

// Issue 13 item 25 (B6): the README's example failed `tend check` before its first build.
TEST_F(ParseTest, ProgramsTheDeployBuildsAreCheckedAfterTheBuild)
{
    const char* text = R"(
app = "x"
[process.web]
command = [".venv/bin/gunicorn", "wsgi:app"]
cwd = "build/out"
[job.j]
command = "scripts/fetch.sh"
[deploy]
source = "repo"
build = ["python3 -m venv .venv"]
)";
    auto pending = parse_app_file(text, file(), "");
    ASSERT_TRUE(pending) << pending.error().message();
    ASSERT_EQ(pending->notes.size(), 2U);
    EXPECT_EQ(pending->notes[0],
        file()
            + ":4:11: command: \".venv/bin/gunicorn\" does not exist yet; a deploy checks "
              "it after [deploy].build");
    EXPECT_EQ(pending->notes[1],
        file() + ":7:11: command: \"scripts/fetch.sh\" does not exist yet; a deploy checks it after [deploy].build");

    auto built = parse_app_file(text, file(), "", BuildOutputs::Built);
    ASSERT_FALSE(built);
    EXPECT_NE(built.error().message().find(":4:11: command: \".venv/bin/gunicorn\" not found"), std::string::npos)
        << built.error().message();
    EXPECT_NE(built.error().message().find("is not a directory"), std::string::npos);

    // Without [deploy] nothing builds it: it must exist now; so must what is outside the app's directory.
    auto plain = parse("app = \"x\"\n[process.web]\ncommand = \".venv/bin/gunicorn\"\n");
    ASSERT_FALSE(plain);
    auto outside = parse("app = \"x\"\n[process.web]\ncommand = \"/opt/no-such/bin/x\"\n[deploy]\nsource = \"r\"\n");
    ASSERT_FALSE(outside);
    EXPECT_NE(outside.error().message().find("\"/opt/no-such/bin/x\" not found"), std::string::npos);
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
