// custsim sensitivity: which scenario keys move a KPI, by Morris screening or Sobol indices.
#include "command.hpp"
#include "commands.hpp"

#include "plot.hpp"
#include "progress.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"
#include "custsim/sensitivity.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <numeric>

namespace custsim::cli {

namespace {

struct SensitivityArgs {
    std::string scenario;
    std::vector<std::string> keys; ///< KEY=LOW:HIGH
    std::string kpi;
    std::string versus; ///< a scenario B: the output is B's KPI minus the scenario's
    std::string method = "morris";
    std::string sampling = "quasi_random";
    std::uint32_t samples = 0, levels = 4, bootstrap = 1000;
    std::vector<std::string> overrides;
    std::string output, plot;
    int threads = 0;
    bool quiet = false, force = false, parallel_runs = false;
};

bool parse_number(const std::string& text, double& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc{} && end == text.data() + text.size() &&
           std::isfinite(value);
}

SensitivityInput parse_key(const std::string& text) {
    const auto equals = text.rfind('=');
    const auto colon = text.find(':', equals == std::string::npos ? 0 : equals);
    SensitivityInput input;
    if (equals == std::string::npos || equals == 0 || colon == std::string::npos ||
        !parse_number(text.substr(equals + 1, colon - equals - 1), input.low) ||
        !parse_number(text.substr(colon + 1), input.high)) {
        throw InputError("--keys " + text +
                         ": expected KEY=LOW:HIGH with two numbers, e.g. "
                         "brands.focal.price=10:14");
    }
    input.name = text.substr(0, equals);
    if (!(input.low < input.high)) {
        throw InputError("--keys " + text + ": LOW must be below HIGH");
    }
    return input;
}

std::string number_text(double value) {
    char text[64];
    const auto [end, error] = std::to_chars(text, text + sizeof text, value);
    return std::string(text, end);
}

/// Each key at both ends, read from the file with the other overrides, so that a key the
/// scenario does not have or a value it does not allow is refused naming the file and line.
void check_ends(const SensitivityArgs& args, const std::vector<SensitivityInput>& inputs) {
    for (const auto& input : inputs) {
        for (const double end : {input.low, input.high}) {
            const std::string assignment = input.name + "=" + number_text(end);
            auto overrides = args.overrides;
            overrides.push_back(assignment);
            try {
                load_scenario(args.scenario, overrides);
            } catch (const InputError& e) {
                // The reader names the override ("--set KEY=VALUE: ..."); say where it came from.
                std::string message = e.what();
                const std::string prefix = "--set " + assignment + ": ";
                if (message.rfind(prefix, 0) == 0) {
                    message.erase(0, prefix.size());
                }
                throw InputError(args.scenario + ": --keys " + input.name + "=" +
                                 number_text(input.low) + ":" + number_text(input.high) + ": at " +
                                 number_text(end) + ": " + message);
            }
        }
    }
}

std::string interval(const Estimate& e, const char* format) {
    if (!std::isfinite(e.value)) {
        return "-";
    }
    char text[96];
    const std::string both = std::string("[") + format + ", " + format + "]";
    std::snprintf(text, sizeof text, both.c_str(), e.low, e.high);
    return text;
}

/// Input indices from the most to the least important: by mu* or by the total index.
std::vector<std::size_t> ranking(const Sensitivity& s) {
    std::vector<std::size_t> order(s.design.inputs.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    auto importance = [&](std::size_t i) {
        const double value =
            s.morris.empty() ? s.sobol.indices[i].total.value : s.morris[i].mu_star.value;
        return std::isfinite(value) ? value : -1.0;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return importance(a) > importance(b); });
    return order;
}

void print_morris(const Sensitivity& s) {
    std::printf("  %4s %-36s %10s %10s %12s %-26s %12s %12s\n", "rank", "key", "low", "high", "mu*",
                "95% interval", "mu", "sigma");
    const auto order = ranking(s);
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
        const auto& input = s.design.inputs[order[rank]];
        const auto& e = s.morris[order[rank]];
        std::printf("  %4zu %-36s %10.4g %10.4g %12.5g %-26s %12.5g %12.5g\n", rank + 1,
                    input.name.c_str(), input.low, input.high, e.mu_star.value,
                    interval(e.mu_star, "%.5g").c_str(), e.mu, e.sigma);
    }
    std::printf("  mu*: mean absolute change of %s when the key moves across its range (elementary "
                "effect x range, Campolongo et al. 2007); mu: the same with signs; sigma: spread "
                "of the effects (non-linearity or interactions)\n",
                s.kpi.c_str());
}

void print_sobol(const Sensitivity& s) {
    std::printf("  %4s %-36s %10s %10s %8s %-18s %8s %-18s\n", "rank", "key", "low", "high",
                "first", "95% interval", "total", "95% interval");
    const auto order = ranking(s);
    double first_sum = 0;
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
        const auto& input = s.design.inputs[order[rank]];
        const auto& index = s.sobol.indices[order[rank]];
        first_sum += index.first.value;
        std::printf("  %4zu %-36s %10.4g %10.4g %8.3f %-18s %8.3f %-18s\n", rank + 1,
                    input.name.c_str(), input.low, input.high, index.first.value,
                    interval(index.first, "%.3f").c_str(), index.total.value,
                    interval(index.total, "%.3f").c_str());
    }
    if (!(s.sobol.variance > 0)) {
        std::printf("  %s does not vary over the design: there is no variance to share out\n",
                    s.kpi.c_str());
        return;
    }
    std::printf("  %s over the design: mean %.6g, standard deviation %.6g; first-order indices "
                "sum to %.3f (1 - that: the share from interactions)\n",
                s.kpi.c_str(), s.sobol.mean, std::sqrt(s.sobol.variance), first_sum);
    std::printf("  first: share of the variance of %s the key explains alone (Saltelli et al. "
                "2010); total: with all its interactions (Jansen 1999)\n",
                s.kpi.c_str());
}

