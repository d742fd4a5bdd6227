// Parameter uncertainty carried into experiments: the split of a spread over draws into
// parameters and noise, the draws themselves, and compare over draws on a real scenario.
#include "custsim/uncertainty.hpp"

#include "custsim/error.hpp"
#include "custsim/results.hpp"
#include "custsim/summary.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>

using namespace custsim;

namespace {

/// A Difference as paired_difference gives it for R replicates: mean +- t(R-1) x standard error.
Difference with_error(double mean, double standard_error, std::uint32_t replicates) {
    const double half = t_quantile_95(replicates - 1) * standard_error;
    return {mean, mean - half, mean + half};
}

Scenario small(std::vector<std::string> more = {}) {
    more.insert(more.begin(), {"population.customers=4000", "days=60", "replicates=3"});
    return test::small("baseline.yaml", more);
}

Scenario with_uncertain(const std::string& key, double low, double high,
                        std::vector<std::string> more = {}) {
    more.push_back("uncertain=[{key: " + key + ", low: " + std::to_string(low) +
                   ", high: " + std::to_string(high) + "}]");
    return small(more);
}

const UncertainComparison::Row& row(const UncertainComparison& c, const std::string& kpi) {
    for (const auto& r : c.rows) {
        if (r.kpi == kpi) {
            return r;
        }
    }
    throw std::runtime_error("no KPI " + kpi);
}

} // namespace

TEST(Uncertainty, DrawsThatAgreeLeaveOnlyNoise) {
    // Every draw the same mean: the parameters explain nothing, and the interval is the noise's,
    // with the t quantile of the draws' count.
    std::vector<Difference> draws(10, with_error(5, 2, 4));
    const auto d = combine_draws(draws, 4);
    EXPECT_DOUBLE_EQ(d.mean, 5);
    EXPECT_DOUBLE_EQ(d.parameter_sd, 0);
    EXPECT_NEAR(d.noise_sd, 2, 1e-12);
    EXPECT_NEAR(d.high - d.mean, t_quantile_95(9) * 2, 1e-9);
    EXPECT_EQ(d.above_zero, 10u);
    EXPECT_DOUBLE_EQ(d.parameter_share(), 0);
}

TEST(Uncertainty, ASpreadBeyondTheNoiseIsTheParameters) {
    // Means 0, 2, 4, 6 (sample variance 20/3) with noise variance 1 each: parameters 17/3.
    std::vector<Difference> draws;
    for (const double m : {0.0, 2.0, 4.0, 6.0}) {
        draws.push_back(with_error(m, 1, 5));
    }
    const auto d = combine_draws(draws, 5);
    EXPECT_DOUBLE_EQ(d.mean, 3);
    EXPECT_NEAR(d.parameter_sd * d.parameter_sd, 17.0 / 3, 1e-9);
    EXPECT_NEAR(d.noise_sd, 1, 1e-12);
    EXPECT_NEAR(d.high - d.mean, t_quantile_95(3) * std::sqrt(20.0 / 3), 1e-9);
    EXPECT_EQ(d.above_zero, 3u); // 0 is not above 0
    EXPECT_NEAR(d.parameter_share(), 17.0 / 20, 1e-9);
    // A ratio with nothing to divide by in one draw leaves the whole result undefined.
    draws.push_back({std::nan(""), std::nan(""), std::nan("")});
    EXPECT_TRUE(std::isnan(combine_draws(draws, 5).mean));
}

TEST(Uncertainty, TheSplitRecoversKnownVariances) {
    // m_j = theta_j + e_j with theta ~ N(1, 3^2) and e ~ N(0, 2^2) reported as the noise: over
    // 4 000 draws the parts come out within a few per cent of 3 and 2 (standard errors ~1.5 %).
    std::mt19937_64 engine(7);
    std::normal_distribution<double> theta(1, 3), noise(0, 2);
    std::vector<Difference> draws;
    for (int j = 0; j < 4000; ++j) {
        draws.push_back(with_error(theta(engine) + noise(engine), 2, 8));
    }
    const auto d = combine_draws(draws, 8);
    EXPECT_NEAR(d.parameter_sd, 3, 0.15);
    EXPECT_NEAR(d.noise_sd, 2, 1e-9);
    EXPECT_NEAR(d.mean, 1, 0.2);
    EXPECT_NEAR(d.parameter_share(), 9.0 / 13, 0.04);
}

TEST(Uncertainty, UncertainRangesGiveALatinHypercube) {
    const Scenario s = small({"uncertain=[{key: journey.decide_rate, low: 0.05, high: 0.2}, "
                              "{key: word_of_mouth.rate, low: 0.001, high: 0.01}]"});
    const auto draws = uncertain_draws(s, 16);
    ASSERT_EQ(draws.keys, (std::vector<std::string>{"journey.decide_rate", "word_of_mouth.rate"}));
    ASSERT_EQ(draws.points.size(), 16u);
    for (std::size_t d = 0; d < 2; ++d) {
        const double low = d == 0 ? 0.05 : 0.001, high = d == 0 ? 0.2 : 0.01;
        std::set<int> strata;
        for (const auto& point : draws.points) {
            ASSERT_GT(point[d], low);
            ASSERT_LT(point[d], high);
            strata.insert(int((point[d] - low) / (high - low) * 16));
        }
        EXPECT_EQ(strata.size(), 16u) << "one draw in each sixteenth of " << draws.keys[d];
    }
    // The same seed draws the same points; another seed others.
    EXPECT_EQ(uncertain_draws(s, 16).points, draws.points);
    Scenario other = s;
    other.seed = 2;
    EXPECT_NE(uncertain_draws(other, 16).points, draws.points);
    // A draw sets the keys, and a seed of its own.
    const Scenario at = at_draw(s, draws, 3);
    EXPECT_DOUBLE_EQ(at.journey.decide_rate, draws.points[3][0]);
    EXPECT_DOUBLE_EQ(at.word_of_mouth.rate, draws.points[3][1]);
    EXPECT_NE(at.seed, s.seed);
    EXPECT_NE(at_draw(s, draws, 4).seed, at.seed);
}

