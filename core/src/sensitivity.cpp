#include "custsim/sensitivity.hpp"

#include "custsim/error.hpp"
#include "custsim/kpis.hpp"
#include "custsim/resources.hpp"
#include "custsim/rng.hpp"
#include "yaml_tree.hpp"

#include <boost/random/sobol.hpp>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

namespace custsim {

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

/// The stream numbers of Process::sensitivity's draws (Draws' `customer` word).
enum Stream : std::uint32_t { trajectory = 0, resample = 1, base_sample = 2 };

std::string number_text(double value) {
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, end);
}

std::string range_text(const SensitivityInput& input) {
    return input.name + "=" + number_text(input.low) + ":" + number_text(input.high);
}

void check_inputs(const std::vector<SensitivityInput>& inputs) {
    if (inputs.empty()) {
        throw InputError("sensitivity: give at least one input to vary (KEY=LOW:HIGH)");
    }
    std::set<std::string> seen;
    for (const auto& input : inputs) {
        if (input.name.empty()) {
            throw InputError("sensitivity: an input has no name (expected KEY=LOW:HIGH)");
        }
        if (!seen.insert(input.name).second) {
            throw InputError("sensitivity: " + input.name + " is varied twice; give each key once");
        }
        if (!std::isfinite(input.low) || !std::isfinite(input.high) || !(input.low < input.high)) {
            throw InputError("sensitivity: " + range_text(input) +
                             ": LOW must be below HIGH, both finite numbers");
        }
    }
}

/// Which of `n` blocks a resample takes: the identity for resample 0 (the estimate itself).
std::vector<std::uint32_t> resampled(std::uint32_t n, std::uint32_t b, std::uint64_t seed) {
    std::vector<std::uint32_t> rows(n);
    if (b == 0) {
        std::iota(rows.begin(), rows.end(), 0u);
        return rows;
    }
    Draws draws(StreamKey{seed, 0}, b - 1, Process::sensitivity, Stream::resample);
    for (auto& row : rows) {
        row = std::min(static_cast<std::uint32_t>(draws.uniform() * n), n - 1);
    }
    return rows;
}

/// The 2.5 % and 97.5 % percentiles (linear between order statistics) of the finite values.
Estimate percentile_interval(double value, std::vector<double> resamples) {
    resamples.erase(std::remove_if(resamples.begin(), resamples.end(),
                                   [](double x) { return !std::isfinite(x); }),
                    resamples.end());
    if (resamples.empty()) {
        return {value, value, value};
    }
    std::sort(resamples.begin(), resamples.end());
    auto at = [&](double p) {
        const double position = p * double(resamples.size() - 1);
        const auto below = static_cast<std::size_t>(std::floor(position));
        const std::size_t above = std::min(below + 1, resamples.size() - 1);
        return resamples[below] +
               (position - double(below)) * (resamples[above] - resamples[below]);
    };
    return {value, at(0.025), at(0.975)};
}

void check_outputs(const SensitivityDesign& design, const std::vector<double>& outputs) {
    if (outputs.size() != design.evaluations()) {
        throw InputError("sensitivity: " + std::to_string(outputs.size()) +
                         " outputs for a design of " + std::to_string(design.evaluations()) +
                         " evaluations");
    }
    for (std::size_t e = 0; e < outputs.size(); ++e) {
        if (!std::isfinite(outputs[e])) {
            throw InputError("sensitivity: the output of evaluation " + std::to_string(e) +
                             " is not finite");
        }
    }
}

} // namespace

const char* to_string(SensitivityMethod method) {
    return method == SensitivityMethod::morris ? "morris" : "sobol";
}

const char* to_string(Sampling sampling) {
    return sampling == Sampling::quasi_random ? "quasi_random" : "random";
}

std::size_t SensitivityDesign::block() const {
    return inputs.size() + (method == SensitivityMethod::morris ? 1 : 2);
}

double SensitivityDesign::value(std::size_t e, std::size_t i) const {
    const auto& input = inputs[i];
    return input.low + unit[e * inputs.size() + i] * (input.high - input.low);
}

