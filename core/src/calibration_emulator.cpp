// custsim calibrate --method emulator: the emulator method (emulator.cpp) on the simulator, its
// progress file, the posterior's summaries and the fitted series, simulated at the posterior
// median and at a subset of the posterior samples.
#include "calibration_emulator.hpp"

#include "custsim/error.hpp"
#include "custsim/results.hpp"
#include "emulator.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>

namespace custsim::detail {

namespace {

constexpr std::uint32_t fit_runs = 20; // the posterior median and 19 posterior samples

std::string hex(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%a", value);
    return text;
}

/// The emulator's settings from the calibration's options, checked.
EmulatorSettings settings_of(const CalibrationOptions& o, std::size_t keys, std::uint64_t seed) {
    const auto K = std::uint32_t(keys);
    EmulatorSettings s;
    s.seed = seed;
    s.initial = 10 * K;
    const std::uint64_t all = o.evaluations ? o.evaluations : 100 * K + fit_runs;
    if (all < s.initial + fit_runs) {
        throw InputError("--evaluations: the emulator method needs at least " +
                         std::to_string(s.initial + fit_runs) +
                         " (its initial design of 10 x keys and " + std::to_string(fit_runs) +
                         " runs for the fitted series), got " + std::to_string(all));
    }
    s.evaluations = all - fit_runs;
    if (!(std::isfinite(o.tolerance) && o.tolerance > 0)) {
        throw InputError("--tolerance: must be a number > 0 (log-likelihood units), got " +
                         std::to_string(o.tolerance));
    }
    s.tolerance = o.tolerance;
    s.walkers = o.walkers ? o.walkers : std::max(32u, 8 * K);
    if (s.walkers % 2 != 0 || s.walkers < 2 * K) {
        throw InputError("--walkers: must be even and at least twice the keys fitted (" +
                         std::to_string(2 * K) + "), got " + std::to_string(s.walkers));
    }
    s.steps = o.steps ? o.steps : 10000;
    if (s.steps < 4) {
        throw InputError("--steps: must be at least 4 (half are burn-in), got " +
                         std::to_string(s.steps));
    }
    s.threads = o.threads;
    return s;
}

std::string identity_of(const std::string& common, const EmulatorSettings& s) {
    return common + " emulator " + std::to_string(s.evaluations) + " " + hex(s.tolerance) + " " +
           std::to_string(s.walkers) + " " + std::to_string(s.steps) + " " +
           std::to_string(s.round_steps) + " " + std::to_string(s.initial);
}

void write_progress(const std::filesystem::path& path, const std::string& identity,
                    const EmulatorState& state) {
    const std::uint64_t n = state.values.size(),
                        D = state.design.empty() ? 0 : state.design[0].size();
    std::map<std::string, Array> arrays;
    Array& design = arrays["/emulator/design"] = Array{{n, D}, {}};
    for (const auto& x : state.design) {
        design.values.insert(design.values.end(), x.begin(), x.end());
    }
    arrays["/emulator/values"] = Array{{n}, state.values};
    const auto& h = state.hyperparameters;
    arrays["/emulator/numbers"] =
        Array{{4},
              {double(state.round_sd.size()), double(h.length_scales.size()),
               double(state.walkers.size()), double(state.fitted_at)}};
    if (!state.round_sd.empty()) {
        arrays["/emulator/round_sd"] = Array{{state.round_sd.size()}, state.round_sd};
    }
    if (!h.length_scales.empty()) {
        Array& hyper = arrays["/emulator/hyperparameters"] = Array{{D + 2}, h.length_scales};
        hyper.values.insert(hyper.values.end(), {h.signal_sd, h.noise_sd});
    }
    if (!state.walkers.empty()) {
        Array& walkers = arrays["/emulator/walkers"] = Array{{state.walkers.size(), D}, {}};
        for (const auto& u : state.walkers) {
            walkers.values.insert(walkers.values.end(), u.begin(), u.end());
        }
    }
    write_arrays(path, arrays, {{"fingerprint", identity}, {"method", "emulator"}});
}

std::vector<std::vector<double>> rows_of(const Array& a, std::size_t width) {
    std::vector<std::vector<double>> out;
    for (std::size_t i = 0; width > 0 && i + width <= a.values.size(); i += width) {
        out.emplace_back(a.values.begin() + std::ptrdiff_t(i),
                         a.values.begin() + std::ptrdiff_t(i + width));
    }
    return out;
}

/// The progress of this calibration as numbers (sizes, then the design, values, rounds,
/// hyperparameters and walkers), none if there is none; the progress of another is an
/// InputError.
std::vector<double> read_progress(const std::filesystem::path& path, const std::string& identity,
                                  std::size_t D) {
    if (path.empty() || !std::filesystem::exists(path)) {
        return {};
    }
    check_progress_of(path, identity);
    const auto numbers = read_arrays(path, {"/emulator/numbers"})["/emulator/numbers"].values;
    std::vector<std::string> names = {"/emulator/design", "/emulator/values"};
    if (numbers.size() != 4) {
        throw InputError(path.string() + ": not an emulator's progress; remove it to start again");
    }
    const char* optional[] = {"/emulator/round_sd", "/emulator/hyperparameters",
                              "/emulator/walkers"};
    for (int i = 0; i < 3; ++i) {
        if (numbers[i] > 0) {
            names.push_back(optional[i]);
        }
    }
    auto a = read_arrays(path, names);
    const std::size_t n = a["/emulator/values"].values.size();
    if (a["/emulator/design"].values.size() != n * D ||
        a["/emulator/round_sd"].values.size() != numbers[0] ||
        (numbers[1] > 0 && a["/emulator/hyperparameters"].values.size() != D + 2) ||
        a["/emulator/walkers"].values.size() != numbers[2] * double(D)) {
        throw InputError(path.string() + ": its arrays do not have the shapes of this "
                                         "calibration's progress; remove it to start again");
    }
    std::vector<double> out = {double(n), numbers[0], numbers[1] > 0 ? double(D + 2) : 0.0,
                               numbers[2], numbers[3]};
    for (const auto& name : {"/emulator/design", "/emulator/values", "/emulator/round_sd",
                             "/emulator/hyperparameters", "/emulator/walkers"}) {
        out.insert(out.end(), a[name].values.begin(), a[name].values.end());
    }
    return out;
}

/// The state read_progress read.
EmulatorState state_from(const std::vector<double>& numbers, std::size_t D) {
    const auto n = std::size_t(numbers.at(0)), rounds = std::size_t(numbers.at(1)),
               hyper = std::size_t(numbers.at(2)), walkers = std::size_t(numbers.at(3));
    auto at = numbers.begin() + 5;
    auto take = [&](std::size_t count) {
        std::vector<double> part(at, at + std::ptrdiff_t(count));
        at += std::ptrdiff_t(count);
        return part;
    };
    EmulatorState state;
    state.design = rows_of(Array{{}, take(n * D)}, D);
    state.values = take(n);
    state.round_sd = take(rounds);
    const auto h = take(hyper);
    state.walkers = rows_of(Array{{}, take(walkers * D)}, D);
    state.fitted_at = std::uint64_t(numbers.at(4));
    if (!h.empty()) {
        state.hyperparameters = {{h.begin(), h.begin() + std::ptrdiff_t(D)}, h[D], h[D + 1]};
    }
    return state;
}

/// The emulator's design, its hyperparameters in the keys' units, its sd at the samples.
void describe_emulator(Calibration& c, const EmulatorRun& run, double tolerance) {
    EmulatorSummary& e = c.emulator;
    const std::size_t D = c.keys.size();
    for (const auto& x : run.state.design) {
        e.design.insert(e.design.end(), x.begin(), x.end());
    }
    e.log_likelihood = run.state.values;
    const GpHyperparameters& h = run.emulator->hyperparameters();
    for (std::size_t d = 0; d < D; ++d) {
        e.length_scales.push_back(h.length_scales[d] * (c.keys[d].high - c.keys[d].low));
    }
    e.signal_sd = h.signal_sd;
    e.noise_sd = h.noise_sd;
    e.mean = run.emulator->mean_kind() == GpMean::quadratic ? "quadratic" : "constant";
    const auto& beta = run.emulator->mean_coefficients();
    e.mean_coefficients.assign(beta.data(), beta.data() + beta.size());
    e.round_sd = run.state.round_sd;
    e.tolerance = tolerance;
    e.converged = run.converged;
    for (std::size_t i = 0; i < c.sample_log_likelihood.size(); ++i) {
        const std::vector<double> x(c.samples.begin() + std::ptrdiff_t(i * D),
                                    c.samples.begin() + std::ptrdiff_t((i + 1) * D));
        e.sd_at_samples.push_back(emulator_sd(run, c.keys, x));
    }
    std::size_t best = 0;
    for (std::size_t i = 0; i < run.state.values.size(); ++i) {
        best = run.state.values[i] > run.state.values[best] ? i : best;
    }
    c.optimum = run.state.design[best];
    c.optimum_log_likelihood = run.state.values[best];
}

/// The fitted series: the simulator at the posterior median, and the 5-95 % band of its
/// counterparts at 19 posterior samples spread evenly over the thinned chain; at those samples,
/// the simulator's log-likelihood against the emulator's (the check).
void fitted_series(Calibration& c, const Simulator& simulator, const EmulatorRun& run,
                   std::size_t observations) {
    const std::size_t D = c.keys.size(), N = c.sample_log_likelihood.size();
    std::vector<std::vector<double>> points = {c.median};
    for (std::size_t i = 0; i + 1 < fit_runs && N > 0; ++i) {
        const std::size_t at = i * N / (fit_runs - 1);
        points.emplace_back(c.samples.begin() + std::ptrdiff_t(at * D),
                            c.samples.begin() + std::ptrdiff_t((at + 1) * D));
    }
    simulator.plan("fit", points.size());
    const auto values = simulator.evaluate(points);
    c.fit_median = values[0].blob;
    const double noise = run.emulator->hyperparameters().noise_sd;
    for (std::size_t i = 1; i < values.size(); ++i) {
        const double sd = emulator_sd(run, c.keys, points[i]);
        c.emulator.check_log_likelihood.push_back(values[i].log_density);
        c.emulator.check_mean.push_back(emulator_mean(run, c.keys, points[i]));
        c.emulator.check_sd.push_back(std::sqrt(sd * sd + noise * noise));
    }
    for (std::size_t o = 0; o < observations; ++o) {
        std::vector<double> band;
        for (std::size_t i = 1; i < values.size(); ++i) {
            if (values[i].blob.size() == observations) {
                band.push_back(values[i].blob[o]);
            }
        }
        c.fit_low.push_back(posterior_quantile(band, 0.05));
        c.fit_high.push_back(posterior_quantile(band, 0.95));
    }
    c.emulator.fit_evaluations = points.size();
}

} // namespace

Calibration calibrate_with_emulator(const Scenario& scenario, const Observations& data,
                                    const std::vector<FitKey>& keys,
                                    const CalibrationOptions& options, const Simulator& simulator) {
    const auto start = std::chrono::steady_clock::now();
    EmulatorSettings s = settings_of(options, keys.size(), scenario.seed);
    const std::string identity = identity_of(simulator.fingerprint, s);
    const auto numbers =
        simulator.shared([&] { return read_progress(options.checkpoint, identity, keys.size()); });
    std::optional<EmulatorState> resumed;
    if (!numbers.empty()) {
        resumed = state_from(numbers, keys.size());
    }
    s.resume = resumed ? &*resumed : nullptr;
    std::uint64_t planned = resumed ? resumed->values.size() : 0;
    const std::uint64_t budget = s.evaluations + fit_runs;
    s.plan = [&](const char* stage, std::uint64_t batch) {
        simulator.plan(stage, budget - planned);
        planned += batch;
    };
    // The chains on the emulator: a Ctrl-C is seen within a step; with a runner of its own (MPI
    // ranks) at the next batch, where the ranks stop together.
    if (options.progress && !options.runner) {
        s.keep_going = [&] { return options.progress("emulate", planned, budget); };
    }
    if (!options.checkpoint.empty()) {
        s.checkpoint = [&](const EmulatorState& state) {
            write_progress(options.checkpoint, identity, state);
        };
    }
    const EmulatorRun run = emulator_sample(simulator.evaluate, keys, s);
    Calibration c;
    c.method = CalibrationMethod::emulator;
    c.keys = keys;
    c.chain = run.chain;
    summarise_posterior(c);
    describe_emulator(c, run, s.tolerance);
    fitted_series(c, simulator, run, data.rows.size());
    c.evaluations = run.state.values.size() + c.emulator.fit_evaluations;
    c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return c;
}

} // namespace custsim::detail
