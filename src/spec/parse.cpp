#include "spec/parse.h"

#include <fmt/format.h>
#include <functional>
#include <set>

#include "base/strings.h"
#include "os/env.h"
#include "os/files.h"
#include "os/process.h"
#include "spec/dotenv.h"
#include "spec/settings.h"

namespace tend::spec {
namespace {

// A table seen through an environment overlay: the overlay's value wins key
// by key, and tables present in both are visited base first, then overlay.
struct Layered {
    const toml::table* base = nullptr;
    const toml::table* overlay = nullptr;

    [[nodiscard]] std::vector<std::string> keys() const
    {
        std::vector<std::string> out;
        std::set<std::string> seen;
        for (const toml::table* layer : {base, overlay}) {
            if (layer == nullptr)
                continue;
            for (const auto& [key, value] : *layer) {
                if (seen.insert(std::string(key.str())).second)
                    out.emplace_back(key.str());
            }
        }
        return out;
    }

    // Nodes for key, base first; at most two.
    [[nodiscard]] std::vector<const toml::node*> nodes(std::string_view key) const
    {
        std::vector<const toml::node*> out;
        for (const toml::table* layer : {base, overlay}) {
            if (layer != nullptr) {
                if (const toml::node* node = layer->get(key))
                    out.push_back(node);
            }
        }
        return out;
    }

    // Where the winning layer spells the key, for errors about the key itself.
    [[nodiscard]] toml::source_region key_region(std::string_view key) const
    {
        for (const toml::table* layer : {overlay, base}) {
            if (layer == nullptr)
                continue;
            auto it = layer->find(key);
            if (it != layer->end())
                return it->first.source();
        }
        return {};
    }

    [[nodiscard]] Layered child(std::string_view key) const
    {
        auto as_table = [&](const toml::table* layer) -> const toml::table* {
            if (layer == nullptr)
                return nullptr;
            const toml::node* node = layer->get(key);
            return node != nullptr ? node->as_table() : nullptr;
        };
        return Layered{as_table(base), as_table(overlay)};
    }
};

class Parser {
public:
    Parser(std::string file, std::string directory) : m_file(std::move(file)), m_directory(std::move(directory)) {}

    Result<AppSpec> parse(const toml::table& root, const std::string& environment)
    {
        m_spec.file = m_file;
        m_spec.directory = m_directory;
        m_spec.environment = environment;
        Layered layers{&root, nullptr};
        if (!environment.empty())
            layers.overlay = find_environment(root, environment);
        if (m_errors.empty()) {
            parse_top(layers);
            check_after();
            check_runtime();
        }
        if (!m_errors.empty()) {
            std::string joined;
            for (const std::string& line : m_errors)
                joined += (joined.empty() ? "" : "\n") + line;
            return Error(joined);
        }
        return std::move(m_spec);
    }

    void error(const toml::source_region& where, std::string_view message)
    {
        m_errors.push_back(fmt::format("{}:{}:{}: {}", m_file, where.begin.line, where.begin.column, message));
    }

private:
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
            m_errors.push_back(fmt::format("{}: unknown environment \"{}\" (the file defines: {})", m_file, environment,
                names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))));
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
            fmt::format("unknown key \"{}\" in {}{}", key, where,
                suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
    }

