// A calibration's posterior file and its printed summary.
#include "custsim/calibration.hpp"

#include "custsim/results.hpp"
#include "h5_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace custsim {

namespace {

using h5::formatted;
using h5::lines_of;
using h5::vector_array;

/// /data: each observation's day, window start, value, variance; /fit: its counterparts.
void add_data(std::map<std::string, Array>& arrays, const Calibration& c,
              const Observations& data) {
    std::vector<double> day, from, value, variance;
    for (const Observation& row : data.rows) {
        day.push_back(row.day);
        from.push_back(row.from);
        value.push_back(row.value);
        variance.push_back(observation_variance(row));
    }
    arrays["/data/day"] = vector_array(day);
    arrays["/data/from"] = vector_array(from);
    arrays["/data/value"] = vector_array(value);
    arrays["/data/variance"] = vector_array(variance);
    arrays["/fit/median"] = vector_array(c.fit_median);
    arrays["/fit/low"] = vector_array(c.fit_low);
    arrays["/fit/high"] = vector_array(c.fit_high);
}

/// /emulator: the emulator method's design, hyperparameters and sd at the samples.
void add_emulator(std::map<std::string, Array>& arrays, const Calibration& c) {
    const EmulatorSummary& e = c.emulator;
    const std::uint64_t D = c.keys.size();
    arrays["/emulator/design"] = Array{{e.log_likelihood.size(), D}, e.design};
    arrays["/emulator/log_likelihood"] = vector_array(e.log_likelihood);
    arrays["/emulator/length_scales"] = vector_array(e.length_scales);
    arrays["/emulator/signal_sd"] = vector_array({e.signal_sd});
    arrays["/emulator/noise_sd"] = vector_array({e.noise_sd});
    arrays["/emulator/mean_coefficients"] = vector_array(e.mean_coefficients);
    arrays["/emulator/round_sd"] = vector_array(e.round_sd);
    arrays["/emulator/sd_at_samples"] = vector_array(e.sd_at_samples);
    arrays["/emulator/check/log_likelihood"] = vector_array(e.check_log_likelihood);
    arrays["/emulator/check/emulator_mean"] = vector_array(e.check_mean);
    arrays["/emulator/check/emulator_sd"] = vector_array(e.check_sd);
}

} // namespace

void write_calibration(const Calibration& c, const Observations& data, const Scenario& scenario,
                       const std::filesystem::path& path) {
    const std::uint64_t S = c.chain.steps, W = c.chain.walkers, D = c.chain.dimensions;
    const std::uint64_t N = c.sample_log_likelihood.size();
    std::map<std::string, Array> arrays;
    arrays["/chain"] = Array{{S, W, D}, c.chain.positions};
    arrays["/log_likelihood"] = Array{{S, W}, c.chain.log_density};
    arrays["/samples"] = Array{{N, D}, c.samples};
    arrays["/samples_log_likelihood"] = vector_array(c.sample_log_likelihood);
    arrays["/optimum"] = vector_array(c.optimum);
    std::vector<double> low, high, accepted;
    std::vector<std::string> keys, series;
    for (const FitKey& k : c.keys) {
        low.push_back(k.low);
        high.push_back(k.high);
        keys.push_back(k.key);
    }
    for (const std::uint32_t a : c.chain.accepted) {
        accepted.push_back(double(a) / double(S));
    }
    for (const Observation& row : data.rows) {
        series.push_back(row.series());
    }
    arrays["/prior/low"] = vector_array(low);
    arrays["/prior/high"] = vector_array(high);
    arrays["/posterior/median"] = vector_array(c.median);
    arrays["/posterior/low"] = vector_array(c.low);
    arrays["/posterior/high"] = vector_array(c.high);
    arrays["/diagnostics/acceptance"] = vector_array(accepted);
    arrays["/diagnostics/autocorrelation_time"] = vector_array(c.autocorrelation_time);
    arrays["/diagnostics/effective_sample_size"] = vector_array(c.effective_sample_size);
    arrays["/diagnostics/r_hat"] = vector_array(c.r_hat);
    add_data(arrays, c, data);
    std::map<std::string, std::string> emulator;
    if (c.method == CalibrationMethod::emulator) {
        add_emulator(arrays, c);
        emulator = {{"emulator_mean", c.emulator.mean},
                    {"emulator_tolerance", formatted("%.17g", c.emulator.tolerance)},
                    {"emulator_converged", c.emulator.converged ? "true" : "false"},
                    {"emulator_rounds", std::to_string(c.emulator.round_sd.size())}};
    }
    emulator["method"] = c.method == CalibrationMethod::emulator ? "emulator" : "ensemble";
    auto attributes = std::map<std::string, std::string>{
        {"custsim_version", CUSTSIM_VERSION},
        {"keys", lines_of(keys)},
        {"data_file", data.file},
        {"data_series", lines_of(series)},
        {"scenario_yaml", to_yaml(scenario)},
        {"burn_in", std::to_string(c.burn_in)},
        {"thin", std::to_string(c.thin)},
        {"evaluations", std::to_string(c.evaluations)},
        {"seconds", formatted("%.1f", c.seconds)},
        {"optimum_log_likelihood", formatted("%.17g", c.optimum_log_likelihood)}};
    attributes.merge(emulator);
    write_arrays(path, arrays, attributes);
}