SensitivityDesign morris_design(const std::vector<SensitivityInput>& inputs,
                                std::uint32_t trajectories, std::uint32_t levels,
                                std::uint64_t seed) {
    check_inputs(inputs);
    if (trajectories < 2) {
        throw InputError("sensitivity: Morris needs at least 2 trajectories, got " +
                         std::to_string(trajectories));
    }
    if (levels < 2 || levels % 2 != 0 || levels > 1000) {
        throw InputError("sensitivity: Morris's levels must be an even number from 2 to 1000, "
                         "got " +
                         std::to_string(levels));
    }
    SensitivityDesign design{
        SensitivityMethod::morris, Sampling::random, inputs, trajectories, levels, seed, {}};
    const std::size_t k = inputs.size();
    const std::uint32_t half = levels / 2; // delta = half / (levels - 1) in the unit cube
    design.unit.reserve(std::size_t(trajectories) * (k + 1) * k);
    for (std::uint32_t t = 0; t < trajectories; ++t) {
        Draws draws(StreamKey{seed, 0}, t, Process::sensitivity, Stream::trajectory);
        // A grid level from which the step stays inside, and the step's direction, per input.
        std::vector<std::uint32_t> level(k);
        std::vector<bool> up(k);
        for (std::size_t i = 0; i < k; ++i) {
            const auto base =
                std::min(static_cast<std::uint32_t>(draws.uniform() * half), half - 1);
            up[i] = draws.uniform() < 0.5;
            level[i] = up[i] ? base : base + half;
        }
        std::vector<std::size_t> order(k);
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t i = k; i > 1; --i) { // Fisher-Yates
            const auto j = std::min(static_cast<std::size_t>(draws.uniform() * double(i)), i - 1);
            std::swap(order[i - 1], order[j]);
        }
        for (std::size_t step = 0; step <= k; ++step) {
            if (step > 0) {
                const std::size_t i = order[step - 1];
                level[i] = up[i] ? level[i] + half : level[i] - half;
            }
            for (std::size_t i = 0; i < k; ++i) {
                design.unit.push_back(double(level[i]) / double(levels - 1));
            }
        }
    }
    return design;
}

SensitivityDesign sobol_design(const std::vector<SensitivityInput>& inputs, std::uint32_t samples,
                               Sampling sampling, std::uint64_t seed) {
    check_inputs(inputs);
    if (samples < 2) {
        throw InputError("sensitivity: Sobol needs at least 2 base samples, got " +
                         std::to_string(samples));
    }
    const std::size_t k = inputs.size();
    constexpr std::size_t dimensions = boost::random::default_sobol_table::max_dimension;
    if (2 * k > dimensions) {
        throw InputError("sensitivity: at most " + std::to_string(dimensions / 2) +
                         " inputs for Sobol's design, got " + std::to_string(k));
    }
    SensitivityDesign design{SensitivityMethod::sobol, sampling, inputs, samples, 0, seed, {}};
    // The base sample: N points in 2k dimensions, A the first k coordinates, B the rest. The
    // Sobol sequence starts after its all-zero point (Boost skips it).
    boost::random::sobol_engine<std::uint32_t, 32> sequence(2 * k);
    std::vector<double> base(2 * k);
    design.unit.reserve(std::size_t(samples) * (k + 2) * k);
    for (std::uint32_t j = 0; j < samples; ++j) {
        Draws draws(StreamKey{seed, 0}, j, Process::sensitivity, Stream::base_sample);
        for (auto& u : base) {
            u = sampling == Sampling::quasi_random ? double(sequence()) * 0x1p-32 : draws.uniform();
        }
        design.unit.insert(design.unit.end(), base.begin(), base.begin() + std::ptrdiff_t(k));
        design.unit.insert(design.unit.end(), base.begin() + std::ptrdiff_t(k), base.end());
        for (std::size_t i = 0; i < k; ++i) {
            const std::size_t start = design.unit.size();
            design.unit.insert(design.unit.end(), base.begin(), base.begin() + std::ptrdiff_t(k));
            design.unit[start + i] = base[k + i];
        }
    }
    return design;
}

