// Repertoire buying against the regularities of a consumer panel (issue 14 item 3): brands that
// differ only in reach show double jeopardy and the duplication of purchase law (Ehrenberg,
// Goodhardt & Barwise 1990); the panel KPIs are the counts over the customers' columns; and
// customers' category purchase rates, gamma distributed, give the negative binomial of purchase
// incidence (Ehrenberg 1959) in closed form.
#include "custsim/simulation.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace custsim;
using test::small;

namespace {

/// The four-brand category of scenarios/repertoire.yaml over a quarter (the period of
/// Ehrenberg's quarterly panel tables), stepped to the end.
Simulation quarter(const std::vector<std::string>& more = {}) {
    std::vector<std::string> overrides = {"days=84", "replicates=1"};
    overrides.insert(overrides.end(), more.begin(), more.end());
    const auto s = small("repertoire.yaml", overrides);
    Simulation sim(s, build_graph(s), 0);
    for (int d = 0; d < 84; ++d) {
        sim.step();
    }
    return sim;
}

} // namespace

TEST(Repertoire, BrandsThatDifferOnlyInReachShowDoubleJeopardy) {
    // A smaller brand has fewer buyers, and they buy it a little less often: frequency falls
    // far less than penetration (Ehrenberg et al. 1990: w(1 - b) is nearly constant).
    const auto sim = quarter();
    const Kpis& k = sim.kpis();
    ASSERT_EQ(k.brand_penetration.size(), 4u);
    for (std::size_t b = 1; b < 4; ++b) {
        EXPECT_LT(k.brand_penetration[b], 0.75 * k.brand_penetration[b - 1]) << b;
        EXPECT_LT(k.brand_requirements[b], k.brand_requirements[b - 1]) << b;
    }
    EXPECT_GT(k.brand_frequency[0], k.brand_frequency[1]);
    EXPECT_GT(k.brand_frequency[1], k.brand_frequency[3]);
    const double penetration_ratio = k.brand_penetration[3] / k.brand_penetration[0];
    const double frequency_ratio = k.brand_frequency[3] / k.brand_frequency[0];
    EXPECT_LT(penetration_ratio, 0.25);
    EXPECT_GT(frequency_ratio, 0.6) << "slightly lower, not in proportion";
}

TEST(Repertoire, DuplicationOfPurchaseFollowsPenetration) {
    // The share of the focal brand's buyers who also bought brand c is D x penetration of c,
    // one D for every c (the duplication of purchase law).
    const auto sim = quarter();
    const Kpis& k = sim.kpis();
    std::vector<double> d;
    for (std::size_t c = 1; c < 4; ++c) {
        d.push_back(k.brand_duplication[c] / k.brand_penetration[c]);
    }
    const double mean = (d[0] + d[1] + d[2]) / 3;
    for (double v : d) {
        EXPECT_NEAR(v, mean, 0.15 * mean);
    }
    EXPECT_GT(mean, 0.8);
    EXPECT_LT(mean, 2.0);
    EXPECT_DOUBLE_EQ(k.brand_duplication[0], 1.0);
}

TEST(Repertoire, PanelKpisAreTheCountsOverTheCustomers) {
    const auto sim = quarter();
    const Kpis& k = sim.kpis();
    const auto bought = sim.column("bought").as<std::uint8_t>();
    const auto occasions = sim.column("occasions").as<float>();
    const double n = double(bought.size());
    double total_purchases = 0;
    for (std::size_t b = 0; b < 4; ++b) {
        double buyers = 0, category = 0, sole = 0, with_focal = 0;
        for (std::size_t i = 0; i < bought.size(); ++i) {
            if (bought[i] >> b & 1u) {
                buyers += 1;
                category += occasions[i];
                sole += bought[i] == (1u << b);
                with_focal += bought[i] & 1u;
            }
        }
        total_purchases += k.brand_purchases[b];
        ASSERT_GT(buyers, 100);
        EXPECT_DOUBLE_EQ(k.brand_penetration[b], buyers / n) << b;
        EXPECT_DOUBLE_EQ(k.brand_frequency[b], k.brand_purchases[b] / buyers) << b;
        EXPECT_DOUBLE_EQ(k.brand_requirements[b], k.brand_purchases[b] / category) << b;
        EXPECT_DOUBLE_EQ(k.brand_sole[b], sole / buyers) << b;
        EXPECT_DOUBLE_EQ(k.brand_duplication[b], with_focal / (k.brand_penetration[0] * n)) << b;
    }
    double all_occasions = 0;
    for (float o : occasions) {
        all_occasions += o;
    }
    EXPECT_EQ(all_occasions, total_purchases);
}

