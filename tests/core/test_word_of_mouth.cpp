// Word of mouth that can carry a market (issue 14 item 1): a new durable that deserves it spreads
// in a Bass-like S-curve, one that disappoints does not. The Bass model is fitted as Bass (1969)
// did, by least squares of each week's adoptions on the adopters so far and their square:
// n(t) = p m + (q - p) N(t-1) - (q / m) N(t-1)^2.
#include "custsim/run.hpp"
#include "custsim/scenario.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

using namespace custsim;

namespace {

struct Bass {
    double p = 0, q = 0, m = 0;
    std::size_t peak = 0;                       ///< the week of most adoptions
    double peak_adoptions = 0, first_month = 0; ///< that week's, and weeks 1-4's mean
    double adopted = 0, by_ads = 0, by_wom = 0;
};

/// Solves the 3 x 3 system a x = b (Cramer's rule; the normal equations are well conditioned
/// once N is scaled to the population).
std::array<double, 3> solve(const std::array<std::array<double, 3>, 3>& a,
                            const std::array<double, 3>& b) {
    const auto det = [](const std::array<std::array<double, 3>, 3>& x) {
        return x[0][0] * (x[1][1] * x[2][2] - x[1][2] * x[2][1]) -
               x[0][1] * (x[1][0] * x[2][2] - x[1][2] * x[2][0]) +
               x[0][2] * (x[1][0] * x[2][1] - x[1][1] * x[2][0]);
    };
    const double d = det(a);
    std::array<double, 3> out{};
    for (std::size_t k = 0; k < 3; ++k) {
        auto ak = a;
        for (std::size_t r = 0; r < 3; ++r) {
            ak[r][k] = b[r];
        }
        out[k] = det(ak) / d;
    }
    return out;
}

/// The replicates' mean weekly adoptions of the focal brand, with the Bass fit.
Bass fit(const std::vector<std::string>& overrides) {
    const Scenario s = load_scenario(test::scenarios() / "new_durable.yaml", overrides);
    const Results r = run_scenario(s);
    const auto& cumulative = r.timeseries.at("adopted");
    const std::size_t points = r.time.size(), reps = s.replicates;
    const double n = double(s.customers);
    // Weeks: the adopters so far at days 0, 7, 14, ..., as shares of the population.
    std::vector<double> mean;
    for (std::size_t t = 0; t < points; t += 7) {
        double sum = 0;
        for (std::size_t k = 0; k < reps; ++k) {
            sum += cumulative[k * points + t];
        }
        mean.push_back(sum / double(reps) / n);
    }
    std::array<std::array<double, 3>, 3> xtx{};
    std::array<double, 3> xty{};
    Bass out;
    for (std::size_t t = 1; t < mean.size(); ++t) {
        const double before = mean[t - 1], added = mean[t] - mean[t - 1];
        const std::array<double, 3> x{1.0, before, before * before};
        for (std::size_t i = 0; i < 3; ++i) {
            xty[i] += x[i] * added;
            for (std::size_t j = 0; j < 3; ++j) {
                xtx[i][j] += x[i] * x[j];
            }
        }
        if (added * n > out.peak_adoptions) {
            out.peak_adoptions = added * n;
            out.peak = t;
        }
        if (t <= 4) {
            out.first_month += added * n / 4;
        }
    }
    const auto [a, b, c] = solve(xtx, xty);
    out.m = (-b - std::sqrt(b * b - 4 * a * c)) / (2 * c);
    out.p = a / out.m;
    out.q = out.p + b;
    out.adopted = test::mean_final(r, "adopted");
    out.by_ads = test::mean_final(r, "adopted_by_ads");
    out.by_wom = test::mean_final(r, "adopted_by_wom");
    return out;
}

} // namespace

TEST(WordOfMouth, ANewDurableThatDeservesItSpreadsInABassLikeSCurve) {
    const Bass good = fit({});
    // Imitation dominates innovation (q / p about 13 in Sultan, Farley & Lehmann's 1990
    // meta-analysis of 213 applications; here the advertising is deliberately small).
    EXPECT_GT(good.p, 0.0);
    EXPECT_GT(good.q, 5 * good.p) << "p " << good.p << " q " << good.q;
    // The whole population is the market potential of a good durable without a rival.
    EXPECT_NEAR(good.m, 1.0, 0.1);
    // Adoptions rise after launch to a peak well after it, then fall: an S-curve, not the
    // falling hazard of advertising alone.
    EXPECT_GE(good.peak, 13u) << "the peak comes after the first quarter";
    EXPECT_GT(good.peak_adoptions, 3 * good.first_month);
    EXPECT_GT(good.by_wom, good.by_ads) << "word of mouth carries it";
}

TEST(WordOfMouth, ADisappointingDurableDoesNotTakeOff) {
    const Bass good = fit({}), poor = fit({"brands.focal.quality=0.2"});
    // Detractors talk it down: word of mouth brings fewer adopters than the ads, imitation is a
    // fraction of the good product's, and the product reaches less than half the market.
    EXPECT_LT(poor.by_wom, poor.by_ads);
    EXPECT_LT(poor.q / poor.p, (good.q / good.p) / 3)
        << "poor p " << poor.p << " q " << poor.q << "; good p " << good.p << " q " << good.q;
    EXPECT_LT(poor.adopted, 0.5 * good.adopted);
}
