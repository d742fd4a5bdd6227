// Calibration: the ensemble sampler on a Gaussian of known mean and covariance, its diagnostics on
// chains of known autocorrelation, bit-identical chains on any thread count, and the Bass special
// case fitted to its closed form (the 90 % intervals cover the p and q it came from).
#include "custsim/calibration.hpp"
#include "custsim/error.hpp"
#include "custsim/results.hpp"
#include "custsim/rng.hpp"

#include "support.hpp"

#include "bass_case.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include <unistd.h>

using namespace custsim;

namespace {

/// log N(x; mean (1, -2), covariance [[1, 0.5], [0.5, 2]]), up to a constant.
DensityValue gaussian(const std::vector<double>& x) {
    const double a = x[0] - 1, b = x[1] + 2;
    const double det = 1 * 2 - 0.5 * 0.5;
    // inverse covariance: [[2, -0.5], [-0.5, 1]] / det
    return {-0.5 * (2 * a * a - 2 * 0.5 * a * b + 1 * b * b) / det, {a + b}};
}

std::vector<std::vector<double>> small_ball(std::uint32_t walkers) {
    std::vector<std::vector<double>> start;
    for (std::uint32_t k = 0; k < walkers; ++k) {
        Draws draws(StreamKey{99, 0}, 0, Process::calibration, k);
        start.push_back({0.01 * (draws.uniform() - 0.5), 0.01 * (draws.uniform() - 0.5)});
    }
    return start;
}

double normal(Draws& draws) {
    return std::sqrt(-2 * std::log(draws.uniform())) * std::cos(2 * M_PI * draws.uniform());
}

/// [step][walker] of an AR(1) chain x' = phi x + e per walker: tau = (1 + phi) / (1 - phi).
std::vector<double> ar1(double phi, std::uint32_t steps, std::uint32_t walkers) {
    std::vector<double> chain(std::size_t(steps) * walkers);
    for (std::uint32_t k = 0; k < walkers; ++k) {
        double x = 0;
        for (std::uint32_t t = 0; t < steps; ++t) {
            Draws draws(StreamKey{5, k}, t, Process::calibration, 0);
            x = phi * x + normal(draws);
            chain[std::size_t(t) * walkers + k] = x;
        }
    }
    return chain;
}

} // namespace

TEST(EnsembleSampler, SamplesAGaussianWithItsMeanAndCovariance) {
    SamplerSettings settings;
    settings.steps = 3000;
    settings.seed = 11;
    const std::uint32_t W = 16;
    const auto chain = ensemble_sample(gaussian, small_ball(W), settings);
    double m0 = 0, m1 = 0, c00 = 0, c01 = 0, c11 = 0;
    std::size_t n = 0;
    for (std::size_t t = settings.steps / 2; t < settings.steps; ++t) {
        for (std::uint32_t k = 0; k < W; ++k, ++n) {
            m0 += chain.positions[(t * W + k) * 2];
            m1 += chain.positions[(t * W + k) * 2 + 1];
        }
    }
    m0 /= double(n);
    m1 /= double(n);
    for (std::size_t t = settings.steps / 2; t < settings.steps; ++t) {
        for (std::uint32_t k = 0; k < W; ++k) {
            const double a = chain.positions[(t * W + k) * 2] - m0;
            const double b = chain.positions[(t * W + k) * 2 + 1] - m1;
            c00 += a * a / double(n);
            c01 += a * b / double(n);
            c11 += b * b / double(n);
        }
    }
    // About 24 000 draws with tau ~ 30: ESS ~ 800, so standard errors of ~0.05 on the means and
    // ~5 % on the variances; the tolerances are five of them.
    EXPECT_NEAR(m0, 1, 0.25);
    EXPECT_NEAR(m1, -2, 0.35);
    EXPECT_NEAR(c00, 1, 0.25);
    EXPECT_NEAR(c01, 0.5, 0.25);
    EXPECT_NEAR(c11, 2, 0.5);
    double accepted = 0;
    for (const auto a : chain.accepted) {
        accepted += double(a) / settings.steps / W;
    }
    EXPECT_GT(accepted, 0.2); // emcee's rule of thumb: 0.2..0.5 for a well-tuned ensemble
    EXPECT_LT(accepted, 0.9);
    EXPECT_EQ(chain.blobs[std::size_t(settings.steps - 1) * W].size(), 1u);
}

