// custsim optimise: splits a fixed budget among the focal brand's channels and service levers to
// maximise a final KPI (docs/optimisation.md); every evaluation, the optimum and the comparison
// with the current plan go to an HDF5 file.
#include "command.hpp"
#include "commands.hpp"
#include "experiment_common.hpp"
#include "progress.hpp"
#include "ranks.hpp"

#include "custsim/error.hpp"
#include "custsim/kpis.hpp"
#include "custsim/optimise.hpp"
#include "custsim/resources.hpp"
#include "custsim/uncertainty.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

namespace custsim::cli {

namespace {

struct OptimiseArgs {
    std::string scenario, output, objective = "profit";
    std::vector<std::string> levers, min, max, market_budgets, overrides;
    double budget = std::nan(""), horizon = 0; ///< budget NaN: the market budgets' sum
    std::uint32_t replicates = 2, max_replicates = 8, evaluations = 0;
    int polish = -1;
    std::uint64_t seed = 0;
    bool seeded = false;
    int threads = 0;
    bool quiet = false, force = false;
    UncertaintyArgs uncertainty; ///< the gain checked over parameter draws
};

/// The optimum's paired gain over the current plan at every parameter draw (the allocation found
/// at the scenario's own values, checked against the parameters' uncertainty).
void check_over_draws(const OptimiseArgs& args, const Scenario& scenario, const Optimum& result,
                      const ParameterDraws& draws) {
    Scenario current = with_allocation(scenario, result, result.current);
    Scenario best = with_allocation(scenario, result, result.allocation);
    current.replicates = best.replicates = std::max<std::uint32_t>(2, args.replicates);
    UncertainComparison c;
    {
        RunsProgress progress(std::uint32_t(2 * draws.points.size()), current.replicates,
                              current.days, !args.quiet);
        c = compare_uncertain(current, best, draws, args.threads, std::ref(progress));
    }
    for (const auto& row : c.rows) {
        if (row.kpi == result.kpi && !args.quiet) {
            const auto& d = row.difference;
            std::printf(
                "gain over the current plan across %zu parameter draws (%s; the allocation "
                "found at the scenario's values, %u paired replicates a draw): %s [%s, %s], "
                "parameters' share of the variance %.0f %%, above 0 in %u of %u draws "
                "(docs/uncertainty.md)\n",
                draws.points.size(), draws.source.c_str(), current.replicates,
                format_readable(d.mean, 0).c_str(), format_readable(d.low, 0).c_str(),
                format_readable(d.high, 0).c_str(), 100 * d.parameter_share(), d.above_zero,
                d.draws);
        }
    }
}

/// The number `text` holds, whole; NaN when it holds none.
double number_or_nan(const std::string& text) {
    try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        return used == text.size() && std::isfinite(value) ? value : std::nan("");
    } catch (const std::exception&) {
        return std::nan("");
    }
}

/// `LEVER=MONEY` pairs of --min or --max; `MARKET=MONEY` of --market-budget.
std::map<std::string, double> bounds(const std::vector<std::string>& given, const char* option) {
    const bool market = std::string(option) == "--market-budget";
    std::map<std::string, double> out;
    for (const auto& text : given) {
        const auto equals = text.find('=');
        const double money = equals != std::string::npos && equals > 0
                                 ? number_or_nan(text.substr(equals + 1))
                                 : std::nan("");
        if (!(money >= 0)) {
            throw InputError(std::string(option) + ": expected " + (market ? "MARKET" : "LEVER") +
                             "=MONEY with money >= 0 over the horizon, e.g. " + option +
                             (market ? " home=50000" : " tv=10000") + ", got '" + text + "'");
        }
        if (!out.emplace(text.substr(0, equals), money).second) {
            throw InputError(std::string(option) + ": " + text.substr(0, equals) +
                             (market ? " is given twice" : " is bounded twice"));
        }
    }
    return out;
}

int optimise_command(OptimiseArgs args, const Ranks& ranks) {
    check_threads(args.threads, "--threads");
    if (args.seeded) {
        args.overrides.push_back("seed=" + std::to_string(args.seed));
    }
    const Scenario scenario = load_scenario(args.scenario, args.overrides);
    const ParameterDraws draws = draws_for(args.uncertainty, scenario);
    OptimiseOptions options;
    options.budget = args.budget;
    options.market_budgets = bounds(args.market_budgets, "--market-budget");
    options.levers = args.levers;
    options.objective = args.objective;
    options.horizon = args.horizon;
    options.min = bounds(args.min, "--min");
    options.max = bounds(args.max, "--max");
    options.start_replicates = args.replicates;
    options.max_replicates = args.max_replicates;
    options.evaluations = args.evaluations;
    options.polish = args.polish;
    options.threads = args.threads;
    options.runner = ranks.runner(args.threads);
    const std::string output =
        args.output.empty() ? std::filesystem::path(args.scenario).stem().string() + "_optimum.h5"
                            : args.output;
    if (ranks.lead()) {
        check_output(output, "-o");
    }
    if (!args.force) {
        // One evaluation per thread at once, each of up to --max-replicates replicates.
        Scenario one = scenario;
        one.replicates = args.max_replicates;
        const int team = team_size(args.threads);
        check_run_size(one, team, team);
    }
    catch_interrupts();
    if (ranks.size > 1 && ranks.lead() && !args.quiet) {
        std::printf("optimise: evaluations over %d ranks\n", ranks.size);
        std::fflush(stdout);
    }
    Optimum result;
    {
        // Evaluations as the bar's items: the planned count is at most what the stages allow;
        // when the stopping rule ends the search early, the bar jumps to the optimum's checks.
        std::unique_ptr<ProgressBar> bar;
        std::uint64_t items = 0;
        options.progress = [&](const char*, std::uint64_t done, std::uint64_t planned) {
            if (!bar) {
                items = std::max<std::uint64_t>(planned, 1);
                bar = std::make_unique<ProgressBar>(std::uint32_t(items), 1,
                                                    !args.quiet && ranks.lead(), "evaluation");
            }
            const auto item = std::uint32_t(double(done) / double(planned) * double(items));
            bar->update(std::clamp<std::uint32_t>(item, 1, std::uint32_t(items)) - 1, 1);
            return !interrupted();
        };
        result = optimise(scenario, options);
    }
    if (!ranks.lead()) { // rank 0 prints and writes
        return 0;
    }
    write_optimum(result, scenario, output);
    if (!args.quiet) {
        std::printf("%s", format_optimum(result).c_str());
        std::printf("evaluations: %s\n", output.c_str());
    }
    if (!draws.points.empty()) {
        check_over_draws(args, scenario, result, draws);
    }
    return 0;
}

void add_search_options(CLI::App& command, OptimiseArgs& args) {
    command.add_option("--objective", args.objective,
                       "Final KPI to maximise (default profit; custsim kpis lists them)");
    command.add_option("--horizon", args.horizon, "Days of the run (default: the scenario's days)")
        ->each([](const std::string& given) {
            if (!(number_or_nan(given) > 0)) {
                throw InputError("--horizon: must be a number of days > 0, got '" + given + "'");
            }
        });
    command.add_option("--min", args.min,
                       "A lever's lower bound: LEVER=MONEY over the horizon (repeatable)");
    command.add_option("--max", args.max,
                       "A lever's upper bound: LEVER=MONEY over the horizon (repeatable)");
    command.add_option("--replicates", args.replicates,
                       "Replicates of the first stage, doubled per stage (default 2, at least 2)");
    command.add_option("--max-replicates", args.max_replicates,
                       "Replicates of the last stage (default 8)");
    command.add_option("--evaluations", args.evaluations,
                       "Search evaluations of the first stage (default 8 x levers), halved "
                       "per stage");
    command
        .add_option("--polish", args.polish,
                    "Rounds of moving money between levers whose marginal returns surely "
                    "differ (default: two per lever; 0: none)")
        ->each([](const std::string& given) {
            const double rounds = number_or_nan(given);
            if (!(rounds >= 0) || rounds != std::floor(rounds)) {
                throw InputError("--polish: must be a whole number of rounds >= 0, got '" + given +
                                 "'");
            }
        });
    command.add_option_function<std::uint64_t>(
        "--seed", [&args](std::uint64_t seed) { args.seed = seed, args.seeded = true; },
        "Random seed of every evaluation");
    add_uncertainty_options(command, args.uncertainty,
                            "A calibration's posterior: the optimum's gain over the current plan "
                            "is checked at --draws of its samples");
}

const bool registered = register_command(
    {"optimise",
     "Split a fixed budget among channels and service levers to maximise a KPI (noise-aware)",
     [](CLI::App& command) {
         auto args = std::make_shared<OptimiseArgs>();
         command.add_option("scenario", args->scenario, "Scenario file (YAML)")->required();
         command
             .add_option("--budget", args->budget,
                         "Money the levers share over the horizon, exactly (the market's; "
                         "default with --market-budget: their sum)")
             ->each([](const std::string& given) {
                 if (!(number_or_nan(given) >= 0)) {
                     throw InputError("--budget: must be money >= 0 over the horizon, got '" +
                                      given + "'");
                 }
             });
         command
             .add_option("--levers", args->levers,
                         "Levers, comma-separated: channel names, agents, training, logistics, "
                         "service_level; CHANNEL@MARKET for a channel in one market")
             ->required()
             ->delimiter(',');
         command.add_option("--market-budget", args->market_budgets,
                            "MARKET=MONEY: the money the market's levers (CHANNEL@MARKET) share "
                            "over the horizon, exactly (repeatable)");
         add_search_options(command, *args);
         add_output(command, args->output, "Evaluations file (default: <scenario>_optimum.h5)");
         add_threads(command, args->threads);
         add_force(command, args->force);
         add_overrides(command, args->overrides);
         add_quiet(command, args->quiet, "No progress and no summary");
         return std::function<int()>([args] {
             return run_on_ranks(
                 [&](const Ranks& ranks) { return optimise_command(*args, ranks); });
         });
     },
     56});

} // namespace

} // namespace custsim::cli
