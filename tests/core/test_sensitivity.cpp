// Morris screening and Sobol indices: checked on functions whose effects and indices are known
// in closed form, then on a scenario (common random numbers, any thread count).
#include "custsim/sensitivity.hpp"

#include "custsim/error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

using namespace custsim;

namespace {

constexpr double pi = std::numbers::pi;

/// Ishigami & Homma (1990) with a = 7, b = 0.1 on [-pi, pi]^3.
constexpr double a = 7, b = 0.1;
double ishigami(double x1, double x2, double x3) {
    return std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
}

/// Its variance shares in closed form (Sobol & Levitan 1999; Saltelli et al. 2008, 4.6).
struct IshigamiTruth {
    double v1 = 0.5 * (1 + b * std::pow(pi, 4) / 5) * (1 + b * std::pow(pi, 4) / 5);
    double v2 = a * a / 8;
    double v13 = b * b * std::pow(pi, 8) * 8 / 225;
    double v = v1 + v2 + v13;
    double first[3] = {v1 / v, v2 / v, 0};
    double total[3] = {(v1 + v13) / v, v2 / v, v13 / v};
};

std::vector<SensitivityInput> ishigami_inputs() {
    return {{"x1", -pi, pi}, {"x2", -pi, pi}, {"x3", -pi, pi}};
}

std::vector<double> evaluate(const SensitivityDesign& design,
                             double (*f)(const SensitivityDesign&, std::size_t)) {
    std::vector<double> y(design.evaluations());
    for (std::size_t e = 0; e < y.size(); ++e) {
        y[e] = f(design, e);
    }
    return y;
}

double ishigami_at(const SensitivityDesign& d, std::size_t e) {
    return ishigami(d.value(e, 0), d.value(e, 1), d.value(e, 2));
}

/// 2 x1 - 3 x2 + x3 x4 + 0 x5: known elementary effects, one interaction, one inert input.
double linear_and_interaction(const SensitivityDesign& d, std::size_t e) {
    return 2 * d.value(e, 0) - 3 * d.value(e, 1) + d.value(e, 2) * d.value(e, 3) +
           0 * d.value(e, 4);
}

std::vector<SensitivityInput> five_inputs() {
    return {{"x1", 0, 1}, {"x2", 1, 5}, {"x3", 0, 1}, {"x4", 0, 1}, {"x5", -2, 2}};
}

void expect_ishigami(const SobolIndices& s, double tolerance, const std::string& what) {
    const IshigamiTruth truth;
    ASSERT_EQ(s.indices.size(), 3u);
    EXPECT_NEAR(s.variance, truth.v, 0.05 * truth.v) << what;
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& index = s.indices[i];
        EXPECT_NEAR(index.first.value, truth.first[i], tolerance) << what << " S" << i + 1;
        EXPECT_NEAR(index.total.value, truth.total[i], tolerance) << what << " ST" << i + 1;
        EXPECT_LE(index.first.low, truth.first[i]) << what << " S" << i + 1;
        EXPECT_GE(index.first.high, truth.first[i]) << what << " S" << i + 1;
        EXPECT_LE(index.total.low, truth.total[i]) << what << " ST" << i + 1;
        EXPECT_GE(index.total.high, truth.total[i]) << what << " ST" << i + 1;
        EXPECT_LE(index.first.low, index.first.value);
        EXPECT_GE(index.first.high, index.first.value);
    }
}

} // namespace

TEST(Sensitivity, IshigamiTruthIsThePublishedOne) {
    const IshigamiTruth t; // the values Saltelli et al. (2010) and SALib quote, to 4 digits
    EXPECT_NEAR(t.first[0], 0.3139, 1e-4);
    EXPECT_NEAR(t.first[1], 0.4424, 1e-4);
    EXPECT_NEAR(t.total[0], 0.5576, 1e-4);
    EXPECT_NEAR(t.total[2], 0.2437, 1e-4);
}