TEST(EnsembleSampler, IsTheSameBitForBitOnAnyThreadCount) {
    SamplerSettings settings;
    settings.steps = 50;
    settings.threads = 1;
    const auto one = ensemble_sample(gaussian, small_ball(8), settings);
    settings.threads = 3;
    const auto three = ensemble_sample(gaussian, small_ball(8), settings);
    EXPECT_EQ(one.positions, three.positions);
    EXPECT_EQ(one.log_density, three.log_density);
    settings.seed = 2;
    EXPECT_NE(ensemble_sample(gaussian, small_ball(8), settings).positions, one.positions);
}

TEST(EnsembleSampler, RefusesTooFewWalkers) {
    EXPECT_THROW(ensemble_sample(gaussian, small_ball(3), SamplerSettings{}), InputError);
    EXPECT_THROW(ensemble_sample(gaussian, {{0, 0}, {0, 1}}, SamplerSettings{}), InputError);
}

TEST(EnsembleSampler, AutocorrelationTimeOfAnAr1Chain) {
    for (const double phi : {0.0, 0.5, 0.8}) {
        const double tau = autocorrelation_time(ar1(phi, 4000, 32), 4000, 32);
        EXPECT_NEAR(tau, (1 + phi) / (1 - phi), 0.1 * (1 + phi) / (1 - phi)) << "phi " << phi;
    }
}

TEST(EnsembleSampler, SplitRHatSeesUnmixedChains) {
    auto chain = ar1(0.5, 2000, 8);
    EXPECT_LT(split_r_hat(chain, 2000, 8), 1.01);
    for (std::size_t t = 0; t < 2000; ++t) {
        chain[t * 8] += 5; // one walker somewhere else
    }
    EXPECT_GT(split_r_hat(chain, 2000, 8), 1.2);
}

TEST(Calibration, ParsesFitKeys) {
    const FitKey k = parse_fit_key("brands.focal.price=40:60.5");
    EXPECT_EQ(k.key, "brands.focal.price");
    EXPECT_EQ(k.low, 40);
    EXPECT_EQ(k.high, 60.5);
    for (const char* bad : {"price", "price=40", "price=a:b", "=1:2", "price=5:1", "price=1:inf"}) {
        EXPECT_THROW(parse_fit_key(bad), InputError) << bad;
    }
}