void write_sensitivity(const std::string& output, const Sensitivity& s) {
    const std::uint64_t E = s.outputs.size(), k = s.design.inputs.size();
    const std::uint64_t R = E > 0 ? s.replicates.size() / E : 0;
    std::map<std::string, Array> arrays;
    std::string names;
    for (std::uint64_t i = 0; i < k; ++i) {
        const auto& input = s.design.inputs[i];
        names += (names.empty() ? "" : ",") + input.name;
        arrays["/inputs/low"].values.push_back(input.low);
        arrays["/inputs/high"].values.push_back(input.high);
    }
    Array& points = arrays["/design/points"];
    points.shape = {E, k};
    for (std::uint64_t e = 0; e < E; ++e) {
        for (std::uint64_t i = 0; i < k; ++i) {
            points.values.push_back(s.design.value(e, i));
        }
    }
    arrays["/design/unit"] = Array{{E, k}, s.design.unit};
    arrays["/outputs/mean"] = Array{{E}, s.outputs};
    arrays["/outputs/replicates"] = Array{{E, R}, s.replicates};
    auto put = [&](const std::string& name, double value) {
        arrays["/indices/" + name].values.push_back(value);
    };
    for (std::uint64_t i = 0; i < k; ++i) {
        if (s.morris.empty()) {
            const auto& index = s.sobol.indices[i];
            for (const auto& [name, e] :
                 {std::pair{"first", &index.first}, std::pair{"total", &index.total}}) {
                put(name, e->value);
                put(std::string(name) + "_low", e->low);
                put(std::string(name) + "_high", e->high);
            }
        } else {
            const auto& e = s.morris[i];
            put("mu_star", e.mu_star.value);
            put("mu_star_low", e.mu_star.low);
            put("mu_star_high", e.mu_star.high);
            put("mu", e.mu);
            put("sigma", e.sigma);
        }
    }
    if (s.morris.empty()) {
        arrays["/outputs/moments"] = Array{{2}, {s.sobol.mean, s.sobol.variance}};
    }
    for (auto& [path, array] : arrays) {
        if (array.shape.empty()) {
            array.shape = {array.values.size()};
        }
    }
    write_arrays(output, arrays,
                 {{"custsim_version", CUSTSIM_VERSION},
                  {"method", to_string(s.design.method)},
                  {"kpi", s.kpi},
                  {"inputs", names},
                  {"samples", std::to_string(s.design.samples)},
                  {"levels", std::to_string(s.design.levels)},
                  {"sampling", to_string(s.design.sampling)},
                  {"bootstrap", std::to_string(s.settings.bootstrap)},
                  {"seed", std::to_string(s.design.seed)},
                  {"scenario_yaml", s.scenario_yaml},
                  {"versus_yaml", s.versus_yaml}});
}

