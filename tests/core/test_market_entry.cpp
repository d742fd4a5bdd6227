// Market entry (markets[].entry): the focal brand absent from a market before its entry day, the
// fixed cost booked once, distribution ramping up; run on scenarios/two_markets.yaml.
#include "custsim/run.hpp"
#include "custsim/simulation.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace custsim;
using custsim::test::small;

namespace {

constexpr std::size_t abroad = 1; // two_markets.yaml: home, abroad

/// The two-market scenario at 20 000 customers, 2 replicates, with `more` overrides.
Scenario entering(const std::vector<std::string>& more) {
    std::vector<std::string> overrides = {"replicates=2", "days=120"};
    overrides.insert(overrides.end(), more.begin(), more.end());
    return small("two_markets.yaml", overrides);
}

/// A per-market KPI of the focal brand at a recorded point.
double in_market(const Results& r, const std::string& kpi, std::uint32_t replicate,
                 std::size_t point, std::size_t market) {
    const std::size_t markets = r.market_names.size();
    return r.markets.at(kpi)[(replicate * r.points() + point) * markets + market];
}

/// Focal revenue abroad over days [from, to), summed over replicates.
double revenue_abroad(const Results& r, std::size_t from, std::size_t to) {
    double total = 0;
    for (std::uint32_t k = 0; k < r.replicates; ++k) {
        total += in_market(r, "revenue", k, to, abroad) - in_market(r, "revenue", k, from, abroad);
    }
    return total;
}

} // namespace

TEST(MarketEntry, BeforeItsDayTheFocalBrandHasNoCustomersSalesOrSpendThere) {
    const Scenario s = entering({"markets.abroad.entry.day=60"});
    const Results r = run_scenario(s, 2);
    // two_markets.yaml: the home flights spend 200 a day, the abroad flights 74 from day 30 on;
    // abroad's are held back until day 60. The sample is its own market (share 1).
    const double home = 200, away = 74;
    for (std::uint32_t k = 0; k < r.replicates; ++k) {
        for (std::size_t t = 0; t <= 60; ++t) {
            ASSERT_EQ(in_market(r, "customers", k, t, abroad), 0) << t;
            ASSERT_EQ(in_market(r, "revenue", k, t, abroad), 0) << t;
            ASSERT_NEAR(r.at("media_cost", k, t), home * double(t), 1e-9 * home * double(t)) << t;
        }
        EXPECT_NEAR(r.at("media_cost", k, 120), home * 120 + away * 60, 1e-6);
        EXPECT_GT(in_market(r, "revenue", k, 120, abroad), 0);
    }
    // Without the key the brand is there from day 0: customers abroad from the installed base.
    const Results present = run_scenario(entering({}), 2);
    EXPECT_GT(in_market(present, "customers", 0, 0, abroad), 0);
    EXPECT_GT(in_market(present, "revenue", 0, 60, abroad), 0);
}

TEST(MarketEntry, TheFixedCostIsBookedOnceOnTheEntryDayAndTakenFromProfit) {
    // A sample of 20 000 for a market of 150 000 bears 2/15 of the cost.
    const std::vector<std::string> at_60 = {"markets.abroad.entry.day=60",
                                            "population.represents=150000"};
    auto with = at_60;
    with.push_back("markets.abroad.entry.fixed_cost=30000");
    const Results free = run_scenario(entering(at_60), 2), paid = run_scenario(entering(with), 2);
    const double booked = 30000 * 20000.0 / 150000;
    for (std::uint32_t k = 0; k < paid.replicates; ++k) {
        for (std::size_t t = 0; t < paid.points(); ++t) {
            const double expected = t > 60 ? booked : 0.0; // booked in the step of day 60
            ASSERT_NEAR(paid.at("entry_cost", k, t), expected, 1e-9) << t;
            ASSERT_EQ(free.at("entry_cost", k, t), 0) << t;
            ASSERT_NEAR(free.at("profit", k, t) - paid.at("profit", k, t), expected, 1e-6) << t;
            ASSERT_EQ(free.at("revenue", k, t), paid.at("revenue", k, t)) << t;
        }
    }
    EXPECT_LT(test::mean_final(paid, "roi"), test::mean_final(free, "roi"));
}

TEST(MarketEntry, DistributionRampsUpSoTheFirstHalfOfTheRampSellsLess) {
    const std::vector<std::string> at_60 = {"markets.abroad.entry.day=60"};
    auto ramped = at_60;
    ramped.push_back("markets.abroad.entry.ramp_days=60");
    const Results flat = run_scenario(entering(at_60), 2), ramp = run_scenario(entering(ramped), 2);
    // Revenue abroad is purchases x 12 x 0.8: over [60, 90) against [90, 120).
    const double early = revenue_abroad(ramp, 60, 90), late = revenue_abroad(ramp, 90, 120);
    const double early_flat = revenue_abroad(flat, 60, 90),
                 late_flat = revenue_abroad(flat, 90, 120);
    EXPECT_GT(early, 0);
    // Stocked on average a quarter of the first half and three quarters of the second: with the
    // same shoppers, 1 : 3 (more shoppers later, and shoppers who did not find it try again).
    EXPECT_LT(early, 0.6 * late);
    EXPECT_LT(early, 0.6 * early_flat);
    // Everything else alike, the ramp alone halves the early share at least (measured 0.25
    // of the late half with the ramp, 0.70 without).
    EXPECT_LT(early / late, 0.5 * early_flat / late_flat);
    // Until the entry day the two runs are the same, at home too.
    EXPECT_EQ(in_market(flat, "revenue", 0, 60, 0), in_market(ramp, "revenue", 0, 60, 0));
}

TEST(MarketEntry, EntryAtDayZeroWithoutCostOrRampIsBitIdenticalToNoEntry) {
    const Results none = run_scenario(entering({}), 2);
    const Results zero =
        run_scenario(entering({"markets.abroad.entry.day=0", "markets.abroad.entry.fixed_cost=0",
                               "markets.abroad.entry.ramp_days=0", "markets.home.entry.day=0"}),
                     2);
    EXPECT_EQ(none.timeseries, zero.timeseries);
    EXPECT_EQ(none.final, zero.final);
    EXPECT_EQ(none.markets, zero.markets);
    EXPECT_EQ(none.channels, zero.channels);
    EXPECT_EQ(none.brands, zero.brands);
}