namespace {

/// The elementary effects of one trajectory: ee[i] for each input.
std::vector<double> trajectory_effects(const SensitivityDesign& d, const std::vector<double>& y,
                                       std::size_t t) {
    const std::size_t k = d.inputs.size(), first = t * (k + 1);
    std::vector<double> ee(k, not_a_number);
    for (std::size_t step = 1; step <= k; ++step) {
        const double* before = &d.unit[(first + step - 1) * k];
        const double* after = &d.unit[(first + step) * k];
        for (std::size_t i = 0; i < k; ++i) {
            if (after[i] != before[i]) {
                ee[i] = (y[first + step] - y[first + step - 1]) / (after[i] - before[i]);
            }
        }
    }
    for (std::size_t i = 0; i < k; ++i) {
        if (std::isnan(ee[i])) {
            throw InputError("sensitivity: trajectory " + std::to_string(t) + " never moves " +
                             d.inputs[i].name + " (not a Morris design)");
        }
    }
    return ee;
}

double mean_abs(const std::vector<std::vector<double>>& ee, const std::vector<std::uint32_t>& rows,
                std::size_t i) {
    double sum = 0;
    for (const auto r : rows) {
        sum += std::abs(ee[r][i]);
    }
    return sum / double(rows.size());
}

} // namespace

std::vector<MorrisEffect> morris_effects(const SensitivityDesign& design,
                                         const std::vector<double>& outputs,
                                         std::uint32_t bootstrap, std::uint64_t seed) {
    if (design.method != SensitivityMethod::morris) {
        throw InputError("sensitivity: morris_effects needs a Morris design");
    }
    check_outputs(design, outputs);
    const std::size_t k = design.inputs.size();
    const std::uint32_t r = design.samples;
    std::vector<std::vector<double>> ee(r);
    for (std::uint32_t t = 0; t < r; ++t) {
        ee[t] = trajectory_effects(design, outputs, t);
    }
    std::vector<std::vector<double>> resamples(k, std::vector<double>(bootstrap));
    for (std::uint32_t b = 1; b <= bootstrap; ++b) {
        const auto rows = resampled(r, b, seed);
        for (std::size_t i = 0; i < k; ++i) {
            resamples[i][b - 1] = mean_abs(ee, rows, i);
        }
    }
    const auto all = resampled(r, 0, seed);
    std::vector<MorrisEffect> out(k);
    for (std::size_t i = 0; i < k; ++i) {
        double sum = 0;
        for (const auto& e : ee) {
            sum += e[i];
        }
        out[i].input = design.inputs[i].name;
        out[i].mu = sum / r;
        double squares = 0;
        for (const auto& e : ee) {
            squares += (e[i] - out[i].mu) * (e[i] - out[i].mu);
        }
        out[i].sigma = std::sqrt(squares / (r - 1));
        out[i].mu_star = percentile_interval(mean_abs(ee, all, i), resamples[i]);
    }
    return out;
}

namespace {

/// Saltelli's and Jansen's estimators over the rows `rows` of a Sobol design's outputs: first
/// the k first-order indices, then the k total ones, then the mean and the variance. f(B) is
/// centred on the mean in Saltelli's sum: E(f(A_B) - f(A)) = 0, so the expectation is the
/// same, but without it the sum's variance grows with the square of the mean (a KPI of mean
/// 90 000 and standard deviation 6 000 gave first-order indices of 2.7 at N = 8).
std::vector<double> sobol_estimates(std::size_t k, const std::vector<double>& y,
                                    const std::vector<std::uint32_t>& rows) {
    const std::size_t block = k + 2;
    const double n = double(rows.size());
    double sum = 0;
    for (const auto j : rows) {
        sum += y[j * block] + y[j * block + 1];
    }
    const double mean = sum / (2 * n);
    double squares = 0;
    for (const auto j : rows) {
        squares += (y[j * block] - mean) * (y[j * block] - mean) +
                   (y[j * block + 1] - mean) * (y[j * block + 1] - mean);
    }
    const double variance = squares / (2 * n);
    std::vector<double> out(2 * k + 2, not_a_number);
    out[2 * k] = mean;
    out[2 * k + 1] = variance;
    if (!(variance > 0)) {
        return out;
    }
    for (std::size_t i = 0; i < k; ++i) {
        double first = 0, total = 0;
        for (const auto j : rows) {
            const double a = y[j * block], b = y[j * block + 1], ab = y[j * block + 2 + i];
            first += (b - mean) * (ab - a); // Saltelli et al. 2010, table 2 (b)
            total += (a - ab) * (a - ab);   // Jansen 1999, ibid. (f)
        }
        out[i] = first / n / variance;
        out[k + i] = total / (2 * n) / variance;
    }
    return out;
}

} // namespace

