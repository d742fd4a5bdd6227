#pragma once
// A small time-series plot drawn with ImGui's draw lists (ImPlot is not in Debian): axes, ticks,
// a legend and a hover read-out. Kept apart from the panels.
#include <imgui.h>

#include <string>
#include <vector>

namespace custsim::viz {

struct Series {
    std::string name;
    ImU32 colour;
    const std::vector<double>* x;
    const std::vector<double>* y;
    bool faded = false;                       ///< a pinned run drawn behind the live one
    const std::vector<double>* low = nullptr; ///< a band from low to high (replicates)
    const std::vector<double>* high = nullptr;
};

/// Draws `series` in a box of `size` (width -1: all available) titled `title`.
void plot(const char* title, const std::vector<Series>& series, ImVec2 size);

} // namespace custsim::viz
