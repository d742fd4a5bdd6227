#include "command.hpp"

#include "commands.hpp"
#include "plot.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace custsim::cli {

namespace {
std::vector<Command>& registry() {
    static std::vector<Command> commands;
    return commands;
}
} // namespace

bool register_command(Command command) {
    registry().push_back(std::move(command));
    return true;
}

std::vector<Command> registered_commands() {
    auto commands = registry();
    std::stable_sort(commands.begin(), commands.end(),
                     [](const Command& a, const Command& b) { return a.order < b.order; });
    return commands;
}

void add_threads(CLI::App& command, int& threads, const std::string& per) {
    command
        .add_option("--threads", threads,
                    "Threads, 0 (default: all cores) to " + std::to_string(max_threads) + per)
        ->check(CLI::Range(0, max_threads));
}

void add_force(CLI::App& command, bool& force) {
    command.add_flag("--force", force,
                     "Run even if the estimated memory or work is larger than this machine allows");
}

void add_quiet(CLI::App& command, bool& quiet, const char* help) {
    command.add_flag("--quiet", quiet, help);
}

void add_overrides(CLI::App& command, std::vector<std::string>& overrides, const char* help) {
    command.add_option("--set", overrides, help);
}

void add_output(CLI::App& command, std::string& output, const char* help) {
    // An explicit empty -o would otherwise mean "the default name" (or no file at all).
    command.add_option("-o,--output", output, help)->each([](const std::string& given) {
        if (given.empty()) {
            check_output(given, "-o");
        }
    });
}

void add_plot(CLI::App& command, std::string& plot, const char* help) {
    command.add_option("--plot", plot, help)->each([](const std::string& given) {
        if (given.empty()) {
            check_plot(given, "--plot");
        }
    });
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void check_output(const std::string& output, const std::string& option) {
    namespace fs = std::filesystem;
    if (output.empty()) {
        throw InputError(option + ": the results file name is empty; give one, e.g. " + option +
                         " results.h5");
    }
    const fs::path path(output);
    std::error_code error;
    if (!path.has_filename() || fs::is_directory(path, error)) {
        throw InputError(option + " " + output + ": is a folder; give a file name in it, e.g. " +
                         (path / "results.h5").lexically_normal().string());
    }
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (!fs::is_directory(folder, error)) {
        throw InputError(option + " " + output + ": there is no folder " + folder.string() +
                         "; create it first");
    }
    // Try it: permissions, read-only mounts and full quotas all show up as a failed create.
    const fs::path probe = folder / (".custsim-probe." + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw InputError(option + " " + output + ": cannot write in the folder " + folder.string() +
                         ": " + std::strerror(errno));
    }
    ::close(fd);
    fs::remove(probe, error);
}

} // namespace custsim::cli
