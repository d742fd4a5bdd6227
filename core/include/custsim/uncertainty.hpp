#pragma once
// Parameter uncertainty carried into experiments (docs/uncertainty.md): an experiment is repeated
// at draws of the uncertain keys, from a calibration's posterior samples or from the scenario's
// `uncertain:` ranges. Each draw runs with a seed of its own, its replicates paired within it, so
// the spread of the per-draw results splits into a part from the parameters and a part from
// simulation noise (a one-way random-effects analysis of variance).
#include "custsim/experiment.hpp"
#include "custsim/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace custsim {

/// Points of the uncertain keys at which an experiment is repeated.
struct ParameterDraws {
    std::string source; ///< "posterior FILE" or "uncertain: ranges"
    std::vector<std::string> keys;
    std::vector<std::vector<double>> points; ///< [draw][key]
};

/// `count` draws spread evenly over a calibration's posterior samples (`custsim calibrate`'s
/// /samples, every (samples / count)-th one from the first). Throws InputError naming the file
/// when it is not a posterior file or holds fewer samples than `count`.
ParameterDraws posterior_draws(const std::filesystem::path& path, std::uint32_t count);

/// `count` draws from the scenario's `uncertain:` ranges: a Latin hypercube of the boxes, keyed
/// on the scenario's seed (the same draws on every run). Throws ScenarioError when the scenario has
/// no `uncertain:` keys, or one its keys refuse at an end of its range.
ParameterDraws uncertain_draws(const Scenario& scenario, std::uint32_t count);

/// The draws an experiment uses: the posterior file's when `posterior` is given (the scenario's
/// own `uncertain:` keys are then an error, as the two would disagree), else the scenario's
/// ranges; none when the scenario has no `uncertain:` and no file is given.
ParameterDraws experiment_draws(const Scenario& scenario, const std::string& posterior,
                                std::uint32_t count);

/// The scenario at draw `j`: the keys set as --set would, and a seed of the draw's own (the seed
/// mixed with j), so noise is independent between draws and paired within one.
Scenario at_draw(const Scenario& scenario, const ParameterDraws& draws, std::size_t j);

/// Throws ScenarioError naming the key when `a` and `b` give an uncertain key different values:
/// setting it to the draw's value in both would undo the very difference being compared.
void check_not_compared(const Scenario& a, const Scenario& b, const ParameterDraws& draws);

/// A difference whose interval includes parameter uncertainty. Over J draws with per-draw means
/// m_j (R paired replicates each) and noise variances n_j (the squared standard error of m_j):
/// the mean is the average of m_j; the variance of m_j across draws is split into noise, the
/// average n_j, and parameters, the rest (0 when noise explains it all); the 95 % interval is the
/// mean +- t(J-1) times the square root of their sum: where one experiment of R replicates at a
/// parameter point drawn from the uncertainty would land.
struct UncertainDifference {
    double mean = 0, low = 0, high = 0;
    double parameter_sd = 0, noise_sd = 0;   ///< standard deviations of the two parts
    std::uint32_t draws = 0, above_zero = 0; ///< draws, and those whose mean difference is > 0
    /// Share of the variance from the parameters, 0..1; NaN without any variance.
    double parameter_share() const;
};

/// Combines one Difference per draw (each from `replicates` paired replicates, its interval the
/// Student t one of paired_difference) into an UncertainDifference. A draw whose mean is NaN
/// (a ratio with nothing to divide by) makes the result NaN.
UncertainDifference combine_draws(const std::vector<Difference>& per_draw,
                                  std::uint32_t replicates);

/// compare() repeated at every draw, without its independent-seed run: rows per KPI.
struct UncertainComparison {
    struct Row {
        std::string kpi;
        double a = 0, b = 0; ///< means over draws and replicates
        UncertainDifference difference;
    };
    std::vector<Row> rows;
    ParameterDraws draws;
    std::uint32_t replicates = 0;
    std::vector<std::vector<double>> per_draw; ///< [row][draw]: the mean difference of each draw
};
UncertainComparison compare_uncertain(const Scenario& a, const Scenario& b,
                                      const ParameterDraws& draws, int threads = 0,
                                      const Progress& progress = {});

/// response() at every draw: each point's differences combined over the draws, and its
/// marginal ROI as the mean over draws with a Student t interval of the draws' values.
struct UncertainResponsePoint {
    double spend_per_day = 0;
    UncertainDifference adopted, purchases, revenue, margin, profit;
    Difference marginal_roi;
};
std::vector<UncertainResponsePoint> response_uncertain(const Scenario& scenario,
                                                       const std::string& channel,
                                                       const std::vector<double>& spends_per_day,
                                                       const ParameterDraws& draws, int threads = 0,
                                                       const Progress& progress = {});

/// levers() at every draw, each lever's cost, profit and profit per unit combined over them.
struct UncertainLever {
    std::string lever, step;
    UncertainDifference cost, profit, per_unit;
};
std::vector<UncertainLever> levers_uncertain(const Scenario& scenario, const ParameterDraws& draws,
                                             int threads = 0, const Progress& progress = {});

} // namespace custsim
