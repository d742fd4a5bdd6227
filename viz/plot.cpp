#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <utility>

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

constexpr ImU32 ink = IM_COL32(30, 30, 30, 255), grey = IM_COL32(80, 80, 80, 255),
                faint = IM_COL32(220, 220, 220, 255);

/// The plot area on screen (a top left, b bottom right) and the data range it shows; with a
/// logarithmic y axis y0 and y1 are powers of ten (log10 of the values).
struct Frame {
    ImVec2 a, b;
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    bool log_y = false;
    bool any = false; ///< some series has a point in view
    double ty(double y) const { return log_y ? std::log10(std::max(y, 1e-300)) : y; }
    ImVec2 to_screen(double x, double y) const {
        return ImVec2(a.x + float((x - x0) / (x1 - x0)) * (b.x - a.x),
                      b.y - float((ty(y) - y0) / (y1 - y0)) * (b.y - a.y));
    }
};

/// The days a plot shows once zoomed or panned; unset, every day.
struct View {
    bool set = false;
    double x0 = 0, x1 = 1;
};
std::map<ImGuiID, View>& views() {
    static std::map<ImGuiID, View> all;
    return all;
}
std::optional<std::pair<double, double>>& default_view() {
    static std::optional<std::pair<double, double>> zoom;
    return zoom;
}

/// The days of every point of every series.
void fit_days(const std::vector<Series>& series, Frame& f) {
    bool any = false;
    for (const auto& s : series) {
        for (std::size_t i = 0; i < s.y->size() && i < s.x->size(); ++i) {
            const double x = (*s.x)[i];
            f.x0 = any ? std::min(f.x0, x) : x, f.x1 = any ? std::max(f.x1, x) : x;
            any = true;
        }
    }
    if (f.x1 <= f.x0) {
        f.x1 = f.x0 + 1;
    }
}

/// The y range of the points (and bands) in the days in view; linear y always from 0 down,
/// logarithmic y over whole powers of ten of the positive values.
void fit_values(const std::vector<Series>& series, Frame& f) {
    double low = 0, high = 0;
    auto take = [&](double y) {
        if (f.log_y && !(y > 0)) {
            return;
        }
        const double t = f.ty(y);
        low = f.any ? std::min(low, t) : t, high = f.any ? std::max(high, t) : t;
        f.any = true;
    };
    for (const auto& s : series) {
        for (std::size_t i = 0; i < s.y->size() && i < s.x->size(); ++i) {
            const double x = (*s.x)[i];
            if (x < f.x0 - 1e-9 || x > f.x1 + 1e-9) {
                continue;
            }
            take((*s.y)[i]);
            if (s.low && s.high && i < s.low->size() && i < s.high->size()) {
                take((*s.low)[i]), take((*s.high)[i]);
            }
        }
    }
    if (f.log_y) {
        low = std::floor(low), high = std::max(std::ceil(high), low + 1);
    } else {
        low = std::min(low, 0.0);
    }
    f.y0 = low, f.y1 = high > low ? high : low + 1;
}

/// Mouse wheel: zoom the days around the cursor; drag: pan; double click: every day again.
void interact(View& view, const Frame& f, bool hovered) {
    const ImGuiIO& io = ImGui::GetIO();
    const double span = view.x1 - view.x0, width = f.b.x - f.a.x;
    if (hovered && io.MouseWheel != 0) {
        const double at = view.x0 + (io.MousePos.x - f.a.x) / width * span;
        const double factor = std::pow(0.8, double(io.MouseWheel));
        view.x0 = at - (at - view.x0) * factor, view.x1 = at + (view.x1 - at) * factor;
        view.set = true;
    }
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0) &&
        io.MouseDelta.x != 0) {
        const double dx = io.MouseDelta.x / width * span;
        view.x0 -= dx, view.x1 -= dx;
        view.set = true;
    }
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
        view.set = false;
    }
    if (view.x1 - view.x0 < 1) { // no closer than a day
        const double mid = (view.x0 + view.x1) / 2;
        view.x0 = mid - 0.5, view.x1 = mid + 0.5;
    }
}