TEST(Sensitivity, SobolRecoversIshigamiWithTheSobolSequence) {
    const auto design = sobol_design(ishigami_inputs(), 4096);
    ASSERT_EQ(design.evaluations(), 4096u * 5);
    expect_ishigami(sobol_indices(design, evaluate(design, ishigami_at), 500, 7), 0.02,
                    "quasi-random, N 4096");
}

TEST(Sensitivity, SobolRecoversIshigamiWithRandomSampling) {
    // Random sampling converges as 1/sqrt(N): at N = 16 384 the standard errors are below
    // 0.015 (Saltelli et al. 2010, figure 3), so 0.05 is over three of them.
    const IshigamiTruth truth;
    const auto design = sobol_design(ishigami_inputs(), 16384, Sampling::random, 3);
    const auto s = sobol_indices(design, evaluate(design, ishigami_at), 200, 7);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(s.indices[i].first.value, truth.first[i], 0.05) << "S" << i + 1;
        EXPECT_NEAR(s.indices[i].total.value, truth.total[i], 0.05) << "ST" << i + 1;
    }
}

TEST(Sensitivity, RandomSamplingIntervalsCoverTheTruthNineteenTimesInTwenty) {
    // 20 independent designs x 6 indices: 120 intervals of nominal coverage 95 %. A binomial
    // count of mean 114 and standard deviation 2.4 falls below 100 with odds under 1 in 10^6.
    const IshigamiTruth truth;
    int covered = 0, intervals = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const auto design = sobol_design(ishigami_inputs(), 1024, Sampling::random, seed);
        const auto s = sobol_indices(design, evaluate(design, ishigami_at), 200, seed);
        for (std::size_t i = 0; i < 3; ++i) {
            for (const auto& [estimate, value] : {std::pair{s.indices[i].first, truth.first[i]},
                                                  std::pair{s.indices[i].total, truth.total[i]}}) {
                covered += estimate.low <= value && value <= estimate.high;
                ++intervals;
            }
        }
    }
    EXPECT_GE(covered, 100) << "of " << intervals;
}

TEST(Sensitivity, SobolIndicesDoNotMoveWithTheOutputsLevel) {
    // A KPI's level (profit ~ 90 000) is no information about its variance shares; without
    // centring, Saltelli's first-order sum grows with the square of the mean.
    const auto design = sobol_design(ishigami_inputs(), 64);
    auto y = evaluate(design, ishigami_at);
    const auto s = sobol_indices(design, y, 100, 2);
    for (auto& value : y) {
        value += 1e5;
    }
    const auto shifted = sobol_indices(design, y, 100, 2);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(shifted.indices[i].first.value, s.indices[i].first.value, 1e-6);
        EXPECT_NEAR(shifted.indices[i].first.high, s.indices[i].first.high, 1e-6);
        EXPECT_NEAR(shifted.indices[i].total.value, s.indices[i].total.value, 1e-6);
    }
}

TEST(Sensitivity, SobolDesignSwapsOneColumnOfAForB) {
    const auto d = sobol_design(ishigami_inputs(), 8);
    const std::size_t k = 3;
    ASSERT_EQ(d.block(), k + 2);
    for (std::size_t j = 0; j < 8; ++j) {
        const double* A = &d.unit[(j * (k + 2)) * k];
        const double* B = A + k;
        for (std::size_t i = 0; i < k; ++i) {
            const double* AB = A + (2 + i) * k;
            for (std::size_t c = 0; c < k; ++c) {
                EXPECT_EQ(AB[c], c == i ? B[c] : A[c]) << "row " << j << " A_B" << i;
                EXPECT_GT(A[c], 0);
                EXPECT_LT(A[c], 1);
            }
        }
    }
}