TEST(Uncertainty, BadRangesAreRefusedNamingTheKey) {
    auto refused = [](const std::vector<std::string>& more, const std::string& expected) {
        try {
            uncertain_draws(small(more), 4);
            ADD_FAILURE() << "accepted: " << more.back();
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
        }
    };
    refused({"uncertain=[{key: journey.decide_rate, low: 0.3, high: 0.2}]"},
            "uncertain[0].high: needs finite low < high");
    refused({"uncertain=[{key: seed, low: 1, high: 2}]"}, "'seed' cannot be uncertain");
    refused({"uncertain=[{key: journey.decide_rate, low: 0.1, high: 0.2}, "
             "{key: journey.decide_rate, low: 0.1, high: 0.3}]"},
            "uncertain[1].key: 'journey.decide_rate' is named twice");
    refused({"uncertain=[{key: journey.decide_rat, low: 0.1, high: 0.2}]"},
            "uncertain[0]: journey.decide_rat from 0.1 to 0.2");
    refused({"uncertain=[{key: journey.decide_rate, low: -1, high: 0.2}]"}, "journey.decide_rate");
    EXPECT_THROW(uncertain_draws(small(), 4), ScenarioError); // no uncertain keys
}

TEST(Uncertainty, PosteriorDrawsAreSpreadOverTheSamples) {
    const auto path = std::filesystem::temp_directory_path() / "custsim_test_posterior.h5";
    std::vector<double> samples;
    for (int i = 0; i < 10; ++i) {
        samples.insert(samples.end(), {0.01 * i, 100.0 + i});
    }
    write_arrays(path, {{"/samples", Array{{10, 2}, samples}}},
                 {{"keys", "journey.decide_rate\nword_of_mouth.rate"}});
    const auto draws = posterior_draws(path, 5);
    ASSERT_EQ(draws.points.size(), 5u);
    for (std::size_t j = 0; j < 5; ++j) { // rows 0, 2, 4, 6, 8
        EXPECT_DOUBLE_EQ(draws.points[j][0], 0.02 * double(j));
        EXPECT_DOUBLE_EQ(draws.points[j][1], 100.0 + 2 * double(j));
    }
    EXPECT_THROW(posterior_draws(path, 11), InputError); // more draws than samples
    // A posterior and `uncertain:` at once are refused: they would disagree.
    EXPECT_THROW(
        experiment_draws(with_uncertain("journey.decide_rate", 0.05, 0.2), path.string(), 5),
        ScenarioError);
    write_arrays(path, {{"/samples", Array{{10, 2}, samples}}});
    EXPECT_THROW(posterior_draws(path, 5), InputError); // no keys: not a posterior
    std::filesystem::remove(path);
}

TEST(Uncertainty, AKeyThatChangesNothingAddsNoParameterSpread) {
    // Review-writing chances do nothing with reviews off: the draws differ only by their seeds,
    // so the spread across draws is the noise, and the parameters' part is at most a small share.
    const Scenario a = with_uncertain("reviews.write", 0.01, 0.2);
    Scenario b = with_uncertain("reviews.write", 0.01, 0.2, {"brands.focal.price=45"});
    const auto draws = uncertain_draws(a, 8);
    const auto c = compare_uncertain(a, b, draws);
    const auto& customers = row(c, "customers").difference;
    EXPECT_LT(customers.parameter_share(), 0.5);
    EXPECT_GT(customers.noise_sd, 0);
    EXPECT_EQ(customers.draws, 8u);
}

TEST(Uncertainty, AKeyThatMovesTheEffectShowsAsParameters) {
    // What doubling TV adds to awareness depends on what a thousand exposures cost: over a
    // twentyfold range of TV's cpm the effect varies far beyond its noise.
    const Scenario a = with_uncertain("channels.tv.cpm", 2, 40);
    const Scenario b =
        with_uncertain("channels.tv.cpm", 2, 40, {"brands.focal.media.tv.spend_per_day=120"});
    const auto c = compare_uncertain(a, b, uncertain_draws(a, 8));
    const auto& aware = row(c, "aware").difference;
    EXPECT_GT(aware.parameter_share(), 0.8);
    EXPECT_GT(aware.parameter_sd, 2 * aware.noise_sd);
    EXPECT_GT(aware.mean, 0);
}

TEST(Uncertainty, AComparedKeyCannotBeUncertain) {
    const Scenario a = with_uncertain("brands.focal.price", 40, 60);
    const Scenario b = with_uncertain("brands.focal.price", 40, 60, {"brands.focal.price=45"});
    try {
        compare_uncertain(a, b, uncertain_draws(a, 4));
        ADD_FAILURE() << "a compared key was drawn";
    } catch (const ScenarioError& e) {
        EXPECT_NE(std::string(e.what()).find("brands.focal.price"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("undoing the difference"), std::string::npos);
    }
}
