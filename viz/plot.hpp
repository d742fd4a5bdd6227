#pragma once
// A small time-series plot and a bar chart drawn with ImGui's draw lists (ImPlot is not in
// Debian): axes with units, ticks, a legend, a hover read-out, zoom and pan. Each plot drawn adds
// what it showed to a list, which the panels' CSV export writes. Kept apart from the panels.
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

/// What one plot showed in a frame: its series and the days in view (for the CSV export).
struct ShownPlot {
    std::string title, unit;
    std::vector<Series> series;
    double x0 = 0, x1 = 0;
};

/// A plot's title, the unit of its y axis (the x axis is days) and whether y is logarithmic.
struct PlotAxes {
    std::string title, unit;
    bool log_y = false;
};

/// Draws `series` in a box of `size` (width -1: all available). The mouse wheel zooms the days
/// around the cursor, a drag pans them, a double click shows every day again; y fits the
/// points in view. Appends what it showed to `shown` unless null.
void plot(const PlotAxes& axes, const std::vector<Series>& series, ImVec2 size,
          std::vector<ShownPlot>* shown = nullptr);

/// Every plot from now on opens showing days [x0, x1] (the command line's --zoom).
void zoom_all_plots(double x0, double x1);

/// One bar of a bar chart: a value with an interval (NaN: no bar, `note` instead).
struct Bar {
    std::string label, note;
    double value = 0, low = 0, high = 0;
};

/// Horizontal bars with interval whiskers and a zero line; labels left in full; `unit` labels the
/// value axis.
void bar_chart(const std::string& title, const std::string& unit, const std::vector<Bar>& bars,
               ImVec2 size);

/// Writes the shown plots as tidy CSV: plot,series,unit,day,value, one row per point in view
/// (a band adds "<series> low" and "<series> high"). False if the file cannot be written.
bool write_shown_csv(const std::vector<ShownPlot>& shown, const std::string& path);

} // namespace custsim::viz
