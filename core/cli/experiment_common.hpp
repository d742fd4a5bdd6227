#pragma once
// What compare, response and levers share, with and without parameter uncertainty: the checks
// before the runs, the KPIs chosen, numbers as text.
#include "commands.hpp"
#include "progress.hpp"

#include "custsim/experiment.hpp"
#include "custsim/kpis.hpp"
#include "custsim/uncertainty.hpp"

#include "command.hpp"
#include "plot.hpp"

#include <map>
#include <string>
#include <vector>

namespace custsim::cli {

/// "[low, high]" of a difference, 4 significant digits.
std::string interval(const Difference& d);
/// --spend FROM:TO:STEPS as the spends; InputError when it is not that.
std::vector<double> parse_spends(const std::string& text);
/// Writes d's mean, low and high at `at` of the datasets name_mean, name_low, name_high.
void put(std::map<std::string, std::vector<double>>& out, const std::string& name,
         const Difference& d, std::size_t at, std::size_t size);
/// Everything that can be refused before the runs: threads, the output file, the size.
void preflight(const ExperimentArgs& args, const Scenario& scenario, double runs);
/// The table and plot files, refused before the runs if they cannot be written (--plot: nor
/// drawn).
void check_files(const ExperimentArgs& args);
/// The KPIs compare reports, by group (kpis_by_group): all the model computes, or those
/// `--kpis` names (comma-separated); an unknown name is refused with the list.
std::vector<const Kpi*> chosen_kpis(const std::string& names, bool journey);
/// (B - A) / |A| in %, so that its sign is that of B - A; NaN when A is 0.
double percent_of(double difference, double a);
/// "+1.2 %", or "-" for NaN.
std::string percent_text(double percent);
/// The shortest text that reads back as the same double; empty for NaN and inf.
std::string csv_number(double value);

/// The response curves: customers and money against the channel's spend per day, with their
/// intervals; `about` replaces the subtitle (empty: same seed, replicates, days).
Json response_plot(const Scenario& s, const std::string& channel,
                   const std::vector<ResponsePoint>& points, const std::string& about);
/// --posterior and --draws (compare, response, levers, optimise); `posterior_help` says what
/// the posterior's draws are for.
void add_uncertainty_options(CLI::App& command, UncertaintyArgs& args,
                             const std::string& posterior_help =
                                 "Repeat at draws from a calibration's posterior (custsim "
                                 "calibrate -o): intervals include parameter uncertainty");
/// The parameter draws the experiment repeats at (--posterior, or the scenario's `uncertain:`);
/// none when neither is given. --draws alone is refused.
ParameterDraws draws_for(const UncertaintyArgs& args, const Scenario& scenario);
/// The experiments repeated over parameter draws, with intervals split into parameters and noise.
int compare_over_draws(const ExperimentArgs& args, const Scenario& a, const Scenario& b,
                       const ParameterDraws& draws);
int response_over_draws(const ExperimentArgs& args, const Scenario& s, const ParameterDraws& draws);
/// `runs`: the runs of one levers() call (for the progress bar and the size check).
int levers_over_draws(const ExperimentArgs& args, const Scenario& s, const ParameterDraws& draws,
                      std::uint32_t runs);

} // namespace custsim::cli
