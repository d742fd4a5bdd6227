// The affine-invariant ensemble sampler and its diagnostics. No Debian C++ library provides an
// MCMC sampler, so this small part is written here, following emcee (Foreman-Mackey et al. 2013)
// step for step: the stretch move with a = 2, the two half-ensembles moved in turn, emcee's
// integrated autocorrelation time.
#include "custsim/calibration.hpp"

#include "custsim/error.hpp"
#include "custsim/rng.hpp"

#include <cmath>
#include <limits>

namespace custsim {

namespace {

constexpr double stretch = 2; // Goodman & Weare's a, emcee's default

/// Evaluates `density` at every point through the settings' runner (each value sent as its
/// log-density followed by its blob); the lowest index's error is rethrown.
std::vector<DensityValue> evaluate_all(const LogDensity& density,
                                       const std::vector<std::vector<double>>& points,
                                       const SamplerSettings& settings) {
    const BatchRunner runner = settings.runner ? settings.runner : thread_runner(settings.threads);
    const auto numbers = runner(std::int64_t(points.size()), [&](std::int64_t i, int) {
        DensityValue value = density(points[std::size_t(i)]);
        value.blob.insert(value.blob.begin(), value.log_density);
        return std::move(value.blob);
    });
    std::vector<DensityValue> out(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
        out[i].log_density = numbers.at(i).at(0);
        out[i].blob.assign(numbers[i].begin() + 1, numbers[i].end());
    }
    return out;
}

/// A walker's proposal: the partner's position stretched through the walker's by z.
struct Proposal {
    std::vector<double> point;
    double z = 1, log_u = 0;
};

/// The proposals of the walkers [first, first + half), partners drawn from the other half.
std::vector<Proposal> propose(const std::vector<std::vector<double>>& walkers, std::uint32_t first,
                              std::uint32_t step, std::uint64_t seed) {
    const std::uint32_t half = std::uint32_t(walkers.size() / 2);
    const std::uint32_t others = first == 0 ? half : 0;
    std::vector<Proposal> out(half);
    for (std::uint32_t i = 0; i < half; ++i) {
        const std::uint32_t k = first + i;
        Draws draws(StreamKey{seed, 1}, step, Process::calibration, k);
        const std::uint32_t j =
            others + std::min(half - 1, std::uint32_t(draws.uniform() * double(half)));
        const double root = (stretch - 1) * draws.uniform() + 1;
        out[i].z = root * root / stretch;
        out[i].log_u = std::log(draws.uniform());
        out[i].point.resize(walkers[k].size());
        for (std::size_t d = 0; d < walkers[k].size(); ++d) {
            out[i].point[d] = walkers[j][d] + out[i].z * (walkers[k][d] - walkers[j][d]);
        }
    }
    return out;
}

void check_start(const std::vector<std::vector<double>>& start) {
    const std::size_t W = start.size(), D = start.empty() ? 0 : start[0].size();
    if (W < 2 * D || W % 2 != 0 || D == 0) {
        throw InputError("the ensemble sampler needs an even number of walkers, at least two per "
                         "parameter (" +
                         std::to_string(2 * D) + " here), got " + std::to_string(W));
    }
    for (const auto& walker : start) {
        if (walker.size() != D) {
            throw InputError("the ensemble sampler's walkers must all have " + std::to_string(D) +
                             " coordinates");
        }
    }
}

} // namespace

EnsembleChain ensemble_sample(const LogDensity& density,
                              const std::vector<std::vector<double>>& start,
                              const SamplerSettings& settings) {
    check_start(start);
    const std::uint32_t W = std::uint32_t(start.size()), D = std::uint32_t(start[0].size());
    EnsembleChain chain{0, W, D, {}, {}, {}, std::vector<std::uint32_t>(W, 0), 0};
    std::vector<DensityValue> current;
    if (settings.resume) {
        chain = *settings.resume;
        current = settings.resume_current;
    } else {
        current = evaluate_all(density, start, settings);
        chain.evaluations += W;
    }
    for (std::uint32_t k = 0; k < W; ++k) {
        if (!std::isfinite(current.at(k).log_density)) {
            throw InputError("walker " + std::to_string(k) + " starts where the log-density is " +
                             std::to_string(current[k].log_density));
        }
    }
    chain.blobs.resize(std::size_t(settings.steps) * W);
    std::vector<std::vector<double>> walkers = start;
    if (settings.checkpoint && !settings.resume) {
        settings.checkpoint(chain, current);
    }
    for (std::uint32_t step = chain.steps; step < settings.steps; ++step) {
        for (const std::uint32_t first : {0u, W / 2}) {
            const auto proposals = propose(walkers, first, step, settings.seed);
            std::vector<std::vector<double>> points;
            for (const auto& p : proposals) {
                points.push_back(p.point);
            }
            auto values = evaluate_all(density, points, settings);
            chain.evaluations += points.size();
            for (std::uint32_t i = 0; i < proposals.size(); ++i) {
                const std::uint32_t k = first + i;
                const double log_ratio = (D - 1.0) * std::log(proposals[i].z) +
                                         values[i].log_density - current[k].log_density;
                if (std::isfinite(values[i].log_density) && proposals[i].log_u < log_ratio) {
                    walkers[k] = proposals[i].point;
                    current[k] = std::move(values[i]);
                    ++chain.accepted[k];
                }
            }
        }
        for (std::uint32_t k = 0; k < W; ++k) {
            chain.positions.insert(chain.positions.end(), walkers[k].begin(), walkers[k].end());
            chain.log_density.push_back(current[k].log_density);
            if (step >= settings.keep_blobs_from) {
                chain.blobs[std::size_t(step) * W + k] = current[k].blob;
            }
        }
        chain.steps = step + 1;
        if (settings.checkpoint) {
            settings.checkpoint(chain, current);
        }
        if (settings.progress && !settings.progress(step + 1)) {
            throw Cancelled();
        }
    }
    return chain;
}

double autocorrelation_time(const std::vector<double>& chain, std::uint32_t steps,
                            std::uint32_t walkers) {
    constexpr double c = 5; // Sokal's window constant, emcee's default
    const std::size_t n = steps;
    if (n < 2 || walkers == 0) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::vector<std::vector<double>> centred(walkers, std::vector<double>(n));
    std::vector<double> lag0(walkers, 0);
    for (std::uint32_t k = 0; k < walkers; ++k) {
        double mean = 0;
        for (std::size_t t = 0; t < n; ++t) {
            mean += chain[t * walkers + k];
        }
        mean /= double(n);
        for (std::size_t t = 0; t < n; ++t) {
            centred[k][t] = chain[t * walkers + k] - mean;
            lag0[k] += centred[k][t] * centred[k][t];
        }
    }
    double tau = 1;
    for (std::size_t lag = 0; lag < n; ++lag) {
        double f = 0; // the walkers' mean normalised autocorrelation at this lag
        for (std::uint32_t k = 0; k < walkers; ++k) {
            double sum = 0;
            for (std::size_t t = 0; t + lag < n; ++t) {
                sum += centred[k][t] * centred[k][t + lag];
            }
            f += lag0[k] > 0 ? sum / lag0[k] : 1.0; // a walker that never moved: correlated
        }
        f /= walkers;
        tau = lag == 0 ? 1.0 : tau + 2 * f; // 2 sum_{0..lag} f - 1
        if (double(lag) >= c * tau) {
            return tau;
        }
    }
    return tau;
}

double split_r_hat(const std::vector<double>& chain, std::uint32_t steps, std::uint32_t walkers) {
    const std::size_t h = steps / 2;
    if (h < 2 || walkers == 0) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::vector<double> means, variances;
    for (std::uint32_t k = 0; k < walkers; ++k) {
        for (const std::size_t first : {std::size_t(0), steps - h}) {
            double mean = 0, squares = 0;
            for (std::size_t t = first; t < first + h; ++t) {
                mean += chain[t * walkers + k];
            }
            mean /= double(h);
            for (std::size_t t = first; t < first + h; ++t) {
                squares += (chain[t * walkers + k] - mean) * (chain[t * walkers + k] - mean);
            }
            means.push_back(mean);
            variances.push_back(squares / double(h - 1));
        }
    }
    const double m = double(means.size());
    double grand = 0, within = 0, between = 0;
    for (std::size_t j = 0; j < means.size(); ++j) {
        grand += means[j] / m;
        within += variances[j] / m;
    }
    for (const double mean : means) {
        between += double(h) * (mean - grand) * (mean - grand) / (m - 1);
    }
    if (!(within > 0)) {
        return between > 0 ? std::numeric_limits<double>::infinity()
                           : std::numeric_limits<double>::quiet_NaN();
    }
    const double pooled = (double(h) - 1) / double(h) * within + between / double(h);
    return std::sqrt(pooled / within);
}

} // namespace custsim
