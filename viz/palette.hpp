#pragma once
// What the explorer's panels and its core share: the KPIs plotted and the colours.
#include <imgui.h>

namespace custsim::viz {

/// The KPI plots: a title and the registered journey KPIs drawn in it (their labels, unit and
/// format come from custsim/kpis.hpp; the explorer refuses to open with a name not registered).
struct KpiPlot {
    const char* title;
    const char* kpis[3];
};
inline constexpr KpiPlot kpi_plots[] = {
    {"Funnel (focal brand)", {"aware", "considering", "customers"}},
    {"Money (cumulative)", {"revenue", "profit", "media_cost"}},
    {"NPS", {"nps"}},
    {"Word of mouth heard (cumulative)", {"wom_positive", "wom_negative"}},
};
/// The Service panel plots every registered scalar journey KPI of the service group (by unit),
/// and these from other groups beside them.
inline constexpr const char* service_extra_kpis[] = {"churned", "nps"};
/// The Brands panel: one plot per registered per-brand KPI here, a line per brand.
inline constexpr const char* brand_plot_kpis[] = {"aware", "customers", "share"};
inline constexpr ImU32 palette[] = {IM_COL32(31, 119, 180, 255),  IM_COL32(255, 127, 14, 255),
                                    IM_COL32(44, 160, 44, 255),   IM_COL32(214, 39, 40, 255),
                                    IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
                                    IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255)};
inline constexpr ImU32 stage_colour[] = {IM_COL32(200, 200, 200, 255), IM_COL32(120, 170, 230, 255),
                                         IM_COL32(250, 170, 60, 255), IM_COL32(40, 160, 60, 255),
                                         IM_COL32(200, 40, 40, 255)};
inline constexpr const char* stage_name[] = {"unaware", "aware", "considering", "customer",
                                             "lapsed"};

} // namespace custsim::viz
