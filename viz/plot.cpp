#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace custsim::viz {

namespace {
/// A "nice" tick step (1, 2 or 5 times a power of ten) for about `ticks` ticks over `span`.
double tick_step(double span, int ticks) {
    const double raw = span / std::max(ticks, 1);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (raw <= m * power) {
            return m * power;
        }
    }
    return 10 * power;
}

void label(char* buffer, std::size_t size, double value) {
    const double a = std::abs(value);
    if (a >= 1e6) {
        std::snprintf(buffer, size, "%.3gM", value / 1e6);
    } else if (a >= 1e3) {
        std::snprintf(buffer, size, "%.3gk", value / 1e3);
    } else {
        std::snprintf(buffer, size, "%.3g", value);
    }
}
/// The plot area on screen (a top left, b bottom right) and the data range it shows.
struct Frame {
    ImVec2 a, b;
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    bool any = false; ///< some series has a point
    ImVec2 to_screen(double x, double y) const {
        return ImVec2(a.x + float((x - x0) / (x1 - x0)) * (b.x - a.x),
                      b.y - float((y - y0) / (y1 - y0)) * (b.y - a.y));
    }
};

/// Widens the frame's range to every point (and band) of every series; y always from 0 down.
void fit_range(const std::vector<Series>& series, Frame& f) {
    for (const auto& s : series) {
        for (std::size_t i = 0; i < s.y->size() && i < s.x->size(); ++i) {
            const double x = (*s.x)[i], y = (*s.y)[i];
            if (!f.any) {
                f.x0 = f.x1 = x;
                f.y0 = f.y1 = y;
                f.any = true;
            }
            f.x0 = std::min(f.x0, x), f.x1 = std::max(f.x1, x), f.y0 = std::min(f.y0, y),
            f.y1 = std::max(f.y1, y);
            if (s.low && s.high && i < s.low->size() && i < s.high->size()) {
                f.y0 = std::min(f.y0, (*s.low)[i]), f.y1 = std::max(f.y1, (*s.high)[i]);
            }
        }
    }
    f.y0 = std::min(f.y0, 0.0);
    if (f.x1 <= f.x0) {
        f.x1 = f.x0 + 1;
    }
    if (f.y1 <= f.y0) {
        f.y1 = f.y0 + 1;
    }
}

void draw_axes(ImDrawList* draw, const Frame& f, ImVec2 origin) {
    char text[32];
    const double ystep = tick_step(f.y1 - f.y0, 4);
    for (double y = std::ceil(f.y0 / ystep) * ystep; y <= f.y1 + 1e-9; y += ystep) {
        const ImVec2 p = f.to_screen(f.x0, y);
        draw->AddLine(ImVec2(f.a.x, p.y), ImVec2(f.b.x, p.y), IM_COL32(220, 220, 220, 255));
        label(text, sizeof text, y);
        draw->AddText(ImVec2(origin.x + 2, p.y - 7), IM_COL32(80, 80, 80, 255), text);
    }
    const double xstep = tick_step(f.x1 - f.x0, 6);
    for (double x = std::ceil(f.x0 / xstep) * xstep; x <= f.x1 + 1e-9; x += xstep) {
        const ImVec2 p = f.to_screen(x, f.y0);
        draw->AddLine(ImVec2(p.x, f.b.y), ImVec2(p.x, f.b.y + 4), IM_COL32(80, 80, 80, 255));
        label(text, sizeof text, x);
        draw->AddText(ImVec2(p.x - 8, f.b.y + 3), IM_COL32(80, 80, 80, 255), text);
    }
    draw->AddRect(f.a, f.b, IM_COL32(120, 120, 120, 255));
}

