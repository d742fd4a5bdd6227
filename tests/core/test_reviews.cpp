// Online reviews (issue 14 item 2): written by a self-selected few, extreme experiences more
// often (Hu, Pavlou & Zhang 2009), counted with their stars; read by some decisions (those a
// channel that shows reviews prompted, and a share of the others), and only theirs.
#include "custsim/simulation.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace custsim;
using test::mean_final;
using test::small;

TEST(Reviews, ExtremeExperiencesAreReviewedMoreOftenAtTheStatedRatio) {
    // Quality 0.375: a new customer's satisfaction is uniform on [6, 9]; 8 or more is 5 stars
    // (p = 1/3), the rest 4. Writing 0.2, extremes 3 times as often: a new customer writes with
    // chance 0.2 (3p + 1 - p) = 1/3, 5-star reviews are 3p / (3p + 1 - p) = 0.6 of them, and
    // the mean rating (never fading) is 0.6 x 5 + 0.4 x 4 = 4.6, above the buyers' 4.33.
    const std::string yaml = R"(
name: reviews
seed: 2
days: 120
population: {customers: 40000}
graph: {type: mean_field}
journey: {funnel: journey}
reviews: {enabled: true, write: 0.2, extreme: 3, recency_days: .inf}
segments: [{name: all, share: 1, need_rate: 0.05, churn_rate: 0, repurchase_rate: 0}]
channels: [{name: tv}]
brands: [{name: focal, initial_share: 0, initial_awareness: 1, problem_rate: 0, quality: 0.375}]
)";
    const auto s = parse_scenario(yaml, "reviews.yaml", {});
    const auto r = run_scenario(s);
    const double buyers = mean_final(r, "adopted"), reviews = mean_final(r, "reviews");
    const double five = mean_final(r, "five_star_reviews");
    ASSERT_GT(buyers, 10000);
    EXPECT_NEAR(reviews / buyers, 1.0 / 3, 4 * std::sqrt(2.0 / 9 / buyers));
    EXPECT_NEAR(five / reviews, 0.6, 4 * std::sqrt(0.24 / reviews));
    EXPECT_NEAR(mean_final(r, "rating"), 4.6, 4 * std::sqrt(0.24 / reviews));
    EXPECT_EQ(mean_final(r, "one_star_reviews"), 0);
}

TEST(Reviews, OnlyDecisionsThatReadReviewsAreMovedByThem) {
    // Nobody reads (read 0, no channel shows reviews): the rating moves no choice, so every KPI
    // but the reviews' own is what a weight of 0 gives (common random numbers).
    std::vector<std::string> base = {"replicates=1", "reviews.enabled=true", "reviews.read=0",
                                     "channels.search.shows_reviews=false"};
    auto ignored = base;
    ignored.push_back("reviews.weight=0");
    const auto a = run_scenario(small("baseline.yaml", base));
    const auto b = run_scenario(small("baseline.yaml", ignored));
    for (const char* kpi : {"purchases", "customers", "revenue", "aware", "profit"}) {
        EXPECT_EQ(mean_final(a, kpi), mean_final(b, kpi)) << kpi;
    }
    EXPECT_GT(mean_final(a, "reviews"), 50);
    EXPECT_GT(mean_final(a, "rating"), 3.5) << "the focal brand's buyers mostly give 4-5 stars";
}

TEST(Reviews, SearchShowsReviewsAndAGoodRatingWinsItsReaders) {
    // Read only by decisions search prompted: showing the focal brand's good rating (over 3.5
    // stars) there wins it more purchases than a search that shows none.
    std::vector<std::string> base = {"replicates=2", "reviews.enabled=true", "reviews.read=0",
                                     "channels.search.shows_reviews=false"};
    auto shown = base;
    shown.push_back("channels.search.shows_reviews=true");
    const auto a = run_scenario(small("baseline.yaml", base));
    const auto b = run_scenario(small("baseline.yaml", shown));
    EXPECT_GT(mean_final(b, "rating"), 3.5);
    EXPECT_GT(mean_final(b, "purchases"), mean_final(a, "purchases") * 1.005);
}