SobolIndices sobol_indices(const SensitivityDesign& design, const std::vector<double>& outputs,
                           std::uint32_t bootstrap, std::uint64_t seed) {
    if (design.method != SensitivityMethod::sobol) {
        throw InputError("sensitivity: sobol_indices needs a Sobol design");
    }
    check_outputs(design, outputs);
    const std::size_t k = design.inputs.size();
    const auto estimate = sobol_estimates(k, outputs, resampled(design.samples, 0, seed));
    std::vector<std::vector<double>> resamples(2 * k, std::vector<double>(bootstrap));
    for (std::uint32_t b = 1; b <= bootstrap; ++b) {
        const auto again = sobol_estimates(k, outputs, resampled(design.samples, b, seed));
        for (std::size_t i = 0; i < 2 * k; ++i) {
            resamples[i][b - 1] = again[i];
        }
    }
    SobolIndices out;
    out.mean = estimate[2 * k];
    out.variance = estimate[2 * k + 1];
    for (std::size_t i = 0; i < k; ++i) {
        out.indices.push_back({design.inputs[i].name,
                               percentile_interval(estimate[i], resamples[i]),
                               percentile_interval(estimate[k + i], resamples[k + i])});
    }
    return out;
}

Scenario with_inputs(const Scenario& scenario, const std::vector<SensitivityInput>& inputs,
                     const std::vector<double>& values) {
    std::vector<std::string> overrides;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        overrides.push_back(inputs[i].name + "=" + number_text(values.at(i)));
    }
    return parse_scenario(to_yaml(scenario), scenario.name, overrides);
}

namespace {

/// `brands.focal.media[0].spend_per_day` as the schema writes it:
/// `brands[].media[].spend_per_day` (a list's item, by name or by index, is `[]`).
std::string schema_path(const std::string& key, const std::vector<ScenarioKey>& keys) {
    auto is_list = [&](const std::string& path) {
        return std::any_of(keys.begin(), keys.end(), [&](const ScenarioKey& k) {
            return k.path == path && k.type == "list";
        });
    };
    std::string path, part;
    // A part ends at '.', '[' or the end; an index `[n]` is a part of its own, starting with '['.
    auto add = [&] {
        if (part.empty()) {
            return;
        }
        if (part.front() == '[' || is_list(path)) {
            path.append("[]");
        } else {
            path.append(path.empty() ? "" : ".").append(part);
        }
        part.clear();
    };
    for (const char c : key) {
        if (c == '.' || c == '[') {
            add();
        }
        if (c != '.') {
            part.push_back(c);
        }
    }
    add();
    return path;
}

/// Throws unless `key` names a number of the schema (or an entry of a map of numbers).
void check_numeric(const std::string& key) {
    const auto keys = scenario_keys();
    const std::string path = schema_path(key, keys);
    const auto found = std::find_if(keys.begin(), keys.end(),
                                    [&](const ScenarioKey& k) { return k.path == path; });
    const std::string parent = path.substr(0, std::min(path.rfind('.'), path.size()));
    const auto map = std::find_if(keys.begin(), keys.end(), [&](const ScenarioKey& k) {
        return k.path == parent && k.type == "map of numbers";
    });
    if (found != keys.end() && found->type == "number") {
        return;
    }
    if (found == keys.end() && map != keys.end()) {
        return;
    }
    const std::string what = found != keys.end() ? "of type " + found->type : "not a number";
    throw InputError("sensitivity: " + key + " (" + path + ") is " + what +
                     "; only keys of type number can be varied (custsim keys lists them)" +
                     (found != keys.end() && found->type == "whole number"
                          ? ": a whole number cannot take the design's fractional values"
                          : ""));
}

void check_kpi(const Scenario& scenario, const std::string& kpi) {
    const Kpi* found = find_kpi(kpi, KpiPer::scalar);
    const bool journey = !scenario.instant();
    if (found && found->in(journey)) {
        return;
    }
    std::string nearest, names;
    std::size_t best = std::numeric_limits<std::size_t>::max();
    for (const Kpi& k : kpi_registry()) {
        if (k.per != KpiPer::scalar || !k.in(journey)) {
            continue;
        }
        names += (names.empty() ? "" : ", ") + std::string(k.name);
        const std::size_t distance = edit_distance(kpi, k.name);
        if (distance < best) {
            best = distance;
            nearest = k.name;
        }
    }
    throw InputError("sensitivity: --kpi " + kpi + ": " +
                     (found ? "the " + std::string(journey ? "journey" : "instant-funnel") +
                                  " model does not record it"
                            : "no such KPI") +
                     (best <= 3 ? " (did you mean " + nearest + "?)" : "") + "; the KPIs are " +
                     names);
}

} // namespace

