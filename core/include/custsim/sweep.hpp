#pragma once
#include "custsim/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace custsim {

/// How a sweep chooses its points.
enum class Design {
    grid,            ///< every combination of the parameters' values
    list,            ///< the i-th value of every parameter (all lists as long)
    latin_hypercube, ///< `points` points, each parameter's range cut in as many strata, one each
};

/// One swept parameter: a scenario key (`brands.focal.price`), or a bare name other keys are
/// derived from.
struct SweepParameter {
    std::string name;
    std::string key;            ///< scenario key it sets; empty: only used in `derived`
    std::vector<double> values; ///< grid and list
    double from = 0, to = 0;    ///< latin_hypercube
};

/// A sweep file: a base scenario, parameters and a design (docs/sweeps.md).
struct Sweep {
    std::filesystem::path base;   ///< scenario file, relative paths against the sweep file
    std::vector<std::string> set; ///< overrides applied to every point
    std::vector<SweepParameter> parameters;
    /// scenario key -> arithmetic of parameter names (+ - * / and parentheses)
    std::vector<std::pair<std::string, std::string>> derived;
    Design design = Design::grid;
    std::uint32_t points = 0; ///< latin_hypercube
    std::uint64_t seed = 1;   ///< the design's draws (latin_hypercube)
    bool timeseries = false;  ///< also keep every point's time series
    std::string text;         ///< the file as read, to recognise the same sweep when resuming
};

/// Whether a YAML file is a sweep (it has a top-level `base:`) rather than a scenario.
bool is_sweep_file(const std::filesystem::path& path);

/// Reads a sweep file; errors name the file, line and key (ScenarioError).
Sweep load_sweep(const std::filesystem::path& path);
/// The same from text (Python builds it from a dict): `name` stands for the file in messages and
/// `base_dir` is the folder `base:` is relative to.
Sweep parse_sweep(std::string_view yaml, const std::string& name,
                  const std::filesystem::path& base_dir);

/// The design: values[point][parameter].
std::vector<std::vector<double>> sweep_points(const Sweep& sweep);

/// The `key=value` overrides of one point: `set`, the parameters with a key, the derived keys.
std::vector<std::string> point_overrides(const Sweep& sweep, const std::vector<double>& values);

/// Evaluates `expression` with the named values (for derived keys). Throws ScenarioError.
double evaluate(const std::string& expression, const std::map<std::string, double>& names);

} // namespace custsim