TEST(Repertoire, StayingCustomersBuyAnotherBrandOnlyAfterLeavingOne) {
    // With repeat_choice: stay a customer buys a second brand only after leaving the first: a
    // buyer of m brands left at least m - 1 times, so the buyers who are not sole buyers, counted
    // per brand (m each), are at most twice the departures. Repertoire buying breaks that bound.
    const auto not_sole_per_departure = [](const Simulation& sim) {
        const Kpis& k = sim.kpis();
        const double n = double(sim.graph().num_customers());
        double not_sole = 0, departures = 0;
        for (std::size_t b = 0; b < k.brand_sole.size(); ++b) {
            not_sole += (1 - k.brand_sole[b]) * k.brand_penetration[b] * n;
            departures += k.brand_churned[b];
        }
        return not_sole / departures;
    };
    EXPECT_LE(not_sole_per_departure(quarter({"journey.repeat_choice=stay"})), 2.0 + 1e-9);
    EXPECT_GT(not_sole_per_departure(quarter()), 5.0);
}

TEST(Appetite, CategoryPurchasesFollowTheGammaPoissonMixture) {
    // Everyone a customer at day 0, buying again at rate r x a with a ~ Gamma(k, 1/k), nothing
    // else moving the rate. A day's purchase happens with chance p = 1 - e^(-r a), so with
    // L(s) = E[e^(-s a)] = (1 + s/k)^-k, over T days: mean T (1 - L(r)), variance
    // T (L(r) - L(2r)) + T^2 (L(2r) - L(r)^2), and no purchase at all with chance L(r T).
    const std::string yaml = R"(
name: appetite
seed: 3
days: 180
population: {customers: 40000}
graph: {type: mean_field}
journey: {funnel: journey, satisfaction_repurchase: 0, attitude_repurchase: 0,
          appetite_shape: 0.8}
segments: [{name: all, share: 1, need_rate: 0, churn_rate: 0, repurchase_rate: 0.02}]
channels: [{name: tv}]
brands: [{name: focal, initial_share: 1, problem_rate: 0, quality: 0.375}]
)";
    const auto s = parse_scenario(yaml, "appetite.yaml", {});
    Simulation sim(s, build_graph(s), 0);
    const double r = 0.02, k = 0.8, T = 180;
    for (int d = 0; d < int(T); ++d) {
        sim.step();
    }
    const auto occasions = sim.column("occasions").as<float>();
    const double n = double(occasions.size());
    double sum = 0, squares = 0, none = 0;
    for (float o : occasions) {
        sum += o;
        squares += double(o) * o;
        none += o == 0;
    }
    const double mean = sum / n, variance = squares / n - mean * mean;
    const auto L = [k](double x) { return std::pow(1 + x / k, -k); };
    const double expected_mean = T * (1 - L(r));
    const double expected_variance = T * (L(r) - L(2 * r)) + T * T * (L(2 * r) - L(r) * L(r));
    const double expected_none = L(r * T);
    EXPECT_NEAR(mean, expected_mean, 4 * std::sqrt(expected_variance / n));
    EXPECT_NEAR(variance, expected_variance, 0.1 * expected_variance);
    EXPECT_NEAR(none / n, expected_none, 4 * std::sqrt(expected_none * (1 - expected_none) / n));
    EXPECT_GT(variance, 2 * mean) << "far more spread than a Poisson's";
}