/// The tornado: each key's mu* (Morris) or total and first-order index (Sobol) with its 95 %
/// interval, the most important key on top.
Json tornado_plot(const Sensitivity& s, const std::string& title, const std::string& output_name) {
    const auto order = ranking(s);
    const bool morris = !s.morris.empty();
    Json keys = Json::array();
    for (const std::size_t i : order) {
        keys.push(s.design.inputs[i].name);
    }
    Json bars = Json::array();
    auto bar = [&](const char* label, auto estimate) {
        std::vector<double> values, low, high;
        for (const std::size_t i : order) {
            const Estimate& e = estimate(i);
            values.push_back(e.value);
            low.push_back(e.low);
            high.push_back(e.high);
        }
        bars.push(Json::object()
                      .set("label", label)
                      .set("values", values)
                      .set("low", low)
                      .set("high", high));
    };
    if (morris) {
        bar("mu*", [&](std::size_t i) -> const Estimate& { return s.morris[i].mu_star; });
    } else {
        bar("total", [&](std::size_t i) -> const Estimate& { return s.sobol.indices[i].total; });
        bar("first-order",
            [&](std::size_t i) -> const Estimate& { return s.sobol.indices[i].first; });
    }
    const std::string xlabel = morris ? "mu*: change of " + output_name + " over the key's range"
                                      : "share of the variance of " + output_name;
    return Json::object()
        .set("title", title)
        .set("subtitle", std::string(morris ? "Morris mu*" : "Sobol indices") +
                             " with 95 % bootstrap intervals, the most important key on top")
        .set("xlabel", xlabel)
        .set("keys", keys)
        .set("bars", bars);
}

SensitivitySettings settings_of(const SensitivityArgs& args) {
    SensitivitySettings settings;
    settings.method = args.method == "sobol" ? SensitivityMethod::sobol : SensitivityMethod::morris;
    settings.samples = args.samples;
    settings.levels = args.levels;
    settings.sampling = args.sampling == "random" ? Sampling::random : Sampling::quasi_random;
    settings.bootstrap = args.bootstrap;
    settings.parallel_runs = args.parallel_runs;
    return settings;
}

int sensitivity(const SensitivityArgs& args) {
    check_threads(args.threads, "--threads");
    const Scenario scenario = load_scenario(args.scenario, args.overrides);
    std::vector<SensitivityInput> inputs;
    for (const auto& key : args.keys) {
        inputs.push_back(parse_key(key));
    }
    check_ends(args, inputs);
    check_sensitivity(scenario, inputs, args.kpi);
    SensitivitySettings settings = settings_of(args);
    if (!args.versus.empty()) {
        settings.versus =
            std::make_shared<const Scenario>(load_scenario(args.versus, args.overrides));
    }
    const std::string output_name =
        args.versus.empty() ? args.kpi
                            : args.kpi + " of " + settings.versus->name + " minus " + scenario.name;
    // The design alone, to know the runs before any of them.
    const std::uint32_t samples = settings.samples > 0
                                      ? settings.samples
                                      : (settings.method == SensitivityMethod::morris ? 10 : 64);
    const auto design = settings.method == SensitivityMethod::morris
                            ? morris_design(inputs, samples, settings.levels, scenario.seed)
                            : sobol_design(inputs, samples, settings.sampling, scenario.seed);
    const std::size_t runs = design.evaluations() * (settings.versus ? 2 : 1);
    if (!args.output.empty()) {
        check_output(args.output, "-o");
    }
    if (!args.plot.empty()) {
        check_plot(args.plot, "--plot");
    }
    if (!args.force) {
        check_run_size(scenario, double(runs), args.parallel_runs ? team_size(args.threads) : 1);
    }
    catch_interrupts();
    const auto start = std::chrono::steady_clock::now();
    Sensitivity result;
    {
        // With --versus an evaluation is two runs: the second starts when the day goes back.
        RunsProgress progress(std::uint32_t(runs), scenario.replicates, scenario.days, !args.quiet,
                              settings.versus ? 2 : 1);
        result = custsim::sensitivity(scenario, inputs, args.kpi, settings, args.threads,
                                      std::ref(progress));
    }
    const bool morris = settings.method == SensitivityMethod::morris;
    std::printf("%s: %s of %s (final, mean of %u replicate%s), %u %s, %zu runs with seed %llu "
                "(common random numbers), %.1f s\n",
                scenario.name.c_str(), morris ? "Morris screening" : "Sobol indices",
                output_name.c_str(), scenario.replicates, scenario.replicates == 1 ? "" : "s",
                samples, morris ? "trajectories" : "base samples", runs,
                static_cast<unsigned long long>(scenario.seed), seconds_since(start));
    morris ? print_morris(result) : print_sobol(result);
    if (!args.output.empty()) {
        write_sensitivity(args.output, result);
        std::printf("results: %s\n", args.output.c_str());
    }
    if (!args.plot.empty()) {
        draw_plot("tornado",
                  tornado_plot(result, scenario.name + ": what moves " + output_name, output_name),
                  args.plot);
        std::printf("plot: %s\n", args.plot.c_str());
    }
    return 0;
}

