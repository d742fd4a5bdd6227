#pragma once
// What calibration.cpp lends the emulator method (calibration_emulator.cpp): its batch evaluation
// of the simulator, its progress, its fingerprint and its summaries of a chain.
#include "custsim/calibration.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace custsim::detail {

/// The simulator as calibration.cpp runs it.
struct Simulator {
    /// The log-likelihood (and the counterparts, as blob) at each point: calibration.cpp's
    /// evaluate_batch, spread over threads.
    std::function<std::vector<DensityValue>(const std::vector<std::vector<double>>&)> evaluate;
    /// Announces `more` evaluations of the named stage to the progress callback.
    std::function<void(const char* stage, std::uint64_t more)> plan;
    /// Runs `read` in the process that reads files (rank 0 under MPI) and gives its numbers to
    /// every process.
    std::function<std::vector<double>(const std::function<std::vector<double>()>& read)> shared;
    std::string fingerprint; ///< of the scenario, data, keys and the common options
};

/// `calibrate` with the emulator method.
Calibration calibrate_with_emulator(const Scenario& scenario, const Observations& data,
                                    const std::vector<FitKey>& keys,
                                    const CalibrationOptions& options, const Simulator& simulator);

/// Refuses (InputError) a progress file whose fingerprint is not `identity`: another
/// calibration's.
void check_progress_of(const std::filesystem::path& path, const std::string& identity);

/// calibration.cpp's burn-in, thinning, samples, quantiles and diagnostics of `chain`.
void summarise_posterior(Calibration& calibration);
/// The q-quantile (linear between order statistics, as numpy's default).
double posterior_quantile(std::vector<double> values, double q);

} // namespace custsim::detail
