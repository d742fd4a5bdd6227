// The emulator method: on a Gaussian log-density (mean and covariance of the posterior against
// the truth), bit-identical on any thread count, its tail compression; then calibration with it
// on the Bass case against the closed form (90 % intervals cover p and q, R-hat below 1.1) and
// its resume from a progress file.
#include "emulator.hpp"

#include "custsim/calibration.hpp"
#include "custsim/error.hpp"
#include "custsim/results.hpp"

#include "bass_case.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include <unistd.h>

using namespace custsim;

namespace {

/// log N(x; (1, -2), [[1, 0.5], [0.5, 2]]), up to a constant, as an expensive density would be
/// called: a batch at a time, counted.
BatchDensity gaussian(std::shared_ptr<std::uint64_t> calls) {
    return [calls](const std::vector<std::vector<double>>& points) {
        std::vector<DensityValue> out;
        for (const auto& x : points) {
            const double a = x[0] - 1, b = x[1] + 2;
            out.push_back({-0.5 * (2 * a * a - 2 * 0.5 * a * b + b * b) / 1.75, {}});
            ++*calls;
        }
        return out;
    };
}

const std::vector<FitKey> box = {{"x", -5, 5}, {"y", -6, 4}};

} // namespace

TEST(Emulator, SamplesAGaussianWithItsMeanAndCovariance) {
    auto calls = std::make_shared<std::uint64_t>(0);
    EmulatorSettings settings;
    settings.seed = 4;
    settings.evaluations = 120;
    settings.tolerance = 0.2;
    settings.steps = 3000;
    const EmulatorRun run = emulator_sample(gaussian(calls), box, settings);
    EXPECT_TRUE(run.converged);
    EXPECT_LE(*calls, 120u);
    EXPECT_EQ(*calls, run.state.values.size());
    const EnsembleChain& chain = run.chain;
    const std::size_t W = chain.walkers;
    double m0 = 0, m1 = 0, c00 = 0, c01 = 0, c11 = 0, n = 0;
    for (std::size_t t = chain.steps / 2; t < chain.steps; ++t) {
        for (std::size_t k = 0; k < W; ++k, ++n) {
            m0 += chain.positions[(t * W + k) * 2];
            m1 += chain.positions[(t * W + k) * 2 + 1];
        }
    }
    m0 /= n;
    m1 /= n;
    for (std::size_t t = chain.steps / 2; t < chain.steps; ++t) {
        for (std::size_t k = 0; k < W; ++k) {
            const double a = chain.positions[(t * W + k) * 2] - m0;
            const double b = chain.positions[(t * W + k) * 2 + 1] - m1;
            c00 += a * a / n;
            c01 += a * b / n;
            c11 += b * b / n;
        }
    }
    // 32 walkers x 1 500 kept steps at tau ~ 30: ESS ~ 1 600, standard errors ~ 0.03 on the
    // means and ~ 4 % on the variances; the tolerances are five of them plus what an emulator
    // within 0.2 of the log-density may shift (a few per cent).
    EXPECT_NEAR(m0, 1, 0.15);
    EXPECT_NEAR(m1, -2, 0.2);
    EXPECT_NEAR(c00, 1, 0.25);
    EXPECT_NEAR(c01, 0.5, 0.25);
    EXPECT_NEAR(c11, 2, 0.5);
}

TEST(Emulator, IsTheSameBitForBitOnAnyThreadCount) {
    EmulatorSettings settings;
    settings.evaluations = 50;
    settings.steps = 200;
    settings.threads = 1;
    const auto one = emulator_sample(gaussian(std::make_shared<std::uint64_t>()), box, settings);
    settings.threads = 2;
    const auto two = emulator_sample(gaussian(std::make_shared<std::uint64_t>()), box, settings);
    EXPECT_EQ(one.state.design, two.state.design);
    EXPECT_EQ(one.chain.positions, two.chain.positions);
    EXPECT_EQ(one.chain.log_density, two.chain.log_density);
}

