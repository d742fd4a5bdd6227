#pragma once
// What the files of calibrate and optimise share when they lay out their HDF5 datasets and
// attributes (and their messages): a vector as a one-dimensional array, names one per line or in
// a list, a number as text.
#include "custsim/results.hpp"

#include <string>
#include <vector>

namespace custsim::h5 {

/// `values` as a one-dimensional array.
Array vector_array(const std::vector<double>& values);
/// The names with `separator` between them: "tv, search".
std::string joined(const std::vector<std::string>& names, const char* separator);
/// The names one per line (an attribute's text).
std::string lines_of(const std::vector<std::string>& names);
/// `value` printed with a printf `format` of one double, e.g. "%.17g".
std::string formatted(const char* format, double value);

} // namespace custsim::h5
