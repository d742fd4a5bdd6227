#include "custsim/experiment.hpp"

#include "custsim/error.hpp"
#include "custsim/summary.hpp"

#include <algorithm>
#include <cmath>
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
        const double extra_spend = (spend - last_spend) * scenario.days;
        point.marginal_roi = extra_spend != 0 ? (point.margin.mean - last_margin) / extra_spend - 1
                                              : std::numeric_limits<double>::quiet_NaN();
        last_spend = spend;
        last_margin = point.margin.mean;
        out.push_back(point);
    }
    return out;
}

} // namespace custsim
