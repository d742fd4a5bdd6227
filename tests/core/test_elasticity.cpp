// The advertising elasticity of sales against its published magnitudes (issue 13, item 6),
// measured as the literature defines it: the focal brand's spend raised for a period, the
// relative change of that period's sales over the relative change of spend (short run), and the
// extra sales from then on in units of that period's sales (long run). Published: short run
// about 0.03 to 0.3, mean 0.12, higher early in the life cycle; long run about twice the short
// run (Sethuraman, Tellis & Briesch 2011, 751 short-run and 402 long-run elasticities); the
// effect of a burst lasts months, 90 % of it within 6 to 9 months (Leone 1995). And what a
// customer is worth against what acquiring one costs (Gupta, Lehmann & Stuart 2004).
#include "custsim/error.hpp"
#include "custsim/experiment.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

using namespace custsim;

namespace {

/// The baseline's market of 100 000 people with 20 000 customers for 540 days, so a pulse at
/// mid-year has a year to show its tail. `mature`: the focal brand known to 60 % and used by 20 %
/// at day 0 instead of a challenger known to 10 %.
Scenario market(bool mature) {
    std::vector<std::string> more = {"population.represents=100000", "days=540"};
    if (mature) {
        more.insert(more.end(),
                    {"brands.focal.initial_awareness=0.6", "brands.focal.initial_share=0.2"});
    }
    return test::small("baseline.yaml", more);
}

constexpr double mid_year = 182;

/// A month's pulse at mid-year (+50 % on every flight).
Elasticity monthly(bool mature) {
    return advertising_elasticity(market(mature), mid_year, 4, 0.5);
}

} // namespace

TEST(Elasticity, TheBaselinesShortRunElasticityIsInThePublishedRange) {
    // A month of +50 % on every flight: the month's sales rise by 0.28 x 50 % (measured with 6
    // replicates: 0.279 [0.247, 0.311]); before the re-sourced prompts a yearly +10 % gave 0.9.
    const auto& month = monthly(false);
    EXPECT_GT(month.short_run.mean, 0.03);
    EXPECT_LT(month.short_run.mean, 0.3);
    // Quarters: the long run is 1.5 to 3 times the short run (published means 0.24 and 0.12).
    const auto quarter = advertising_elasticity(market(false), mid_year, 13, 0.5);
    EXPECT_GT(quarter.ratio, 1.5);
    EXPECT_LT(quarter.ratio, 3);
}

TEST(Elasticity, AMatureBrandRespondsNearTheMeanLessThanTheChallengerAndForMonths) {
    // One test, so that the two runs of each pulse are made once.
    const auto mature = monthly(true);
    // Near the meta-analytic mean 0.12 (measured 0.134 [0.121, 0.147] with 6 replicates).
    EXPECT_NEAR(mature.short_run.mean, 0.12, 0.06);
    const auto challenger = monthly(false);
    EXPECT_LT(mature.short_run.high, challenger.short_run.low)
        << "elasticities are higher early in the life cycle (Sethuraman et al. 2011)";
    // Carry-over: most of a month's burst is sold after it (ad stock, lasting knowledge,
    // attitude and the customers it won), half within months, 90 % within the year after
    // (measured: 74 %, weeks 14.7 and 42.4).
    EXPECT_GT(mature.carried, 0.5);
    EXPECT_GT(mature.half_weeks, 4);
    EXPECT_LT(mature.half_weeks, 26);
    EXPECT_GT(mature.ninety_weeks, 20);
    EXPECT_LT(mature.ninety_weeks, 52);
    ASSERT_GT(mature.extra_sales.size(), 30u);
    double late = 0; // the tail: weeks 26-30 from the pulse's start still sell more
    for (std::size_t w = 26; w < 30; ++w) {
        late += mature.extra_sales[w];
    }
    EXPECT_GT(late, 0);
}

TEST(Elasticity, RefusesAPulseThatDoesNotFitTheRun) {
    EXPECT_THROW(advertising_elasticity(market(false), 530, 4, 0.5), ScenarioError);
    auto s = market(false);
    s.replicates = 1;
    EXPECT_THROW(advertising_elasticity(s, 10, 4, 0.5), ScenarioError);
}

TEST(Economics, ACustomersWorthOverItsAcquisitionCostIsInThePublishedRange) {
    // Gupta, Lehmann & Stuart (2004, J. Marketing Research 41(1)), five firms valued from their
    // customers: 1 % more margin raises firm value about 1 %, 1 % less acquisition cost about
    // 0.1 %. For a value of customers x (CLV - CAC) these elasticities are CLV / (CLV - CAC)
    // and CAC / (CLV - CAC), so CLV / CAC is about 11. A business that acquires below 3 is
    // usually taken to be unsustainable (the practitioners' 3 : 1 rule). Range: 3 to 30.
    for (const bool mature : {false, true}) {
        auto s = market(mature);
        s.days = 365;
        const auto r = run_scenario(s);
        const double ratio = test::mean_final(r, "clv") / test::mean_final(r, "cac");
        EXPECT_GT(ratio, 3) << (mature ? "established" : "challenger");
        EXPECT_LT(ratio, 30) << (mature ? "established" : "challenger");
    }
}
