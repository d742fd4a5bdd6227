// The explorer's tab bar of panels, and what each exports.
#include "explorer.hpp"
#include "palette.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace custsim::viz {

namespace {
constexpr const char* panel_titles[] = {"Funnel and money", "Service", "Brands",
                                        "Policies",         "Levers",  "Network"};
static_assert(std::size(panel_titles) == std::size(panel_names));
} // namespace

bool Explorer::select_panel(const std::string& name) {
    for (std::size_t p = 0; p < std::size(panel_names); ++p) {
        if (name == panel_names[p]) {
            panel_ = Panel(p);
            select_pending_ = true;
            return true;
        }
    }
    return false;
}

void Explorer::panels(float width, float height) {
    const ImVec2 at(ImGui::GetIO().DisplaySize.x - width, 0);
    ImGui::SetNextWindowPos(at);
    ImGui::SetNextWindowSize(ImVec2(width, height));
    ImGui::Begin("Panels", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                     ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollWithMouse);
    panel_rect_ = ImVec4(at.x, at.y, width, height);
    shown_plots_.clear();
    const int wanted = select_pending_ ? int(panel_) : -1; // a tab chosen on the command line
    select_pending_ = false;
    if (ImGui::BeginTabBar("panels")) {
        for (std::size_t p = 0; p < std::size(panel_titles); ++p) {
            const ImGuiTabItemFlags flags =
                wanted == int(p) ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
            if (!ImGui::BeginTabItem(panel_titles[p], nullptr, flags)) {
                continue;
            }
            if (wanted < 0) {
                panel_ = Panel(p);
            }
            if (panel_ == Panel(p)) {
                export_buttons(Panel(p));
            }
            ImGui::EndTabItem();
        }
        ImGui::EndTabBar();
    }
    ImGui::End();
}

void Explorer::export_buttons(Panel panel) {
    const std::string stem = scenario_.name + "_" + panel_names[int(panel)];
    const bool csv = ImGui::Button("Export CSV");
    ImGui::SameLine();
    if (ImGui::Button("Export PNG")) {
        png_request_ = stem + ".png";
    }
    ImGui::SameLine();
    ImGui::TextDisabled("wheel: zoom days, drag: pan, double click: all days");
    switch (panel) {
    case Panel::funnel:
        plots_panel();
        break;
    case Panel::service:
        service_panel();
        break;
    case Panel::brands:
        brands_panel();
        break;
    case Panel::policies:
        policies_panel();
        break;
    case Panel::levers:
        lever_returns_panel();
        break;
    case Panel::network:
        network_panel();
        break;
    }
    if (csv) { // after the panel is drawn: what it shows this frame
        message_ = export_csv(stem + ".csv") ? "wrote " + stem + ".csv"
                                             : "could not write " + stem + ".csv";
    }
}

bool Explorer::export_csv(const std::string& path) const {
    switch (panel_) {
    case Panel::levers:
        return write_levers_csv(path);
    case Panel::network:
        return write_network_csv(path);
    default:
        return write_shown_csv(shown_plots_, path);
    }
}

bool Explorer::write_network_csv(const std::string& path) const {
    std::ofstream out(path);
    out << "customer,x,y,stage\n";
    for (std::size_t i = 0; i < sample_.customers.size(); ++i) {
        const int stage = i < shown_stage_.size() ? std::min<int>(shown_stage_[i], 4) : 0;
        char row[96];
        std::snprintf(row, sizeof row, "%u,%.6f,%.6f,", sample_.customers[i], sample_.x[i],
                      sample_.y[i]);
        out << row << stage_name[stage] << '\n';
    }
    return bool(out.flush());
}

} // namespace custsim::viz
