#pragma once
// The command line's commands: each registers itself from its own file (a name, one line of
// help, its options and what runs it), and main() adds whatever is registered.
#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace custsim::cli {

struct Command {
    const char* name;
    const char* help;
    /// Adds the command's options to `command` and returns what runs it once parsed.
    std::function<std::function<int()>(CLI::App& command)> add;
    int order = 0; ///< position in --help
};

/// Adds `command` to the registry; a file does it once, in a static initialiser.
bool register_command(Command command);
/// Every registered command, in `order`.
std::vector<Command> registered_commands();

/// Options several commands share.
void add_threads(CLI::App& command, int& threads, const std::string& per = "");
void add_force(CLI::App& command, bool& force);
void add_quiet(CLI::App& command, bool& quiet, const char* help = "No progress bar");
void add_overrides(CLI::App& command, std::vector<std::string>& overrides,
                   const char* help = "Override a scenario key: key.path=value");
/// `-o,--output`; an explicit empty name is refused when the command runs (check_output).
void add_output(CLI::App& command, std::string& output, const char* help);
/// `--plot FILE.png`; an explicit empty name is refused when the command runs (check_plot).
void add_plot(CLI::App& command, std::string& plot, const char* help);

double seconds_since(std::chrono::steady_clock::time_point start);

} // namespace custsim::cli
