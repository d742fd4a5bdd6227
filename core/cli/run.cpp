// custsim run: every replicate of a scenario, a summary table, results in HDF5.
#include "command.hpp"
#include "commands.hpp"
#include "plot.hpp"
#include "progress.hpp"

#include "custsim/error.hpp"
#include "custsim/kpis.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"
#include "custsim/summary.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

namespace custsim::cli {

namespace {

/// One series of a run plot: every replicate of `kpi` (times the market scale for counts and
/// money), or of the sum of `kpis`.
Json replicates_of(const Results& results, const std::string& label,
                   const std::vector<std::string>& kpis) {
    const std::size_t points = results.points();
    std::vector<double> sum(results.replicates * points, 0.0);
    for (const auto& name : kpis) {
        const Kpi* kpi = find_kpi(name);
        const double scale = kpi && kpi->scales_with_population() ? results.market_scale() : 1.0;
        const auto& values = results.timeseries.at(name);
        for (std::size_t k = 0; k < sum.size(); ++k) {
            sum[k] += values[k] * scale;
        }
    }
    Json rows = Json::array();
    for (std::size_t r = 0; r < results.replicates; ++r) {
        rows.push(std::vector<double>(sum.begin() + std::ptrdiff_t(r * points),
                                      sum.begin() + std::ptrdiff_t((r + 1) * points)));
    }
    return Json::object().set("label", label).set("values", rows);
}

/// The funnel and the money over time, each with its band over replicates.
Json run_plot(const Results& results, const std::string& name) {
    const auto has = [&](const char* kpi) { return results.timeseries.count(kpi) > 0; };
    Json funnel = Json::array();
    for (const char* kpi : {"aware", "considering", "customers"}) {
        if (has(kpi)) {
            funnel.push(replicates_of(results, kpi, {kpi}));
        }
    }
    Json panels = Json::array();
    panels.push(
        Json::object().set("title", "funnel").set("ylabel", "customers").set("series", funnel));
    if (has("revenue") && has("profit")) {
        std::vector<std::string> costs;
        for (const auto& [kpi, values] : results.timeseries) {
            if (kpi.size() > 5 && kpi.compare(kpi.size() - 5, 5, "_cost") == 0) {
                costs.push_back(kpi);
            }
        }
        Json money = Json::array();
        money.push(replicates_of(results, "revenue", {"revenue"}));
        money.push(replicates_of(results, "all costs", costs));
        money.push(replicates_of(results, "profit", {"profit"}));
        panels.push(Json::object()
                        .set("title", "money, cumulative since day 0")
                        .set("ylabel", "money")
                        .set("series", money));
    }
    const std::string whom =
        results.represents > 0
            ? "the market of " + format_readable(results.represents, 0) + " people"
            : format_readable(double(results.population), 0) + " customers";
    char subtitle[240];
    std::snprintf(subtitle, sizeof subtitle,
                  "%u replicate%s, seed %llu; line: mean, band: lowest to highest replicate; %s",
                  results.replicates, results.replicates == 1 ? "" : "s",
                  static_cast<unsigned long long>(results.seed), whom.c_str());
    return Json::object()
        .set("title", name)
        .set("subtitle", subtitle)
        .set("xlabel", "day")
        .set("x", results.time)
        .set("panels", panels);
}

} // namespace

int run(const RunArgs& args) {
    check_threads(args.threads, "--threads");
    const Scenario scenario = load_scenario(args.scenario, args.overrides);
    const std::string output = args.output.empty()
                                   ? std::filesystem::path(args.scenario).stem().string() + ".h5"
                                   : args.output;
    check_output(output, "-o");
    if (!args.plot.empty()) {
        check_plot(args.plot, "--plot");
    }
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
    if (!args.plot.empty()) {
        draw_plot("panels", run_plot(results, scenario.name), args.plot);
        if (!args.quiet) {
            std::printf("plot: %s\n", args.plot.c_str());
        }
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
         add_plot(command, args->plot,
                  "Also draw the funnel and the money over time, with replicate bands (PNG)");
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