TEST(Sensitivity, MorrisTrajectoriesMoveEachInputOnceOnTheGrid) {
    const std::uint32_t levels = 6;
    const auto d = morris_design(five_inputs(), 20, levels, 11);
    const std::size_t k = 5;
    const double delta = double(levels) / (2 * (levels - 1));
    ASSERT_EQ(d.evaluations(), 20u * (k + 1));
    for (std::size_t t = 0; t < 20; ++t) {
        std::vector<int> moved(k, 0);
        for (std::size_t step = 0; step <= k; ++step) {
            const double* x = &d.unit[(t * (k + 1) + step) * k];
            const double* before = step > 0 ? x - k : x;
            for (std::size_t i = 0; i < k; ++i) {
                EXPECT_GE(x[i], 0);
                EXPECT_LE(x[i], 1);
                const double level = x[i] * (levels - 1);
                EXPECT_NEAR(level, std::round(level), 1e-12);
                if (x[i] != before[i]) {
                    ++moved[i];
                    EXPECT_NEAR(std::abs(x[i] - before[i]), delta, 1e-12);
                }
            }
        }
        EXPECT_EQ(moved, std::vector<int>(k, 1)) << "trajectory " << t;
    }
}

TEST(Sensitivity, MorrisGetsLinearEffectsExactlyAndRanksTheInputs) {
    const auto d = morris_design(five_inputs(), 30, 4, 5);
    const auto y = evaluate(d, linear_and_interaction);
    const auto effects = morris_effects(d, y, 200, 5);
    ASSERT_EQ(effects.size(), 5u);
    // A linear input's effect is its slope times its range, in every trajectory.
    EXPECT_NEAR(effects[0].mu_star.value, 2 * 1, 1e-12);
    EXPECT_NEAR(effects[0].mu, 2, 1e-12);
    EXPECT_NEAR(effects[0].sigma, 0, 1e-12);
    EXPECT_NEAR(effects[1].mu_star.value, 3 * 4, 1e-12);
    EXPECT_NEAR(effects[1].mu, -12, 1e-12);
    EXPECT_NEAR(effects[1].mu_star.low, 12, 1e-12); // every resample sees the same effect
    EXPECT_NEAR(effects[1].mu_star.high, 12, 1e-12);
    EXPECT_EQ(effects[4].mu_star.value, 0);
    // x3's effect is x4 where x3 moved (and the other way round): its mean over trajectories.
    const std::size_t k = 5;
    for (std::size_t i : {2u, 3u}) {
        const std::size_t other = i == 2 ? 3 : 2;
        double sum = 0;
        for (std::size_t t = 0; t < 30; ++t) {
            for (std::size_t step = 1; step <= k; ++step) {
                const std::size_t e = t * (k + 1) + step;
                if (d.unit[e * k + i] != d.unit[(e - 1) * k + i]) {
                    sum += d.value(e, other);
                }
            }
        }
        EXPECT_NEAR(effects[i].mu_star.value, sum / 30, 1e-12) << "x" << i + 1;
        EXPECT_GT(effects[i].sigma, 0.1) << "x" << i + 1 << ": the interaction shows as spread";
        EXPECT_LT(effects[i].mu_star.value, effects[0].mu_star.value);
        EXPECT_GT(effects[i].mu_star.value, effects[4].mu_star.value);
    }
}

TEST(Sensitivity, SameSeedSameNumbersOtherSeedOtherTrajectories) {
    const auto d1 = morris_design(five_inputs(), 10, 4, 42);
    const auto d2 = morris_design(five_inputs(), 10, 4, 42);
    const auto d3 = morris_design(five_inputs(), 10, 4, 43);
    EXPECT_EQ(d1.unit, d2.unit);
    EXPECT_NE(d1.unit, d3.unit);
    const auto y = evaluate(d1, linear_and_interaction);
    const auto e1 = morris_effects(d1, y, 100, 9);
    const auto e2 = morris_effects(d1, y, 100, 9);
    for (std::size_t i = 0; i < e1.size(); ++i) {
        EXPECT_EQ(e1[i].mu_star.low, e2[i].mu_star.low);
        EXPECT_EQ(e1[i].mu_star.high, e2[i].mu_star.high);
    }
    const auto s = sobol_design(ishigami_inputs(), 64, Sampling::random, 8);
    EXPECT_EQ(s.unit, sobol_design(ishigami_inputs(), 64, Sampling::random, 8).unit);
    EXPECT_NE(s.unit, sobol_design(ishigami_inputs(), 64, Sampling::random, 9).unit);
    const auto ys = evaluate(s, ishigami_at);
    EXPECT_EQ(sobol_indices(s, ys, 50, 1).indices[0].total.high,
              sobol_indices(s, ys, 50, 1).indices[0].total.high);
}

