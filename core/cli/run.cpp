// custsim run: every replicate of a scenario, a summary table, results in HDF5.
#include "command.hpp"
#include "commands.hpp"
#include "progress.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"
#include "custsim/summary.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

namespace custsim::cli {

int run(const RunArgs& args) {
    check_threads(args.threads, "--threads");
    const Scenario scenario = load_scenario(args.scenario, args.overrides);
    const std::string output = args.output.empty()
                                   ? std::filesystem::path(args.scenario).stem().string() + ".h5"
                                   : args.output;
    check_output(output, "-o");
    if (!args.force) {
        check_run_size(scenario);
    }
    catch_interrupts();
    const auto start = std::chrono::steady_clock::now();
    Results results;
    {
        ProgressBar bar(scenario.replicates, scenario.days, !args.quiet);
        results = run_scenario(scenario, args.threads, [&](std::uint32_t replicate, double day) {
            bar.update(replicate, day);
            return !interrupted();
        });
    }
    write_results(results, output);
    if (!args.quiet) {
        std::printf("%s", format_summary(results, scenario.name).c_str());
        const auto rows = summarise(results);
        double by_ads = 0, by_wom = 0;
        for (const auto& row : rows) {
            by_ads = row.kpi == "adopted_by_ads" ? row.mean : by_ads;
            by_wom = row.kpi == "adopted_by_wom" ? row.mean : by_wom;
        }
        if (by_ads + by_wom > 0) {
            std::printf(
                "  new customers who found the brand through channels %.1f%%, through word of "
                "mouth %.1f%%\n",
                100 * by_ads / (by_ads + by_wom), 100 * by_wom / (by_ads + by_wom));
        }
        std::printf("results: %s (%.1f s)\n", output.c_str(), seconds_since(start));
    }
    return 0;
}

namespace {
const bool registered = register_command(
    {"run", "Run a scenario: KPI summary, results in HDF5",
     [](CLI::App& command) {
         auto args = std::make_shared<RunArgs>();
         auto replicates = std::make_shared<std::uint32_t>(0);
         auto seed = std::make_shared<std::uint64_t>(0);
         command.add_option("scenario", args->scenario, "Scenario file (YAML)")->required();
         add_output(command, args->output, "Results file (default: <scenario>.h5)");
         command.add_option("--replicates", *replicates, "Replicates (overrides the scenario)")
             ->check(CLI::PositiveNumber);
         auto* seeded = command.add_option("--seed", *seed, "Random seed (overrides the scenario)");
         add_threads(command, args->threads);
         add_force(command, args->force);
         add_overrides(command, args->overrides);
         add_quiet(command, args->quiet, "No progress bar and no summary");
         return std::function<int()>([args, replicates, seed, seeded] {
             if (*replicates > 0) {
                 args->overrides.push_back("replicates=" + std::to_string(*replicates));
             }
             if (seeded->count() > 0) {
                 args->overrides.push_back("seed=" + std::to_string(*seed));
             }
             return run(*args);
         });
     },
     10});
} // namespace

} // namespace custsim::cli