    void parse_top(const Layered& layers)
    {
        for (const std::string& key : layers.keys()) {
            const toml::node* node = layers.nodes(key).back();
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

        ProcessSpec defaults;
        defaults.cwd = m_directory;
        defaults.environment = m_spec.environment;
        apply_settings(defaults, layers.child("defaults"), Section::Defaults, "[defaults]");

        Layered processes = layers.child("process");
        for (const std::string& name : processes.keys())
            parse_process(name, processes, defaults);
        Layered jobs = layers.child("job");
        for (const std::string& name : jobs.keys())
            parse_job(name, jobs, defaults);
        auto deploy = layers.nodes("deploy");
        if (!deploy.empty() && deploy.back()->is_table())
            parse_deploy(layers.child("deploy"), *deploy.front());
    }

    void parse_deploy(const Layered& table, const toml::node& header)
    {
        DeploySpec deploy{.where = location(header.source())};
        SettingContext context{.directory = m_directory};
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

    void parse_job(const std::string& name, const Layered& jobs, const ProcessSpec& defaults)
    {
        Layered table = jobs.child(name);
        const toml::node* header = jobs.nodes(name).front();
        if (table.base == nullptr && table.overlay == nullptr) {
            error(header->source(), fmt::format("job \"{}\" must be a table", name));
            return;
        }
        if (!valid_name(name)) {
            error(header->source(), fmt::format("job name \"{}\" may contain only letters, digits, '-' and '_'", name));
            return;
        }
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
        SettingContext context{.directory = m_directory};
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
        Layered table = processes.child(name);
        const toml::node* header = processes.nodes(name).front();
        if (table.base == nullptr && table.overlay == nullptr) {
            error(header->source(), fmt::format("process \"{}\" must be a table", name));
            return;
        }
        if (!valid_name(name)) {
            error(header->source(),
                fmt::format("process name \"{}\" may contain only letters, digits, '-' and '_'", name));
            return;
        }
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
        apply_shell(spec, table, *commands.back());
        check_command(spec, *commands.back());
        if (!spec.env_file.empty())
            load_secrets(spec, table, defaults);
        m_spec.processes.emplace(name, std::move(spec));
    }

    void apply_settings(ProcessSpec& spec, const Layered& table, Section section, std::string_view where)
    {
        SettingContext context{.directory = m_directory};
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

    // A missing binary is reported here, where the file can point at it,
    // rather than as a crash loop later.
    void check_command(const ProcessSpec& spec, const toml::node& command)
    {
        if (spec.argv.empty() || spec.argv.front().find('{') != std::string::npos)
            return;
        const std::string& program = spec.argv.front();
        std::string search_path
            = spec.env.contains("PATH") ? spec.env.at("PATH") : os::get_env("PATH").value_or("/usr/bin:/bin");
        std::string candidate
            = program.find('/') == std::string::npos || program.front() == '/' ? program : spec.cwd + "/" + program;
        if (!os::find_executable(candidate, search_path))
            error(command.source(),
                fmt::format("command: \"{}\" not found{}", program,
                    program.find('/') == std::string::npos ? " in PATH" : fmt::format(" (from cwd {})", spec.cwd)));
        if (spec.cwd != m_directory) {
            auto info = os::file_info(spec.cwd);
            if (!info || !info->is_directory)
                error(command.source(), fmt::format("cwd {} is not a directory", spec.cwd));
        }
    }

    void load_secrets(ProcessSpec& spec, const Layered& table, const ProcessSpec& defaults)
    {
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

    void check_after()
    {
        std::vector<std::string> names;
        for (const auto& [name, process] : m_spec.processes)
            names.push_back(name);
        for (const auto& [name, process] : m_spec.processes) {
            for (const std::string& dependency : process.after) {
                if (m_spec.processes.contains(dependency))
                    continue;
                auto suggestion = closest_match(dependency, names);
                m_errors.push_back(fmt::format("{}:{}:{}: after: unknown process \"{}\" in [process.{}]{}", m_file,
                    process.where.line, process.where.column, dependency, name,
                    suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
            }
        }
        if (m_errors.empty())
            check_cycles();
    }

    void check_cycles()
    {
        enum class Mark { None, Visiting, Done };
        std::map<std::string, Mark> marks;
        std::vector<std::string> path;
        std::function<bool(const std::string&)> visit = [&](const std::string& name) {
            if (marks[name] == Mark::Done)
                return true;
            if (marks[name] == Mark::Visiting) {
                path.push_back(name);
                const ProcessSpec& process = m_spec.processes.at(name);
                m_errors.push_back(fmt::format("{}:{}:{}: after: cycle {}", m_file, process.where.line,
                    process.where.column, fmt::join(path, " -> ")));
                return false;
            }
            marks[name] = Mark::Visiting;
            path.push_back(name);
            for (const std::string& dependency : m_spec.processes.at(name).after) {
                if (!visit(dependency))
                    return false;
            }
            path.pop_back();
            marks[name] = Mark::Done;
            return true;
        };
        for (const auto& [name, process] : m_spec.processes) {
            path.clear();
            if (!visit(name))
                return;
        }
    }

    void check_runtime()
    {
        bool root = os::effective_uid() == 0;
        for (const auto& [name, process] : m_spec.processes) {
            for (const CheckSpec* check : {&process.ready, &process.health}) {
                bool needs_address = check->kind == CheckKind::Http || check->kind == CheckKind::Tcp;
                if (needs_address && check->address.empty() && process.listen.empty() && !process.port)
                    m_errors.push_back(fmt::format("{}:{}:{}: [process.{}] has an http or tcp check but nothing to "
                                                   "probe: set listen, port, or a full address in the check",
                        m_file, process.where.line, process.where.column, name));
            }
            if (!root && (process.user || process.group))
                m_errors.push_back(fmt::format("{}:{}:{}: [process.{}] sets user or group, which needs tend to run as "
                                               "root",
                    m_file, process.where.line, process.where.column, name));
        }
    }

    static bool valid_name(std::string_view name)
    {
        if (name.empty() || name.size() > 64)
            return false;
        for (char c : name) {
            if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_')
                return false;
        }
        return true;
    }

    [[nodiscard]] SourceLocation location(const toml::source_region& where) const
    {
        return SourceLocation{m_file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column)};
    }

    std::string m_file;
    std::string m_directory;
    AppSpec m_spec;
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

}  // namespace

Result<AppSpec> parse_app_file(std::string_view text, const std::string& path, const std::string& environment)
{
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& failure) {
        const auto& where = failure.source().begin;
        return Error(fmt::format("{}:{}:{}: {}", path, where.line, where.column, failure.description()));
    }
    Parser parser(path, directory_of(path));
    return parser.parse(root, environment);
}

Result<AppSpec> load_app_file(const std::string& path, const std::string& environment)
{
    std::string absolute = path;
    if (auto resolved = os::real_path(path))
        absolute = *resolved;
    auto text = os::read_file(absolute);
    if (!text)
        return text.error();
    return parse_app_file(*text, absolute, environment);
}

Result<std::string> read_app_name(const std::string& path, const std::string& environment)
{
    auto text = TRY(os::read_file(path));
    try {
        toml::table root = toml::parse(text, path);
        if (!environment.empty()) {
            if (auto name = root["environment"][environment]["app"].value<std::string>())
                return *name;
        }
        if (auto name = root["app"].value<std::string>())
            return *name;
        return Error(fmt::format("{}: missing required key \"app\"", path));
    } catch (const toml::parse_error& failure) {
        const auto& where = failure.source().begin;
        return Error(fmt::format("{}:{}:{}: {}", path, where.line, where.column, failure.description()));
    }
}

}  // namespace tend::spec