TEST(Calibration, RefusesKeysTheScenarioDoesNotTake) {
    const auto s = load_scenario(std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios/bass.yaml",
                                 {"population.customers=100", "days=4", "dt=0.5"});
    const auto data = parse_observations("day,kpi,value\n4,adopted,10\n", "d.csv", s);
    auto message = [&](const std::vector<FitKey>& keys) {
        try {
            calibrate(s, data, keys, {});
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(message({{"word_of_mouth.rat", 0.1, 1}}).find("did you mean"), std::string::npos);
    EXPECT_NE(message({{"word_of_mouth.rate", -1, 1}}).find("--fit word_of_mouth.rate=-1:1"),
              std::string::npos);
    EXPECT_NE(message({{"word_of_mouth.rate", 0.1, 1}, {"word_of_mouth.rate", 0.1, 1}})
                  .find("fitted twice"),
              std::string::npos);
    EXPECT_NE(message({}).find("at least one key"), std::string::npos);
}

TEST(Calibration, BassFittedToItsClosedFormCoversTheTruth) {
    const double p = test::BassCase::p, q = test::BassCase::q;
    const auto [s, data] = test::bass_closed_form_case();
    CalibrationOptions options;
    options.walkers = 8;
    options.steps = 100;
    const Calibration c = calibrate(
        s, data,
        {{"channels.advertising.adoption_rate", 0.005, 0.1}, {"word_of_mouth.rate", 0.1, 1.0}},
        options);
    ASSERT_EQ(c.median.size(), 2u);
    EXPECT_LE(c.low[0], p);
    EXPECT_GE(c.high[0], p);
    EXPECT_LE(c.low[1], q);
    EXPECT_GE(c.high[1], q);
    EXPECT_LT(c.high[0] - c.low[0], 0.02); // the data say something: narrower than the prior
    EXPECT_LT(c.high[1] - c.low[1], 0.2);
    EXPECT_EQ(c.samples.size(), c.sample_log_likelihood.size() * 2);
    EXPECT_EQ(c.fit_median.size(), data.rows.size());
    for (std::size_t i = 0; i < data.rows.size(); ++i) {
        EXPECT_LE(c.fit_low[i], c.fit_high[i]);
    }
    EXPECT_EQ(c.burn_in, 50u);
    EXPECT_GE(c.optimum_log_likelihood,
              *std::max_element(c.sample_log_likelihood.begin(), c.sample_log_likelihood.end()) -
                  5);
}

TEST(Calibration, IsTheSameBitForBitWhenItsBatchesAreDealtToRanks) {
    const auto [s, data, keys] = test::tiny_bass_case(false);
    CalibrationOptions options;
    options.steps = 6;
    options.threads = 1;
    const Calibration one = calibrate(s, data, keys, options);
    auto batches = std::make_shared<std::vector<std::int64_t>>();
    const BatchRunner dealt = test::dealt_runner(3, 1);
    options.runner = [batches, dealt](std::int64_t count, const BatchTask& task) {
        batches->push_back(count);
        return dealt(count, task);
    };
    const Calibration ranks = calibrate(s, data, keys, options);
    EXPECT_EQ(ranks.optimum, one.optimum);
    EXPECT_EQ(ranks.chain.positions, one.chain.positions);
    EXPECT_EQ(ranks.chain.log_density, one.chain.log_density);
    EXPECT_EQ(ranks.fit_median, one.fit_median);
    EXPECT_EQ(ranks.fit_low, one.fit_low);
    EXPECT_EQ(ranks.evaluations, one.evaluations);
    // The checkpoint read (a batch of one), the design (8 points), two local searches, the
    // walkers' start, two halves a step, the fit at the median.
    ASSERT_EQ(batches->size(), 1 + 1 + 1 + 1 + 2 * 6 + 1u);
    EXPECT_EQ((std::vector<std::int64_t>(batches->begin(), batches->begin() + 5)),
              (std::vector<std::int64_t>{1, 8, 2, 8, 4}));
    EXPECT_EQ(batches->back(), 1);
}

TEST(Calibration, ResumesFromItsCheckpointBitForBit) {
    const auto [s, data, keys] = test::tiny_bass_case(true);
    CalibrationOptions options;
    options.steps = 40;
    options.threads = 2;
    const Calibration whole = calibrate(s, data, keys, options);
    const auto checkpoint = std::filesystem::temp_directory_path() /
                            ("custsim_test_checkpoint_" + std::to_string(::getpid()) + ".h5");
    std::filesystem::remove(checkpoint);
    options.checkpoint = checkpoint;
    for (const std::uint64_t cut : {20u, 160u}) { // during burn-in, then after it
        auto cancelling = options;
        auto first = std::make_shared<std::uint64_t>(0); // evaluations when sampling began
        cancelling.progress = [cut, first](const char* stage, std::uint64_t done, std::uint64_t) {
            if (std::string(stage) != "sample") {
                return true;
            }
            *first = *first ? *first : done;
            return done - *first < cut;
        };
        EXPECT_THROW(calibrate(s, data, keys, cancelling), Cancelled);
        ASSERT_TRUE(std::filesystem::exists(checkpoint));
        const int done = std::stoi(read_text_attribute(checkpoint, "steps_done"));
        EXPECT_TRUE(cut == 20u ? done < 20 : done > 20 && done < 40) << done;
    }
    const Calibration resumed = calibrate(s, data, keys, options);
    EXPECT_EQ(resumed.chain.positions, whole.chain.positions);
    EXPECT_EQ(resumed.chain.log_density, whole.chain.log_density);
    EXPECT_EQ(resumed.chain.accepted, whole.chain.accepted);
    EXPECT_EQ(resumed.fit_low, whole.fit_low);
    EXPECT_EQ(resumed.fit_high, whole.fit_high);
    EXPECT_EQ(resumed.evaluations, whole.evaluations);
    // A checkpoint of another calibration is refused, not resumed.
    auto other = keys;
    other[1].high = 0.9;
    try {
        calibrate(s, data, other, options);
        ADD_FAILURE() << "a checkpoint of another calibration was taken";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("another calibration"), std::string::npos);
    }
    std::filesystem::remove(checkpoint);
}
