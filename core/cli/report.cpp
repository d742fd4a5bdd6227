// custsim report: one self-contained HTML page from results files. The page is made by the
// Python package's custsim.report (matplotlib for the plots, Jinja2 for the page), run with the
// Python --plot uses (plot.hpp); this command checks its input, finds the package and runs it.
#include "command.hpp"
#include "commands.hpp"
#include "plot.hpp"

#include "custsim/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace custsim::cli {
namespace {

struct ReportArgs {
    std::vector<std::string> results;
    std::string output;
    std::string question;
    bool incrementality = false;
    int threads = 0;
};

/// The folder holding the built Python package (custsim/_core), or "" when it was not built.
std::string python_path() {
    if (const char* path = std::getenv("CUSTSIM_PYTHONPATH"); path && *path) {
        return path;
    }
#ifdef CUSTSIM_PYTHON_DIR
    return CUSTSIM_PYTHON_DIR;
#else
    return "";
#endif
}

/// Runs `python -m module args...` with the package on PYTHONPATH; returns its exit code.
int run_python_module(const std::string& module, const std::vector<std::string>& args) {
    const std::string path = python_path();
    if (path.empty() || !std::filesystem::exists(std::filesystem::path(path) / "custsim")) {
        throw InputError("custsim " + module.substr(module.rfind('.') + 1) +
                         " needs the Python module, and this build has none (configure with "
                         "-DCUSTSIM_BUILD_PYTHON=ON, or set CUSTSIM_PYTHONPATH to the folder "
                         "holding custsim/)");
    }
    const std::string python = plot_python(); // $CUSTSIM_PYTHON, else Debian's
    std::vector<std::string> argv{python, "-m", module};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) {
        raw.push_back(a.data());
    }
    raw.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t child = fork();
    if (child < 0) {
        throw std::runtime_error(std::string("cannot start ") + python + ": " +
                                 std::strerror(errno));
    }
    if (child == 0) {
        const char* old = std::getenv("PYTHONPATH");
        const std::string joined = path + (old && *old ? std::string(":") + old : "");
        setenv("PYTHONPATH", joined.c_str(), 1);
        execv(python.c_str(), raw.data());
        std::fprintf(stderr,
                     "custsim: cannot run %s: %s (set CUSTSIM_PYTHON to Debian's "
                     "/usr/bin/python3 with python3-matplotlib and python3-jinja2)\n",
                     python.c_str(), std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error(std::string("waiting for ") + python + ": " +
                                     std::strerror(errno));
        }
    }
    if (WIFSIGNALED(status)) {
        throw Cancelled{};
    }
    return WEXITSTATUS(status);
}

int report(const ReportArgs& args) {
    for (const auto& file : args.results) {
        if (!std::filesystem::is_regular_file(file)) {
            throw InputError(file + ": no such results file (write one with `custsim run "
                                    "SCENARIO -o FILE.h5`)");
        }
    }
    check_output(args.output, "-o");
    std::vector<std::string> forward = args.results;
    forward.insert(forward.end(), {"-o", args.output, "--threads", std::to_string(args.threads)});
    if (!args.question.empty()) {
        forward.insert(forward.end(), {"--question", args.question});
    }
    if (args.incrementality) {
        forward.emplace_back("--incrementality");
    }
    return run_python_module("custsim.report", forward);
}

const bool registered = register_command(
    {"report", "One self-contained HTML page from results files, to hand to a colleague",
     [](CLI::App& command) {
         auto args = std::make_shared<ReportArgs>();
         command
             .add_option("results", args->results,
                         "Results files (custsim run -o); "
                         "several: each against the first")
             ->required();
         add_output(command, args->output, "The HTML page to write");
         command.get_option("-o")->required();
         command.add_option("--question", args->question,
                            "The question the report answers (its first line)");
         command.add_flag("--incrementality", args->incrementality,
                          "Run the first scenario again without each channel (same seed) to "
                          "show what each really adds");
         add_threads(command, args->threads);
         return std::function<int()>([args] { return report(*args); });
     },
     85});

} // namespace
} // namespace custsim::cli
