#include "spec/parse.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>

#include "base/quote.h"
#include "base/strings.h"
#include "os/env.h"
#include "os/files.h"
#include "spec/dotenv.h"
#include "spec/file_checks.h"
#include "spec/layered.h"
#include "spec/names.h"
#include "spec/settings.h"

namespace tend::spec {
namespace {

struct ParseOptions {
    HostChecks host = HostChecks::Yes;
    BuildOutputs outputs = BuildOutputs::Pending;
};

class Parser {
public:
    Parser(std::string file, std::string directory, ParseOptions options)
        : m_file(std::move(file))
        , m_directory(std::move(directory))
        , m_options(options)
    {}

    // The spec, or nothing when errors() holds at least one line.
    std::optional<AppSpec> parse(const toml::table& root, const std::string& environment)
    {
        m_spec.file = m_file;
        m_spec.directory = m_directory;
        m_spec.environment = environment;
        check_environments(root);
        Layered layers{&root, nullptr};
        if (!environment.empty())
            layers.overlay = find_environment(root, environment);
        if (m_errors.empty()) {
            parse_top(layers);
            for (std::string& line : check_whole_file(m_spec, m_options.host))
                m_errors.push_back(std::move(line));
        }
        if (!m_errors.empty())
            return std::nullopt;
        return std::move(m_spec);
    }

    [[nodiscard]] const std::vector<std::string>& errors() const { return m_errors; }

    void error(const toml::source_region& where, std::string_view message)
    {
        m_errors.push_back(fmt::format("{}:{}:{}: {}", m_file, where.begin.line, where.begin.column, message));
    }

private:
    // Every environment's name follows the name rule, whichever one is run.
    void check_environments(const toml::table& root)
    {
        const toml::table* environments = root["environment"].as_table();
        if (environments == nullptr)
            return;
        for (const auto& [key, value] : *environments) {
            if (auto named = check_name("environment", key.str()); !named)
                error(key.source(), named.error().message());
            else if (!value.is_table())
                error(value.source(), fmt::format("environment.{} must be a table", key.str()));
        }
    }

    const toml::table* find_environment(const toml::table& root, const std::string& environment)
    {
        const toml::table* environments = root["environment"].as_table();
        const toml::table* chosen = environments != nullptr ? environments->get_as<toml::table>(environment) : nullptr;
        if (chosen == nullptr) {
            std::vector<std::string> names;
            if (environments != nullptr) {
                for (const auto& [key, value] : *environments)
                    names.emplace_back(key.str());
            }
            m_errors.push_back(fmt::format("{}: unknown environment {} (the file defines: {})", m_file,
                quote(environment), names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))));
        }
        return chosen;
    }

