// The emulator method (emulator.hpp): a Latin hypercube evaluated, a Gaussian process fitted to
// the log-density, then rounds of (chain on the emulator, a batch of its samples where the
// emulator is least sure evaluated, refit) until the emulator's sd at its posterior's samples is
// below the tolerance or the evaluations are spent; then a long chain on the emulator.
#include "emulator.hpp"

#include "custsim/error.hpp"
#include "custsim/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace custsim {

namespace {

constexpr double minus_infinity = -std::numeric_limits<double>::infinity();
constexpr std::uint32_t most_candidates = 512;
constexpr double refit_growth = 1.2;     // hyperparameters refitted when the design grew by 20 %
constexpr std::size_t most_fitted = 400; // points the hyperparameters are fitted to: the best
// The emulator's noise sd at least this (log-likelihood units, 50 times below the default
// tolerance): the data's own jitter under common random numbers is larger, and without a floor
// a noiseless fit leaves the covariance too ill-conditioned for its variances' digits.
constexpr double noise_floor = 0.01;

std::vector<double> to_unit(const std::vector<FitKey>& boxes, const std::vector<double>& x) {
    std::vector<double> u(boxes.size());
    for (std::size_t d = 0; d < boxes.size(); ++d) {
        u[d] = (x[d] - boxes[d].low) / (boxes[d].high - boxes[d].low);
    }
    return u;
}

std::vector<double> to_box(const std::vector<FitKey>& boxes, const double* u) {
    std::vector<double> x(boxes.size());
    for (std::size_t d = 0; d < boxes.size(); ++d) {
        x[d] = boxes[d].low + std::clamp(u[d], 0.0, 1.0) * (boxes[d].high - boxes[d].low);
    }
    return x;
}

/// A stream of the method's own: the round's chain, the first walkers' ball.
std::uint64_t round_seed(std::uint64_t seed, std::uint64_t round) {
    return seed + 0x9E3779B97F4A7C15ull * (round + 1);
}

std::vector<double> values_of(const std::vector<DensityValue>& evaluated) {
    std::vector<double> out;
    for (const DensityValue& v : evaluated) {
        out.push_back(v.log_density);
    }
    return out;
}

/// The first round's walkers: a small ball (sd 0.02 of each box) around the best design point,
/// reflected into the unit cube.
std::vector<std::vector<double>> first_walkers(const EmulatorState& state,
                                               const std::vector<FitKey>& boxes,
                                               std::uint32_t walkers, std::uint64_t seed) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < state.values.size(); ++i) {
        best = state.values[i] > state.values[best] ? i : best;
    }
    const auto centre = to_unit(boxes, state.design[best]);
    std::vector<std::vector<double>> out(walkers, centre);
    for (std::uint32_t k = 0; k < walkers; ++k) {
        Draws draws(StreamKey{seed, 13}, 0, Process::calibration, k);
        for (double& u : out[k]) {
            const double normal = std::sqrt(-2 * std::log(draws.uniform())) *
                                  std::cos(2 * 3.141592653589793 * draws.uniform());
            u += 0.02 * normal;
            u = std::clamp(u < 0 ? -u : u > 1 ? 2 - u : u, 0.0, 1.0);
        }
    }
    return out;
}

