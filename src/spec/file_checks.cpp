#include "spec/file_checks.h"

#include <fmt/format.h>
#include <functional>
#include <map>

#include "base/quote.h"
#include "base/strings.h"
#include "os/process.h"

namespace tend::spec {
namespace {

std::string at(const SourceLocation& where)
{
    return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

void check_after(const AppSpec& spec, std::vector<std::string>& errors)
{
    std::vector<std::string> names;
    for (const auto& [name, process] : spec.processes)
        names.push_back(name);
    for (const auto& [name, process] : spec.processes) {
        for (const std::string& dependency : process.after) {
            if (spec.processes.contains(dependency))
                continue;
            auto suggestion = closest_match(dependency, names);
            errors.push_back(
                fmt::format("{}: after: unknown process {} in [process.{}]{}", at(process.where), quote(dependency),
                    name, suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
        }
    }
}

void check_cycles(const AppSpec& spec, std::vector<std::string>& errors)
{
    enum class Mark { None, Visiting, Done };
    std::map<std::string, Mark> marks;
    std::vector<std::string> path;
    std::function<bool(const std::string&)> visit = [&](const std::string& name) {
        if (marks[name] == Mark::Done)
            return true;
        if (marks[name] == Mark::Visiting) {
            path.push_back(name);
            errors.push_back(
                fmt::format("{}: after: cycle {}", at(spec.processes.at(name).where), fmt::join(path, " -> ")));
            return false;
        }
        marks[name] = Mark::Visiting;
        path.push_back(name);
        for (const std::string& dependency : spec.processes.at(name).after) {
            if (!visit(dependency))
                return false;
        }
        path.pop_back();
        marks[name] = Mark::Done;
        return true;
    };
    for (const auto& [name, process] : spec.processes) {
        path.clear();
        if (!visit(name))
            return;
    }
}

void check_runtime(const AppSpec& spec, HostChecks host, std::vector<std::string>& errors)
{
    bool root = os::effective_uid() == 0;
    for (const auto& [name, process] : spec.processes) {
        for (const CheckSpec* check : {&process.ready, &process.health}) {
            bool needs_address = check->kind == CheckKind::Http || check->kind == CheckKind::Tcp;
            if (needs_address && check->address.empty() && process.listen.empty() && !process.port)
                errors.push_back(fmt::format("{}: [process.{}] has an http or tcp check but nothing to probe: set "
                                             "listen, port, or a full address in the check",
                    at(process.where), name));
        }
        if (host == HostChecks::Yes && !root && (process.user || process.group))
            errors.push_back(fmt::format(
                "{}: [process.{}] sets user or group, which needs tend to run as root", at(process.where), name));
    }
}

void check_totals(const AppSpec& spec, std::vector<std::string>& errors)
{
    int total = 0;
    for (const auto& [name, process] : spec.processes) {
        total += process.instances;
        if (total > max_total_instances) {
            errors.push_back(fmt::format("{}: [process.{}] brings the file past {} instances in all (the limit)",
                at(process.where), name, max_total_instances));
            return;
        }
    }
}

}  // namespace

std::vector<std::string> check_whole_file(const AppSpec& spec, HostChecks host)
{
    std::vector<std::string> errors;
    check_after(spec, errors);
    if (errors.empty())
        check_cycles(spec, errors);
    check_runtime(spec, host, errors);
    check_totals(spec, errors);
    return errors;
}

}  // namespace tend::spec
