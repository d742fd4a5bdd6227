#pragma once
// Observed data: a client's sales, tracking or adoption series, read from a tidy CSV and set
// against a run. Each row names a KPI of the registry (custsim/kpis.hpp), the day it was observed
// and, for flows, the window it covers; the simulated counterpart is read from Results the same
// way for every row, so calibration, fitted-series plots and checks share one definition.
#include "custsim/kpis.hpp"
#include "custsim/results.hpp"
#include "custsim/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace custsim {

/// One row of observed data. Days count from the run's day 0.
struct Observation {
    std::size_t line = 0; ///< in the file, for messages
    const Kpi* kpi = nullptr;
    std::string item;           ///< market, brand or channel name; empty for a scalar KPI
    std::size_t item_index = 0; ///< its position in kpi_items(scenario, kpi->per)
    double day = 0;             ///< stocks and ratios: the day; flows: the window's last day
    double from = 0;            ///< flows: the window is (from, day]; stocks: equal to day
    double value = 0;           ///< in the market's units (a survey: the share, 0..1)
    double sd = 0;              ///< standard error of value; 0: none given
    double n = 0;               ///< survey sample size; 0: none (value is then not a share survey)

    /// The row's series: KPI, breakdown and item, e.g. "purchases" or "brands/share[rival]".
    std::string series() const;
    /// A survey of a count of customers: value is their share of the population.
    bool share_of_population() const;
};

/// A file of observations, checked against the scenario it will be compared with.
struct Observations {
    std::string file; ///< the name messages use
    std::vector<Observation> rows;
};

/// Reads a tidy CSV of observations: columns `day` or `date` (ISO, needs the scenario's
/// start_date), `kpi`, optional `market`, `brand` or `channel`, `value`, optional `sd` or `n`
/// (docs/calibration.md). Every row is checked against the scenario (KPIs its model records,
/// names, days in 0..days on recorded days, windows of flows without gaps); a row that does not
/// fit is an InputError naming file, line, column and what is allowed.
Observations read_observations(const std::filesystem::path& path, const Scenario& scenario);
/// The same from text; `name` stands for the file in messages.
Observations parse_observations(std::string_view csv, std::string_view name,
                                const Scenario& scenario);

/// Days since 1970-01-01 of an ISO date YYYY-MM-DD (proleptic Gregorian), or nothing if the text
/// is not one.
std::optional<std::int64_t> iso_day_number(std::string_view date);

/// The variance of one observation's value: sd^2; a survey's p(1 - p) / n with p shrunk to
/// (value n + 1) / (n + 2) so that 0 and 1 keep a variance; a count without either, Poisson:
/// max(value, 1). Other rows must give sd or n (the reader refuses them otherwise).
double observation_variance(const Observation& row);

/// The simulated counterpart of each observation: replicate r's value of row i is
/// `values[r * rows + i]`; mean and variance of the mean over replicates. In the market's units.
struct Counterparts {
    std::uint32_t replicates = 0;
    std::vector<double> values;
    std::vector<double> mean;
    /// Variance of the mean over replicates: s^2 / R with R >= 2; with one replicate an estimate
    /// (counts: Poisson in the sample, scaled to the market; survey shares: p (1 - p) / population;
    /// others: 0), as docs/calibration.md says.
    std::vector<double> variance;
};

/// Reads every observation's counterpart from a run of the scenario the observations were
/// checked against: stocks at their day, flows summed over their window, ratios from /final.
/// Throws InputError if the results lack a day or series the observations need.
Counterparts counterparts(const Observations& observations, const Results& results);

/// The Gaussian log-likelihood of the observations given their counterparts:
/// sum of -((y - mean)^2 / v + log(2 pi v)) / 2 with v = observation_variance + variance.
double log_likelihood(const Observations& observations, const Counterparts& simulated);

} // namespace custsim
