#pragma once
// The emulator method of calibration (docs/calibration.md, "The emulator method"): a Gaussian
// process fitted to the log-density at a space-filling design, refined in rounds at the points
// where it is least sure among its own posterior's samples, then sampled instead of the expensive
// density. Generic over the density: calibration_emulator.cpp gives it the simulator.
#include "custsim/calibration.hpp"
#include "gaussian_process.hpp"

#include <functional>
#include <memory>

namespace custsim {

/// The log-density at each of a batch of points (simulator runs, spread over threads).
using BatchDensity =
    std::function<std::vector<DensityValue>(const std::vector<std::vector<double>>& points)>;

/// What the design has found so far; a resume starts again from it.
struct EmulatorState {
    std::vector<std::vector<double>> design;  ///< in the keys' units
    std::vector<double> values;               ///< the log-density at each design point
    std::vector<double> round_sd;             ///< per round: 90 % quantile of the sd at the samples
    GpHyperparameters hyperparameters;        ///< the last fit's (empty length scales: none yet)
    std::uint64_t fitted_at = 0;              ///< the design's size at that fit
    std::vector<std::vector<double>> walkers; ///< unit cube: where the last round's chain stood
};

/// How the emulator method runs; zeros take defaults from the number of keys.
struct EmulatorSettings {
    std::uint64_t seed = 1;
    std::uint32_t initial = 0;       ///< the Latin hypercube's points; 0: 10 x keys
    std::uint64_t evaluations = 0;   ///< the design's evaluations in all, initial included
    double tolerance = 0.5;          ///< of the emulator's sd at its posterior's samples
    std::uint32_t walkers = 0;       ///< of the chains on the emulator; 0: max(32, 8 x keys)
    std::uint32_t steps = 10000;     ///< of the final chain
    std::uint32_t round_steps = 400; ///< of each round's chain
    int threads = 0;
    const EmulatorState* resume = nullptr;
    /// Called after the initial design and after every round with the state so far.
    std::function<void(const EmulatorState&)> checkpoint;
    /// Called before each batch of evaluations with its size.
    std::function<void(const char* stage, std::uint64_t evaluations)> plan;
    /// Asked at every step of the chains on the emulator; false cancels (Cancelled).
    std::function<bool()> keep_going;
};

/// The emulator method's result: the design, the last emulator, the final chain.
struct EmulatorRun {
    EmulatorState state;
    std::shared_ptr<const GaussianProcess> emulator; ///< unit cube, of the compressed values
    EnsembleChain chain;                             ///< the final chain, in the keys' units
    bool converged = false;                          ///< the tolerance was met
};

/// Runs the emulator method on `density` over the keys' boxes.
EmulatorRun emulator_sample(const BatchDensity& density, const std::vector<FitKey>& boxes,
                            const EmulatorSettings& settings);

/// The emulator's mean at x (in the keys' units): its log-density there (compressed_values's).
double emulator_mean(const EmulatorRun& run, const std::vector<FitKey>& boxes,
                     const std::vector<double>& x);
/// The emulator's sd at x (in the keys' units): its uncertainty about the log-density there.
double emulator_sd(const EmulatorRun& run, const std::vector<FitKey>& boxes,
                   const std::vector<double>& x);

/// The values the emulator is fitted to: within `emulator_window(D)` of the best they are
/// kept; further below they are compressed logarithmically (continuous, with slope 1 at the
/// window's edge), so that a tail thousands of units down does not set the emulator's scale.
std::vector<double> compressed_values(const std::vector<double>& values, std::size_t dimensions);
double emulator_window(std::size_t dimensions);

namespace detail {
/// calibration.cpp's Latin hypercube of the keys' boxes (the optimiser's design).
std::vector<std::vector<double>> design_points(const std::vector<FitKey>& keys,
                                               std::uint32_t points, std::uint64_t seed);
} // namespace detail

} // namespace custsim
