#include "cli/feed_command.h"

#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <thread>

#include "api/client.h"
#include "api/paths.h"
#include "base/escape.h"
#include "base/pattern.h"
#include "base/units.h"
#include "cli/client_side.h"

namespace tend::cli {
namespace {

using nlohmann::json;

constexpr std::size_t batch_size = 2000;

struct FoundFiles {
    std::vector<std::string> paths;  // absolute, in name order
    std::size_t seen = 0;  // regular files under the directory, matching or not
};

// Every regular file under `directory`, recursively, whose path relative to
// it ("2026/a.zip") matches `pattern`, in name order.
Result<FoundFiles> files_under(const std::string& directory, const std::string& pattern)
{
    std::optional<Pattern> match;
    if (!pattern.empty()) {
        auto compiled = Pattern::compile(pattern);
        if (!compiled)
            return compiled.error().context(fmt::format("--match \"{}\"", printable(pattern)));
        match = std::move(*compiled);
    }
    FoundFiles found;
    std::error_code failure;
    auto root = std::filesystem::absolute(directory, failure);
    std::filesystem::recursive_directory_iterator it(root, failure);
    if (failure)
        return Error(fmt::format("--from {}: {}", printable(directory), failure.message()));
    for (const auto& entry : it) {
        std::error_code ignored;
        if (!entry.is_regular_file(ignored))
            continue;
        ++found.seen;
        std::string relative = entry.path().lexically_relative(root).string();
        if (!match || match->search(relative))
            found.paths.push_back(entry.path().string());
    }
    std::sort(found.paths.begin(), found.paths.end());
    return found;
}

// Every key is checked before any is sent, so a bad one leaves nothing half-fed.
Result<void> check_keys(const std::vector<std::string>& items)
{
    for (const std::string& key : items) {
        if (key.empty() || key.size() > 4096 || key.find('\0') != std::string::npos)
            return Error(
                fmt::format("item \"{}\": an item must be 1 to 4096 bytes with no NUL", printable(key.substr(0, 64))));
    }
    return Ok{};
}

// --rate takes the app file's rates (units.h); a bare number is per second.
Result<double> feed_rate(const std::string& text)
{
    return parse_rate(text.find('/') == std::string::npos ? text + "/s" : text);
}

}  // namespace

int run_feed(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    std::vector<std::string> items = options.items;
    if (!options.match.empty() && options.from.empty()) {
        fmt::print(stderr, "tend feed: --match needs --from DIR\n");
        return BadInput;
    }
    if (!options.from.empty()) {
        auto found = files_under(options.from, options.match);
        if (!found) {
            fmt::print(stderr, "tend feed: {}\n", found.error().message());
            return BadInput;
        }
        if (found->paths.empty() && items.empty()) {
            fmt::print(stderr, "tend feed: no items: {} file(s) under {}{}\n", found->seen, printable(options.from),
                options.match.empty() ? std::string()
                                      : fmt::format(", none of whose paths relative to it matches --match \"{}\"",
                                          printable(options.match)));
            return BadInput;
        }
        if (!options.match.empty() && !options.json)
            fmt::print(stderr, "tend feed: {} of {} file(s) under {} match\n", found->paths.size(), found->seen,
                printable(options.from));
        items.insert(items.end(), found->paths.begin(), found->paths.end());
    } else if (items.empty()) {
        std::string line;
        while (std::getline(std::cin, line)) {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (!line.empty())
                items.push_back(line);
        }
    }
    if (items.empty()) {
        fmt::print(stderr, "tend feed: no items (give them as arguments, with --from DIR, or as lines on stdin)\n");
        return BadInput;
    }
    std::optional<double> rate;
    if (auto checked = check_keys(items); !checked) {
        fmt::print(stderr, "tend feed: {}\n", checked.error().message());
        return BadInput;
    }
    if (!options.rate.empty()) {
        auto parsed = feed_rate(options.rate);
        if (!parsed) {
            fmt::print(stderr, "tend feed: --rate: {}\n", parsed.error().message());
            return BadInput;
        }
        rate = *parsed;
    }
    // Paced: small batches, each sent when the rate allows.
    std::size_t per_batch = rate ? std::max<std::size_t>(1, static_cast<std::size_t>(*rate / 20)) : batch_size;
    std::int64_t queued = 0;
    std::int64_t coalesced = 0;
    auto began = std::chrono::steady_clock::now();
    std::string socket = api::paths_for(app).socket;
    for (std::size_t at = 0; at < items.size(); at += per_batch) {
        if (rate) {
            auto due = began
                + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(static_cast<double>(at) / *rate));
            std::this_thread::sleep_until(due);
        }
        std::vector<std::string> batch(items.begin() + static_cast<long>(at),
            items.begin() + static_cast<long>(std::min(items.size(), at + per_batch)));
        auto result = api::call(socket, "POST", "/v1/feed", json{{"job", options.target}, {"items", batch}});
        if (!result.ok()) {
            if (queued + coalesced > 0)
                fmt::print(stderr, "tend feed: {} queued and {} coalesced before the failure\n", queued, coalesced);
            return report(result, app);
        }
        queued += result.body.value("queued", std::int64_t{0});
        coalesced += result.body.value("coalesced", std::int64_t{0});
    }
    if (options.json)
        print_json(json{{"queued", queued}, {"coalesced", coalesced}});
    else
        fmt::print("queued {} item(s) for {}{}\n", queued, printable(options.target),
            coalesced > 0 ? fmt::format(" ({} already queued or running, coalesced)", coalesced) : std::string());
    return Success;
}

int run_retry(Options& options)
{
    std::string app = resolve_app(options);
    if (app.empty())
        return BadInput;
    if (options.items.empty() == !options.failed) {
        fmt::print(stderr, "tend retry: give one ITEM or --failed\n");
        return BadInput;
    }
    json body{{"job", options.target}};
    if (!options.items.empty())
        body["item"] = options.items.front();
    auto result = api::call(api::paths_for(app).socket, "POST", "/v1/retry", body);
    if (!result.ok())
        return report(result, app);
    fmt::print("requeued {} dead item(s) of {} at their failed step\n", result.body.value("requeued", 0),
        printable(options.target));
    return Success;
}

}  // namespace tend::cli
