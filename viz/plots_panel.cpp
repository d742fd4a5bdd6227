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
    auto series = [&](std::initializer_list<const char*> names) {
        std::vector<Series> out;
        int colour = 0;
        for (const char* name : names) {
            if (has_pin_) {
                out.push_back({name, palette[colour % 8], &pinned_.day, &pinned_.kpi[name], true});
            }
            if (batch_ && band_mean_.kpi.count(name)) {
                Series band{std::string(name) + " (5 replicates)", palette[colour % 8],
                            &band_mean_.day, &band_mean_.kpi[name], true};
                band.low = &band_low_.kpi[name];
                band.high = &band_high_.kpi[name];
                out.push_back(band);
            }
            out.push_back({name, palette[colour % 8], &shown_.day, &shown_.kpi[name]});
            ++colour;
        }
        return out;
    };
    plot("Funnel (focal brand)", series({"aware", "considering", "customers"}), ImVec2(w, h));
    ImGui::SameLine();
    plot("Money (cumulative)", series({"revenue", "profit", "media_cost"}), ImVec2(w, h));
    plot("NPS", series({"nps"}), ImVec2(w, h));
    ImGui::SameLine();
    plot("Word of mouth heard (cumulative)", series({"wom_positive", "wom_negative"}),
         ImVec2(w, h));
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
        for (const char* name : plotted) {
            const auto& now = shown_.kpi[name];
            const auto& then = pinned_.kpi[name];
            const std::size_t i = std::min(now.size(), then.size()) - 1;
            ImGui::Text("%-14s %12.4g  %+12.4g", name, now[i], now[i] - then[i]);
        }
    } else {
        ImGui::TextWrapped("Pin a run, change a lever, and the plots overlay the pinned run "
                           "(faded) with the differences here.");
    }
    ImGui::EndChild();
}

} // namespace custsim::viz
