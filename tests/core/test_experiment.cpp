// Experiments: paired differences, comparison under common random numbers, counterfactual
// attribution and response curves.
#include "custsim/experiment.hpp"

#include "custsim/error.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

using namespace custsim;

namespace {

/// A library scenario at 10 000 customers for 90 days, the sample its own market (test::small).
Scenario small(const std::string& file, std::vector<std::string> more = {}) {
    more.insert(more.begin(), {"population.customers=10000", "days=90"});
    return test::small(file, more);
}

const Comparison::Row& row(const Comparison& c, const std::string& kpi) {
    for (const auto& r : c.rows) {
        if (r.kpi == kpi) {
            return r;
        }
    }
    throw std::runtime_error("no KPI " + kpi);
}

} // namespace

TEST(Experiment, PairedDifferenceIsTheStudentInterval) {
    const auto d = paired_difference({1, 2, 3}, {2, 4, 6}); // differences 1, 2, 3: sd 1
    EXPECT_DOUBLE_EQ(d.mean, 2);
    EXPECT_NEAR(d.high - d.mean, 4.303 / std::sqrt(3.0), 1e-9);
    EXPECT_NEAR(d.mean - d.low, 4.303 / std::sqrt(3.0), 1e-9);
    EXPECT_FALSE(d.sign_certain());                                       // 2 - 2.48 < 0
    EXPECT_TRUE(paired_difference({1, 2, 3}, {3, 5, 7}).sign_certain());  // 3 - 2.48 > 0
    EXPECT_FALSE(paired_difference({1, 2, 3}, {0, 4, 2}).sign_certain()); // -1, 2, -1
}

TEST(Experiment, AScenarioComparedWithItselfDiffersInNothing) {
    const auto s = small("baseline.yaml", {"days=30"});
    const auto c = compare(s, s);
    ASSERT_GT(c.rows.size(), 20u);
    for (const auto& r : c.rows) {
        EXPECT_EQ(r.difference.mean, 0) << r.kpi;
        EXPECT_EQ(r.difference.low, 0) << r.kpi;
        EXPECT_FALSE(r.difference.sign_certain()) << r.kpi;
    }
    // With another seed the same scenario does differ: the independent run is really independent.
    EXPECT_NE(c.b_independent.final.at("customers"), c.a.final.at("customers"));
}

TEST(Experiment, CommonRandomNumbersShrinkTheVarianceOfADifference) {
    const auto c = compare(small("baseline.yaml"), small("ads_heavy.yaml"));
    // ads_heavy spends 22.5 a day more on media and 22.5 a day less on service, exactly.
    EXPECT_DOUBLE_EQ(row(c, "media_cost").difference.mean, 22.5 * 90);
    EXPECT_DOUBLE_EQ(row(c, "service_cost").difference.mean, -22.5 * 90);
    const auto& customers = row(c, "customers");
    EXPECT_TRUE(customers.difference.sign_certain());
    EXPECT_GT(customers.difference.mean, 0);
    EXPECT_GT(customers.variance_ratio, 2) << "common random numbers should pay off";
    EXPECT_THROW(compare(small("baseline.yaml"), small("ads_heavy.yaml", {"seed=2"})),
                 ScenarioError);
}

TEST(Experiment, WithChannelSpendReplacesTheFocalBrandsFlights) {
    const auto s = small("baseline.yaml");
    const auto none = with_channel_spend(s, "tv", 0);
    for (const auto& f : none.brands[0].media) {
        EXPECT_NE(f.channel, "tv");
    }
    EXPECT_EQ(none.brands[0].media.size() + 1, s.brands[0].media.size());
    EXPECT_EQ(none.brands[1].media.size(), s.brands[1].media.size()) << "the rival keeps its TV";
    const auto more = with_channel_spend(s, "tv", 500);
    EXPECT_EQ(more.brands[0].media.back().spend_per_day, 500);
    EXPECT_THROW(with_channel_spend(s, "radio", 1), ScenarioError);
}