/// The hyperparameters fitted to the `most_fitted` points of highest value (the region the
/// posterior lives in; the restricted likelihood's cost grows as the cube of the points).
GpHyperparameters fit_to_the_best(const std::vector<std::vector<double>>& points,
                                  const std::vector<double>& values, GpMean mean,
                                  const std::vector<GpHyperparameters>& starts) {
    std::vector<std::size_t> order(points.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
    order.resize(std::min(order.size(), most_fitted));
    std::vector<std::vector<double>> best_points;
    std::vector<double> best_values;
    for (const std::size_t i : order) {
        best_points.push_back(points[i]);
        best_values.push_back(values[i]);
    }
    // A length scale below the points' spacing is not told apart from noise by the data, and
    // unlike noise it never shrinks with more points: each is at least the points' range along
    // its key over n^(1/D), the spacing of n evenly spread points.
    const std::size_t D = points[0].size();
    std::vector<double> length_floor(D);
    for (std::size_t d = 0; d < D; ++d) {
        double low = 1, high = 0;
        for (const auto& x : best_points) {
            low = std::min(low, x[d]);
            high = std::max(high, x[d]);
        }
        const double spacing = (high - low) / std::pow(double(best_points.size()), 1.0 / double(D));
        length_floor[d] = std::clamp(spacing, 0.01, 0.5);
    }
    return fit_gaussian_process(best_points, best_values, mean, starts, noise_floor, length_floor)
        .hyperparameters();
}

/// The emulator of the design so far: hyperparameters refitted when the design has grown by
/// `refit_growth` since the last fit (from the last fit's and two fixed starts), else kept.
std::shared_ptr<const GaussianProcess>
emulate(EmulatorState& state, const std::vector<FitKey>& boxes, std::uint64_t budget) {
    const std::size_t D = boxes.size();
    std::vector<std::vector<double>> points;
    std::vector<double> finite;
    for (std::size_t i = 0; i < state.values.size(); ++i) {
        if (std::isfinite(state.values[i])) {
            points.push_back(to_unit(boxes, state.design[i]));
            finite.push_back(state.values[i]);
        }
    }
    if (points.size() < 2) {
        throw InputError("the emulator needs at least 2 design points with a finite "
                         "log-likelihood, got " +
                         std::to_string(points.size()));
    }
    const auto values = compressed_values(finite, D);
    // A quadratic mean once there are enough points: with a constant one the bowl of the
    // log-likelihood must be made of the kernel, and the restricted likelihood then reads the
    // simulator's jitter as a rough function rather than noise (seen on the journey fits).
    const GpMean mean = points.size() >= 2 * gp_basis_size(GpMean::quadratic, D) ? GpMean::quadratic
                                                                                 : GpMean::constant;
    // No refit once the evaluations are spent: new hyperparameters could move the posterior (a
    // quadratic mean curving up toward an unexplored corner) where no round can check them.
    const bool refit = state.hyperparameters.length_scales.empty() ||
                       (double(state.design.size()) >= refit_growth * double(state.fitted_at) &&
                        state.design.size() < budget);
    if (!refit) {
        try {
            return std::make_shared<GaussianProcess>(points, values, state.hyperparameters, mean);
        } catch (const std::runtime_error&) {
            // the kept hyperparameters do not suit the new points: refit below
        }
    }
    std::vector<GpHyperparameters> starts;
    if (!state.hyperparameters.length_scales.empty()) {
        starts.push_back(state.hyperparameters);
    }
    double spread = 0, average = 0;
    for (const double v : values) {
        average += v / double(values.size());
    }
    for (const double v : values) {
        spread += (v - average) * (v - average) / double(values.size());
    }
    spread = spread > 0 ? std::sqrt(spread) : 1.0;
    // the restricted likelihood often has two maxima, a rough function through every point and
    // a smooth one with noise: a start near each
    starts.push_back({std::vector<double>(D, 0.3), spread, 0.01 * spread});
    starts.push_back({std::vector<double>(D, 0.5), spread, 0.3 * spread});
    state.hyperparameters = fit_to_the_best(points, values, mean, starts);
    state.fitted_at = state.design.size();
    return std::make_shared<GaussianProcess>(points, values, state.hyperparameters, mean);
}

/// A chain of the ensemble sampler on the emulator's mean, in the unit cube.
EnsembleChain chain_on(const GaussianProcess& gp, const std::vector<std::vector<double>>& start,
                       std::uint32_t steps, std::uint64_t seed, const EmulatorSettings& s) {
    SamplerSettings settings;
    settings.steps = steps;
    settings.seed = seed;
    // One thread: a step's work on the emulator is microseconds, and OpenMP's barriers between
    // the 20 000 half-steps cost far more than that when other programs share the cores (a
    // Bass test took 86 s instead of 2 s beside two other tests). The chain does not depend on
    // the thread count (every draw is keyed on step and walker).
    settings.threads = 1;
    if (s.keep_going) {
        settings.progress = [&s](std::uint32_t) { return s.keep_going(); };
    }
    settings.keep_blobs_from = steps;
    const LogDensity density = [&gp](const std::vector<double>& u) {
        for (const double x : u) {
            if (!(x >= 0 && x <= 1)) {
                return DensityValue{minus_infinity, {}};
            }
        }
        return DensityValue{gp.mean(u), {}};
    };
    return ensemble_sample(density, start, settings);
}

std::vector<std::vector<double>> last_positions(const EnsembleChain& chain) {
    std::vector<std::vector<double>> out;
    const std::size_t W = chain.walkers, D = chain.dimensions;
    for (std::size_t k = 0; k < W; ++k) {
        const auto at =
            chain.positions.begin() + std::ptrdiff_t(((std::size_t(chain.steps) - 1) * W + k) * D);
        out.emplace_back(at, at + std::ptrdiff_t(D));
    }
    return out;
}

/// Up to `most_candidates` of the chain's second half, evenly spaced: the emulator's posterior.
std::vector<std::vector<double>> candidates_of(const EnsembleChain& chain) {
    const std::size_t W = chain.walkers, D = chain.dimensions;
    const std::size_t first = std::size_t(chain.steps / 2) * W, all = std::size_t(chain.steps) * W;
    const std::size_t stride = std::max<std::size_t>(1, (all - first) / most_candidates);
    std::vector<std::vector<double>> out;
    for (std::size_t i = first; i < all && out.size() < most_candidates; i += stride) {
        const auto at = chain.positions.begin() + std::ptrdiff_t(i * D);
        out.emplace_back(at, at + std::ptrdiff_t(D));
    }
    return out;
}

double quantile90(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const double at = 0.9 * double(values.size() - 1);
    const auto below = std::size_t(at);
    const std::size_t above = std::min(below + 1, values.size() - 1);
    return values[below] + (at - double(below)) * (values[above] - values[below]);
}

/// `size` candidates chosen one at a time where the emulator's variance is largest, each
/// counted as observed (with the nugget's noise) before the next is chosen: the conditional
/// variances of a Gaussian process do not depend on the values observed.
std::vector<std::size_t> greedy_batch(Eigen::MatrixXd covariance, double noise_variance,
                                      std::size_t size) {
    std::vector<std::size_t> chosen;
    for (std::size_t b = 0; b < size; ++b) {
        Eigen::Index best = 0;
        for (Eigen::Index c = 1; c < covariance.rows(); ++c) {
            best = covariance(c, c) > covariance(best, best) ? c : best;
        }
        chosen.push_back(std::size_t(best));
        const Eigen::VectorXd column = covariance.col(best);
        covariance -= column * column.transpose() / (column(best) + noise_variance);
    }
    return chosen;
}

/// One round: the chain on the emulator, its samples' sd; a batch where it is largest, or none
/// when the sd is within tolerance or the evaluations are spent. Returns the batch (unit cube).
std::vector<std::vector<double>> round_batch(EmulatorState& state, const GaussianProcess& gp,
                                             const std::vector<FitKey>& boxes,
                                             const EmulatorSettings& s, std::uint32_t walkers,
                                             bool& converged) {
    const std::uint64_t round = state.round_sd.size();
    const auto start = state.walkers.size() == walkers
                           ? state.walkers
                           : first_walkers(state, boxes, walkers, s.seed);
    const EnsembleChain chain = chain_on(gp, start, s.round_steps, round_seed(s.seed, round), s);
    const auto candidates = candidates_of(chain);
    const Eigen::MatrixXd covariance = gp.covariance(candidates);
    std::vector<double> sd;
    for (Eigen::Index c = 0; c < covariance.rows(); ++c) {
        sd.push_back(std::sqrt(std::max(0.0, covariance(c, c))));
    }
    state.round_sd.push_back(quantile90(sd));
    state.walkers = last_positions(chain);
    converged = state.round_sd.back() < s.tolerance;
    const std::uint64_t left =
        s.evaluations > state.design.size() ? s.evaluations - state.design.size() : 0;
    if (converged || left == 0) {
        return {};
    }
    const std::size_t D = boxes.size();
    const std::size_t size =
        std::min<std::uint64_t>(left, std::max<std::size_t>({4, 2 * D, state.design.size() / 16}));
    const double noise = gp.hyperparameters().noise_sd * gp.hyperparameters().noise_sd;
    std::vector<std::vector<double>> batch;
    for (const std::size_t c : greedy_batch(covariance, noise, size)) {
        batch.push_back(candidates[c]);
    }
    return batch;
}

} // namespace

