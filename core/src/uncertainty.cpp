#include "custsim/uncertainty.hpp"

#include "custsim/error.hpp"
#include "custsim/results.hpp"
#include "custsim/rng.hpp"
#include "custsim/summary.hpp"
#include "yaml_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <sstream>

namespace custsim {

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

std::string number_text(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

std::string short_number(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

double mean_of(const std::vector<double>& v) {
    return v.empty() ? not_a_number : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double variance_of(const std::vector<double>& v) {
    if (v.size() < 2) {
        return 0;
    }
    const double m = mean_of(v);
    double squares = 0;
    for (const double x : v) {
        squares += (x - m) * (x - m);
    }
    return squares / double(v.size() - 1);
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            out.push_back(line);
        }
    }
    return out;
}

/// Each uncertain key takes both ends of its range (the reader checks the key and its range).
void check_ends(const Scenario& s, const std::string& yaml) {
    for (std::size_t i = 0; i < s.uncertain.size(); ++i) {
        const auto& u = s.uncertain[i];
        for (const double end : {u.low, u.high}) {
            try {
                parse_scenario(yaml, s.name, {u.key + "=" + number_text(end)});
            } catch (const InputError& e) {
                throw ScenarioError(s.name + ": uncertain[" + std::to_string(i) + "]: " + u.key +
                                    " from " + short_number(u.low) + " to " + short_number(u.high) +
                                    ": " + e.what());
            }
        }
    }
}

/// The predictive spread of values over draws: their mean +- t(J-1) x their standard deviation.
Difference spread_of(const std::vector<double>& values) {
    Difference out;
    out.mean = mean_of(values);
    const double half = values.size() > 1 ? t_quantile_95(std::uint32_t(values.size() - 1)) *
                                                std::sqrt(variance_of(values))
                                          : 0.0;
    out.low = out.mean - half;
    out.high = out.mean + half;
    return out;
}

void check_some(const ParameterDraws& draws) {
    if (draws.points.empty()) {
        throw ScenarioError("parameter uncertainty: no draws (give --posterior FILE or "
                            "`uncertain:` keys, and --draws of at least 1)");
    }
}

/// Mean over replicates of a final KPI.
double final_mean(const Results& r, const std::string& kpi) {
    return mean_of(r.final.at(kpi));
}

} // namespace

ParameterDraws posterior_draws(const std::filesystem::path& path, std::uint32_t count) {
    const auto keys = lines(read_text_attribute(path, "keys"));
    if (keys.empty()) {
        throw InputError(path.string() + ": not a posterior file: it has no `keys` attribute "
                                         "(custsim calibrate -o writes one)");
    }
    const Array samples = read_arrays(path, {"/samples"}).at("/samples");
    if (samples.shape.size() != 2 || samples.shape[1] != keys.size()) {
        throw InputError(path.string() + ": /samples is not samples x " +
                         std::to_string(keys.size()) + " keys");
    }
    const std::uint64_t n = samples.shape[0];
    if (count == 0 || n < count) {
        throw InputError(path.string() + ": holds " + std::to_string(n) +
                         " posterior samples; --draws " + std::to_string(count) +
                         " needs 1 to that many (run calibrate with more --steps or walkers)");
    }
    ParameterDraws out{"posterior " + path.string(), keys, {}};
    for (std::uint64_t j = 0; j < count; ++j) {
        const std::uint64_t row = j * n / count;
        out.points.emplace_back(samples.values.begin() + std::ptrdiff_t(row * keys.size()),
                                samples.values.begin() + std::ptrdiff_t((row + 1) * keys.size()));
    }
    return out;
}

ParameterDraws uncertain_draws(const Scenario& s, std::uint32_t count) {
    if (s.uncertain.empty()) {
        throw ScenarioError(s.name + ": has no `uncertain:` keys to draw from");
    }
    if (count == 0) {
        throw InputError("--draws: needs at least 1 draw");
    }
    check_ends(s, to_yaml(s));
    ParameterDraws out{"uncertain: ranges of " + s.name, {}, {}};
    out.points.assign(count, std::vector<double>(s.uncertain.size()));
    for (std::uint32_t d = 0; d < s.uncertain.size(); ++d) {
        const auto& u = s.uncertain[d];
        out.keys.push_back(u.key);
        Draws draws(StreamKey{s.seed, 0}, 0, Process::uncertainty, d);
        std::vector<std::uint32_t> strata(count);
        std::iota(strata.begin(), strata.end(), 0u);
        for (std::uint32_t i = count; i > 1; --i) { // Fisher-Yates
            std::swap(strata[i - 1], strata[std::min(i - 1, std::uint32_t(draws.uniform() * i))]);
        }
        for (std::uint32_t j = 0; j < count; ++j) {
            const double unit = (strata[j] + draws.uniform()) / count;
            out.points[j][d] = u.low + unit * (u.high - u.low);
        }
    }
    return out;
}

ParameterDraws experiment_draws(const Scenario& s, const std::string& posterior,
                                std::uint32_t count) {
    if (!posterior.empty()) {
        if (!s.uncertain.empty()) {
            throw ScenarioError(s.name + ": has `uncertain:` keys and --posterior " + posterior +
                                " was given: use one source of parameter uncertainty (remove "
                                "`uncertain:`, or drop --posterior)");
        }
        return posterior_draws(posterior, count);
    }
    if (s.uncertain.empty()) {
        return {};
    }
    return uncertain_draws(s, count);
}

Scenario at_draw(const Scenario& s, const ParameterDraws& draws, std::size_t j) {
    std::vector<std::string> overrides;
    for (std::size_t d = 0; d < draws.keys.size(); ++d) {
        overrides.push_back(draws.keys[d] + "=" + number_text(draws.points.at(j)[d]));
    }
    Scenario out;
    try {
        out = parse_scenario(to_yaml(s), s.name, overrides);
    } catch (const InputError& e) {
        throw ScenarioError(s.name + ": parameter draw " + std::to_string(j + 1) + " of " +
                            draws.source + ": " + e.what());
    }
    out.seed = s.seed + 0x9e3779b97f4a7c15ULL * (j + 1); // splitmix64's increment
    return out;
}

void check_not_compared(const Scenario& a, const Scenario& b, const ParameterDraws& draws) {
    const YamlNode ya = parse_yaml(to_yaml(a), a.name), yb = parse_yaml(to_yaml(b), b.name);
    for (const auto& key : draws.keys) {
        const auto va = value_at(ya, key), vb = value_at(yb, key);
        if (va != vb) {
            throw ScenarioError(key + ": " + a.name + " sets it to " + va.value_or("nothing") +
                                " and " + b.name + " to " + vb.value_or("nothing") +
                                ", and it is uncertain (" + draws.source +
                                "): each draw would set both to the same value, undoing the "
                                "difference compared. Compare on other keys, or leave it certain");
        }
    }
}

double UncertainDifference::parameter_share() const {
    const double total = parameter_sd * parameter_sd + noise_sd * noise_sd;
    return total > 0 ? parameter_sd * parameter_sd / total : not_a_number;
}

UncertainDifference combine_draws(const std::vector<Difference>& per_draw,
                                  std::uint32_t replicates) {
    UncertainDifference out;
    out.draws = std::uint32_t(per_draw.size());
    std::vector<double> means, noise;
    const double t_r = replicates > 1 ? t_quantile_95(replicates - 1) : 1.0;
    for (const Difference& d : per_draw) {
        if (!std::isfinite(d.mean)) {
            out.mean = out.low = out.high = out.parameter_sd = out.noise_sd = not_a_number;
            return out;
        }
        means.push_back(d.mean);
        const double standard_error = (d.high - d.low) / 2 / t_r;
        noise.push_back(standard_error * standard_error);
        out.above_zero += d.mean > 0;
    }
    out.mean = mean_of(means);
    const double noise_variance = mean_of(noise);
    const double parameter_variance = std::max(0.0, variance_of(means) - noise_variance);
    out.noise_sd = std::sqrt(noise_variance);
    out.parameter_sd = std::sqrt(parameter_variance);
    const double t = means.size() > 1 ? t_quantile_95(std::uint32_t(means.size() - 1)) : t_r;
    const double half = t * std::sqrt(parameter_variance + noise_variance);
    out.low = out.mean - half;
    out.high = out.mean + half;
    return out;
}

UncertainComparison compare_uncertain(const Scenario& a, const Scenario& b,
                                      const ParameterDraws& draws, int threads,
                                      const Progress& progress) {
    if (a.seed != b.seed || a.replicates != b.replicates) {
        throw ScenarioError("compare: both scenarios need the same seed and replicates");
    }
    if (a.replicates < 2) {
        throw ScenarioError("compare: needs at least 2 replicates for an interval, got 1");
    }
    check_some(draws);
    check_not_compared(a, b, draws);
    UncertainComparison out;
    out.draws = draws;
    out.replicates = a.replicates;
    std::map<std::string, std::vector<Difference>> differences;
    std::map<std::string, std::pair<double, double>> sums; // of A's and B's means
    for (std::size_t j = 0; j < draws.points.size(); ++j) {
        const Results ra = run_scenario(at_draw(a, draws, j), threads, progress);
        const Results rb = run_scenario(at_draw(b, draws, j), threads, progress);
        for (const auto& [kpi, values_a] : ra.final) {
            if (const auto found = rb.final.find(kpi); found != rb.final.end()) {
                differences[kpi].push_back(paired_difference(values_a, found->second));
                sums[kpi].first += final_mean(ra, kpi);
                sums[kpi].second += final_mean(rb, kpi);
            }
        }
    }
    const double J = double(draws.points.size());
    for (const auto& [kpi, per_draw] : differences) {
        out.rows.push_back({kpi, sums[kpi].first / J, sums[kpi].second / J,
                            combine_draws(per_draw, a.replicates)});
        std::vector<double> means;
        for (const Difference& d : per_draw) {
            means.push_back(d.mean);
        }
        out.per_draw.push_back(means);
    }
    return out;
}

std::vector<UncertainResponsePoint> response_uncertain(const Scenario& scenario,
                                                       const std::string& channel,
                                                       const std::vector<double>& spends_per_day,
                                                       const ParameterDraws& draws, int threads,
                                                       const Progress& progress) {
    check_some(draws);
    std::vector<std::vector<ResponsePoint>> runs; // [draw][point]
    for (std::size_t j = 0; j < draws.points.size(); ++j) {
        runs.push_back(
            response(at_draw(scenario, draws, j), channel, spends_per_day, threads, progress));
    }
    std::vector<UncertainResponsePoint> out;
    for (std::size_t k = 0; k < spends_per_day.size(); ++k) {
        std::vector<Difference> adopted, purchases, revenue, margin, profit;
        std::vector<double> marginal;
        for (const auto& run : runs) {
            adopted.push_back(run[k].adopted);
            purchases.push_back(run[k].purchases);
            revenue.push_back(run[k].revenue);
            margin.push_back(run[k].margin);
            profit.push_back(run[k].profit);
            marginal.push_back(run[k].marginal_roi);
        }
        const std::uint32_t r = scenario.replicates;
        out.push_back({spends_per_day[k], combine_draws(adopted, r), combine_draws(purchases, r),
                       combine_draws(revenue, r), combine_draws(margin, r),
                       combine_draws(profit, r), spread_of(marginal)});
    }
    return out;
}

std::vector<UncertainLever> levers_uncertain(const Scenario& scenario, const ParameterDraws& draws,
                                             int threads, const Progress& progress) {
    check_some(draws);
    std::vector<std::vector<LeverEffect>> runs; // [draw][lever]
    for (std::size_t j = 0; j < draws.points.size(); ++j) {
        runs.push_back(levers(at_draw(scenario, draws, j), threads, progress));
    }
    std::vector<UncertainLever> out;
    for (std::size_t k = 0; k < runs.front().size(); ++k) {
        std::vector<Difference> cost, profit, per_unit;
        for (const auto& run : runs) {
            cost.push_back(run[k].cost);
            profit.push_back(run[k].profit);
            per_unit.push_back(run[k].per_unit);
        }
        const std::uint32_t r = scenario.replicates;
        out.push_back({runs.front()[k].lever, runs.front()[k].step, combine_draws(cost, r),
                       combine_draws(profit, r), combine_draws(per_unit, r)});
    }
    return out;
}

} // namespace custsim
