// An optimisation's HDF5 file and its printed summary (docs/optimisation.md).
#include "custsim/optimise.hpp"

#include "custsim/results.hpp"
#include "h5_util.hpp"

#include <cmath>
#include <cstdio>
#include <numeric>

namespace custsim {

namespace {

using h5::formatted;
using h5::lines_of;
using h5::vector_array;

Array difference_array(const Difference& d) {
    return Array{{3}, {d.mean, d.low, d.high}};
}

std::string interval(const Difference& d, const char* format = "%.6g") {
    return formatted(format, d.mean) + " [" + formatted(format, d.low) + ", " +
           formatted(format, d.high) + "]";
}

/// /evaluations: every allocation run, in the order of the stages.
void add_evaluations(std::map<std::string, Array>& arrays, const Optimum& o) {
    const std::uint64_t E = o.evaluations.size(), n = o.levers.size();
    Array allocation{{E, n}, {}};
    std::vector<double> stage, replicates, mean, sd;
    for (const auto& e : o.evaluations) {
        allocation.values.insert(allocation.values.end(), e.allocation.begin(), e.allocation.end());
        stage.push_back(e.stage);
        replicates.push_back(e.replicates);
        mean.push_back(e.mean);
        sd.push_back(e.sd);
    }
    arrays["/evaluations/allocation"] = allocation;
    arrays["/evaluations/stage"] = vector_array(stage);
    arrays["/evaluations/replicates"] = vector_array(replicates);
    arrays["/evaluations/mean"] = vector_array(mean);
    arrays["/evaluations/sd"] = vector_array(sd);
}

} // namespace

void write_optimum(const Optimum& o, const Scenario& scenario, const std::filesystem::path& path) {
    std::map<std::string, Array> arrays;
    add_evaluations(arrays, o);
    arrays["/optimum/allocation"] = vector_array(o.allocation);
    arrays["/optimum/setting"] = vector_array(o.setting);
    arrays["/optimum/objective"] = difference_array(o.objective);
    arrays["/current/allocation"] = vector_array(o.current);
    arrays["/current/setting"] = vector_array(o.current_setting);
    arrays["/current/objective"] = Array{{1}, {o.current_objective}};
    arrays["/gain"] = difference_array(o.gain);
    arrays["/challenger"] = difference_array(o.challenger);
    arrays["/bounds/min"] = vector_array(o.min);
    arrays["/bounds/max"] = vector_array(o.max);
    for (const auto& [name, values] :
         {std::pair{"/marginal", &o.marginal}, std::pair{"/marginal_down", &o.marginal_down}}) {
        std::vector<double> mean, low, high;
        for (const auto& d : *values) {
            mean.push_back(d.mean);
            low.push_back(d.low);
            high.push_back(d.high);
        }
        arrays[std::string(name) + "/mean"] = vector_array(mean);
        arrays[std::string(name) + "/low"] = vector_array(low);
        arrays[std::string(name) + "/high"] = vector_array(high);
    }
    arrays["/marginal/step"] = vector_array(o.marginal_step);
    std::vector<std::string> markets;
    for (const auto& [market, money] : o.market_budgets) {
        markets.push_back(market);
        arrays["/market_budgets"].shape = {o.market_budgets.size()};
        arrays["/market_budgets"].values.push_back(money);
    }
    write_arrays(path, arrays,
                 {{"custsim_version", CUSTSIM_VERSION},
                  {"markets", lines_of(markets)},
                  {"levers", lines_of(o.levers)},
                  {"units", lines_of(o.units)},
                  {"objective", o.kpi},
                  {"budget", formatted("%.17g", o.budget)},
                  {"horizon", formatted("%.17g", o.horizon)},
                  {"replicates", std::to_string(o.replicates)},
                  {"stages", std::to_string(o.stages)},
                  {"within_noise", o.within_noise ? "true" : "false"},
                  {"stop_reason", o.stop_reason},
                  {"polish_moves", std::to_string(o.polish_moves)},
                  {"polish_note", o.polish_note},
                  {"customer_days", formatted("%.17g", o.customer_days)},
                  {"seconds", formatted("%.3f", o.seconds)},
                  {"scenario_yaml", to_yaml(scenario)}});
}

std::string format_optimum(const Optimum& o) {
    std::string out = "optimise: " + o.kpi + " over " + formatted("%g", o.horizon) +
                      " days, budget " + formatted("%.6g", o.budget) + " over " +
                      std::to_string(o.levers.size()) + " levers (NLopt LN_SBPLX, " +
                      std::to_string(o.stages) + " stages, " + std::to_string(o.replicates) +
                      " replicates in the last)\n";
    char line[256];
    std::snprintf(line, sizeof line, "  %-16s %12s %7s %14s %-10s %12s %12s %12s\n", "lever",
                  "spend", "share", "setting", "unit", "min", "max", "current");
    out += line;
    for (std::size_t i = 0; i < o.levers.size(); ++i) {
        std::snprintf(line, sizeof line,
                      "  %-16s %12.6g %6.1f%% %14.6g %-10s %12.6g %12.6g %12.6g\n",
                      o.levers[i].c_str(), o.allocation[i], 100 * o.allocation[i] / o.budget,
                      o.setting[i], o.units[i].c_str(), o.min[i], o.max[i], o.current[i]);
        out += line;
    }
    const double total = std::accumulate(o.allocation.begin(), o.allocation.end(), 0.0);
    out += "  total " + formatted("%.10g", total) + " (the budget, to rounding)\n";
    for (const auto& [market, budget] : o.market_budgets) {
        double spent = 0;
        for (std::size_t i = 0; i < o.levers.size(); ++i) {
            spent += o.budget_market[i] == market ? o.allocation[i] : 0.0;
        }
        out += "  in " + market + " " + formatted("%.10g", spent) + " (its --market-budget " +
               formatted("%.10g", budget) + ", to rounding)\n";
    }
    out += "  " + o.kpi + " at the optimum: " + interval(o.objective) + " (95 %)\n";
    out += "  gain over the current plan (" + formatted("%.6g", o.current_objective) +
           "): " + interval(o.gain) + " (paired: same seed, 95 %)\n";
    out += "  marginal " + o.kpi +
           " per currency unit at the optimum (95 %), on an increase "
           "and on a decrease:\n";
    for (std::size_t i = 0; i < o.levers.size(); ++i) {
        std::snprintf(line, sizeof line, "    %-16s up %-32s down %-32s (probe %.4g)\n",
                      o.levers[i].c_str(), interval(o.marginal[i], "%.4g").c_str(),
                      interval(o.marginal_down[i], "%.4g").c_str(), o.marginal_step[i]);
        out += line;
    }
    out += "  stopped: " + o.stop_reason + " (challenger - incumbent " + interval(o.challenger) +
           ")\n";
    out += "  polished: " + std::to_string(o.polish_moves) + " moves by marginal returns; " +
           o.polish_note + "\n";
    out += "  " + std::to_string(o.evaluations.size()) + " evaluations, " +
           formatted("%.3g", o.customer_days) + " customer-days, " + formatted("%.1f", o.seconds) +
           " s\n";
    return out;
}

} // namespace custsim