double emulator_window(std::size_t dimensions) {
    return 10 + 2 * double(dimensions);
}

std::vector<double> compressed_values(const std::vector<double>& values, std::size_t dimensions) {
    const double window = emulator_window(dimensions);
    const double best = *std::max_element(values.begin(), values.end());
    const double edge = best - window;
    std::vector<double> out;
    for (const double v : values) {
        out.push_back(v >= edge ? v : edge - window * std::log1p((edge - v) / window));
    }
    return out;
}

EmulatorRun emulator_sample(const BatchDensity& density, const std::vector<FitKey>& boxes,
                            const EmulatorSettings& s) {
    const std::size_t D = boxes.size();
    const std::uint32_t walkers = s.walkers ? s.walkers : std::max<std::uint32_t>(32, 8 * D);
    EmulatorRun run;
    if (s.resume) {
        run.state = *s.resume;
    } else {
        const std::uint32_t initial = s.initial ? s.initial : std::uint32_t(10 * D);
        run.state.design = detail::design_points(boxes, initial, s.seed);
        if (s.plan) {
            s.plan("design", run.state.design.size());
        }
        run.state.values = values_of(density(run.state.design));
        if (s.checkpoint) {
            s.checkpoint(run.state);
        }
    }
    for (;;) {
        run.emulator = emulate(run.state, boxes, s.evaluations);
        const auto batch = round_batch(run.state, *run.emulator, boxes, s, walkers, run.converged);
        if (batch.empty()) {
            break;
        }
        std::vector<std::vector<double>> points;
        for (const auto& u : batch) {
            points.push_back(to_box(boxes, u.data()));
        }
        if (s.plan) {
            s.plan("refine", points.size());
        }
        const auto values = values_of(density(points));
        run.state.design.insert(run.state.design.end(), points.begin(), points.end());
        run.state.values.insert(run.state.values.end(), values.begin(), values.end());
        if (s.checkpoint) {
            s.checkpoint(run.state);
        }
    }
    EnsembleChain chain =
        chain_on(*run.emulator, run.state.walkers, s.steps, round_seed(s.seed, 1u << 30), s);
    for (std::size_t i = 0; i < chain.positions.size(); i += D) {
        const auto x = to_box(boxes, chain.positions.data() + i);
        std::copy(x.begin(), x.end(), chain.positions.begin() + std::ptrdiff_t(i));
    }
    run.chain = std::move(chain);
    return run;
}

double emulator_mean(const EmulatorRun& run, const std::vector<FitKey>& boxes,
                     const std::vector<double>& x) {
    return run.emulator->mean(to_unit(boxes, x));
}

double emulator_sd(const EmulatorRun& run, const std::vector<FitKey>& boxes,
                   const std::vector<double>& x) {
    return std::sqrt(run.emulator->variance(to_unit(boxes, x)));
}

} // namespace custsim
