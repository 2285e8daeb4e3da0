#include "spec/job_settings.h"

#include <fmt/format.h>

#include "base/quote.h"
#include "base/strings.h"
#include "schedule/cron.h"
#include "schedule/zone.h"
#include "spec/names.h"
#include "spec/setting_values.h"

namespace tend::spec::job_settings {
namespace {

constexpr std::size_t max_steps = 100;

}  // namespace

Result<void> apply_schedule(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    job.schedule = TRY(as_string(node));
    TRY(schedule::parse_schedule(job.schedule));
    return Ok{};
}

Result<void> apply_job_timezone(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    job.timezone = TRY(as_string(node));
    TRY(schedule::Zone::load(job.timezone));
    return Ok{};
}

Result<void> apply_overlap(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    auto text = TRY(as_string(node));
    for (auto overlap : {Overlap::Skip, Overlap::Queue, Overlap::Replace, Overlap::Allow}) {
        if (text == to_string(overlap)) {
            job.overlap = overlap;
            return Ok{};
        }
    }
    return Error(fmt::format("overlap must be \"skip\", \"queue\", \"replace\" or \"allow\", not {}", quote(text)));
}

Result<void> apply_timeout(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    job.timeout = TRY(as_duration(node));
    if (job.timeout->count() <= 0)
        return Error("timeout must be longer than zero");
    return Ok{};
}

Result<void> apply_retry(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    const auto* table = node.as_table();
    if (table == nullptr)
        return wrong_type(node, "a table, e.g. { attempts = 3, backoff = \"30s\" }");
    for (const auto& [key, value] : *table) {
        std::string_view name = key.str();
        if (name == "attempts") {
            const auto* number = value.as_integer();
            if (number == nullptr || number->get() < 0 || number->get() > 100)
                return Error("retry.attempts must be an integer from 0 to 100");
            job.retry.attempts = static_cast<int>(number->get());
        } else if (name == "backoff") {
            job.retry.backoff = TRY(as_duration(value));
            if (job.retry.backoff.count() <= 0)
                return Error("retry.backoff must be longer than zero");
        } else {
            auto suggestion = closest_match(name, std::vector<std::string>{"attempts", "backoff"});
            return Error(fmt::format("unknown key {} in retry{}", quote(name),
                suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
        }
    }
    return Ok{};
}

Result<void> apply_jitter(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    job.jitter = TRY(as_duration(node));
    return Ok{};
}

Result<void> apply_catchup(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    auto text = TRY(as_string(node));
    for (auto catchup : {Catchup::Latest, Catchup::All, Catchup::None}) {
        if (text == to_string(catchup)) {
            job.catchup = catchup;
            return Ok{};
        }
    }
    return Error(fmt::format("catchup must be \"latest\", \"all\" or \"none\", not {}", quote(text)));
}

Result<void> apply_catchup_window(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    job.catchup_window = TRY(as_duration(node));
    return Ok{};
}

Result<void> apply_watch(JobSpec& job, const toml::node& node, const SettingContext& context)
{
    job.watch = TRY(as_string(node));
    std::string path = absolute(context, job.watch);
    std::size_t slash = path.rfind('/');
    job.watch_directory = slash == 0 ? "/" : path.substr(0, slash);
    job.watch_pattern = path.substr(slash + 1);
    if (job.watch_pattern.empty())
        return Error(
            fmt::format("{} needs a file pattern after the directory, e.g. \"/srv/inbox/*.zip\"", quote(job.watch)));
    if (job.watch_directory.find_first_of("*?[") != std::string::npos)
        return Error(fmt::format("{}: only the file name may be a pattern, not the directory", quote(job.watch)));
    return Ok{};
}

Result<void> apply_concurrency(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    const auto* value = node.as_integer();
    if (value == nullptr)
        return wrong_type(node, "an integer");
    if (value->get() < 1 || value->get() > 1000)
        return Error(fmt::format("concurrency must be between 1 and 1000, not {}", value->get()));
    job.concurrency = static_cast<int>(value->get());
    return Ok{};
}

Result<void> apply_rate(JobSpec& job, const toml::node& node, const SettingContext& /*context*/)
{
    auto text = TRY(as_string(node));
    job.rate = TRY(parse_rate(text));
    return Ok{};
}

Result<void> apply_steps(JobSpec& job, const toml::node& node, const SettingContext& context)
{
    const auto* array = node.as_array();
    if (array == nullptr || array->empty())
        return wrong_type(node, "an array of step tables, e.g. [{ name = \"convert\", command = \"...\" }]");
    if (array->size() > max_steps)
        return Error(fmt::format("a job has at most {} steps, not {}", max_steps, array->size()));
    job.steps.clear();
    for (const auto& element : *array) {
        const auto* table = element.as_table();
        if (table == nullptr)
            return wrong_type(element, "a step table { name, command, timeout, retry }");
        StepSpec step;
        for (const auto& [key, value] : *table) {
            std::string_view name = key.str();
            if (name == "name") {
                step.name = TRY(as_string(value));
                // A step's name is part of its instance name in log records (JOB#iITEM.STEP).
                TRY(check_name("step", step.name));
            } else if (name == "command") {
                step.argv = TRY(as_command(value));
            } else if (name == "timeout") {
                step.timeout = TRY(as_duration(value));
                if (step.timeout->count() <= 0)
                    return Error("a step's timeout must be longer than zero");
            } else if (name == "retry") {
                JobSpec scratch;
                TRY(apply_retry(scratch, value, context));
                step.retry = scratch.retry;
            } else {
                auto suggestion = closest_match(name, std::vector<std::string>{"name", "command", "timeout", "retry"});
                return Error(fmt::format("unknown key {} in a step{}", quote(name),
                    suggestion ? fmt::format(" (did you mean \"{}\"?)", *suggestion) : std::string()));
            }
        }
        if (step.name.empty())
            step.name = fmt::format("step{}", job.steps.size() + 1);
        if (step.argv.empty())
            return Error(fmt::format("step {} has no command", quote(step.name)));
        for (const StepSpec& other : job.steps) {
            if (other.name == step.name)
                return Error(fmt::format("two steps are named {}", quote(step.name)));
        }
        job.steps.push_back(std::move(step));
    }
    return Ok{};
}

namespace {

Result<FileAction> parse_file_action(const toml::node& node, const SettingContext& context)
{
    auto text = TRY(as_string(node));
    if (text == "keep")
        return FileAction{};
    if (text == "delete")
        return FileAction{.kind = FileAction::Kind::Delete};
    if (text.starts_with("move:") && text.size() > 5)
        return FileAction{.kind = FileAction::Kind::Move, .directory = absolute(context, text.substr(5))};
    return Error(fmt::format("{} is not keep, delete or move:DIR", quote(text)));
}

}  // namespace

Result<void> apply_on_success(JobSpec& job, const toml::node& node, const SettingContext& context)
{
    job.on_success = TRY(parse_file_action(node, context));
    return Ok{};
}

Result<void> apply_on_failure(JobSpec& job, const toml::node& node, const SettingContext& context)
{
    job.on_failure = TRY(parse_file_action(node, context));
    return Ok{};
}

}  // namespace tend::spec::job_settings
