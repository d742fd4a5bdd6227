#pragma once
// Calibration to observed data (docs/calibration.md): uniform priors on boxes of scenario keys, a
// starting region from a multistart of NLopt's local optimiser on a Latin hypercube, then
// posterior samples from the affine-invariant ensemble sampler of Goodman & Weare (2010), the
// algorithm of emcee. Every evaluation runs the scenario with its own seed (common random
// numbers) on one thread; evaluations spread over threads (and MPI ranks: batch.hpp), and every
// random number of the method is a Draws keyed on (step, walker), so the output is the same bit
// for bit on any thread count and layout.
#include "custsim/batch.hpp"
#include "custsim/observations.hpp"
#include "custsim/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace custsim {

/// A scenario key to fit, with its uniform prior's box.
struct FitKey {
    std::string key;
    double low = 0, high = 0;
};
/// Parses `KEY=LOW:HIGH`; throws InputError naming the text and what is allowed.
FitKey parse_fit_key(std::string_view text);

/// One evaluation of a log-density: its value (-inf outside the support) and what else the caller
/// keeps of it (calibration: the simulated counterparts of the observations).
struct DensityValue {
    double log_density = 0;
    std::vector<double> blob;
};
using LogDensity = std::function<DensityValue(const std::vector<double>& point)>;

/// The chain of an ensemble of walkers. Positions are row-major [step][walker][dimension].
struct EnsembleChain {
    std::uint32_t steps = 0, walkers = 0, dimensions = 0;
    std::vector<double> positions;
    std::vector<double> log_density;        ///< [step][walker]
    std::vector<std::vector<double>> blobs; ///< [step][walker], from step keep_blobs_from
    std::vector<std::uint32_t> accepted;    ///< per walker, moves accepted
    std::uint64_t evaluations = 0;
};

/// What runs the method: sizes, threads and a progress callback (false cancels: Cancelled).
struct SamplerSettings {
    std::uint32_t steps = 100;
    std::uint64_t seed = 1;
    int threads = 0; ///< 0: OpenMP's default; each evaluation runs on one thread
    /// Runs each half-ensemble's evaluations; empty: thread_runner(threads).
    BatchRunner runner;
    std::uint32_t keep_blobs_from = 0;
    /// Called after each step with the step count done.
    std::function<bool(std::uint32_t done)> progress;
    /// Resumes a chain cut short: its steps so far (its `steps`) and each walker's current value,
    /// blob included; the walkers stand at `start`, which must be the chain's last positions.
    const EnsembleChain* resume = nullptr;
    std::vector<DensityValue> resume_current;
    /// Called after each step (and once before the first) with the chain so far and each
    /// walker's current value: what `resume` needs.
    std::function<void(const EnsembleChain&, const std::vector<DensityValue>&)> checkpoint;
};

/// The affine-invariant ensemble sampler (Goodman & Weare 2010, stretch move a = 2, as emcee's
/// default): `start` holds each walker's first position (an even number of walkers, at least
/// two per dimension, all with a finite density). The two half-ensembles move in turn; each
/// half's proposals are evaluated in parallel.
EnsembleChain ensemble_sample(const LogDensity& density,
                              const std::vector<std::vector<double>>& start,
                              const SamplerSettings& settings);

/// Emcee's integrated autocorrelation time of one parameter: the walkers' normalised
/// autocorrelation functions averaged, summed over Sokal's window (the first M >= 5 tau(M)).
/// `chain` is [step][walker] of one dimension.
double autocorrelation_time(const std::vector<double>& chain, std::uint32_t steps,
                            std::uint32_t walkers);
/// The split R-hat of Gelman et al. (2013, section 11.4): each walker's chain cut in two halves.
double split_r_hat(const std::vector<double>& chain, std::uint32_t steps, std::uint32_t walkers);

/// How `calibrate` samples the posterior: the ensemble sampler on the simulator itself, or on a
/// Gaussian-process emulator of the log-likelihood (docs/calibration.md, "The emulator method").
enum class CalibrationMethod { ensemble, emulator };

