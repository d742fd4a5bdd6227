// Observed data: the reader's checks, each error it gives, the simulated counterpart of each kind
// of KPI on a hand-made run, and the log-likelihood against a hand computation.
#include "custsim/error.hpp"
#include "custsim/observations.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

using namespace custsim;

namespace {

/// A journey scenario of 28 days recorded weekly, 1 000 customers standing for 10 000 people.
Scenario weekly(const std::vector<std::string>& overrides = {}) {
    return parse_scenario(R"(
days: 28
record_every: 7
population: {customers: 1000, represents: 10000}
graph: {type: mean_field}
channels: [{name: tv, cpm: 10}]
brands: [{name: focal}, {name: rival}]
)",
                          "weekly.yaml", overrides);
}

Observations parse(const std::string& csv, const Scenario& scenario = weekly()) {
    return parse_observations(csv, "data.csv", scenario);
}

/// The message the reader refuses `csv` with; empty if it reads it.
std::string refusal(const std::string& csv, const Scenario& scenario = weekly()) {
    try {
        parse(csv, scenario);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

/// A hand-made run of `weekly()`: 2 replicates, points at days 0, 7, 14, 21, 28.
Results hand_made() {
    Results r;
    r.replicates = 2;
    r.population = 1000;
    r.represents = 10000;
    r.time = {0, 7, 14, 21, 28};
    r.timeseries["purchases"] = {0, 10, 25, 30, 50, /* replicate 1 */ 0, 12, 20, 36, 40};
    r.timeseries["aware"] = {0, 310, 400, 500, 600, /* replicate 1 */ 0, 290, 420, 480, 620};
    r.final["roi"] = {0.5, 0.3};
    r.brand_names = {"focal", "rival"};
    // brands/share: [replicate][point][brand]
    r.brands["share"] = {0, 0, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5, 0.5,
                         0, 0, 0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6};
    return r;
}

} // namespace

TEST(Observations, IsoDatesCountDaysFrom1970) {
    EXPECT_EQ(iso_day_number("1970-01-01"), 0);
    EXPECT_EQ(iso_day_number("2000-03-01"), 11017);
    EXPECT_EQ(iso_day_number("2024-02-29"), 19782);
    EXPECT_FALSE(iso_day_number("2026-02-29"));
    EXPECT_FALSE(iso_day_number("2026-13-01"));
    EXPECT_FALSE(iso_day_number("26-01-01"));
}

TEST(Observations, FlowsCoverTheDaysSinceThePreviousRow) {
    const auto data = parse("day,kpi,value\n28,purchases,250\n14,purchases,150\n");
    ASSERT_EQ(data.rows.size(), 2u);
    EXPECT_EQ(data.rows[0].day, 14); // sorted by day within the series
    EXPECT_EQ(data.rows[0].from, 0); // the first covers the spacing to the next
    EXPECT_EQ(data.rows[1].from, 14);
    EXPECT_EQ(data.rows[0].line, 3u);
}

TEST(Observations, DatesNeedTheStartDate) {
    const auto data =
        parse("date,kpi,value\n2026-01-15,purchases,9\n", weekly({"start_date=2026-01-01"}));
    EXPECT_EQ(data.rows[0].day, 14);
    EXPECT_NE(refusal("date,kpi,value\n2026-01-15,purchases,9\n").find("start_date"),
              std::string::npos);
    EXPECT_THROW(weekly({"start_date=2026-1-1"}), ScenarioError);
}

TEST(Observations, CounterpartsAggregateEachKindOfKpi) {
    const auto data = parse("day,kpi,brand,value,sd,n\n"
                            "14,purchases,,150,,\n"
                            "28,purchases,,250,,\n"
                            "7,aware,,0.3,,500\n"
                            "21,share,rival,0.7,0.05,\n"
                            "28,roi,,0.4,0.1,\n");
    const Counterparts c = counterparts(data, hand_made());
    ASSERT_EQ(c.mean.size(), 5u);
    // Rows are sorted by series: aware, purchases x2, roi, brands/share (registry order).
    std::map<std::string, std::vector<std::size_t>> at;
    for (std::size_t i = 0; i < data.rows.size(); ++i) {
        at[data.rows[i].series()].push_back(i);
    }
    const std::size_t aware = at["aware"][0], first = at["purchases"][0],
                      second = at["purchases"][1], roi = at["roi"][0],
                      share = at["brands/share[rival]"][0];
    // Flows: differences of the cumulative series, times the market scale 10.
    EXPECT_DOUBLE_EQ(c.values[first], 250);
    EXPECT_DOUBLE_EQ(c.values[5 + first], 200);
    EXPECT_DOUBLE_EQ(c.mean[first], 225);
    EXPECT_DOUBLE_EQ(c.variance[first], 1250.0 / 2); // s^2 / R
    EXPECT_DOUBLE_EQ(c.mean[second], (250 + 200) / 2.0);
    // A survey of a count: its share of the population (the sample's: the scale cancels).
    EXPECT_DOUBLE_EQ(c.mean[aware], 0.30);
    EXPECT_NEAR(c.variance[aware], 0.0001, 1e-15);
    // Stocks that are shares are not scaled; ratios come from /final.
    EXPECT_DOUBLE_EQ(c.mean[share], (0.6 + 0.7) / 2);
    EXPECT_DOUBLE_EQ(c.mean[roi], 0.4);
    EXPECT_NEAR(c.variance[roi], 0.01, 1e-15);
}

TEST(Observations, OneReplicateEstimatesTheSimulationVariance) {
    Results r = hand_made();
    r.replicates = 1;
    for (auto* group : {&r.timeseries, &r.brands}) {
        for (auto& [name, values] : *group) {
            values.resize(values.size() / 2);
        }
    }
    r.final["roi"].resize(1);
    const auto data = parse("day,kpi,value,n\n7,purchases,90,\n7,aware,0.3,500\n");
    const Counterparts c = counterparts(data, r);
    // aware (sorted first): p (1 - p) / population; purchases: Poisson in the sample, x scale^2.
    EXPECT_DOUBLE_EQ(c.variance[0], 0.31 * 0.69 / 1000);
    EXPECT_DOUBLE_EQ(c.variance[1], 10.0 * 10.0 * 10);
}

TEST(Observations, LogLikelihoodIsGaussianWithBothVariances) {
    const auto data = parse("day,kpi,value,sd,n\n14,purchases,150,,\n28,purchases,260,20,\n"
                            "7,aware,0.3,,500\n");
    const Counterparts c = counterparts(data, hand_made());
    double expected = 0;
    auto term = [&](double y, double mean, double v) {
        expected -= 0.5 * ((y - mean) * (y - mean) / v + std::log(2 * std::numbers::pi * v));
    };
    const double p = (0.3 * 500 + 1) / 502; // the survey's shrunk share
    term(0.3, 0.30, p * (1 - p) / 500 + 0.0001);
    term(150, 225, 150 + 625); // Poisson default for a count without sd
    term(260, 225, 400 + 625); // sd^2
    EXPECT_NEAR(log_likelihood(data, c), expected, 1e-9 * std::abs(expected));
    EXPECT_DOUBLE_EQ(observation_variance(data.rows[1]), 150);
}

TEST(Observations, RefusesWhatItCannotCompare) {
    const std::pair<const char*, const char*> cases[] = {
        {"day,kpi,value\n7,purchase,1\n", "data.csv:2: column 2 (kpi): unknown KPI 'purchase'"},
        {"day,kpi,value\n7,purchse,1\n", "close names: purchases"},
        {"day,kpi,brand,value\n7,customers,nobody,1\n", "unknown brand 'nobody'; the scenario's: "
                                                        "focal, rival"},
        {"day,kpi,market,value\n7,aware,abroad,1\n", "unknown market 'abroad'"},
        {"day,kpi,channel,value,sd\n7,spend,radio,1,1\n", "unknown channel 'radio'"},
        {"day,kpi,value\n7,share,0.5\n", "recorded per brand"},
        {"day,kpi\n7,purchases\n", "missing column 'value'"},
        {"kpi,value\npurchases,1\n", "missing column 'day' or 'date'"},
        {"day,kpi,value,colour\n7,purchases,1,red\n", "column 4: unknown column 'colour'"},
        {"day,kpi,value\n7,purchases,abc\n", "data.csv:2: column 3 (value): must be a finite"},
        {"day,kpi,value\n7,purchases\n", "expected 3 fields"},
        {"day,kpi,value\n35,aware,1\n", "outside the run: days 0..28"},
        {"day,kpi,value\n-7,aware,1\n", "outside the run"},
        {"day,kpi,value\n7,purchases,1\n14,purchases,1\n28,purchases,1\n", "a gap"},
        {"day,kpi,value\n7,purchases,1\n7,purchases,1\n", "two rows for day 7 (lines 2 and 3)"},
        {"day,kpi,value,sd\n7,revenue,1,0\n", "column 4 (sd): must be > 0"},
        {"day,kpi,value,n\n7,aware,0.5,0.5\n", "column 4 (n): must be >= 1"},
        {"day,kpi,value,n\n7,aware,1.5,100\n", "a share must be from 0 to 1, got 1.5"},
        {"day,kpi,brand,value,sd\n7,share,focal,-0.1,0.1\n", "a share must be from 0 to 1"},
        {"day,kpi,value,n\n7,revenue,0.5,100\n", "a sample size is for survey shares"},
        {"day,kpi,value\n7,revenue,100\n", "needs its standard error in an sd column"},
        {"day,kpi,value,sd\n14,roi,1,1\n", "a ratio computed at the end of the run only"},
        {"day,kpi,value\n10,aware,1\n", "does not record (record_every = 7); --set "
                                        "record_every=2"},
        {"day,kpi,value\n14,purchases,1\n17,purchases,1\n", "which the run does not record"},
        {"day,kpi,value\n21,purchases,1\n7,purchases,1\n", "which starts before day 0"},
        {"day,kpi,value\n14,purchases,1\n21,purchases,1\n", ""},
        {"day,kpi,value\n7,purchases,1\n", ""},
        {"day,kpi,value\n0,purchases,1\n", "a flow observed at day 0 covers no days"},
        {"day,kpi,value\n", "no observations"},
    };
    for (const auto& [csv, expected] : cases) {
        const std::string message = refusal(csv);
        if (std::string(expected).empty()) {
            EXPECT_EQ(message, "") << csv;
        } else {
            EXPECT_NE(message.find(expected), std::string::npos)
                << csv << "\n  gave: " << message << "\n  expected: " << expected;
        }
    }
}

TEST(Observations, InstantFunnelRecordsOnlyItsKpis) {
    const Scenario bass = parse_scenario("days: 28\npopulation: {customers: 100}\n", "bass.yaml");
    EXPECT_NE(refusal("day,kpi,value\n7,purchases,1\n", bass).find("not recorded by the instant"),
              std::string::npos);
    EXPECT_EQ(refusal("day,kpi,value\n7,adopted,1\n", bass), "");
}