void check_sensitivity(const Scenario& scenario, const std::vector<SensitivityInput>& inputs,
                       const std::string& kpi) {
    check_inputs(inputs);
    for (const auto& input : inputs) {
        for (const double end : {input.low, input.high}) {
            try {
                with_inputs(scenario, {input}, {end});
            } catch (const InputError& e) {
                throw InputError("sensitivity: " + range_text(input) + ": at " + number_text(end) +
                                 ": " + e.what());
            }
        }
        check_numeric(input.name);
    }
    check_kpi(scenario, kpi);
}

namespace {

/// What decides the social graph (build_graph): equal texts, the same graph.
std::string graph_text(const Scenario& scenario) {
    Scenario graph_only;
    graph_only.seed = scenario.seed;
    graph_only.customers = scenario.customers;
    graph_only.graph = scenario.graph;
    return to_yaml(graph_only);
}

/// The scenario's graph, built once, if no input changes it (a graph key moves at one end of
/// its range at least); else null: each run builds its own.
std::shared_ptr<const SocialGraph> shared_graph(const Scenario& scenario,
                                                const std::vector<SensitivityInput>& inputs) {
    const std::string base = graph_text(scenario);
    for (const auto end : {&SensitivityInput::low, &SensitivityInput::high}) {
        std::vector<double> values;
        for (const auto& input : inputs) {
            values.push_back(input.*end);
        }
        if (graph_text(with_inputs(scenario, inputs, values)) != base) {
            return nullptr;
        }
    }
    return build_graph(scenario);
}

/// Evaluation e: the scenario at the design's point, its KPI's final values into `out`.
/// The KPI's final values of the scenario at evaluation e's point, per replicate.
std::vector<double> final_at(const Scenario& scenario, const std::string& kpi, std::size_t e,
                             const std::shared_ptr<const SocialGraph>& graph, int threads,
                             const Progress& progress, const SensitivityDesign& design) {
    std::vector<double> values(design.inputs.size());
    for (std::size_t i = 0; i < design.inputs.size(); ++i) {
        values[i] = design.value(e, i);
    }
    const Scenario point = with_inputs(scenario, design.inputs, values);
    if (graph) {
        check_graph_size(point, graph->num_customers());
    }
    return run_scenario(point, threads, progress, graph).final.at(kpi);
}

/// The scenario (and, with `versus`, the scenario compared) run at evaluation e's point.
struct Evaluated {
    const Scenario& scenario;
    std::shared_ptr<const SocialGraph> graph, versus_graph;
};

void evaluate(const Evaluated& runs, const std::string& kpi, std::size_t e, int threads,
              const Progress& progress, Sensitivity& out) {
    std::vector<double> final =
        final_at(runs.scenario, kpi, e, runs.graph, threads, progress, out.design);
    if (const auto& versus = out.settings.versus) {
        const auto b = final_at(*versus, kpi, e, runs.versus_graph, threads, progress, out.design);
        for (std::size_t r = 0; r < final.size(); ++r) {
            final[r] = b[r] - final[r];
        }
    }
    std::copy(final.begin(), final.end(),
              out.replicates.begin() + std::ptrdiff_t(e * runs.scenario.replicates));
    out.outputs[e] = std::accumulate(final.begin(), final.end(), 0.0) / double(final.size());
}

/// `versus` is comparable with `scenario`: the same seed and replicates, and the keys and KPI
/// fit it too.
void check_versus(const Scenario& scenario, const Scenario& versus,
                  const std::vector<SensitivityInput>& inputs, const std::string& kpi) {
    if (versus.seed != scenario.seed || versus.replicates != scenario.replicates) {
        throw InputError("--versus " + versus.name + ": needs the same seed and replicates as " +
                         scenario.name + " (got seed " + std::to_string(versus.seed) + " and " +
                         std::to_string(scenario.seed) + ", replicates " +
                         std::to_string(versus.replicates) + " and " +
                         std::to_string(scenario.replicates) + ")");
    }
    check_sensitivity(versus, inputs, kpi);
}

using Evaluation = std::function<void(std::size_t e, int threads, const Progress& progress)>;

/// One evaluation after another, each on `threads` threads.
void one_by_one(std::size_t evaluations, int threads, const Evaluation& evaluation,
                const SensitivityProgress& progress) {
    for (std::size_t e = 0; e < evaluations; ++e) {
        Progress each;
        if (progress) {
            each = [&](std::uint32_t replicate, double day) { return progress(e, replicate, day); };
        }
        evaluation(e, threads, each);
    }
}

/// `workers` evaluations at once, each on one thread; each writes only its own outputs, so
/// the numbers are those of one_by_one. The first error stops the others and is rethrown.
void side_by_side(std::size_t evaluations, int workers, const Evaluation& evaluation,
                  const SensitivityProgress& progress) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex lock;
    auto work = [&] {
        for (std::size_t e = next++; e < evaluations && !failed; e = next++) {
            const Progress each = [&, e](std::uint32_t replicate, double day) {
                if (failed) {
                    return false;
                }
                const std::lock_guard<std::mutex> guard(lock);
                return !progress || progress(e, replicate, day);
            };
            try {
                evaluation(e, 1, each);
            } catch (...) {
                const std::lock_guard<std::mutex> guard(lock);
                if (!error) {
                    error = std::current_exception();
                }
                failed = true;
            }
        }
    };
    std::vector<std::thread> pool;
    for (int w = 1; w < workers; ++w) {
        pool.emplace_back(work);
    }
    work();
    for (auto& thread : pool) {
        thread.join();
    }
    if (error) {
        std::rethrow_exception(error);
    }
}

} // namespace

