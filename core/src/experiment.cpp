#include "custsim/experiment.hpp"

#include "custsim/error.hpp"
#include "custsim/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace custsim {

namespace {

double mean_of(const std::vector<double>& v) {
    return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double variance_of(const std::vector<double>& v) {
    if (v.size() < 2) {
        return 0;
    }
    const double m = mean_of(v);
    double squares = 0;
    for (double x : v) {
        squares += (x - m) * (x - m);
    }
    return squares / double(v.size() - 1);
}

std::vector<double> minus(const std::vector<double>& b, const std::vector<double>& a) {
    std::vector<double> d(b.size());
    for (std::size_t r = 0; r < b.size(); ++r) {
        d[r] = b[r] - a[r];
    }
    return d;
}

/// Mean over replicates of the last point of channel c in a /channels cube.
double channel_final(const Results& r, const std::string& kpi, std::size_t c) {
    const auto found = r.channels.find(kpi);
    if (found == r.channels.end()) {
        return 0;
    }
    const std::size_t C = r.channel_names.size(), points = r.points();
    double sum = 0;
    for (std::size_t k = 0; k < r.replicates; ++k) {
        sum += found->second[(k * points + points - 1) * C + c];
    }
    return sum / double(r.replicates);
}

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

} // namespace

Difference paired_difference(const std::vector<double>& a, const std::vector<double>& b) {
    const auto d = minus(b, a);
    Difference out;
    out.mean = mean_of(d);
    const double half = d.size() > 1 ? t_quantile_95(std::uint32_t(d.size() - 1)) *
                                           std::sqrt(variance_of(d) / double(d.size()))
                                     : 0.0;
    out.low = out.mean - half;
    out.high = out.mean + half;
    return out;
}

Comparison compare(const Scenario& a, const Scenario& b, int threads, const Progress& progress) {
    if (a.seed != b.seed || a.replicates != b.replicates) {
        throw ScenarioError("compare: both scenarios need the same seed and replicates (got seed " +
                            std::to_string(a.seed) + " and " + std::to_string(b.seed) +
                            ", replicates " + std::to_string(a.replicates) + " and " +
                            std::to_string(b.replicates) + ")");
    }
    if (a.replicates < 2) {
        throw ScenarioError("compare: needs at least 2 replicates for an interval, got 1");
    }
    Comparison out;
    out.a = run_scenario(a, threads, progress);
    out.b = run_scenario(b, threads, progress);
    Scenario independent = b;
    independent.seed = b.seed + 0x9e3779b9ULL; // another stream: no draw in common with A
    out.b_independent = run_scenario(independent, threads, progress);
    for (const auto& [kpi, values_a] : out.a.final) {
        const auto found = out.b.final.find(kpi);
        if (found == out.b.final.end()) {
            continue;
        }
        Comparison::Row row;
        row.kpi = kpi;
        row.a = mean_of(values_a);
        row.b = mean_of(found->second);
        row.difference = paired_difference(values_a, found->second);
        const double paired = variance_of(minus(found->second, values_a));
        const double apart = variance_of(minus(out.b_independent.final.at(kpi), values_a));
        row.variance_ratio = paired > 0 ? apart / paired : std::numeric_limits<double>::quiet_NaN();
        out.rows.push_back(row);
    }
    return out;
}

Scenario with_channel_spend(const Scenario& scenario, const std::string& channel,
                            double spend_per_day) {
    if (scenario.brands.empty()) {
        throw ScenarioError("the scenario has no brands: channel spend needs the journey model");
    }
    const bool known = std::any_of(scenario.channels.begin(), scenario.channels.end(),
                                   [&](const Channel& c) { return c.name == channel; });
    if (!known) {
        std::string names;
        for (const auto& c : scenario.channels) {
            names += (names.empty() ? "" : ", ") + c.name;
        }
        throw ScenarioError("channel '" + channel + "' is not one of the scenario's channels (" +
                            names + ")");
    }
    if (!(spend_per_day >= 0) || !std::isfinite(spend_per_day)) {
        throw ScenarioError("spend per day must be a finite number >= 0");
    }
    Scenario s = scenario;
    auto& media = s.brands[0].media;
    media.erase(std::remove_if(media.begin(), media.end(),
                               [&](const Flight& f) { return f.channel == channel; }),
                media.end());
    if (spend_per_day > 0) {
        Flight flight;
        flight.channel = channel;
        flight.spend_per_day = spend_per_day;
        media.push_back(flight);
    }
    return s;
}

std::vector<ChannelAttribution> attribute(const Scenario& scenario, int threads,
                                          const Progress& progress) {
    if (scenario.brands.empty()) {
        throw ScenarioError("attribute: the scenario has no brands (the Bass case has no media)");
    }
    const Results base = run_scenario(scenario, threads, progress);
    std::vector<ChannelAttribution> out;
    for (std::size_t c = 0; c < scenario.channels.size(); ++c) {
        const auto& name = scenario.channels[c].name;
        const bool bought =
            std::any_of(scenario.brands[0].media.begin(), scenario.brands[0].media.end(),
                        [&](const Flight& f) { return f.channel == name; });
        if (!bought) {
            continue;
        }
        const Results without =
            run_scenario(with_channel_spend(scenario, name, 0), threads, progress);
        ChannelAttribution row;
        row.channel = name;
        row.spend = channel_final(base, "spend", c);
        row.last_touch = channel_final(base, "last_touch_conversions", c);
        row.found_by = channel_final(base, "acquisitions", c);
        auto gain = [&](const char* kpi) {
            return paired_difference(without.final.at(kpi), base.final.at(kpi));
        };
        row.customers = gain("customers");
        row.adopted = gain("adopted");
        row.purchases = gain("purchases");
        row.revenue = gain("revenue");
        row.margin = gain("margin");
        row.profit = gain("profit");
        row.roi = row.spend > 0 ? (row.margin.mean - row.spend) / row.spend
                                : std::numeric_limits<double>::quiet_NaN();
        out.push_back(row);
    }
    return out;
}

namespace {

/// A lever's step: the scenario moved, and the cost KPI whose change is the money put in.
struct LeverStep {
    std::string lever, step;
    Scenario moved;
    const char* cost_kpi; ///< nullptr: price (revenue given up at the old volume)
};

/// +0.1, or -0.1 from above 0.9, on a 0..1 lever.
double share_step(double value) {
    return value > 0.9 ? -0.1 : 0.1;
}

std::string signed_step(double step) {
    char text[32];
    std::snprintf(text, sizeof text, "%+.2g", step);
    return text;
}

std::vector<LeverStep> lever_steps(const Scenario& s) {
    std::vector<LeverStep> out;
    for (const auto& channel : s.channels) {
        Scenario moved = s;
        bool bought = false;
        for (auto& flight : moved.brands[0].media) {
            if (flight.channel == channel.name && flight.spend_per_day > 0) {
                flight.spend_per_day *= 1.1;
                bought = true;
            }
        }
        if (bought) {
            out.push_back({channel.name, "+10 % spend", moved, "media_cost"});
        }
    }
    const Brand& focal = s.brands[0];
    auto moved = [&](auto change) {
        Scenario m = s;
        change(m.brands[0]);
        return m;
    };
    const double agents = focal.service.agents > 0 ? 0.1 * focal.service.agents : 0.1;
    out.push_back({"agents", signed_step(agents),
                   moved([&](Brand& b) { b.service.agents += agents; }), "service_cost"});
    const Service& service = focal.service;
    const double training = share_step(service.training), level = share_step(service.level),
                 logistics = share_step(service.logistics);
    out.push_back({"training", signed_step(training),
                   moved([&](Brand& b) { b.service.training += training; }), "service_cost"});
    out.push_back({"logistics", signed_step(logistics), moved([&](Brand& b) {
                       b.service.logistics += logistics;
                       if (service.logistics > 0) { // its cost per day is for the level given
                           b.service.logistics_cost_per_day *=
                               b.service.logistics / service.logistics;
                       }
                   }),
                   "service_cost"});
    out.push_back({"service level", signed_step(level),
                   moved([&](Brand& b) { b.service.level += level; }), "service_cost"});
    const double members = share_step(focal.retention.members);
    out.push_back({"retention", signed_step(members),
                   moved([&](Brand& b) { b.retention.members += members; }), "retention_cost"});
    out.push_back({"price", "-1 %", moved([](Brand& b) { b.price *= 0.99; }), nullptr});
    return out;
}

} // namespace

std::vector<LeverEffect> levers(const Scenario& scenario, int threads, const Progress& progress) {
    if (scenario.brands.empty()) {
        throw ScenarioError("levers: the scenario has no brands (the Bass case has no levers)");
    }
    if (scenario.replicates < 2) {
        throw ScenarioError("levers: needs at least 2 replicates for an interval, got 1");
    }
    const Results base = run_scenario(scenario, threads, progress);
    const auto& revenue = base.final.at("revenue");
    std::vector<LeverEffect> out;
    for (const auto& step : lever_steps(scenario)) {
        const Results moved = run_scenario(step.moved, threads, progress);
        LeverEffect effect;
        effect.lever = step.lever;
        effect.step = step.step;
        std::vector<double> cost(revenue.size()), gain(revenue.size()), ratio(revenue.size());
        for (std::size_t r = 0; r < revenue.size(); ++r) {
            cost[r] = step.cost_kpi
                          ? moved.final.at(step.cost_kpi)[r] - base.final.at(step.cost_kpi)[r]
                          : 0.01 * revenue[r];
            gain[r] = moved.final.at("profit")[r] - base.final.at("profit")[r];
            ratio[r] = std::abs(cost[r]) > 1e-9 * (1 + std::abs(revenue[r]))
                           ? gain[r] / cost[r]
                           : std::numeric_limits<double>::quiet_NaN();
        }
        const std::vector<double> zeros(revenue.size(), 0.0);
        effect.cost = paired_difference(zeros, cost);
        effect.profit = paired_difference(zeros, gain);
        effect.per_unit = paired_difference(zeros, ratio);
        out.push_back(effect);
    }
    return out;
}

std::vector<ResponsePoint> response(const Scenario& scenario, const std::string& channel,
                                    const std::vector<double>& spends_per_day, int threads,
                                    const Progress& progress) {
    if (spends_per_day.empty()) {
        throw InputError("response: spends_per_day: give at least one spend per day");
    }
    const Results zero = run_scenario(with_channel_spend(scenario, channel, 0), threads, progress);
    std::vector<ResponsePoint> out;
    double last_spend = 0, last_margin = 0;
    for (double spend : spends_per_day) {
        const Results r =
            run_scenario(with_channel_spend(scenario, channel, spend), threads, progress);
        ResponsePoint point;
        point.spend_per_day = spend;
        auto gain = [&](const char* kpi) {
            return paired_difference(zero.final.at(kpi), r.final.at(kpi));
        };
        point.adopted = gain("adopted");
        point.purchases = gain("purchases");
        point.revenue = gain("revenue");
        point.margin = gain("margin");
        point.profit = gain("profit");
        // The spend is the market's; the sample books its share (population.represents), as
        // it books the margin.
        const double share = scenario.represents > 0 ? scenario.customers / scenario.represents : 1;
        const double extra_spend = (spend - last_spend) * scenario.days * share;
        point.marginal_roi = extra_spend != 0 ? (point.margin.mean - last_margin) / extra_spend - 1
                                              : std::numeric_limits<double>::quiet_NaN();
        last_spend = spend;
        last_margin = point.margin.mean;
        out.push_back(point);
    }
    return out;
}

namespace {

/// The scenario with every flight of the focal brand raised by `step` between `from` and `until`
/// (extra flights, so the plan's own flights stay as they are).
Scenario pulsed(const Scenario& scenario, double from, double until, double step) {
    Scenario out = scenario;
    auto& media = out.brands[0].media;
    const std::size_t flights = media.size();
    for (std::size_t f = 0; f < flights; ++f) {
        Flight extra = media[f];
        extra.from = std::max(extra.from, from);
        extra.until = std::min(extra.until, until);
        extra.spend_per_day *= step;
        if (extra.until > extra.from && extra.spend_per_day > 0) {
            media.push_back(extra);
        }
    }
    if (media.size() == flights) {
        throw ScenarioError("elasticity: the focal brand buys no media between days " +
                            number_text(from) + " and " + number_text(until));
    }
    return out;
}

/// Share of the extra sales after the pulse's weeks, and the weeks until half and 90 % came.
void carry_over(Elasticity& e) {
    const double total = std::accumulate(e.extra_sales.begin(), e.extra_sales.end(), 0.0);
    if (!(total > 0)) {
        return;
    }
    double so_far = 0;
    for (std::size_t w = 0; w < e.extra_sales.size(); ++w) {
        if (w >= std::size_t(std::ceil(e.weeks))) {
            e.carried += e.extra_sales[w] / total;
        }
        const double before = so_far;
        so_far += e.extra_sales[w];
        if (e.half_weeks == 0 && so_far >= 0.5 * total) {
            e.half_weeks = double(w) + (0.5 * total - before) / e.extra_sales[w];
        }
        if (e.ninety_weeks == 0 && so_far >= 0.9 * total) {
            e.ninety_weeks = double(w) + (0.9 * total - before) / e.extra_sales[w];
        }
    }
}

} // namespace

Elasticity advertising_elasticity(const Scenario& scenario, double from, double weeks, double step,
                                  int threads, const Progress& progress) {
    if (scenario.brands.empty()) {
        throw ScenarioError("elasticity: the scenario has no brands (the Bass case has no media)");
    }
    if (scenario.replicates < 2) {
        throw ScenarioError("elasticity: needs at least 2 replicates for an interval, got 1");
    }
    if (!(step > 0) || !(weeks > 0) || !(from >= 0)) {
        throw InputError("elasticity: the step and the weeks must be above 0 and the start day "
                         "at least 0");
    }
    const double until = from + 7 * weeks;
    if (until + 7 > scenario.days) {
        throw ScenarioError("elasticity: the pulse (days " + number_text(from) + " to " +
                            number_text(until) + ") must end at least a week before the run's " +
                            number_text(scenario.days) +
                            " days; set days= higher or --from "
                            "lower");
    }
    Scenario base = scenario;
    base.record_every = 1;
    const Scenario pulse = pulsed(base, from, until, step);
    const Results a = run_scenario(base, threads, progress);
    const Results b = run_scenario(pulse, threads, progress);
    // Purchases so far at day d: the first recorded point at or after d (record_every 1).
    auto sold = [](const Results& r, std::size_t k, double day) {
        const auto i = std::size_t(std::lower_bound(r.time.begin(), r.time.end(), day - 1e-9) -
                                   r.time.begin());
        return r.at("purchases", std::uint32_t(k), std::min(i, r.points() - 1));
    };
    auto extra = [&](std::size_t k, double from_day, double to_day) {
        return sold(b, k, to_day) - sold(b, k, from_day) -
               (sold(a, k, to_day) - sold(a, k, from_day));
    };
    const double end = a.time.back();
    Elasticity out;
    out.from = from;
    out.weeks = weeks;
    out.step = step;
    std::vector<double> sr(a.replicates), lr(a.replicates), zeros(a.replicates, 0.0);
    for (std::size_t k = 0; k < a.replicates; ++k) {
        const double window = sold(a, k, until) - sold(a, k, from);
        sr[k] = window > 0 ? extra(k, from, until) / window / step : 0.0;
        lr[k] = window > 0 ? extra(k, from, end) / window / step : 0.0;
    }
    out.short_run = paired_difference(zeros, sr);
    out.long_run = paired_difference(zeros, lr);
    out.ratio = out.short_run.mean != 0 ? out.long_run.mean / out.short_run.mean : 0.0;
    for (double week = from; week + 7 <= end + 1e-9; week += 7) {
        double sum = 0;
        for (std::size_t k = 0; k < a.replicates; ++k) {
            sum += extra(k, week, week + 7);
        }
        out.extra_sales.push_back(sum / double(a.replicates));
    }
    carry_over(out);
    return out;
}

} // namespace custsim