TEST(Sensitivity, BadDesignsAndOutputsAreRefused) {
    EXPECT_THROW(morris_design({}, 10), InputError);
    EXPECT_THROW(morris_design({{"x", 1, 1}}, 10), InputError);
    EXPECT_THROW(morris_design({{"x", 2, 1}}, 10), InputError);
    EXPECT_THROW(morris_design({{"x", 0, 1}, {"x", 0, 2}}, 10), InputError);
    EXPECT_THROW(morris_design({{"x", 0, 1}}, 10, 5), InputError);
    EXPECT_THROW(morris_design({{"x", 0, 1}}, 1), InputError);
    EXPECT_THROW(sobol_design({{"x", 0, NAN}}, 16), InputError);
    const auto d = sobol_design(ishigami_inputs(), 4);
    EXPECT_THROW(sobol_indices(d, std::vector<double>(3, 0.0)), InputError);
    EXPECT_THROW(morris_effects(d, std::vector<double>(d.evaluations(), 0.0)), InputError);
    // A constant output has no variance to share out.
    const auto flat = sobol_indices(d, std::vector<double>(d.evaluations(), 1.0), 10);
    EXPECT_TRUE(std::isnan(flat.indices[0].first.value));
}

namespace {
Scenario tiny_baseline() {
    return load_scenario(std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios/baseline.yaml",
                         {"population.customers=2000", "days=30", "replicates=2"});
}

/// The message `check_sensitivity` gives, or "" if it accepts.
std::string refusal(const std::vector<SensitivityInput>& inputs, const std::string& kpi) {
    try {
        check_sensitivity(tiny_baseline(), inputs, kpi);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST(Sensitivity, ScenarioKeysAndKpisAreCheckedBeforeAnyRun) {
    EXPECT_EQ(refusal({{"brands.focal.price", 10, 14},
                       {"segments.seniors.affinity.tv", 1, 2},
                       {"channels[1].cpm", 30, 50}},
                      "profit"),
              "");
    const auto has = [](const std::string& message, const std::string& part) {
        return message.find(part) != std::string::npos;
    };
    EXPECT_TRUE(has(refusal({{"brands.focal.pricee", 10, 14}}, "profit"), "pricee"));
    EXPECT_TRUE(has(refusal({{"brands.focal.price", 14, 10}}, "profit"), "LOW must be below HIGH"));
    EXPECT_TRUE(has(refusal({{"brands.focal.quality", 0, 2}}, "profit"), "at 2"));
    EXPECT_TRUE(has(refusal({{"brands.focal.name", 1, 2}}, "profit"), "of type text"));
    EXPECT_TRUE(has(refusal({{"population.customers", 1000, 3000}}, "profit"), "whole number"));
    EXPECT_TRUE(has(refusal({{"brands.focal.price", 10, 14}}, "proft"), "did you mean profit?"));
    EXPECT_TRUE(has(refusal({{"brands.focal.price", 10, 14}}, "spend"), "no such KPI"));
}

TEST(Sensitivity, InputsAtTheScenariosValuesGiveTheScenario) {
    const Scenario s = tiny_baseline();
    EXPECT_EQ(to_yaml(with_inputs(s, {{"brands.focal.price", 10, 14}}, {s.brands[0].price})),
              to_yaml(s));
    EXPECT_EQ(with_inputs(s, {{"brands.focal.price", 10, 14}}, {13.5}).brands[0].price, 13.5);
}

TEST(Sensitivity, ScenarioRunsShareTheirDrawsAndIgnoreTheThreadCount) {
    const Scenario s = tiny_baseline();
    // The discount rate enters only the CLV: with common random numbers its effect on profit
    // is exactly nothing, not noise.
    const std::vector<SensitivityInput> inputs = {{"brands.focal.price", 10, 14},
                                                  {"journey.discount_rate", 0.05, 0.2}};
    SensitivitySettings settings;
    settings.samples = 3;
    settings.bootstrap = 50;
    std::size_t calls = 0;
    const auto one = sensitivity(s, inputs, "profit", settings, 1,
                                 [&](std::size_t, std::uint32_t, double) { return ++calls > 0; });
    const auto two = sensitivity(s, inputs, "profit", settings, 2);
    settings.parallel_runs = true;
    const auto side_by_side = sensitivity(s, inputs, "profit", settings, 3);
    EXPECT_GT(calls, 0u);
    ASSERT_EQ(one.outputs.size(), 3u * 3);
    EXPECT_EQ(one.outputs, two.outputs);
    EXPECT_EQ(one.replicates, two.replicates);
    EXPECT_EQ(one.replicates, side_by_side.replicates);
    EXPECT_EQ(one.morris[0].mu_star.high, two.morris[0].mu_star.high);
    EXPECT_GT(one.morris[0].mu_star.value, 0);
    EXPECT_EQ(one.morris[1].mu_star.value, 0);
    // An evaluation is the scenario run at the point's values.
    const auto run =
        run_scenario(with_inputs(s, inputs, {one.design.value(4, 0), one.design.value(4, 1)}));
    const auto& profit = run.final.at("profit");
    EXPECT_EQ(one.replicates[4 * 2], profit[0]);
    EXPECT_EQ(one.replicates[4 * 2 + 1], profit[1]);
    EXPECT_EQ(one.outputs[4], (profit[0] + profit[1]) / 2);
}

TEST(Sensitivity, VersusGivesThePairedDifferenceOfTwoScenarios) {
    const Scenario a = tiny_baseline();
    Scenario b = tiny_baseline();
    b.brands[0].price = 11; // B cuts the price
    const std::vector<SensitivityInput> inputs = {{"journey.decide_rate", 0.05, 0.2},
                                                  {"journey.discount_rate", 0.05, 0.2}};
    SensitivitySettings settings;
    settings.samples = 2;
    settings.bootstrap = 20;
    settings.versus = std::make_shared<const Scenario>(b);
    const auto d = sensitivity(a, inputs, "profit", settings, 2);
    // Each output is B's run minus A's at the point, replicate by replicate (same seed).
    const std::vector<double> at = {d.design.value(1, 0), d.design.value(1, 1)};
    const auto ra = run_scenario(with_inputs(a, inputs, at)).final.at("profit");
    const auto rb = run_scenario(with_inputs(b, inputs, at)).final.at("profit");
    EXPECT_EQ(d.replicates[2], rb[0] - ra[0]);
    EXPECT_EQ(d.replicates[3], rb[1] - ra[1]);
    EXPECT_FALSE(d.versus_yaml.empty());
    // The discount rate moves neither run's profit: its effect on the difference is exactly 0.
    EXPECT_EQ(d.morris[1].mu_star.value, 0);
    // A scenario against itself differs in nothing at any point.
    settings.versus = std::make_shared<const Scenario>(a);
    for (const double output : sensitivity(a, inputs, "profit", settings, 2).outputs) {
        EXPECT_EQ(output, 0);
    }
    // Another seed cannot be paired.
    Scenario other = a;
    other.seed = 9;
    settings.versus = std::make_shared<const Scenario>(other);
    EXPECT_THROW(sensitivity(a, inputs, "profit", settings, 2), InputError);
}
