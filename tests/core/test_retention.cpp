// Retention and repurchase against closed forms (issue 13): customers differ in churn propensity,
// so a cohort's hazard falls with tenure as the gamma mixture of exponentials predicts (the
// continuous-time twin of Fader & Hardie's shifted-beta-geometric); a retention programme cuts
// its members' hazard; satisfaction raises the repurchase rate by e^(satisfaction_repurchase x
// the satisfaction gained).
#include "custsim/simulation.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <numeric>

using namespace custsim;

namespace {

constexpr std::uint32_t cohort_size = 20000, replicates = 2;
constexpr double churn_rate = 0.004;

/// Everyone a customer of one brand at day 0; nobody comes back, nothing goes wrong, attitude
/// and satisfaction leave churn alone: survival is the churn hazard's alone.
Scenario cohort(const std::vector<std::string>& overrides) {
    const std::string yaml = R"(
name: cohort
seed: 5
replicates: 2
days: 365
population: {customers: 20000}
graph: {type: mean_field}
journey: {funnel: journey, dissatisfied_churn: 0, attitude_churn: 0, switch_share: 0}
segments: [{name: all, share: 1, need_rate: 0, churn_rate: 0.004, repurchase_rate: 0.02}]
channels: [{name: tv}]
brands: [{name: focal, initial_share: 1, problem_rate: 0, quality: 0.375}]
)";
    return parse_scenario(yaml, "cohort.yaml", overrides);
}

/// Share of the cohort still customers at `day`, over replicates.
double surviving(const Results& r, int day) {
    const auto& customers = r.timeseries.at("customers");
    const std::size_t points = customers.size() / r.replicates;
    double sum = 0;
    for (std::uint32_t k = 0; k < r.replicates; ++k) {
        sum += customers[k * points + std::size_t(day)];
    }
    return sum / (double(r.replicates) * cohort_size);
}

double binomial_sd(double p) {
    return std::sqrt(p * (1 - p) / (double(cohort_size) * replicates));
}

using test::mean_final;

} // namespace

TEST(Retention, TheHazardFallsWithTenureAsTheGammaMixturePredicts) {
    // Propensity ~ Gamma(shape k, mean 1): survival (1 + h t / k)^-k, hazard h / (1 + h t / k).
    // With k = 0.7 (Fader & Hardie 2007's sBG alpha, 0.668 and 0.704) the hazard a year on is a
    // third of the first day's; customers all alike (k = .inf) keep e^(-h t).
    for (double k : {0.7, 2.0, std::numeric_limits<double>::infinity()}) {
        const auto r = run_scenario(cohort({"journey.churn_shape=" + std::to_string(k)}));
        auto expected = [k](double t) {
            return std::isfinite(k) ? std::pow(1 + churn_rate * t / k, -k)
                                    : std::exp(-churn_rate * t);
        };
        for (int day : {30, 90, 180, 365}) {
            EXPECT_NEAR(surviving(r, day), expected(day), 4 * binomial_sd(expected(day)))
                << "shape " << k << ", day " << day;
        }
        // The hazard of the last month against the first, in the run and in the closed form.
        const double first = 1 - surviving(r, 30), last = 1 - surviving(r, 365) / surviving(r, 335);
        const double first_x = 1 - expected(30), last_x = 1 - expected(365) / expected(335);
        EXPECT_NEAR(last / first, last_x / first_x, 0.12) << "shape " << k;
        if (std::isfinite(k) && k < 1) {
            EXPECT_LT(last / first, 0.5) << "the hazard falls with tenure";
        }
    }
}

TEST(Retention, ACohortKeepsCustomersAsFaderAndHardiesRegularCohortDid) {
    // Fader & Hardie (2007, J. Interactive Marketing 21(1)), "regular" cohort of 1 000
    // subscribers: 631, 468, 382 and 326 still there after years 1 to 4. With the default shape
    // 0.7 and the yearly hazard h set to match year 1 alone ((1 + h / 0.7)^-0.7 = 0.631, h =
    // 0.6513), the model must follow years 2 to 4 too: the closed form gives 0.479, 0.393, 0.337.
    const double h = 0.7 * (std::pow(0.631, -1 / 0.7) - 1);
    const auto r =
        run_scenario(cohort({"days=1460", "segments.all.churn_rate=" + std::to_string(h / 365)}));
    const std::array<double, 4> observed{0.631, 0.468, 0.382, 0.326};
    for (int year = 1; year <= 4; ++year) {
        EXPECT_NEAR(surviving(r, 365 * year), observed[std::size_t(year - 1)], 0.025)
            << "year " << year;
    }
}

TEST(Retention, AProgrammeCutsItsMembersHazardAndCostsPerMemberDay) {
    // Members' hazard times 1 - churn_cut: with half the customers enrolled and a cut of 0.5,
    // survival is (e^(-h t) + e^(-h t / 2)) / 2. Cost: cost_per_member_day per member-day.
    const auto r =
        run_scenario(cohort({"journey.churn_shape=.inf", "brands.focal.retention.members=0.5",
                             "brands.focal.retention.churn_cut=0.5",
                             "brands.focal.retention.cost_per_member_day=0.01"}));
    for (int day : {90, 365}) {
        const double p = 0.5 * (std::exp(-churn_rate * day) + std::exp(-churn_rate * day / 2));
        EXPECT_NEAR(surviving(r, day), p, 4 * binomial_sd(p)) << "day " << day;
    }
    // Expected member-days: N/2 x the integral of e^(-h t / 2) over the year, to within the
    // binomial noise of the members who stay.
    const double member_days =
        cohort_size / 2.0 * (1 - std::exp(-churn_rate * 365 / 2)) / (churn_rate / 2);
    EXPECT_NEAR(mean_final(r, "retention_cost") / 0.01, member_days, 0.02 * member_days);
}

TEST(Repurchase, SatisfactionRaisesTheRepurchaseRateByTheClosedForm) {
    // Service level 1 with service_gain 1 lifts every buyer's experience by one point (7.5 +- 1.5
    // to 8.5 +- 1.5, nothing clamped): repeat purchases per customer-day rise by e^0.1, the
    // default satisfaction_repurchase (Anderson & Sullivan 1993; Mittal & Kamakura 2001: satisfied
    // customers buy again more). No churn, so customer-days are the same in both runs.
    auto run = [](double level) {
        return run_scenario(cohort({"segments.all.churn_rate=0", "journey.service_gain=1",
                                    "brands.focal.service.level=" + std::to_string(level),
                                    "brands.focal.service.level_cost=0.1"}));
    };
    const auto basic = run(0), served = run(1);
    const double ratio = mean_final(served, "purchases") / mean_final(basic, "purchases");
    EXPECT_NEAR(ratio, std::exp(0.1), 0.015) << "measured " << ratio;
    EXPECT_NEAR(mean_final(served, "service_cost") - mean_final(basic, "service_cost"),
                0.1 * mean_final(served, "revenue"), 1e-6 * mean_final(served, "revenue"))
        << "level x level_cost x revenue";
}
