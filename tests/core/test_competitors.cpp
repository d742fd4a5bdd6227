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