TEST(Experiment, AttributionRunsEachChannelsCounterfactual) {
    const auto s = small("baseline.yaml");
    const auto rows = attribute(s);
    ASSERT_EQ(rows.size(), s.brands[0].media.size());
    for (const auto& r : rows) {
        double planned = 0;
        for (const auto& f : s.brands[0].media) {
            planned += f.channel == r.channel ? f.spend_per_day * 90 : 0;
        }
        EXPECT_NEAR(r.spend, planned, 1e-9) << r.channel;
        EXPECT_NEAR(r.roi, (r.margin.mean - r.spend) / r.spend, 1e-12) << r.channel;
    }
    // TV builds awareness: without it there are surely fewer customers.
    EXPECT_EQ(rows[0].channel, "tv");
    EXPECT_GT(rows[0].customers.low, 0);
    EXPECT_GT(rows[0].found_by, 0);
}

TEST(Experiment, ResponseRisesWithSpendFromNothingAtZero) {
    const auto s = small("baseline.yaml", {"population.represents=100000"});
    const auto points = response(s, "tv", {0, 50, 100, 200});
    ASSERT_EQ(points.size(), 4u);
    EXPECT_EQ(points[0].adopted.mean, 0); // the zero level is the reference run itself
    EXPECT_EQ(points[0].adopted.high, 0);
    for (std::size_t k = 1; k < points.size(); ++k) {
        EXPECT_GT(points[k].adopted.mean, points[k - 1].adopted.mean) << points[k].spend_per_day;
    }
    // The extra margin per extra unit the sample books: 10 000 customers standing for the
    // market's 100 000 book a tenth of the market's 50 a day more (a bug once divided the
    // sample's margin by the market's spend).
    ASSERT_EQ(s.represents, 100000);
    const double extra = (points[2].margin.mean - points[1].margin.mean) / (50.0 * 90 * 0.1);
    EXPECT_NEAR(points[2].marginal_roi, extra - 1, 1e-12);
    EXPECT_GT(points[1].marginal_roi, 0); // TV's first 50 a day more than pay for themselves
}

TEST(Experiment, LeversPutInWhatTheirStepCostsAndReportProfitPerUnit) {
    // The baseline at 2 000 customers standing for its 100 000, 60 days: every cost a step puts
    // in is known in advance except the service level's and the programme's (they depend on
    // sales), and profit per unit is the replicates' mean of profit / cost.
    const auto s = small("baseline.yaml",
                         {"population.customers=2000", "population.represents=100000", "days=60",
                          "replicates=3", "brands.focal.service.training_cost_per_agent_day=40"});
    const auto rows = levers(s);
    std::map<std::string, LeverEffect> by;
    for (const auto& r : rows) {
        by[r.lever] = r;
    }
    ASSERT_EQ(rows.size(), 7u + 6u) << "seven bought channels, agents, training, logistics, "
                                       "service level, retention, price";
    const double share = 2000.0 / 100000, days = 60;
    EXPECT_NEAR(by.at("tv").cost.mean, 0.1 * 60 * days * share, 1e-9);
    EXPECT_NEAR(by.at("agents").cost.mean, 0.1 * 0.25 * 150 * days * share, 1e-9);
    EXPECT_NEAR(by.at("training").cost.mean, 0.25 * 0.1 * 40 * days * share, 1e-9);
    EXPECT_TRUE(std::isnan(by.at("logistics").per_unit.mean)) << "logistics has no cost here";
    EXPECT_GT(by.at("service level").cost.mean, 0);
    EXPECT_GT(by.at("price").cost.mean, 0);
    EXPECT_GT(by.at("tv").profit.high, by.at("tv").profit.low);
    for (const auto& r : rows) {
        if (std::isfinite(r.per_unit.mean) && r.cost.high - r.cost.low < 1e-9) {
            EXPECT_NEAR(r.per_unit.mean, r.profit.mean / r.cost.mean,
                        1e-9 * (1 + std::abs(r.per_unit.mean)))
                << r.lever;
        }
    }
    EXPECT_THROW(levers(small("baseline.yaml", {"replicates=1"})), ScenarioError);
}