/// Bands first, beneath the lines; both clipped to the plot area.
void draw_series(ImDrawList* draw, const Frame& f, const std::vector<Series>& series) {
    draw->PushClipRect(f.a, f.b, true);
    for (const auto& s : series) {
        if (!s.low || !s.high) {
            continue;
        }
        const ImU32 fill = (s.colour & 0x00FFFFFF) | 0x40000000;
        for (std::size_t i = 1; i < s.x->size() && i < s.low->size() && i < s.high->size(); ++i) {
            const ImVec2 p0 = f.to_screen((*s.x)[i - 1], (*s.low)[i - 1]);
            const ImVec2 p1 = f.to_screen((*s.x)[i], (*s.low)[i]);
            const ImVec2 q1 = f.to_screen((*s.x)[i], (*s.high)[i]);
            const ImVec2 q0 = f.to_screen((*s.x)[i - 1], (*s.high)[i - 1]);
            draw->AddQuadFilled(p0, p1, q1, q0, fill);
        }
    }
    for (const auto& s : series) {
        const ImU32 colour = s.faded ? (s.colour & 0x00FFFFFF) | 0x60000000 : s.colour;
        for (std::size_t i = 1; i < s.y->size() && i < s.x->size(); ++i) {
            draw->AddLine(f.to_screen((*s.x)[i - 1], (*s.y)[i - 1]),
                          f.to_screen((*s.x)[i], (*s.y)[i]), colour, s.faded ? 1.5f : 2.0f);
        }
    }
    draw->PopClipRect();
}

/// Legend, top right: the series that are not faded.
void draw_legend(ImDrawList* draw, const Frame& f, const std::vector<Series>& series) {
    float ly = f.a.y + 4;
    for (const auto& s : series) {
        if (s.faded) {
            continue;
        }
        const ImVec2 tsize = ImGui::CalcTextSize(s.name.c_str());
        const float lx = f.b.x - tsize.x - 22;
        draw->AddRectFilled(ImVec2(lx, ly + 4), ImVec2(lx + 12, ly + 10), s.colour);
        draw->AddText(ImVec2(lx + 16, ly), IM_COL32(30, 30, 30, 255), s.name.c_str());
        ly += tsize.y + 2;
    }
}

/// Hover read-out: the value of each series at the day under the mouse.
void draw_readout(ImDrawList* draw, const Frame& f, const std::vector<Series>& series) {
    const double x = f.x0 + (ImGui::GetIO().MousePos.x - f.a.x) / (f.b.x - f.a.x) * (f.x1 - f.x0);
    draw->AddLine(ImVec2(ImGui::GetIO().MousePos.x, f.a.y),
                  ImVec2(ImGui::GetIO().MousePos.x, f.b.y), IM_COL32(100, 100, 100, 160));
    ImGui::BeginTooltip();
    ImGui::Text("day %.0f", x);
    for (const auto& s : series) {
        const auto it = std::lower_bound(s.x->begin(), s.x->end(), x);
        if (it != s.x->end() && !s.y->empty()) {
            const auto i = std::size_t(it - s.x->begin());
            ImGui::Text("%s%s: %.4g", s.name.c_str(), s.faded && !s.low ? " (pinned)" : "",
                        (*s.y)[std::min(i, s.y->size() - 1)]);
        }
    }
    ImGui::EndTooltip();
}
} // namespace

void plot(const char* title, const std::vector<Series>& series, ImVec2 size) {
    ImGui::PushID(title);
    if (size.x <= 0) {
        size.x = ImGui::GetContentRegionAvail().x;
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("plot", size);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 end(origin.x + size.x, origin.y + size.y);
    draw->AddRectFilled(origin, end, IM_COL32(250, 250, 250, 255));
    draw->AddText(ImVec2(origin.x + 6, origin.y + 2), IM_COL32(20, 20, 20, 255), title);
    const float left = 48, bottom = 18, top = 20, right = 8;
    Frame frame;
    frame.a = ImVec2(origin.x + left, origin.y + top);
    frame.b = ImVec2(end.x - right, end.y - bottom);
    fit_range(series, frame);
    draw_axes(draw, frame, origin);
    draw_series(draw, frame, series);
    draw_legend(draw, frame, series);
    if (hovered && frame.any) {
        draw_readout(draw, frame, series);
    }
    ImGui::PopID();
}

} // namespace custsim::viz