/// How `calibrate` runs; zeros take defaults from the number of keys.
struct CalibrationOptions {
    CalibrationMethod method = CalibrationMethod::ensemble;
    std::uint32_t walkers = 0;        ///< 0: max(8, 4 x keys), even (emulator: max(32, 8 x keys))
    std::uint32_t steps = 0;          ///< 0: 60 (emulator: 10 000 steps on the emulator)
    std::uint32_t starts = 0;         ///< Latin hypercube points; 0: max(8, 4 x keys)
    std::uint32_t local_searches = 2; ///< best starts refined by the local optimiser
    std::uint32_t local_evaluations = 0; ///< per local search; 0: 10 x keys + 10
    double ball = 0.02; ///< walkers start this share of each box around the optimum
    /// Emulator: simulator evaluations in all (design, rounds and the fitted series); 0: 100 x
    /// keys + 20.
    std::uint64_t evaluations = 0;
    /// Emulator: the design stops when the emulator's sd at 90 % of its posterior's samples is
    /// below this (log-likelihood units).
    double tolerance = 0.5;
    int threads = 0;
    /// Runs every batch of evaluations (and reads the checkpoint: task 0 of a batch of one);
    /// empty: thread_runner(threads). In an MPI job every rank calls calibrate with the same
    /// arguments and a runner that deals the tasks out (custsim calibrate under mpirun).
    BatchRunner runner;
    /// A file that keeps the progress (the optimum, the chain so far) after every step, written
    /// atomically; when it exists and belongs to the same calibration, the run resumes from it
    /// and the result is the same bit for bit as without the interruption. Empty: none. In an
    /// MPI job, rank 0's only: the runner gives the others what it read.
    std::filesystem::path checkpoint;
    /// Called with the stage ("optimise", "sample"), evaluations done and planned.
    std::function<bool(const char* stage, std::uint64_t done, std::uint64_t planned)> progress;
};

/// What the emulator method leaves beside the posterior: its design, the emulator, its sd.
struct EmulatorSummary {
    std::vector<double> design;         ///< [point][key], in the keys' units
    std::vector<double> log_likelihood; ///< the simulator's, at each design point
    std::vector<double> length_scales;  ///< per key, in the key's units
    double signal_sd = 0, noise_sd = 0;
    std::string mean; ///< "constant" or "quadratic"
    std::vector<double> mean_coefficients;
    std::vector<double> round_sd;      ///< per round: 90 % quantile of the sd at its samples
    std::vector<double> sd_at_samples; ///< the emulator's sd at each posterior sample
    double tolerance = 0;
    bool converged = false;            ///< the design stopped on the tolerance, not the evaluations
    std::uint64_t fit_evaluations = 0; ///< simulator runs for the fitted series
    /// The check: at the posterior samples simulated for the fitted series, the simulator's
    /// log-likelihood, the emulator's mean and its predictive sd (noise included).
    std::vector<double> check_log_likelihood, check_mean, check_sd;
};

/// A calibration's output: the chain, the posterior samples, their diagnostics, the fit.
struct Calibration {
    CalibrationMethod method = CalibrationMethod::ensemble;
    EmulatorSummary emulator; ///< the emulator method's only
    std::vector<FitKey> keys;
    EnsembleChain chain;
    std::vector<double> optimum; ///< the optimiser's best point (emulator: best design point)
    double optimum_log_likelihood = 0;
    std::uint32_t burn_in = 0, thin = 1; ///< steps discarded; every thin-th step kept after
    std::vector<double> samples;         ///< [sample][key], after burn-in and thinning
    std::vector<double> sample_log_likelihood;
    std::vector<double> median, low, high; ///< per key: posterior median and 90 % interval
    double acceptance = 0;                 ///< mean acceptance fraction over walkers
    std::vector<double> autocorrelation_time, effective_sample_size, r_hat; ///< per key
    /// The fitted series: the counterpart of each observation at the posterior median (mean over
    /// replicates) and the 5 % and 95 % quantiles of the counterparts over the samples.
    std::vector<double> fit_median, fit_low, fit_high;
    std::uint64_t evaluations = 0;
    double seconds = 0;
};

/// Fits `keys` of `scenario` to `data` (read against this scenario). Every evaluation runs the
/// scenario's replicates with its seed. Throws InputError for a key the scenario does not have,
/// a box a key's range refuses, or options that do not fit.
Calibration calibrate(const Scenario& scenario, const Observations& data,
                      const std::vector<FitKey>& keys, const CalibrationOptions& options);

/// Writes a calibration as HDF5 (a temporary file renamed when complete): /chain,
/// /log_likelihood, /samples, /diagnostics/..., /data/..., /fit/... (docs/calibration.md).
void write_calibration(const Calibration& calibration, const Observations& data,
                       const Scenario& scenario, const std::filesystem::path& path);

/// The printed summary: each key's median and 90 % interval, diagnostics, evaluations, time.
std::string format_calibration(const Calibration& calibration);

} // namespace custsim
