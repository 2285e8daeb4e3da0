#include "spec/settings.h"

#include <array>
#include <charconv>
#include <fmt/format.h>

#include "base/quote.h"
#include "base/strings.h"
#include "base/units.h"
#include "os/process.h"
#include "schedule/zone.h"
#include "spec/deploy_settings.h"
#include "spec/file_checks.h"
#include "spec/job_settings.h"
#include "spec/names.h"
#include "spec/retention_settings.h"
#include "spec/setting_values.h"

namespace tend::spec {
namespace {

// --- process settings ---------------------------------------------------------

Result<void> apply_command(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.argv = TRY(as_command(node));
    return Ok{};
}

Result<void> apply_instances(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    const auto* value = node.as_integer();
    if (value == nullptr)
        return wrong_type(node, "an integer");
    if (value->get() < 0 || value->get() > max_instances_per_group)
        return Error(fmt::format("instances must be between 0 and {}, not {}", max_instances_per_group, value->get()));
    spec.instances = static_cast<int>(value->get());
    return Ok{};
}

Result<void> apply_env(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    // Laid over what [defaults] set, key by key.
    for (auto& [key, value] : TRY(as_env_table(node)))
        spec.env[key] = std::move(value);
    return Ok{};
}

Result<void> apply_env_file(ProcessSpec& spec, const toml::node& node, const SettingContext& context)
{
    spec.env_file = absolute(context, TRY(as_string(node)));
    return Ok{};
}

Result<void> apply_cwd(ProcessSpec& spec, const toml::node& node, const SettingContext& context)
{
    spec.cwd = absolute(context, TRY(as_string(node)));
    return Ok{};
}

// Before the lookup: NSS modules abort on very long names (systemd's userdb
// asserts on a 5 MB one), and a NUL would look up another name.
Result<void> check_account_name(std::string_view what, std::string_view name)
{
    constexpr std::size_t longest = 256;  // LOGIN_NAME_MAX
    if (name.empty() || name.size() > longest || name.find('\0') != std::string_view::npos)
        return Error(fmt::format("{} name {} must be 1 to {} bytes with no NUL", what, quote(name), longest));
    return Ok{};
}

Result<void> apply_user(ProcessSpec& spec, const toml::node& node, const SettingContext& context)
{
    spec.user = TRY(as_string(node));
    TRY(check_account_name("user", *spec.user));
    if (context.host == HostChecks::Yes && !os::lookup_user(*spec.user))
        return Error(fmt::format("unknown user {}", quote(*spec.user)));
    return Ok{};
}

Result<void> apply_group(ProcessSpec& spec, const toml::node& node, const SettingContext& context)
{
    spec.group = TRY(as_string(node));
    TRY(check_account_name("group", *spec.group));
    if (context.host == HostChecks::Yes && !os::lookup_group(*spec.group))
        return Error(fmt::format("unknown group {}", quote(*spec.group)));
    return Ok{};
}

Result<void> apply_restart(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    auto text = TRY(as_string(node));
    if (text == "always")
        spec.restart = RestartPolicy::Always;
    else if (text == "on-failure")
        spec.restart = RestartPolicy::OnFailure;
    else if (text == "never")
        spec.restart = RestartPolicy::Never;
    else
        return Error(fmt::format("restart must be \"always\", \"on-failure\" or \"never\", not {}", quote(text)));
    return Ok{};
}

Result<void> apply_stable_after(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.stable_after = TRY(as_duration(node));
    return Ok{};
}

Result<void> apply_max_backoff(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.max_backoff = TRY(as_duration(node));
    if (spec.max_backoff < std::chrono::milliseconds(100))
        return Error("max_backoff must be at least 100ms");
    return Ok{};
}

Result<void> apply_stop_signal(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    auto text = TRY(as_string(node));
    // A number is all digits: the OS layer's atoi would read "9junk" as 9 (KILL).
    bool number = !text.empty() && std::isdigit(static_cast<unsigned char>(text.front())) != 0;
    bool digits = text.size() <= 3 && text.find_first_not_of("0123456789") == std::string::npos;
    auto signal = number && !digits ? Result<int>(Error("")) : os::parse_signal(text);
    if (!signal)
        return Error(fmt::format("unknown signal {} (expected e.g. TERM, INT, QUIT, HUP, USR1)", quote(text)));
    spec.stop_signal = *signal;
    return Ok{};
}

Result<void> apply_stop_timeout(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.stop_timeout = TRY(as_duration(node));
    return Ok{};
}

Result<void> apply_after(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.after = TRY(as_string_list(node));
    return Ok{};
}

Result<void> apply_port(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    const auto* value = node.as_integer();
    if (value == nullptr)
        return wrong_type(node, "an integer");
    if (value->get() < 1 || value->get() > 65535)
        return Error(fmt::format("port must be between 1 and 65535, not {}", value->get()));
    spec.port = static_cast<int>(value->get());
    return Ok{};
}

Result<void> apply_shell(ProcessSpec& /*spec*/, const toml::node& node, const SettingContext& /*context*/)
{
    // Read by the parser before `command`, which it changes; here only the type is checked.
    if (!node.is_boolean())
        return wrong_type(node, "a boolean");
    return Ok{};
}

Result<ListenSpec> parse_listen(const std::string& text)
{
    ListenSpec listen{.text = text};
    if (text.starts_with("unix:")) {
        listen.unix_socket = true;
        listen.path = text.substr(5);
        if (listen.path.empty() || listen.path.front() != '/')
            return Error(
                fmt::format("{}: a unix socket needs an absolute path, e.g. \"unix:/run/app/web.sock\"", quote(text)));
        return listen;
    }
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return Error(fmt::format("{} is not HOST:PORT or unix:PATH", quote(text)));
    listen.host = text.substr(0, colon);
    if (listen.host.front() == '[' && listen.host.back() == ']')
        listen.host = listen.host.substr(1, listen.host.size() - 2);
    std::string_view port = std::string_view(text).substr(colon + 1);
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    // Digits only: strtol would also take " 80" and "+80".
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535)
        return Error(fmt::format("{}: port must be 1 to 65535", quote(text)));
    listen.port = number;
    return listen;
}

Result<void> apply_listen(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.listen.clear();
    std::vector<std::string> texts;
    if (const auto* one = node.as_string())
        texts.emplace_back(one->get());
    else
        texts = TRY(as_string_list(node));
    for (const std::string& text : texts)
        spec.listen.push_back(TRY(parse_listen(text)));
    return Ok{};
}

// `ready = {...}` and `health = {...}`: exactly one of http, tcp, exec, notify
// (a ready check may add notify to one of the others: both must pass), plus
// the timing keys that apply.
Result<CheckSpec> parse_check(const toml::node& node, bool health)
{
    const auto* table = node.as_table();
    if (table == nullptr)
        return wrong_type(node, "a table, e.g. { http = \"/healthz\" }");
    CheckSpec check{
        .timeout = health ? std::chrono::seconds(5) : std::chrono::seconds(60),
        .every = health ? std::chrono::seconds(10) : std::chrono::milliseconds(250),
    };
    int kinds = 0;
    for (const auto& [key, value] : *table) {
        std::string_view name = key.str();
        if (name == "http") {
            ++kinds;
            check.kind = CheckKind::Http;
            check.path = TRY(as_string(value));
            if (check.path.starts_with("http://")) {
                std::string rest = check.path.substr(7);
                std::size_t slash = rest.find('/');
                check.address = rest.substr(0, slash);
                check.path = slash == std::string::npos ? "/" : rest.substr(slash);
            }
            if (check.path.empty() || check.path.front() != '/')
                return Error(fmt::format("http check {} must be a path like \"/healthz\" or a URL", quote(check.path)));
        } else if (name == "tcp") {
            ++kinds;
            check.kind = CheckKind::Tcp;
            if (!value.is_boolean())
                check.address = TRY(as_string(value));
        } else if (name == "exec") {
            ++kinds;
            check.kind = CheckKind::Exec;
            if (const auto* text = value.as_string())
                check.argv = TRY(split_command(text->get()));
            else
                check.argv = TRY(as_string_list(value));
            if (check.argv.empty())
                return Error("exec check has an empty command");
        } else if (name == "notify") {
            if (health)
                return Error("notify is a readiness check; health checks are http, tcp or exec");
            if (!value.is_boolean() || !value.as_boolean()->get())
                return Error("notify must be true");
            check.notify = true;
        } else if (name == "instance_socket") {
            if (!value.is_boolean())
                return Error("instance_socket must be true or false");
            check.instance_socket = value.as_boolean()->get();
        } else if (name == "status") {
            const auto* number = value.as_integer();
            if (number == nullptr || number->get() < 100 || number->get() > 599)
                return Error("status must be an HTTP status code (100 to 599)");
            check.status = static_cast<int>(number->get());
        } else if (name == "timeout") {
            check.timeout = TRY(as_duration(value));
        } else if (name == "every") {
            check.every = TRY(as_duration(value));
        } else if (name == "fails" && health) {
            const auto* number = value.as_integer();
            if (number == nullptr || number->get() < 1 || number->get() > 1000)
                return Error("fails must be an integer from 1 to 1000");
            check.fails = static_cast<int>(number->get());
        } else if (name == "grace" && health) {
            check.grace = TRY(as_duration(value));
        } else {
            std::vector<std::string> keys{"http", "tcp", "exec", "status", "timeout", "every", "instance_socket"};
            if (health)
                keys.insert(keys.end(), {"fails", "grace"});
            else
                keys.emplace_back("notify");
            auto suggestion = closest_match(name, keys);
            return Error(fmt::format("unknown key {} in the check{}", quote(name),
                suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
        }
    }
    if (check.notify && kinds == 0)
        check.kind = CheckKind::Notify;
    else if (kinds != 1)
        return Error(health
                ? "a health check needs exactly one of http, tcp or exec"
                : "a ready check needs one of http, tcp, exec or notify (notify may go with one of the others)");
    if (check.instance_socket && check.kind != CheckKind::Http && check.kind != CheckKind::Tcp)
        return Error("instance_socket goes with an http or tcp check");
    if (check.instance_socket && !check.address.empty())
        return Error("instance_socket and an address in the check exclude each other");
    if (check.every.count() <= 0 || check.timeout.count() <= 0)
        return Error("every and timeout must be longer than zero");
    return check;
}

Result<void> apply_ready(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.ready = TRY(parse_check(node, false));
    return Ok{};
}

Result<void> apply_health(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.health = TRY(parse_check(node, true));
    return Ok{};
}

Result<void> apply_rollout(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    auto text = TRY(as_string(node));
    if (text == "rolling")
        spec.rollout = Rollout::Rolling;
    else if (text == "stop-first")
        spec.rollout = Rollout::StopFirst;
    else
        return Error(fmt::format("rollout must be \"rolling\" or \"stop-first\", not {}", quote(text)));
    return Ok{};
}

Result<void> apply_max_memory(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    auto text = TRY(as_string(node));
    spec.max_memory = TRY(parse_size(text));
    if (*spec.max_memory < (1U << 20U))
        return Error("max_memory must be at least 1MiB");
    return Ok{};
}

Result<void> apply_max_age(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    spec.max_age = TRY(as_duration(node));
    if (*spec.max_age < std::chrono::seconds(1))
        return Error("max_age must be at least 1s");
    return Ok{};
}

Result<void> apply_logs(ProcessSpec& spec, const toml::node& node, const SettingContext& /*context*/)
{
    const auto* table = node.as_table();
    if (table == nullptr)
        return wrong_type(node, "a table, e.g. { max_size = \"10MiB\", keep = 5 }");
    for (const auto& [key, value] : *table) {
        std::string_view name = key.str();
        if (name == "max_size") {
            auto text = TRY(as_string(value));
            spec.logs.max_size = TRY(parse_size(text));
        } else if (name == "max_total") {
            auto text = TRY(as_string(value));
            spec.logs.max_total = TRY(parse_size(text));
        } else if (name == "max_age") {
            spec.logs.max_age = TRY(as_duration(value));
        } else if (name == "keep") {
            const auto* number = value.as_integer();
            if (number == nullptr || number->get() < 0 || number->get() > 10000)
                return Error("keep must be an integer from 0 to 10000");
            spec.logs.keep = static_cast<int>(number->get());
        } else if (name == "compress") {
            if (!value.is_boolean())
                return wrong_type(value, "a boolean");
            spec.logs.compress = value.value_or(true);
        } else {
            std::vector<std::string> keys{"max_size", "max_age", "keep", "max_total", "compress"};
            auto suggestion = closest_match(name, keys);
            return Error(fmt::format("unknown key {} in logs{}", quote(name),
                suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
        }
    }
    if (spec.logs.max_size < 4096)
        return Error("logs.max_size must be at least 4KiB");
    return Ok{};
}

// --- top-level settings ---------------------------------------------------------

Result<void> apply_app(AppSpec& spec, const toml::node& node)
{
    spec.app = TRY(as_string(node));
    return check_name("app", spec.app);
}

Result<void> apply_timezone(AppSpec& spec, const toml::node& node)
{
    spec.timezone = TRY(as_string(node));
    TRY(schedule::Zone::load(spec.timezone));
    return Ok{};
}

constexpr std::array table{
    Setting{"app", Section::Top, "string", "(required)",
        "The app's name: letters, digits, `-` and `_`. It names the state directory and the control socket.", nullptr,
        apply_app},
    Setting{"timezone", Section::Top, "string", "\"UTC\"", "IANA time zone for schedules.", nullptr, apply_timezone},
    Setting{"retention", Section::Top, "table", "see meaning",
        "History `tend.db` keeps (`[retention]`): `max_age` (\"90d\": finished runs, items and events that ended "
        "longer ago are deleted), `max_runs` (500000), `max_items` (500000, each with its history), `max_events` "
        "(1000000): the most recent are kept. See `docs/store.md`.",
        nullptr, retention_settings::apply_retention},
    Setting{"command", Section::Process, "string or array of strings", "(required)",
        "What to run. An array is the argv; a string is split into argv like a shell splits words, but nothing is "
        "expanded and no shell runs. `{env}`, `{app}`, `{instance}` and `{port}` are replaced in each element.",
        apply_command, nullptr, nullptr, true},
    Setting{"shell", Section::Process, "boolean", "false",
        "Run a string `command` through `/bin/sh -c`. Only then do pipes, `$VAR` and globs work.", apply_shell, nullptr,
        nullptr, true},
    Setting{"instances", Section::Process, "integer", "1",
        "How many copies to run, named `NAME.0`, `NAME.1`, ... Changing it only starts or stops the difference. At "
        "most 10000, and 10000 in all the file's groups together.",
        apply_instances, nullptr},
    Setting{"after", Section::Process, "array of strings", "[]",
        "Process groups that must be ready before this one starts, and that stop only after it has stopped.",
        apply_after, nullptr},
    Setting{"port", Section::Process, "integer", "(none)",
        "Sets `PORT` to this number plus the instance index (the last instance's port must be at most 65535). The app "
        "binds it itself, so without `listen` the group is replaced stop-first (see `rollout`).",
        apply_port, nullptr},
    Setting{"listen", Section::Process, "string or array of strings", "[]",
        "Sockets tend binds (`\"HOST:PORT\"`, `\"unix:PATH\"`) before the first instance and keeps open across "
        "restarts; passed as fds 3.. with `LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES`.",
        apply_listen, nullptr},
    Setting{"ready", Section::Defaults, "check table", "(alive for 1s)",
        "When an instance counts as up: `{ http = \"/healthz\" }`, `{ tcp = true }`, `{ exec = \"cmd\" }` or "
        "`{ notify = true }` (systemd's `READY=1`), or notify and then a probe "
        "(`{ notify = true, http = \"/healthz\", instance_socket = true }`); with `timeout` (deadline, 60s), "
        "`every` (250ms), `status`, `instance_socket` (http and tcp probe a socket of this instance alone, "
        "passed after the `listen` sockets).",
        apply_ready, nullptr},
    Setting{"health", Section::Defaults, "check table", "(none)",
        "Liveness: `{ http = \"/healthz\", every = \"10s\", fails = 3, timeout = \"5s\", grace = \"0s\" }`; "
        "`fails` failures in a row restart the instance; `instance_socket` as for `ready`.",
        apply_health, nullptr},
    Setting{"rollout", Section::Defaults, "\"rolling\" | \"stop-first\"",
        "\"rolling\"; \"stop-first\" with `port` and no `listen`",
        "Restarts, changes and recycling start a new instance and wait until it is ready before stopping an old "
        "one; `stop-first` never runs two at once. A group with `port` and no `listen` cannot roll (the successor "
        "could not bind the port its predecessor holds), so it stops first and `rolling` is refused; `listen` "
        "(tend holds the socket) gives it zero downtime.",
        apply_rollout, nullptr},
    Setting{"max_memory", Section::Defaults, "size", "(none)",
        "RSS of the instance's whole process tree, checked every second; over it the instance is replaced.",
        apply_max_memory, nullptr},
    Setting{"max_age", Section::Defaults, "duration", "(none)",
        "Replace an instance after it has run this long (each instance gets up to 10% less, so they do not "
        "recycle together).",
        apply_max_age, nullptr},
    Setting{"logs", Section::Defaults, "table", "see meaning",
        "Rotation and retention of the group's log: `max_size` (\"10MiB\"), `max_age` (\"24h\"), `keep` (10 rotated "
        "files), `max_total` (\"100MiB\" of rotated files), `compress` (true: gzip).",
        apply_logs, nullptr, nullptr, true},
    Setting{"env", Section::Defaults, "table of strings", "{}",
        "Environment variables: names of letters, digits and `_` (not starting with a digit), string values. A "
        "process's table is laid over the `[defaults]` one key by key.",
        apply_env, nullptr, nullptr, true},
    Setting{"env_file", Section::Defaults, "string (path)", "(none)",
        "A dotenv file of secrets, read at apply time. Refused unless its mode is within 0640. Its values are "
        "never shown.",
        apply_env_file, nullptr, nullptr, true},
    Setting{"cwd", Section::Defaults, "string (path)", "the app file's directory",
        "Working directory; relative paths are taken from the app file's directory.", apply_cwd, nullptr, nullptr,
        true},
    Setting{"user", Section::Defaults, "string", "(the daemon's user)", "Run as this user (the daemon must be root).",
        apply_user, nullptr, nullptr, true},
    Setting{"group", Section::Defaults, "string", "(the user's group)",
        "Run with this group (the daemon must be root).", apply_group, nullptr, nullptr, true},
    Setting{"restart", Section::Defaults, "\"always\" | \"on-failure\" | \"never\"", "\"always\"",
        "When an exited instance is started again. `on-failure` restarts after a non-zero exit or a signal.",
        apply_restart, nullptr},
    Setting{"stable_after", Section::Defaults, "duration", "\"10s\"",
        "A run longer than this counts as stable: the next exit restarts at once and resets the backoff.",
        apply_stable_after, nullptr},
    Setting{"max_backoff", Section::Defaults, "duration", "\"30s\"",
        "Quick failures back off from 100ms, doubling up to this cap; at the cap the state is `crash-looping`.",
        apply_max_backoff, nullptr},
    Setting{"stop_signal", Section::Defaults, "string", "\"TERM\"", "Signal sent to the whole process tree to stop it.",
        apply_stop_signal, nullptr, nullptr, true},
    Setting{"stop_timeout", Section::Defaults, "duration", "\"10s\"",
        "How long to wait after `stop_signal` before SIGKILL to everything left in the tree.", apply_stop_timeout,
        nullptr, nullptr, true},
    Setting{"schedule", Section::Job, "string", "(none: only `tend run`)",
        "When the job runs: 5 cron fields (`\"*/5 * * * *\"`, names, lists, ranges, steps; day of month and day of "
        "week match either when both are restricted), `@hourly` `@daily` `@weekly` `@monthly` `@yearly` `@reboot`, "
        "or `\"every 30s\"` (whole seconds; multiples of the period since the epoch). Try one with `tend calendar`.",
        nullptr, nullptr, job_settings::apply_schedule},
    Setting{"timezone", Section::Job, "string", "the app's `timezone`",
        "IANA zone the schedule is read in. In a DST gap a fixed-hour job runs at the first instant after it; a "
        "repeated hour runs once. Jobs whose hour field is `*` or `*/n` follow elapsed time.",
        nullptr, nullptr, job_settings::apply_job_timezone},
    Setting{"overlap", Section::Job, "\"skip\" | \"queue\" | \"replace\" | \"allow\"", "\"skip\"",
        "A fire while the previous run is going: skip it (recorded), queue it (at most one waits), stop the running "
        "one and start anew, or run both.",
        nullptr, nullptr, job_settings::apply_overlap},
    Setting{"timeout", Section::Job, "duration", "(none)",
        "A run going longer is stopped like a process (`stop_signal`, `stop_timeout`, SIGKILL) and counts as failed.",
        nullptr, nullptr, job_settings::apply_timeout},
    Setting{"retry", Section::Job, "table", "(no retries)",
        "`{ attempts = 3, backoff = \"30s\" }`: a failed run is retried up to `attempts` times, waiting `backoff` "
        "doubled each time, with up to 50% random jitter.",
        nullptr, nullptr, job_settings::apply_retry},
    Setting{"jitter", Section::Job, "duration", "\"0s\"",
        "Each scheduled run starts up to this much after its fire time, at random, so hosts do not run at once.",
        nullptr, nullptr, job_settings::apply_jitter},
    Setting{"catchup", Section::Job, "\"latest\" | \"all\" | \"none\"", "\"latest\"",
        "Fires missed while the daemon was down: run the most recent once, run every one (oldest first, at most 100), "
        "or none. Only fires within `catchup_window` count.",
        nullptr, nullptr, job_settings::apply_catchup},
    Setting{"catchup_window", Section::Job, "duration", "\"1h\"", "How far back missed fires are caught up.", nullptr,
        nullptr, job_settings::apply_catchup_window},
    Setting{"watch", Section::Job, "string", "(none)",
        "`\"DIR/GLOB\"`: each file that arrives in DIR (closed after writing, or moved in) and matches GLOB is an "
        "item; files there at start that were not processed yet are found too.",
        nullptr, nullptr, job_settings::apply_watch},
    Setting{"concurrency", Section::Job, "integer", "1", "Items processed at once.", nullptr, nullptr,
        job_settings::apply_concurrency},
    Setting{"rate", Section::Job, "string", "(no limit)",
        "Items started at most this often: `\"2/s\"`, `\"30/m\"`, `\"0.5/h\"` (a plain number per second, minute or "
        "hour, from 0.001/h to 1000/s).",
        nullptr, nullptr, job_settings::apply_rate},
    Setting{"steps", Section::Job, "array of tables", "(one step: the command)",
        "`[{ name, command, timeout, retry }, ...]` run in order for each item, each retried on its own (with the "
        "job's `timeout` and `retry` unless the step sets its own). `{item}` in any argv element is the item. At "
        "most 100 steps; a step's `name` (default `stepN`) is a name like a job's.",
        nullptr, nullptr, job_settings::apply_steps},
    Setting{"on_success", Section::Job, "\"keep\" | \"delete\" | \"move:DIR\"", "\"keep\"",
        "What happens to a watched file once its item succeeded.", nullptr, nullptr, job_settings::apply_on_success},
    Setting{"source", Section::Deploy, "string", "(required)",
        "A git URL, or a local path (a repository, taken from the app file's directory when relative).", nullptr,
        nullptr, nullptr, false, deploy_settings::apply_source},
    Setting{"ref", Section::Deploy, "string", "the remote's default branch",
        "The branch, tag or commit deployed by default (none: what the remote's HEAD names).", nullptr, nullptr,
        nullptr, false, deploy_settings::apply_ref},
    Setting{"build", Section::Deploy, "array of commands", "[]",
        "Run in order in the new release's directory; each a string (split into argv, no shell) or an array.", nullptr,
        nullptr, nullptr, false, deploy_settings::apply_build},
    Setting{"check", Section::Deploy, "array of commands", "[]",
        "Run after `build`; a failing check stops the deploy before anything switches.", nullptr, nullptr, nullptr,
        false, deploy_settings::apply_check},
    Setting{"release", Section::Deploy, "array of commands", "[]",
        "Run once per deploy just before the switch (migrations).", nullptr, nullptr, nullptr, false,
        deploy_settings::apply_release},
    Setting{"shared", Section::Deploy, "array of strings", "[]",
        "Paths inside each release linked from `shared/`, so they are kept across releases.", nullptr, nullptr, nullptr,
        false, deploy_settings::apply_shared},
    Setting{"keep", Section::Deploy, "integer", "5", "Good releases kept; failed ones never count.", nullptr, nullptr,
        nullptr, false, deploy_settings::apply_keep},
    Setting{"env", Section::Deploy, "table of strings", "{}", "Environment of the build, check and release steps.",
        nullptr, nullptr, nullptr, false, deploy_settings::apply_deploy_env},
    Setting{"timeout", Section::Deploy, "duration", "\"30m\"", "Each step's limit; a step past it fails the deploy.",
        nullptr, nullptr, nullptr, false, deploy_settings::apply_deploy_timeout},
    Setting{"on_failure", Section::Job, "\"keep\" | \"delete\" | \"move:DIR\"", "\"keep\"",
        "What happens to a watched file once its item is dead (out of retries).", nullptr, nullptr,
        job_settings::apply_on_failure},
};

}  // namespace

std::span<const Setting> settings()
{
    return table;
}

namespace {

bool in_section(const Setting& setting, Section section)
{
    if (setting.section == section)
        return true;
    if (section == Section::Process)
        return setting.section == Section::Defaults;
    return section == Section::Job && setting.jobs;
}

}  // namespace

std::vector<std::string> keys_for(Section section)
{
    std::vector<std::string> keys;
    for (const Setting& setting : table) {
        if (in_section(setting, section))
            keys.emplace_back(setting.key);
    }
    return keys;
}

const Setting* find_setting(Section section, std::string_view key)
{
    for (const Setting& setting : table) {
        if (in_section(setting, section) && setting.key == key)
            return &setting;
    }
    return nullptr;
}

std::string settings_reference()
{
    std::string out = "## Settings reference\n\n"
                      "Generated from the settings table in `src/spec/settings.cpp`; "
                      "`tend check --reference` prints it.\n";
    auto section = [&](Section which, std::string_view title, std::string_view intro) {
        out += fmt::format("\n### {}\n\n{}\n\n| key | type | default | meaning |\n|---|---|---|---|\n", title, intro);
        for (const Setting& setting : table) {
            if (setting.section == which)
                out += fmt::format(
                    "| `{}` | {} | {} | {} |\n", setting.key, setting.type, setting.default_text, setting.doc);
        }
    };
    section(Section::Top, "Top level", "Keys at the top of the file.");
    section(Section::Process, "`[process.NAME]`", "Only in a process table.");
    section(Section::Defaults, "`[defaults]` and `[process.NAME]`",
        "In `[defaults]` they apply to every process and job; a process's own value wins.");
    std::vector<std::string> shared;
    for (const Setting& setting : table) {
        if (setting.jobs)
            shared.push_back(fmt::format("`{}`", setting.key));
    }
    section(Section::Deploy, "`[deploy]`",
        "Where releases come from (`source` and `ref`, from the file given to `tend up` or `tend apply`) and how one "
        "is made ready (every other key, from the `[deploy]` of the commit being deployed, else from that file); see "
        "`docs/deploys.md`.");
    section(Section::Job, "`[job.NAME]`",
        fmt::format("A command run on a schedule or with `tend run NAME`. These keys of processes apply too: {}. "
                    "Each run is recorded (`tend history`) and its output goes to `logs/NAME.log` as instance "
                    "`NAME#RUN`.",
            fmt::join(shared, ", ")));
    return out;
}

}  // namespace tend::spec
