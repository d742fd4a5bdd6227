// custsim: the command line. Each command registers itself from its own file in core/cli/
// (command.hpp); main adds them, parses, runs the one chosen and turns errors into exit codes.
#include "command.hpp"

#include "custsim/error.hpp"

#include <cstdio>
#include <new>

int main(int argc, char** argv) {
    using namespace custsim;
    CLI::App app{"custsim: agent-based customer-journey and word-of-mouth simulator"};
    app.require_subcommand(1);
    app.set_version_flag("--version", CUSTSIM_VERSION);
    std::vector<std::pair<CLI::App*, std::function<int()>>> commands;
    for (const auto& command : cli::registered_commands()) {
        auto* sub = app.add_subcommand(command.name, command.help);
        commands.emplace_back(sub, command.add(*sub));
    }
    try {
        try {
            app.parse(argc, argv);
        } catch (const CLI::Success& e) {
            return app.exit(e);
        } catch (const CLI::ParseError& e) {
            app.exit(e);
            return 2;
        }
        for (auto& [sub, run] : commands) {
            if (*sub) {
                return run();
            }
        }
    } catch (const InputError& e) {
        std::fprintf(stderr, "custsim: %s\n", e.what());
        return 2;
    } catch (const Cancelled&) {
        std::fprintf(stderr, "custsim: interrupted; no results file was written\n");
        return 130;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "custsim: out of memory: the run needs more memory than this machine "
                             "could give it; no results file was written (make the scenario "
                             "smaller: customers, mean_degree, replicates, days / record_every)\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "custsim: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