void draw_axes(ImDrawList* draw, const Frame& f, ImVec2 origin, const std::string& unit) {
    char text[32];
    const double ystep = f.log_y ? 1 : tick_step(f.y1 - f.y0, 4);
    for (double y = std::ceil(f.y0 / ystep) * ystep; y <= f.y1 + 1e-9; y += ystep) {
        const float py = f.b.y - float((y - f.y0) / (f.y1 - f.y0)) * (f.b.y - f.a.y);
        draw->AddLine(ImVec2(f.a.x, py), ImVec2(f.b.x, py), faint);
        label(text, sizeof text, f.log_y ? std::pow(10.0, y) : y);
        draw->AddText(ImVec2(origin.x + 2, py - 7), grey, text);
    }
    const double xstep = tick_step(f.x1 - f.x0, 6);
    for (double x = std::ceil(f.x0 / xstep) * xstep; x <= f.x1 + 1e-9; x += xstep) {
        const float px = f.a.x + float((x - f.x0) / (f.x1 - f.x0)) * (f.b.x - f.a.x);
        draw->AddLine(ImVec2(px, f.b.y), ImVec2(px, f.b.y + 4), grey);
        label(text, sizeof text, x);
        draw->AddText(ImVec2(px - 8, f.b.y + 3), grey, text);
    }
    draw->AddRect(f.a, f.b, IM_COL32(120, 120, 120, 255));
    // The units: y's in the plot's top left corner, x's (days) under the ticks, at the right.
    const std::string y_unit = unit + (f.log_y ? " (log scale)" : "");
    draw->AddText(ImVec2(f.a.x + 4, f.a.y + 2), grey, y_unit.c_str());
    const float day_width = ImGui::CalcTextSize("day").x;
    draw->AddText(ImVec2(f.b.x - day_width, f.b.y + 17), grey, "day");
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
        draw->AddText(ImVec2(lx + 16, ly), ink, s.name.c_str());
        ly += tsize.y + 2;
    }
}

