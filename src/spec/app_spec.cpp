#include "spec/app_spec.h"

#include <functional>
#include <set>

namespace tend::spec {

std::vector<std::string> AppSpec::start_order() const
{
    std::vector<std::string> order;
    std::set<std::string> placed;
    std::function<void(const std::string&)> place = [&](const std::string& name) {
        if (placed.contains(name) || !processes.contains(name))
            return;
        placed.insert(name);
        for (const std::string& dependency : processes.at(name).after)
            place(dependency);
        order.push_back(name);
    };
    for (const auto& [name, process] : processes)
        place(name);
    return order;
}

std::string_view to_string(RestartPolicy policy)
{
    switch (policy) {
    case RestartPolicy::Always: return "always";
    case RestartPolicy::OnFailure: return "on-failure";
    case RestartPolicy::Never: return "never";
    }
    return "always";
}

std::vector<StepSpec> JobSpec::item_steps() const
{
    if (!steps.empty())
        return steps;
    return {StepSpec{.name = "run", .argv = process.argv, .timeout = timeout, .retry = retry}};
}

std::string_view to_string(Overlap overlap)
{
    switch (overlap) {
    case Overlap::Skip: return "skip";
    case Overlap::Queue: return "queue";
    case Overlap::Replace: return "replace";
    case Overlap::Allow: return "allow";
    }
    return "skip";
}

std::string_view to_string(Catchup catchup)
{
    switch (catchup) {
    case Catchup::Latest: return "latest";
    case Catchup::All: return "all";
    case Catchup::None: return "none";
    }
    return "latest";
}

}  // namespace tend::spec
