// Competitors that react (issue 14 item 4): a rival matching a share of the focal brand's
// advertising after a lag, and conquesting ads aimed at prospects who showed interest in the
// focal brand, apart from poaching its customers (retarget_rate).
#include "custsim/simulation.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace custsim;
using test::mean_final;
using test::small;

TEST(Competitors, ARivalMatchesTheFocalSpendOnlyAfterItsLag) {
    // The rival adds match_share of the focal brand's spend on each channel lag_days earlier:
    // until the lag has passed every number is the unmatched run's (common random numbers);
    // afterwards the rival's extra weight takes focal sales.
    const std::vector<std::string> base = {"replicates=2", "days=180"};
    auto matched = base;
    matched.insert(matched.end(), {"brands.rival.match_share=1", "brands.rival.lag_days=60"});
    const auto a = run_scenario(small("baseline.yaml", base));
    const auto b = run_scenario(small("baseline.yaml", matched));
    const auto& before = a.timeseries.at("purchases");
    const auto& after = b.timeseries.at("purchases");
    const std::size_t points = a.time.size();
    for (std::size_t k = 0; k < 2; ++k) {
        for (std::size_t t = 0; t < points; ++t) {
            if (a.time[t] <= 60) {
                ASSERT_EQ(after[k * points + t], before[k * points + t]) << "day " << a.time[t];
            }
        }
    }
    EXPECT_LT(mean_final(b, "purchases"), 0.99 * mean_final(a, "purchases"));
    EXPECT_EQ(mean_final(b, "media_cost"), mean_final(a, "media_cost")) << "the rival pays";
}

TEST(Competitors, ConquestingAimsTheSameSpendAtTheFocalBrandsProspects) {
    // A rival on social (data-targeted) with the same budget, its impressions weighted 10 to 1
    // towards prospects interested in the focal brand: fewer of them buy the focal brand and
    // the rival sells more, for nothing more than the budget it had.
    const std::vector<std::string> base = {
        "replicates=2", "brands.rival.media=[{channel: tv, spend_per_day: 60}, {channel: social, "
                        "spend_per_day: 40}, {channel: search, spend_per_day: 40}]"};
    auto conquest = base;
    conquest.push_back("brands.rival.conquest_weight=10");
    const auto a = run_scenario(small("baseline.yaml", base));
    const auto b = run_scenario(small("baseline.yaml", conquest));
    const auto rival = [](const Results& r) {
        const std::size_t points = r.time.size(), brands = r.brand_names.size();
        double sum = 0;
        for (std::size_t k = 0; k < r.replicates; ++k) {
            sum += r.brands.at("purchases")[(k * points + points - 1) * brands + 1];
        }
        return sum / double(r.replicates);
    };
    EXPECT_LT(mean_final(b, "adopted"), mean_final(a, "adopted"));
    EXPECT_LT(mean_final(b, "purchases"), mean_final(a, "purchases"));
    EXPECT_GT(rival(b), rival(a));
}

namespace {

/// Brand b's value of a per-brand KPI at the last point, mean over replicates.
double brand_final(const Results& r, const std::string& kpi, std::size_t b) {
    const std::size_t points = r.time.size(), brands = r.brand_names.size();
    double sum = 0;
    for (std::size_t k = 0; k < r.replicates; ++k) {
        sum += r.brands.at(kpi)[(k * points + points - 1) * brands + b];
    }
    return sum / double(r.replicates);
}

} // namespace

TEST(Competitors, APriceCutSellsMoreAtTheCutPriceAndKeepsTheUnitCost) {
    // A 20 % cut all year: every focal purchase brings 12 x 0.8 = 9.6, the margin is that less
    // the unit cost at list, 12 x (1 - 0.4), and price-sensitive shoppers buy more.
    const std::vector<std::string> base = {"replicates=2"};
    auto cut = base;
    cut.push_back("events=[{kind: price, brand: focal, from: 0, factor: 0.8}]");
    const auto a = run_scenario(small("baseline.yaml", base));
    const auto b = run_scenario(small("baseline.yaml", cut));
    const double purchases = mean_final(b, "purchases");
    EXPECT_NEAR(mean_final(b, "revenue"), 9.6 * purchases, 1e-9 * 9.6 * purchases);
    EXPECT_NEAR(mean_final(b, "margin"), (9.6 - 7.2) * purchases, 1e-6 * purchases);
    EXPECT_GT(purchases, 1.02 * mean_final(a, "purchases"));
    EXPECT_LT(mean_final(b, "margin"), mean_final(a, "margin")) << "the cut does not pay here";
}

TEST(Competitors, ARivalAnswersAPriceCutAfterItsLag) {
    // The rival answers a 20 % focal cut with half of it (10 % off its price of 10) 30 days
    // later: its revenue per purchase is 10 before then and 9 after, and the focal brand sells
    // less than with an unanswered cut.
    const std::vector<std::string> cut = {
        "replicates=2", "days=180", "events=[{kind: price, brand: focal, from: 0, factor: 0.8}]"};
    auto answered = cut;
    answered.insert(answered.end(), {"brands.rival.price_answer=0.5", "brands.rival.lag_days=30"});
    const auto a = run_scenario(small("baseline.yaml", cut));
    const auto b = run_scenario(small("baseline.yaml", answered));
    const double per_purchase = brand_final(b, "revenue", 1) / brand_final(b, "purchases", 1);
    EXPECT_GT(per_purchase, 9.0);
    EXPECT_LT(per_purchase, 9.5) << "five sixths of the half year at 9";
    EXPECT_DOUBLE_EQ(brand_final(a, "revenue", 1) / brand_final(a, "purchases", 1), 10.0);
    EXPECT_LT(mean_final(b, "purchases"), mean_final(a, "purchases"));
}