const bool registered = register_command(
    {"sensitivity", "What moves a KPI: Morris screening or Sobol indices over KEY=LOW:HIGH ranges",
     [](CLI::App& command) {
         auto args = std::make_shared<SensitivityArgs>();
         auto replicates = std::make_shared<std::uint32_t>(0);
         auto seed = std::make_shared<std::uint64_t>(0);
         command.add_option("scenario", args->scenario, "Scenario (YAML)")->required();
         command.add_option("--keys", args->keys, "Keys to vary, KEY=LOW:HIGH (numbers)")
             ->required()
             ->expected(1, -1);
         command.add_option("--kpi", args->kpi, "The KPI whose final value is the output")
             ->required();
         command
             .add_option("--versus", args->versus,
                         "Scenario B (YAML): the output is B's KPI minus the scenario's, both run "
                         "at each point with the same seed")
             ->check(CLI::ExistingFile);
         command.add_option("--method", args->method, "morris (default) or sobol")
             ->check(CLI::IsMember({"morris", "sobol"}));
         command
             .add_option("--samples", args->samples,
                         "Morris: trajectories (default 10); Sobol: base samples N, best a "
                         "power of 2 (default 64)")
             ->check(CLI::Range(2u, 1u << 24));
         command.add_option("--levels", args->levels, "Morris: grid levels, even (default 4)");
         command
             .add_option("--sampling", args->sampling,
                         "Sobol: quasi_random (the Sobol sequence, default) or random")
             ->check(CLI::IsMember({"quasi_random", "random"}));
         command
             .add_option("--bootstrap", args->bootstrap,
                         "Bootstrap resamples for the intervals (default 1000; 0: none)")
             ->check(CLI::Range(0u, 100000u));
         command.add_flag("--parallel-runs", args->parallel_runs,
                          "Run --threads evaluations at once, one thread each (faster for small "
                          "scenarios; the same numbers)");
         command.add_option("--replicates", *replicates, "Replicates of every run")
             ->check(CLI::PositiveNumber);
         auto* seeded = command.add_option("--seed", *seed, "Random seed shared by every run");
         add_overrides(command, args->overrides, "Override a key of every run: key.path=value");
         add_output(command, args->output, "Also write the design, outputs and indices as HDF5");
         add_plot(command, args->plot,
                  "Also draw the tornado: each key's index with its interval (PNG)");
         add_threads(command, args->threads);
         add_force(command, args->force);
         add_quiet(command, args->quiet);
         return std::function<int()>([args, replicates, seed, seeded] {
             if (*replicates > 0) {
                 args->overrides.push_back("replicates=" + std::to_string(*replicates));
             }
             if (seeded->count() > 0) {
                 args->overrides.push_back("seed=" + std::to_string(*seed));
             }
             return sensitivity(*args);
         });
     },
     79});

} // namespace

} // namespace custsim::cli
