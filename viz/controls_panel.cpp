// The explorer's controls panel.
#include "explorer.hpp"
#include "palette.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace custsim::viz {

void Explorer::controls_panel() {
    ImGui::Text("%s", path_.c_str());
    ImGui::Text("day %.0f of %.0f, %u customers", shown_day_, scenario_.days, scenario_.customers);
    if (ImGui::Button(playing_ ? "Pause" : "Play")) {
        playing_ = !playing_;
    }
    ImGui::SameLine();
    if (ImGui::Button("Step") && !playing_) {
        std::lock_guard guard(lock_);
        if (simulation_->day() < scenario_.days) {
            step_locked();
        }
    }
    ImGui::SameLine();
    if (ImGui::Button("Reset")) {
        playing_ = false;
        std::lock_guard guard(lock_);
        reset(scenario_);
    }
    ImGui::SameLine();
    if (ImGui::Button(has_pin_ ? "Re-pin" : "Pin run")) {
        pinned_ = shown_;
        has_pin_ = true;
    }
    int rate = days_per_second_;
    if (ImGui::SliderInt("days/s", &rate, 1, 1000, rate >= 1000 ? "as fast as it goes" : "%d")) {
        days_per_second_ = rate;
    }
    ImGui::Text("%.0f frames per second", ImGui::GetIO().Framerate);
}

} // namespace custsim::viz