    void unknown_key(const toml::source_region& region, std::string_view key, std::string_view where, Section section)
    {
        std::vector<std::string> candidates = keys_for(section);
        if (section == Section::Top)
            candidates.insert(candidates.end(), {"defaults", "process", "job", "deploy", "environment"});
        auto suggestion = closest_match(key, candidates);
        error(region,
            fmt::format("unknown key {} in {}{}", quote(key), where,
                suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
    }

    void parse_top(const Layered& layers)
    {
        for (const std::string& key : layers.keys()) {
            const toml::node* node = layers.nodes(key).back();
            if (key == "environment" && layers.overlay != nullptr && layers.overlay->contains(key)) {
                error(layers.key_region(key),
                    fmt::format(
                        "[environment.{}] holds \"environment\": environments do not nest", m_spec.environment));
                continue;
            }
            if (key == "environment" || key == "defaults" || key == "process" || key == "job" || key == "deploy") {
                if (!node->is_table())
                    error(node->source(), fmt::format("\"{}\" must be a table", key));
                continue;
            }
            const Setting* setting = find_setting(Section::Top, key);
            if (setting == nullptr) {
                unknown_key(layers.key_region(key), key, "the top level", Section::Top);
                continue;
            }
            if (auto applied = setting->apply_app(m_spec, *node); !applied)
                error(node->source(), fmt::format("{}: {}", key, applied.error().message()));
        }
        if (m_spec.app.empty() && m_errors.empty())
            m_errors.push_back(fmt::format("{}:1:1: missing required key \"app\" (e.g. app = \"myapp\")", m_file));

        auto deploy = layers.nodes("deploy");
        m_has_deploy = !deploy.empty() && deploy.back()->is_table();
        m_defaults = layers.child("defaults");
        ProcessSpec defaults;
        defaults.cwd = m_directory;
        defaults.environment = m_spec.environment;
        apply_settings(defaults, m_defaults, Section::Defaults, "[defaults]");

        Layered processes = layers.child("process");
        std::vector<std::string> names = processes.keys();
        for (std::size_t index = 0; index < names.size(); ++index) {
            if (index == max_process_groups) {
                error(processes.key_region(names[index]),
                    fmt::format("more than {} process groups (the limit)", max_process_groups));
                break;
            }
            parse_process(names[index], processes, defaults);
        }
        Layered jobs = layers.child("job");
        names = jobs.keys();
        for (std::size_t index = 0; index < names.size(); ++index) {
            if (index == max_jobs) {
                error(jobs.key_region(names[index]), fmt::format("more than {} jobs (the limit)", max_jobs));
                break;
            }
            parse_job(names[index], jobs, defaults);
        }
        if (m_has_deploy)
            parse_deploy(layers.child("deploy"), *deploy.front());
    }

    void parse_deploy(const Layered& table, const toml::node& header)
    {
        DeploySpec deploy{.where = location(header.source())};
        SettingContext context = setting_context();
        for (const std::string& key : table.keys()) {
            for (const toml::node* node : table.nodes(key)) {
                const Setting* setting = find_setting(Section::Deploy, key);
                if (setting == nullptr) {
                    unknown_key(table.key_region(key), key, "[deploy]", Section::Deploy);
                    break;
                }
                if (auto applied = setting->apply_deploy(deploy, *node, context); !applied) {
                    error(node->source(), fmt::format("{}: {}", key, applied.error().message()));
                    break;
                }
            }
        }
        if (deploy.source.empty()) {
            error(header.source(), "[deploy] has no source (a git URL or a local path)");
            return;
        }
        m_spec.deploy = std::move(deploy);
    }

    // A group or job table, or the reason there is none. A name only an
    // environment mentions is most likely a typo of one the file has.
    std::optional<Layered> group_table(
        std::string_view kind, const std::string& name, const Layered& groups, std::vector<std::string> known)
    {
        Layered table = groups.child(name);
        const toml::node* header = groups.nodes(name).front();
        if (table.base == nullptr && table.overlay == nullptr) {
            error(header->source(), fmt::format("{} {} must be a table", kind, quote(name)));
            return std::nullopt;
        }
        if (auto named = check_name(kind, name); !named) {
            error(groups.key_region(name), named.error().message());
            return std::nullopt;
        }
        if (table.base == nullptr && !table.overlay->empty() && !table.overlay->contains("command")
            && !table.overlay->contains("steps")) {
            auto suggestion = closest_match(name, known);
            error(groups.key_region(name),
                fmt::format("[environment.{}] sets {}.{}, but the file has no [{}.{}]{}", m_spec.environment, kind,
                    name, kind, name,
                    suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
            return std::nullopt;
        }
        return table;
    }

    static std::vector<std::string> base_names(const Layered& groups)
    {
        std::vector<std::string> names;
        if (groups.base != nullptr) {
            for (const auto& [key, value] : *groups.base)
                names.emplace_back(key.str());
        }
        return names;
    }

    void parse_job(const std::string& name, const Layered& jobs, const ProcessSpec& defaults)
    {
        auto found = group_table("job", name, jobs, base_names(jobs));
        if (!found)
            return;
        const Layered& table = *found;
        const toml::node* header = jobs.nodes(name).front();
        if (m_spec.processes.contains(name)) {
            error(header->source(),
                fmt::format("job \"{}\" has the name of a process; names are shared by logs and commands", name));
            return;
        }
        JobSpec job{.name = name, .process = defaults, .timezone = m_spec.timezone};
        job.process.name = name;
        job.where = location(header->source());
        job.process.where = job.where;
        std::string where = fmt::format("[job.{}]", name);
        SettingContext context = setting_context();
        for (const std::string& key : table.keys()) {
            for (const toml::node* node : table.nodes(key)) {
                const Setting* setting = find_setting(Section::Job, key);
                if (setting == nullptr) {
                    unknown_key(table.key_region(key), key, where, Section::Job);
                    break;
                }
                auto applied = setting->apply_job != nullptr ? setting->apply_job(job, *node, context)
                                                             : setting->apply_process(job.process, *node, context);
                if (!applied) {
                    error(node->source(), fmt::format("{}: {}", key, applied.error().message()));
                    break;
                }
            }
        }
        auto commands = table.nodes("command");
        auto steps = table.nodes("steps");
        if (commands.empty() && steps.empty()) {
            error(header->source(), fmt::format("{} has no command (or steps)", where));
            return;
        }
        if (!commands.empty()) {
            apply_shell(job.process, table, *commands.back());
            check_command(job.process, *commands.back());
        }
        for (const StepSpec& step : job.steps) {
            ProcessSpec probe = job.process;
            probe.argv = step.argv;
            check_command(probe, *steps.back());
        }
        if (job.process.argv.empty() && !job.steps.empty())
            job.process.argv = job.steps.front().argv;
        if (!job.steps.empty() && !job.schedule.empty()) {
            error(steps.back()->source(), "steps are for items; a scheduled job runs its command");
            return;
        }
        if (!job.process.env_file.empty())
            load_secrets(job.process, table, defaults);
        m_spec.jobs.emplace(name, std::move(job));
    }

    void parse_process(const std::string& name, const Layered& processes, const ProcessSpec& defaults)
    {
        auto found = group_table("process", name, processes, base_names(processes));
        if (!found)
            return;
        const Layered& table = *found;
        const toml::node* header = processes.nodes(name).front();
        ProcessSpec spec = defaults;
        spec.name = name;
        spec.where = location(header->source());
        std::string where = fmt::format("[process.{}]", name);
        apply_settings(spec, table, Section::Process, where);
        auto commands = table.nodes("command");
        if (commands.empty()) {
            error(header->source(), fmt::format("{} has no command", where));
            return;
        }
        check_port_range(spec, table);
        resolve_rollout(spec, table);
        apply_shell(spec, table, *commands.back());
        check_command(spec, *commands.back());
        if (!spec.env_file.empty())
            load_secrets(spec, table, defaults);
        m_spec.processes.emplace(name, std::move(spec));
    }

    void apply_settings(ProcessSpec& spec, const Layered& table, Section section, std::string_view where)
    {
        SettingContext context = setting_context();
        for (const std::string& key : table.keys()) {
            for (const toml::node* node : table.nodes(key)) {
                const Setting* setting = find_setting(section, key);
                if (setting == nullptr) {
                    unknown_key(table.key_region(key), key, where, section);
                    break;
                }
                if (auto applied = setting->apply_process(spec, *node, context); !applied) {
                    error(node->source(), fmt::format("{}: {}", key, applied.error().message()));
                    break;
                }
            }
        }
    }

    void apply_shell(ProcessSpec& spec, const Layered& table, const toml::node& command)
    {
        auto shell = table.nodes("shell");
        if (shell.empty() || !shell.back()->value_or(false))
            return;
        const auto* text = command.as_string();
        if (text == nullptr) {
            error(command.source(), "command: with shell = true the command must be a string");
            return;
        }
        spec.argv = {"/bin/sh", "-c", std::string(text->get())};
    }

    // PORT is port + index for every instance, so the last one must be a port too.
    void check_port_range(const ProcessSpec& spec, const Layered& table)
    {
        if (!spec.port || spec.instances < 2 || *spec.port + spec.instances - 1 <= 65535)
            return;
        error(table.nodes("port").back()->source(),
            fmt::format("port: {} instances from port {} need ports up to {}, past 65535", spec.instances, *spec.port,
                *spec.port + spec.instances - 1));
    }

    // With `port` and no `listen` the app binds PORT itself: a successor cannot
    // bind it while its predecessor runs (and the predecessor would answer its
    // readiness probe), so such a group stops an instance before starting the next.
    void resolve_rollout(ProcessSpec& spec, const Layered& table)
    {
        if (!spec.port || !spec.listen.empty())
            return;
        auto chosen = table.nodes("rollout");
        if (chosen.empty())
            chosen = m_defaults.nodes("rollout");
        std::string listen = fmt::format("listen = \"0.0.0.0:{}\"", *spec.port);
        if (!chosen.empty() && spec.rollout == Rollout::Rolling) {
            error(chosen.back()->source(),
                fmt::format("rollout: [process.{}] has port and no listen, so it cannot roll: the app binds PORT "
                            "itself and a successor cannot bind it while the old instance runs. For zero downtime "
                            "let tend hold the socket ({}, passed as fd 3) instead of port; or set rollout = "
                            "\"stop-first\"",
                    spec.name, listen));
            return;
        }
        spec.rollout = Rollout::StopFirst;
        m_spec.notes.push_back(
            fmt::format("{}:{}:{}: [process.{}] has port and no listen: restarts and deploys stop each instance before "
                        "starting its successor (rollout = \"stop-first\", a short gap); for zero downtime let tend "
                        "hold the socket: {}",
                m_file, spec.where.line, spec.where.column, spec.name, listen));
    }

    // Whether `path` is inside the app file's directory of a file whose
    // [deploy].build has not run yet: such paths may be what the build creates.
    [[nodiscard]] bool built_later(const std::string& path) const
    {
        return m_has_deploy && m_options.outputs == BuildOutputs::Pending
            && (path == m_directory || path.starts_with(m_directory + "/"));
    }

    // A missing binary is reported here, where the file can point at it,
    // rather than as a crash loop later.
    void check_command(const ProcessSpec& spec, const toml::node& command)
    {
        if (m_options.host == HostChecks::No || spec.argv.empty() || spec.argv.front().find('{') != std::string::npos)
            return;
        const std::string& program = spec.argv.front();
        bool in_path = program.find('/') == std::string::npos;
        std::string search_path
            = spec.env.contains("PATH") ? spec.env.at("PATH") : os::get_env("PATH").value_or("/usr/bin:/bin");
        std::string candidate = in_path || program.front() == '/' ? program : spec.cwd + "/" + program;
        if (!in_path && program.front() != '/' && built_later(candidate)) {
            if (!os::find_executable(candidate, search_path))
                note(command.source(),
                    fmt::format("command: {} does not exist yet; a deploy checks it after "
                                "[deploy].build",
                        quote(program)));
        } else if (!os::find_executable(candidate, search_path)) {
            error(command.source(),
                fmt::format("command: {} not found{}", quote(program),
                    in_path ? " in PATH" : fmt::format(" (from cwd {})", quote(spec.cwd, 256))));
        }
        if (spec.cwd != m_directory && !built_later(spec.cwd)) {
            auto info = os::file_info(spec.cwd);
            if (!info || !info->is_directory)
                error(command.source(), fmt::format("cwd {} is not a directory", quote(spec.cwd, 256)));
        }
    }

    void load_secrets(ProcessSpec& spec, const Layered& table, const ProcessSpec& defaults)
    {
        if (m_options.host == HostChecks::No)
            return;
        auto secrets = load_secret_file(spec.env_file);
        if (secrets) {
            spec.secret_env = secrets.release_value();
            return;
        }
        // Point at whichever table named the file.
        auto nodes = table.nodes("env_file");
        if (!nodes.empty())
            error(nodes.back()->source(), fmt::format("env_file: {}", secrets.error().message()));
        else if (m_reported_default_secrets.insert(defaults.env_file).second)
            m_errors.push_back(fmt::format("{}: [defaults] env_file: {}", m_file, secrets.error().message()));
    }

    void note(const toml::source_region& where, std::string_view message)
    {
        m_spec.notes.push_back(fmt::format("{}:{}:{}: {}", m_file, where.begin.line, where.begin.column, message));
    }

    [[nodiscard]] SettingContext setting_context() const
    {
        return SettingContext{.directory = m_directory, .host = m_options.host};
    }

    [[nodiscard]] SourceLocation location(const toml::source_region& where) const
    {
        return SourceLocation{m_file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column)};
    }

    std::string m_file;
    std::string m_directory;
    ParseOptions m_options;
    AppSpec m_spec;
    Layered m_defaults;
    bool m_has_deploy = false;
    std::vector<std::string> m_errors;
    std::set<std::string> m_reported_default_secrets;
};

std::string directory_of(const std::string& path)
{
    std::size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return os::current_directory();
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::vector<std::string> environment_names(const toml::table& root)
{
    std::vector<std::string> names;
    if (const toml::table* environments = root["environment"].as_table()) {
        for (const auto& [key, value] : *environments) {
            if (value.is_table() && valid_name(key.str()))
                names.emplace_back(key.str());
        }
    }
    return names;
}

}  // namespace

Result<AppSpec> parse_app_file(
    std::string_view text, const std::string& path, const std::string& environment, BuildOutputs outputs)
{
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& failure) {
        const auto& where = failure.source().begin;
        return Error(fmt::format("{}:{}:{}: {}", path, where.line, where.column, failure.description()));
    }
    std::string directory = directory_of(path);
    Parser parser(path, directory, {.host = HostChecks::Yes, .outputs = outputs});
    auto spec = parser.parse(root, environment);
    std::vector<std::string> errors = parser.errors();
    // Every other environment too, so a typo in one is found before the day it is
    // run; without the checks of this host (its users, programs and secret files).
    std::set<std::string> seen(errors.begin(), errors.end());
    for (const std::string& other : environment_names(root)) {
        if (other == environment)
            continue;
        Parser overlay(path, directory, {.host = HostChecks::No, .outputs = outputs});
        (void)overlay.parse(root, other);
        for (const std::string& line : overlay.errors()) {
            if (seen.insert(line).second)
                errors.push_back(fmt::format("{} (with --env {})", line, other));
        }
    }
    if (!errors.empty())
        return Error(fmt::format("{}", fmt::join(errors, "\n")));
    return std::move(*spec);
}

Result<AppSpec> load_app_file(const std::string& path, const std::string& environment, BuildOutputs outputs)
{
    std::string absolute = path;
    if (auto resolved = os::real_path(path))
        absolute = *resolved;
    auto text = os::read_file(absolute);
    if (!text)
        return text.error();
    return parse_app_file(*text, absolute, environment, outputs);
}

Result<std::string> read_app_name(const std::string& path, const std::string& environment)
{
    auto text = TRY(os::read_file(path));
    try {
        toml::table root = toml::parse(text, path);
        auto name = root["app"].value<std::string>();
        if (!environment.empty()) {
            if (auto overlay = root["environment"][environment]["app"].value<std::string>())
                name = overlay;
        }
        if (name) {
            // The name picks the daemon's socket and state directory: never a path.
            if (auto named = check_name("app", *name); !named)
                return named.error().context(path);
            return *name;
        }
        return Error(fmt::format("{}: missing required key \"app\"", path));
    } catch (const toml::parse_error& failure) {
        const auto& where = failure.source().begin;
        return Error(fmt::format("{}:{}:{}: {}", path, where.line, where.column, failure.description()));
    }
}

}  // namespace tend::spec