Sensitivity sensitivity(const Scenario& scenario, const std::vector<SensitivityInput>& inputs,
                        const std::string& kpi, const SensitivitySettings& settings, int threads,
                        const SensitivityProgress& progress) {
    check_threads(threads);
    check_sensitivity(scenario, inputs, kpi);
    if (settings.versus) {
        check_versus(scenario, *settings.versus, inputs, kpi);
    }
    Sensitivity out;
    out.kpi = kpi;
    out.settings = settings;
    out.scenario_yaml = to_yaml(scenario);
    out.versus_yaml = settings.versus ? to_yaml(*settings.versus) : std::string();
    const bool morris = settings.method == SensitivityMethod::morris;
    const std::uint32_t samples = settings.samples > 0 ? settings.samples : morris ? 10 : 64;
    out.design = morris ? morris_design(inputs, samples, settings.levels, scenario.seed)
                        : sobol_design(inputs, samples, settings.sampling, scenario.seed);
    out.settings.samples = samples;
    const std::size_t E = out.design.evaluations();
    out.outputs.resize(E);
    out.replicates.resize(E * scenario.replicates);
    const Evaluated runs{scenario, shared_graph(scenario, inputs),
                         settings.versus ? shared_graph(*settings.versus, inputs) : nullptr};
    const Evaluation evaluation = [&](std::size_t e, int run_threads, const Progress& each) {
        evaluate(runs, kpi, e, run_threads, each, out);
    };
    if (settings.parallel_runs) {
        const int workers = threads > 0 ? threads : omp_get_max_threads();
        side_by_side(E, std::max(1, std::min(workers, int(std::min<std::size_t>(E, 1024)))),
                     evaluation, progress);
    } else {
        one_by_one(E, threads, evaluation, progress);
    }
    if (morris) {
        out.morris = morris_effects(out.design, out.outputs, settings.bootstrap, scenario.seed);
    } else {
        out.sobol = sobol_indices(out.design, out.outputs, settings.bootstrap, scenario.seed);
    }
    return out;
}

} // namespace custsim
