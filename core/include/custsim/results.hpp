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
    double represents = 0;    ///< people in the market the population stands for; 0: itself
    std::vector<double> time; ///< recorded days, starting at 0
    /// kpi -> [replicates x points], row-major
    std::map<std::string, std::vector<double>> timeseries;
    /// kpi -> [replicates]
    std::map<std::string, std::vector<double>> final;
    /// Journey model: kpi -> [replicates x points x channels] and [replicates x points x brands].
    std::vector<std::string> channel_names, brand_names, market_names;
    std::map<std::string, std::vector<double>> channels, brands, markets; ///< and x markets

    std::size_t points() const { return time.size(); }
    /// People in the market per simulated customer: market figures are counts and money times
    /// this (1 when the population is the market).
    double market_scale() const {
        return represents > 0 && population > 0 ? represents / double(population) : 1.0;
    }
    double at(const std::string& kpi, std::uint32_t replicate, std::size_t point) const {
        return timeseries.at(kpi)[replicate * points() + point];
    }
};

/// Writes results as HDF5: a temporary file beside `path`, renamed over it only when complete,
/// so a failed or interrupted write never leaves a broken file where a good one was. The file is
/// built in memory and written with plain writes, so a full disk is an error naming the file,
/// never a half-written HDF5 file. `attributes` adds text attributes to the root.
void write_results(const Results& results, const std::filesystem::path& path,
                   const std::map<std::string, std::string>& attributes = {});
/// Writes a text file (a CSV table) with write_results's guarantee: a temporary file beside
/// `path`, made durable and renamed over it only when complete.
void write_text(const std::filesystem::path& path, const std::string& text);
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
/// Reads a results file written by write_results. Every shape is checked against the root's
/// attributes and /time before anything is read; a file that does not fit (or that HDF5 cannot
/// read) is an InputError naming the file and what is wrong.
Results read_results(const std::filesystem::path& path);
/// Every dataset of numbers at the root of a file custsim wrote and in its groups, by path
/// ("/final/profit"), after checking the file's CRC-32 line (a sweep's results file, say).
/// Throws InputError naming the file and what is wrong.
std::map<std::string, Array> read_arrays(const std::filesystem::path& path);
/// A text attribute of a file's root; empty if there is none. Throws InputError if the file
/// cannot be opened.
std::string read_text_attribute(const std::filesystem::path& path, const std::string& name);
/// Reads the named arrays (paths such as "/chain") of a file written by write_arrays, checked as
/// read_results checks; a missing array or a damaged file is an InputError naming the file.
std::map<std::string, Array> read_arrays(const std::filesystem::path& path,
                                         const std::vector<std::string>& names);
/// A 64-bit hash (FNV-1a) of everything `results` holds: attributes, names, KPI names and values
/// bit for bit. Sweep parts record it to recognise damaged or edited files.
std::uint64_t checksum(const Results& results);
/// Throws InputError naming the KPI, the replicate and the first day on which it is not finite
/// (inf or NaN), if any value `replicate` recorded is not: a time series, a per-channel, brand or
/// market value, or a final value.
void check_finite(const Results& results, std::uint32_t replicate);

} // namespace custsim
