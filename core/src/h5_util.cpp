// What the files of calibrate and optimise share (h5_util.hpp).
#include "h5_util.hpp"

#include <cstdio>

namespace custsim::h5 {

Array vector_array(const std::vector<double>& values) {
    return Array{{values.size()}, values};
}

std::string joined(const std::vector<std::string>& names, const char* separator) {
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "" : separator) + name;
    }
    return out;
}

std::string lines_of(const std::vector<std::string>& names) {
    return joined(names, "\n");
}

std::string formatted(const char* format, double value) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

} // namespace custsim::h5
