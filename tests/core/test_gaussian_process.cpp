// The calibration's Gaussian process against closed forms: interpolation of a known function,
// the predictive variance of one observation, the marginal likelihood's gradient against finite
// differences, and the hyperparameters of its own draws recovered.
#include "gaussian_process.hpp"

#include "custsim/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace custsim;

namespace {

double smooth(const std::vector<double>& x) {
    return std::sin(3 * x[0]) + x[1] * x[1];
}

double normal(Draws& draws) {
    return std::sqrt(-2 * std::log(draws.uniform())) * std::cos(2 * M_PI * draws.uniform());
}

std::vector<std::vector<double>> uniform_points(std::size_t n, std::size_t D, std::uint64_t seed) {
    std::vector<std::vector<double>> out(n, std::vector<double>(D));
    for (std::size_t i = 0; i < n; ++i) {
        Draws draws(StreamKey{seed, 0}, 0, Process::calibration, std::uint32_t(i));
        for (double& x : out[i]) {
            x = draws.uniform();
        }
    }
    return out;
}

double matern52(double r) {
    const double s = std::sqrt(5.0) * r;
    return (1 + s + s * s / 3) * std::exp(-s);
}

} // namespace

TEST(GaussianProcess, InterpolatesAKnownFunctionWithATinyNugget) {
    std::vector<std::vector<double>> grid;
    std::vector<double> values;
    for (int i = 0; i < 7; ++i) {
        for (int j = 0; j < 7; ++j) {
            grid.push_back({i / 6.0, j / 6.0});
            values.push_back(smooth(grid.back()));
        }
    }
    const GaussianProcess gp = fit_gaussian_process(grid, values, GpMean::constant, {});
    EXPECT_LT(gp.hyperparameters().noise_sd, 1e-3); // no noise in the data, none fitted
    for (std::size_t i = 0; i < grid.size(); ++i) {
        EXPECT_NEAR(gp.mean(grid[i]), values[i], 1e-3);
        EXPECT_LT(gp.variance(grid[i]), 1e-5);
    }
    double worst = 0;
    for (const auto& x : uniform_points(200, 2, 3)) {
        worst = std::max(worst, std::abs(gp.mean(x) - smooth(x)));
        // the truth within 4 predictive sd (+ a floor): the variance means what it says
        EXPECT_LT(std::abs(gp.mean(x) - smooth(x)), 4 * std::sqrt(gp.variance(x)) + 1e-3);
    }
    EXPECT_LT(worst, 0.02); // a grid spacing of 1/6 on a function of unit curvature
}

TEST(GaussianProcess, VarianceIsTheClosedFormOfOnePoint) {
    // One observation y0 with a constant mean of unknown level: the mean is y0 everywhere and
    // the variance 2 s^2 (1 - rho(r)) + noise^2 (universal kriging's, the level's part included).
    const GpHyperparameters h{{0.2}, 2.0, 1e-4};
    const GaussianProcess gp({{0.5}}, {3.0}, h, GpMean::constant);
    double previous = -1;
    for (const double x : {0.5, 0.52, 0.55, 0.6, 0.7, 0.9, 1.0}) {
        const double rho = matern52(std::abs(x - 0.5) / 0.2);
        EXPECT_NEAR(gp.mean({x}), 3.0, 1e-12);
        // + the noise's variance and the relative jitter, 1e-8 s^2
        EXPECT_NEAR(gp.variance({x}), 2 * 4 * (1 - rho) + 1e-8 + 4e-8, 1e-9);
        EXPECT_GT(gp.variance({x}), previous); // grows away from the design point
        previous = gp.variance({x});
    }
    EXPECT_LT(gp.variance({0.5}), 1e-7); // zero at the design point, but for the noise
    const Eigen::MatrixXd cov = gp.covariance({{0.5}, {0.7}, {0.9}});
    EXPECT_NEAR(cov(1, 1), gp.variance({0.7}), 1e-12);
    EXPECT_NEAR(cov(1, 2), cov(2, 1), 1e-12);
}

TEST(GaussianProcess, GradientMatchesFiniteDifferences) {
    const auto points = uniform_points(30, 2, 5);
    std::vector<double> values;
    for (const auto& x : points) {
        values.push_back(smooth(x) + 0.3 * x[0] * x[1]);
    }
    for (const GpMean mean : {GpMean::constant, GpMean::quadratic}) {
        const GpHyperparameters h{{0.4, 0.7}, 1.3, 0.05};
        const auto analytic =
            GaussianProcess(points, values, h, mean).log_marginal_likelihood_gradient();
        for (std::size_t j = 0; j < 4; ++j) {
            auto at = [&](double step) {
                GpHyperparameters moved = h;
                double* target = j < 2    ? &moved.length_scales[j]
                                 : j == 2 ? &moved.signal_sd
                                          : &moved.noise_sd;
                *target *= std::exp(step);
                return GaussianProcess(points, values, moved, mean).log_marginal_likelihood();
            };
            const double numeric = (at(1e-5) - at(-1e-5)) / 2e-5;
            EXPECT_NEAR(analytic[j], numeric, 1e-4 * (1 + std::abs(numeric))) << j;
        }
    }
}

TEST(GaussianProcess, RecoversTheHyperparametersOfItsOwnDraws) {
    // Draws from a known process (length scales 0.1 and 0.3, signal sd 1.5, noise sd 0.1) at
    // 300 points: about 10 x 3 correlation lengths in the square, so the signal sd is known to
    // about 1 / sqrt(2 x 30), 13 %; the tolerances are about three of those.
    const GpHyperparameters truth{{0.1, 0.3}, 1.5, 0.1};
    for (const std::uint64_t seed : {1, 2, 3}) {
        const auto points = uniform_points(300, 2, 10 + seed);
        const std::size_t n = points.size();
        Eigen::MatrixXd K(n, n);
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < n; ++j) {
                const double a = (points[i][0] - points[j][0]) / 0.1;
                const double b = (points[i][1] - points[j][1]) / 0.3;
                K(i, j) = 1.5 * 1.5 * matern52(std::sqrt(a * a + b * b)) + (i == j ? 0.01 : 0);
            }
        }
        const Eigen::MatrixXd L = K.llt().matrixL();
        Eigen::VectorXd z(n);
        for (std::size_t i = 0; i < n; ++i) {
            Draws draws(StreamKey{seed, 1}, 0, Process::calibration, std::uint32_t(i));
            z(i) = normal(draws);
        }
        const Eigen::VectorXd y = L * z;
        const GaussianProcess gp = fit_gaussian_process(
            points, std::vector<double>(y.data(), y.data() + n), GpMean::constant, {});
        const GpHyperparameters& h = gp.hyperparameters();
        EXPECT_NEAR(h.length_scales[0], 0.1, 0.03) << seed;
        EXPECT_NEAR(h.length_scales[1], 0.3, 0.1) << seed;
        EXPECT_NEAR(h.signal_sd, 1.5, 0.6) << seed;
        EXPECT_NEAR(h.noise_sd, 0.1, 0.03) << seed;
    }
}
