#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace custsim {

/// The KPIs of a run: time series per replicate and final values, as in the HDF5 file.
struct Results {
    std::string custsim_version = CUSTSIM_VERSION;
    std::string scenario_yaml; ///< the fully resolved scenario
    std::uint64_t seed = 0;
    std::uint32_t replicates = 0;
    std::uint64_t population = 0;
    std::vector<double> time; ///< recorded days, starting at 0
    /// kpi -> [replicates x points], row-major
    std::map<std::string, std::vector<double>> timeseries;
    /// kpi -> [replicates]
    std::map<std::string, std::vector<double>> final;
    /// Journey model: kpi -> [replicates x points x channels] and [replicates x points x brands].
    std::vector<std::string> channel_names, brand_names, market_names;
    std::map<std::string, std::vector<double>> channels, brands, markets; ///< and x markets

    std::size_t points() const { return time.size(); }
    double at(const std::string& kpi, std::uint32_t replicate, std::size_t point) const {
        return timeseries.at(kpi)[replicate * points() + point];
    }
};

/// Writes results as HDF5: a temporary file beside `path`, renamed over it only when complete,
/// so a failed or interrupted write never leaves a broken file where a good one was.
void write_results(const Results& results, const std::filesystem::path& path);
/// An n-dimensional array of doubles, row-major.
struct Array {
    std::vector<std::uint64_t> shape;
    std::vector<double> values;
};
/// Writes arrays named by their path ("/final/profit"; groups are created) and text attributes
/// of the root, with write_results's guarantee: a temporary file renamed when done.
void write_arrays(const std::filesystem::path& path, const std::map<std::string, Array>& arrays,
                  const std::map<std::string, std::string>& attributes = {});
/// Writes 1-d datasets named by their path ("/difference/profit"; groups are created) and text
/// attributes of the root, with write_results's guarantee: a temporary file renamed when done.
void write_datasets(const std::filesystem::path& path,
                    const std::map<std::string, std::vector<double>>& datasets,
                    const std::map<std::string, std::string>& attributes = {});
/// Reads a results file written by write_results.
Results read_results(const std::filesystem::path& path);

} // namespace custsim
