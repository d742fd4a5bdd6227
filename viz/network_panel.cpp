// The explorer's network panel.
#include "explorer.hpp"
#include "palette.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace custsim::viz {

void Explorer::network_panel() {
    ImGui::Text("Word of mouth on a piece of the network: %zu customers reached breadth-first from "
                "one, laid out by Boost.Graph's Fruchterman-Reingold layout",
                sample_.customers.size());
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 size = ImGui::GetContentRegionAvail();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float side = std::min(size.x - 160, size.y);
    auto at = [&](int i) {
        return ImVec2(origin.x + 4 + sample_.x[i] * (side - 8),
                      origin.y + 4 + sample_.y[i] * (side - 8));
    };
    for (const auto& [i, j] : sample_.ties) {
        draw->AddLine(at(i), at(j), IM_COL32(180, 180, 180, 120));
    }
    for (std::size_t i = 0; i < sample_.customers.size(); ++i) {
        draw->AddCircleFilled(at(int(i)), 3.5f, stage_colour[std::min<int>(shown_stage_[i], 4)]);
    }
    for (int s = 0; s < 5; ++s) {
        const ImVec2 p(origin.x + side + 20, origin.y + 10 + s * 20.0f);
        draw->AddCircleFilled(ImVec2(p.x, p.y + 7), 5, stage_colour[s]);
        draw->AddText(ImVec2(p.x + 12, p.y), IM_COL32(30, 30, 30, 255), stage_name[s]);
    }
    ImGui::Dummy(size);
}

} // namespace custsim::viz
