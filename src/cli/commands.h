// The `tend` command line: one table of commands gives dispatch, help and
// "did you mean". Every command but check and daemon is a client of the
// control API. Exit codes: 0 ok, 1 the action failed, 2 bad usage or input.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace tend::cli {

enum ExitCode : int { Success = 0, ActionFailed = 1, BadInput = 2 };

// Everything any command's flags can set.
struct Options {
    std::string app;  // --app: which daemon, when not from ./tend.toml
    std::string path;  // app file (PATH positional)
    std::string environment;  // --env
    bool environment_given = false;
    std::string target;  // NAME or NAME.N
    bool json = false;
    bool plan = false;
    bool events = false;
    bool reference = false;
    bool resume = false;
    int lines = 20;
    int ready_fd = -1;  // daemon --ready-fd
    int log_lines = -1;  // logs -n; -1: the default
    bool follow = false;  // logs -f
    std::string since;  // logs --since
    std::string until;  // logs --until
    std::string grep;  // logs --grep
    std::string timezone = "UTC";  // calendar --tz
    int count = 5;  // calendar -n
    bool wait = false;  // run --wait
    bool failed = false;  // history --failed, retry --failed
    std::vector<std::string> items;  // feed ITEM.., retry ITEM
    std::string from;  // feed --from
    std::string match;  // feed --match
    std::string rate;  // feed --rate
    std::string item;  // history --item
    bool items_only = false;  // history --items
    bool check = false;  // status --check
};

struct Command {
    const char* name;
    const char* summary;
    std::function<void(CLI::App&, Options&)> setup;
    std::function<int(Options&)> run;
};

std::span<const Command> commands();

// Parses argv and runs the chosen command; returns the exit code.
int main(int argc, char** argv);

}  // namespace tend::cli