/// Hover read-out: the value of each series at the day under the mouse, with the unit.
void draw_readout(ImDrawList* draw, const Frame& f, const std::vector<Series>& series,
                  const std::string& unit) {
    const float mouse = ImGui::GetIO().MousePos.x;
    const double x = f.x0 + (mouse - f.a.x) / (f.b.x - f.a.x) * (f.x1 - f.x0);
    draw->AddLine(ImVec2(mouse, f.a.y), ImVec2(mouse, f.b.y), IM_COL32(100, 100, 100, 160));
    ImGui::BeginTooltip();
    ImGui::Text("day %.0f (%s)", x, unit.c_str());
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

/// A CSV field, quoted when it holds a comma or a quote.
std::string field(const std::string& text) {
    if (text.find_first_of(",\"") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (char c : text) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}
} // namespace

void zoom_all_plots(double x0, double x1) {
    default_view() = std::make_pair(x0, x1);
}

void plot(const PlotAxes& axes, const std::vector<Series>& series, ImVec2 size,
          std::vector<ShownPlot>* shown) {
    ImGui::PushID(axes.title.c_str());
    if (size.x <= 0) {
        size.x = ImGui::GetContentRegionAvail().x;
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("plot", size);
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 end(origin.x + size.x, origin.y + size.y);
    draw->AddRectFilled(origin, end, IM_COL32(250, 250, 250, 255));
    const std::string title = axes.title + " [" + axes.unit + "]";
    draw->AddText(ImVec2(origin.x + 6, origin.y + 2), IM_COL32(20, 20, 20, 255), title.c_str());
    const float left = 48, bottom = 32, top = 20, right = 8;
    Frame frame;
    frame.log_y = axes.log_y;
    frame.a = ImVec2(origin.x + left, origin.y + top);
    frame.b = ImVec2(end.x - right, end.y - bottom);
    fit_days(series, frame);
    const bool fresh = !views().count(ImGui::GetID("view"));
    View& view = views()[ImGui::GetID("view")];
    if (fresh && default_view()) {
        view.set = true, view.x0 = default_view()->first, view.x1 = default_view()->second;
    }
    if (!view.set) {
        view.x0 = frame.x0, view.x1 = frame.x1;
    }
    interact(view, frame, hovered);
    frame.x0 = view.set ? view.x0 : frame.x0, frame.x1 = view.set ? view.x1 : frame.x1;
    fit_values(series, frame);
    draw_axes(draw, frame, origin, axes.unit);
    draw_series(draw, frame, series);
    draw_legend(draw, frame, series);
    if (hovered && frame.any) {
        draw_readout(draw, frame, series, axes.unit);
    }
    if (shown) {
        shown->push_back({axes.title, axes.unit, series, frame.x0, frame.x1});
    }
    ImGui::PopID();
}

bool write_shown_csv(const std::vector<ShownPlot>& shown, const std::string& path) {
    std::ofstream out(path);
    out << "plot,series,unit,day,value\n";
    char number[64];
    auto rows = [&](const ShownPlot& p, const std::string& name, const Series& s,
                    const std::vector<double>& y) {
        for (std::size_t i = 0; i < s.x->size() && i < y.size(); ++i) {
            const double x = (*s.x)[i];
            if (x >= p.x0 - 1e-9 && x <= p.x1 + 1e-9) {
                std::snprintf(number, sizeof number, "%.10g,%.10g", x, y[i]);
                out << field(p.title) << ',' << field(name) << ',' << field(p.unit) << ',' << number
                    << '\n';
            }
        }
    };
    for (const auto& p : shown) {
        for (const auto& s : p.series) {
            const bool pinned = s.faded && !s.low;
            rows(p, s.name + (pinned ? " (pinned)" : ""), s, *s.y);
            if (s.low && s.high) {
                rows(p, s.name + " low", s, *s.low);
                rows(p, s.name + " high", s, *s.high);
            }
        }
    }
    return bool(out.flush());
}

namespace {
/// The value range of the bars' intervals (and 0), a little padded.
std::pair<double, double> bar_range(const std::vector<Bar>& bars) {
    double low = 0, high = 0;
    for (const auto& bar : bars) {
        for (double v : {bar.value, bar.low, bar.high}) {
            if (std::isfinite(v)) {
                low = std::min(low, v), high = std::max(high, v);
            }
        }
    }
    const double pad = std::max(high - low, 1e-9) * 0.05;
    return {low - (low < 0 ? pad : 0), high + pad};
}
} // namespace

void bar_chart(const std::string& title, const std::string& unit, const std::vector<Bar>& bars,
               ImVec2 size) {
    ImGui::PushID(title.c_str());
    if (size.x <= 0) {
        size.x = ImGui::GetContentRegionAvail().x;
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::Dummy(size);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 end(origin.x + size.x, origin.y + size.y);
    draw->AddRectFilled(origin, end, IM_COL32(250, 250, 250, 255));
    const std::string heading = title + " [" + unit + "]";
    draw->AddText(ImVec2(origin.x + 6, origin.y + 2), IM_COL32(20, 20, 20, 255), heading.c_str());
    float label_width = 0;
    for (const auto& bar : bars) {
        label_width = std::max(label_width, ImGui::CalcTextSize(bar.label.c_str()).x);
    }
    Frame f;
    f.a = ImVec2(origin.x + label_width + 16, origin.y + 22);
    f.b = ImVec2(end.x - 12, end.y - 34);
    std::tie(f.x0, f.x1) = bar_range(bars);
    const double step = tick_step(f.x1 - f.x0, 6);
    char text[32];
    for (double x = std::ceil(f.x0 / step) * step; x <= f.x1 + 1e-9; x += step) {
        const float px = f.to_screen(x, 0).x;
        draw->AddLine(ImVec2(px, f.a.y), ImVec2(px, f.b.y), std::abs(x) < step / 2 ? grey : faint);
        label(text, sizeof text, x);
        draw->AddText(ImVec2(px - 8, f.b.y + 3), grey, text);
    }
    draw->AddText(ImVec2(f.b.x - ImGui::CalcTextSize(unit.c_str()).x, f.b.y + 17), grey,
                  unit.c_str());
    const float row = (f.b.y - f.a.y) / float(std::max<std::size_t>(bars.size(), 1));
    for (std::size_t k = 0; k < bars.size(); ++k) {
        const Bar& bar = bars[k];
        const float top = f.a.y + row * float(k), mid = top + row / 2;
        draw->AddText(ImVec2(origin.x + 6, mid - 7), ink, bar.label.c_str());
        if (!std::isfinite(bar.value)) {
            draw->AddText(ImVec2(f.to_screen(0, 0).x + 6, mid - 7), grey, bar.note.c_str());
            continue;
        }
        const ImU32 colour =
            bar.value >= 0 ? IM_COL32(44, 160, 44, 255) : IM_COL32(214, 39, 40, 255);
        const float zero = f.to_screen(0, 0).x, tip = f.to_screen(bar.value, 0).x;
        draw->AddRectFilled(ImVec2(std::min(zero, tip), top + row * 0.2f),
                            ImVec2(std::max(zero, tip), top + row * 0.8f), colour);
        if (std::isfinite(bar.low) && std::isfinite(bar.high)) {
            const float l = f.to_screen(bar.low, 0).x, h = f.to_screen(bar.high, 0).x;
            draw->AddLine(ImVec2(l, mid), ImVec2(h, mid), ink, 1.5f);
            draw->AddLine(ImVec2(l, mid - 5), ImVec2(l, mid + 5), ink, 1.5f);
            draw->AddLine(ImVec2(h, mid - 5), ImVec2(h, mid + 5), ink, 1.5f);
        }
    }
    draw->AddRect(f.a, f.b, IM_COL32(120, 120, 120, 255));
    ImGui::PopID();
}

} // namespace custsim::viz