TEST(Emulator, CompressesOnlyTheTailBelowItsWindow) {
    const double window = emulator_window(2);
    EXPECT_EQ(window, 14);
    const std::vector<double> values = {-3, -10, -17, -17.0001, -30, -3000};
    const auto out = compressed_values(values, 2);
    EXPECT_EQ(out[0], -3);
    EXPECT_EQ(out[1], -10);
    EXPECT_EQ(out[2], -17);              // the window's edge, best - 14
    EXPECT_NEAR(out[3], -17.0001, 1e-8); // slope 1 at the edge
    EXPECT_NEAR(out[4], -17 - 14 * std::log1p(13.0 / 14), 1e-12);
    EXPECT_GT(out[4], out[5]); // order kept
    EXPECT_GT(out[5], -100);   // a tail 3 000 down is 80 down
}

TEST(Calibration, BassEmulatorCoversTheTruthAndMixes) {
    const double p = test::BassCase::p, q = test::BassCase::q;
    const auto [s, data] = test::bass_closed_form_case();
    CalibrationOptions options;
    options.method = CalibrationMethod::emulator;
    options.evaluations = 150;
    const Calibration c = calibrate(
        s, data,
        {{"channels.advertising.adoption_rate", 0.005, 0.1}, {"word_of_mouth.rate", 0.1, 1.0}},
        options);
    EXPECT_EQ(c.method, CalibrationMethod::emulator);
    EXPECT_LE(c.evaluations, 150u);
    EXPECT_EQ(c.evaluations, c.emulator.log_likelihood.size() + 20);
    EXPECT_LE(c.low[0], p);
    EXPECT_GE(c.high[0], p);
    EXPECT_LE(c.low[1], q);
    EXPECT_GE(c.high[1], q);
    EXPECT_LT(c.high[0] - c.low[0], 0.02); // narrower than the prior, as the ensemble's
    EXPECT_LT(c.high[1] - c.low[1], 0.2);
    EXPECT_LT(c.r_hat[0], 1.1);
    EXPECT_LT(c.r_hat[1], 1.1);
    EXPECT_EQ(c.emulator.sd_at_samples.size(), c.sample_log_likelihood.size());
    EXPECT_EQ(c.fit_median.size(), data.rows.size());
    for (std::size_t i = 0; i < data.rows.size(); ++i) {
        EXPECT_LE(c.fit_low[i], c.fit_high[i]);
    }
}

TEST(Calibration, EmulatorResumesFromItsProgressBitForBit) {
    const auto [s, data, keys] = test::tiny_bass_case(true);
    CalibrationOptions options;
    options.method = CalibrationMethod::emulator;
    options.evaluations = 70;
    options.tolerance = 0.05; // not met: the evaluations run out, so every round is resumed
    options.steps = 200;
    options.threads = 2;
    const Calibration whole = calibrate(s, data, keys, options);
    EXPECT_FALSE(whole.emulator.converged);
    const auto progress = std::filesystem::temp_directory_path() /
                          ("custsim_test_emulator_" + std::to_string(::getpid()) + ".h5");
    std::filesystem::remove(progress);
    options.checkpoint = progress;
    for (const std::uint64_t cut : {25u, 10u}) { // in the first rounds, then after resuming
        auto cancelling = options;
        cancelling.progress = [cut](const char*, std::uint64_t done, std::uint64_t) {
            return done < cut;
        };
        EXPECT_THROW(calibrate(s, data, keys, cancelling), Cancelled);
        ASSERT_TRUE(std::filesystem::exists(progress)) << cut;
    }
    const Calibration resumed = calibrate(s, data, keys, options);
    EXPECT_EQ(resumed.emulator.design, whole.emulator.design);
    EXPECT_EQ(resumed.chain.positions, whole.chain.positions);
    EXPECT_EQ(resumed.fit_low, whole.fit_low);
    EXPECT_EQ(resumed.evaluations, whole.evaluations);
    auto other = options;
    other.tolerance = 0.1;
    std::filesystem::remove(progress);
    auto cancelling = options;
    cancelling.progress = [](const char*, std::uint64_t done, std::uint64_t) { return done < 30; };
    EXPECT_THROW(calibrate(s, data, keys, cancelling), Cancelled);
    try {
        calibrate(s, data, keys, other);
        ADD_FAILURE() << "the progress of another calibration was taken";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("another calibration"), std::string::npos);
    }
    std::filesystem::remove(progress);
}