namespace {

/// The summary's first line: what was sampled, how long, how many samples.
std::string headline(const Calibration& c) {
    const auto& chain = c.chain;
    const std::string chain_text =
        std::to_string(chain.walkers) + " walkers x " + std::to_string(chain.steps) +
        " steps (burn-in " + std::to_string(c.burn_in) + ", thin " + std::to_string(c.thin) +
        "): " + std::to_string(c.sample_log_likelihood.size()) + " samples\n";
    if (c.method != CalibrationMethod::emulator) {
        return "calibration: " + std::to_string(c.keys.size()) + " keys, " + chain_text;
    }
    const std::size_t design = c.emulator.log_likelihood.size();
    return "calibration (emulator): " + std::to_string(c.keys.size()) + " keys, " +
           std::to_string(design) + " design points (" + std::to_string(10 * c.keys.size()) +
           " initial, " + std::to_string(design - 10 * c.keys.size()) + " added in " +
           std::to_string(c.emulator.round_sd.size()) + " rounds); the emulator sampled by " +
           chain_text;
}

/// The emulator's line: its sd at the posterior samples against the tolerance.
std::string emulator_line(const Calibration& c) {
    const EmulatorSummary& e = c.emulator;
    std::vector<double> sd = e.sd_at_samples;
    std::sort(sd.begin(), sd.end());
    char line[256];
    std::snprintf(line, sizeof line,
                  "  emulator: sd at the samples median %.3g, 90 %% %.3g (tolerance %.3g); noise "
                  "sd %.3g; %s mean\n",
                  sd.empty() ? 0.0 : sd[sd.size() / 2],
                  sd.empty() ? 0.0 : sd[std::size_t(0.9 * double(sd.size() - 1))], e.tolerance,
                  e.noise_sd, e.mean.c_str());
    std::string out = line;
    double lowest = 0, highest = 0, mean = 0;
    for (std::size_t i = 0; i < e.check_mean.size(); ++i) {
        const double z = (e.check_log_likelihood[i] - e.check_mean[i]) / e.check_sd[i];
        lowest = i == 0 ? z : std::min(lowest, z);
        highest = i == 0 ? z : std::max(highest, z);
        mean += (e.check_log_likelihood[i] - e.check_mean[i]) / double(e.check_mean.size());
    }
    std::snprintf(line, sizeof line,
                  "  check at %zu posterior samples simulated: simulator - emulator %+.2f on "
                  "average, %+.1f to %+.1f predictive sd\n",
                  e.check_mean.size(), mean, lowest, highest);
    out += line;
    if (lowest < -4 || highest > 4) {
        out += "  note: the simulator differs from the emulator at its posterior's samples by "
               "more than 4 predictive sd: the emulator is wrong there; give more "
               "--evaluations\n";
    }
    if (!e.converged) {
        out += "  note: the emulator's sd at its posterior's samples is still above the "
               "--tolerance after the --evaluations: its uncertainty is not in the intervals; "
               "give more --evaluations\n";
    }
    return out;
}

} // namespace

std::string format_calibration(const Calibration& c) {
    const auto& chain = c.chain;
    std::string out = headline(c);
    char line[256];
    std::snprintf(line, sizeof line, "  %-36s %12s %12s %12s %8s %8s %6s\n", "key", "median", "5 %",
                  "95 %", "tau", "ESS", "R-hat");
    out += line;
    bool short_chain = false, unmixed = false;
    const double kept = double(chain.steps - c.burn_in);
    for (std::size_t d = 0; d < c.keys.size(); ++d) {
        std::snprintf(line, sizeof line, "  %-36s %12.5g %12.5g %12.5g %8.1f %8.0f %6.3f\n",
                      c.keys[d].key.c_str(), c.median[d], c.low[d], c.high[d],
                      c.autocorrelation_time[d], c.effective_sample_size[d], c.r_hat[d]);
        out += line;
        short_chain = short_chain || !(kept >= 50 * c.autocorrelation_time[d]);
        unmixed = unmixed || !(c.r_hat[d] < 1.1);
    }
    const bool emulator = c.method == CalibrationMethod::emulator;
    std::snprintf(line, sizeof line,
                  "  acceptance %.2f; %s log-likelihood %.2f; %llu %sevaluations in %.1f s\n",
                  c.acceptance, emulator ? "best design point's" : "optimum",
                  c.optimum_log_likelihood, (unsigned long long)c.evaluations,
                  emulator ? "simulator " : "", c.seconds);
    out += line;
    if (emulator) {
        out += emulator_line(c);
    }
    if (short_chain) {
        out += "  note: the chain after burn-in is shorter than 50 autocorrelation times, so tau "
               "is a rough estimate (emcee's rule): run more --steps for a final answer\n";
    }
    if (unmixed) {
        out += "  note: R-hat at or above 1.1: the walkers have not mixed; run more --steps\n";
    }
    return out;
}

} // namespace custsim
