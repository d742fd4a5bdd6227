// The explorer's plots panel.
#include "explorer.hpp"
#include "palette.hpp"
#include "plot.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace custsim::viz {

void Explorer::plots_panel() {
    take_batch();
    const float w = (ImGui::GetContentRegionAvail().x - 8) / 2;
    const float h = (ImGui::GetContentRegionAvail().y - 12) / 3;
    // One plot per kpi_plots entry, titled with the unit its KPIs share; legends use labels.
    auto series = [&](const KpiPlot& plot) {
        std::vector<Series> out;
        int colour = 0;
        for (const char* name : plot.kpis) {
            if (!name) {
                continue;
            }
            const std::string label = find_kpi(name)->label;
            if (has_pin_) {
                out.push_back({label, palette[colour % 8], &pinned_.day, &pinned_.kpi[name], true});
            }
            if (batch_ && band_mean_.kpi.count(name)) {
                Series band{label + " (5 replicates)", palette[colour % 8], &band_mean_.day,
                            &band_mean_.kpi[name], true};
                band.low = &band_low_.kpi[name];
                band.high = &band_high_.kpi[name];
                out.push_back(band);
            }
            out.push_back({label, palette[colour % 8], &shown_.day, &shown_.kpi[name]});
            ++colour;
        }
        return out;
    };
    auto title = [](const KpiPlot& plot) {
        return std::string(plot.title) + " [" + find_kpi(plot.kpis[0])->unit + "]";
    };
    for (std::size_t p = 0; p < std::size(kpi_plots); ++p) {
        plot(title(kpi_plots[p]).c_str(), series(kpi_plots[p]), ImVec2(w, h));
        if (p % 2 == 0) {
            ImGui::SameLine();
        }
    }
    std::vector<Series> spend;
    for (std::size_t c = 0; c < shown_.channel_spend.size(); ++c) {
        spend.push_back(
            {scenario_.channels[c].name, palette[c % 8], &shown_.day, &shown_.channel_spend[c]});
    }
    plot("Spend by channel (cumulative)", spend, ImVec2(w, h));
    ImGui::SameLine();
    ImGui::BeginChild("difference", ImVec2(w, h));
    if (has_pin_ && !pinned_.day.empty() && !shown_.day.empty()) {
        ImGui::Text("Now against the pinned run, at day %.0f", shown_.day.back());
        for (const Kpi* kpi : plotted_) {
            const auto& now = shown_.kpi[kpi->name];
            const auto& then = pinned_.kpi[kpi->name];
            const std::size_t i = std::min(now.size(), then.size()) - 1;
            ImGui::Text("%-24s %12s  %+12.4g", kpi->label, format_kpi(*kpi, now[i]).c_str(),
                        now[i] - then[i]);
        }
    } else {
        ImGui::TextWrapped("Pin a run, change a lever, and the plots overlay the pinned run "
                           "(faded) with the differences here.");
    }
    ImGui::EndChild();
}

} // namespace custsim::viz
