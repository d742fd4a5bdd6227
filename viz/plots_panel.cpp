// The explorer's plot panels: funnel and money, service, brands, policies.
#include "explorer.hpp"
#include "palette.hpp"
#include "plot.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace custsim::viz {

/// The lines of a plot of registered scalar KPIs, legends their labels: the pinned run (faded),
/// the batch's mean and band, and the live run.
std::vector<Series> Explorer::kpi_series(const std::vector<const Kpi*>& kpis) {
    std::vector<Series> out;
    int colour = 0;
    for (const Kpi* kpi : kpis) {
        const std::string name = kpi->name, label = kpi->label;
        if (has_pin_) {
            out.push_back({label, palette[colour % 8], &pinned_.day, &pinned_.kpi[name], true});
        }
        if (batch_ && band_mean_.kpi.count(name)) {
            Series band{label + " (replicates)", palette[colour % 8], &band_mean_.day,
                        &band_mean_.kpi[name], true};
            band.low = &band_low_.kpi[name];
            band.high = &band_high_.kpi[name];
            out.push_back(band);
        }
        out.push_back({label, palette[colour % 8], &shown_.day, &shown_.kpi[name]});
        ++colour;
    }
    return out;
}

void Explorer::plots_panel() {
    take_batch();
    ImGui::SameLine();
    ImGui::Checkbox("funnel on a log scale", &log_funnel_);
    const float w = (ImGui::GetContentRegionAvail().x - 8) / 2;
    const float h = (ImGui::GetContentRegionAvail().y - 12) / 3;
    for (std::size_t p = 0; p < funnel_plots_.size(); ++p) {
        const auto& group = funnel_plots_[p];
        const PlotAxes axes{group.title, group.kpis[0]->unit, p == 0 && log_funnel_};
        plot(axes, kpi_series(group.kpis), ImVec2(w, h), &shown_plots_);
        if (p % 2 == 0) {
            ImGui::SameLine();
        }
    }
    std::vector<Series> spend;
    for (std::size_t c = 0; c < shown_.channel_spend.size(); ++c) {
        spend.push_back(
            {scenario_.channels[c].name, palette[c % 8], &shown_.day, &shown_.channel_spend[c]});
    }
    const Kpi* channel_spend = find_kpi("spend", KpiPer::channel);
    plot({"Spend by channel (cumulative)", channel_spend ? channel_spend->unit : "money"}, spend,
         ImVec2(w, h), &shown_plots_);
    ImGui::SameLine();
    difference_table(ImVec2(w, h));
}

void Explorer::difference_table(ImVec2 size) {
    ImGui::BeginChild("difference", size);
    if (has_pin_ && !pinned_.day.empty() && !shown_.day.empty()) {
        ImGui::Text("Now against the pinned run, at day %.0f", shown_.day.back());
        for (const auto& group : funnel_plots_) {
            for (const Kpi* kpi : group.kpis) {
                const auto& now = shown_.kpi[kpi->name];
                const auto& then = pinned_.kpi[kpi->name];
                const std::size_t i = std::min(now.size(), then.size()) - 1;
                ImGui::Text("%-24s %12s  %+12.4g %s", kpi->label, format_kpi(*kpi, now[i]).c_str(),
                            now[i] - then[i], kpi->unit);
            }
        }
    } else {
        ImGui::TextWrapped("Pin a run, change a lever, and the plots overlay the pinned run "
                           "(faded) with the differences here.");
    }
    ImGui::EndChild();
}

void Explorer::service_panel() {
    take_batch();
    const std::size_t n = service_plots_.size();
    const std::size_t rows = (n + 1) / 2;
    const float w = (ImGui::GetContentRegionAvail().x - 8) / 2;
    const float h = (ImGui::GetContentRegionAvail().y - 4 * float(rows)) / float(rows);
    for (std::size_t p = 0; p < n; ++p) {
        const auto& group = service_plots_[p];
        plot({group.title, group.kpis[0]->unit}, kpi_series(group.kpis), ImVec2(w, h),
             &shown_plots_);
        if (p % 2 == 0 && p + 1 < n) {
            ImGui::SameLine();
        }
    }
}

void Explorer::brands_panel() {
    const std::vector<std::string> brands = kpi_items(scenario_, KpiPer::brand);
    const float h = (ImGui::GetContentRegionAvail().y - 8 * float(brand_kpis_.size())) /
                    float(std::max<std::size_t>(brand_kpis_.size(), 1));
    for (const Kpi* kpi : brand_kpis_) {
        std::vector<Series> lines;
        auto& per_brand = shown_.brand[kpi->name];
        for (std::size_t b = 0; b < per_brand.size() && b < brands.size(); ++b) {
            lines.push_back({brands[b], palette[b % 8], &shown_.day, &per_brand[b]});
        }
        const std::string title =
            std::string("Per brand: ") + kpi->label + " (" + kpi->description + ")";
        plot({title, kpi->unit}, lines, ImVec2(-1, h), &shown_plots_);
    }
}

void Explorer::daily_spend() {
    const auto& day = shown_.day;
    daily_spend_day_.assign(day.begin(), day.empty() ? day.end() : day.end() - 1);
    daily_spend_.assign(shown_.channel_spend.size(), {});
    for (std::size_t c = 0; c < shown_.channel_spend.size(); ++c) {
        const auto& total = shown_.channel_spend[c];
        for (std::size_t p = 1; p < total.size() && p < day.size(); ++p) {
            daily_spend_[c].push_back((total[p] - total[p - 1]) / (day[p] - day[p - 1]));
        }
    }
}

namespace {
constexpr const char* policy_kind_names[] = {"reallocate", "bandit", "retarget", "follow_up",
                                             "win_back"};

/// "bandit every 7 days, retarget on social, ...": the scenario's policies in a line.
std::string policies_line(const Scenario& s) {
    std::string line;
    for (const Policy& p : s.policies) {
        line += line.empty() ? "" : ", ";
        line += policy_kind_names[int(p.kind)];
        if (p.kind == PolicyKind::bandit || p.kind == PolicyKind::reallocate) {
            line += " every " + std::to_string(std::lround(p.every_days)) + " days";
        } else if (p.kind == PolicyKind::retarget) {
            line += " on " + p.channel;
        }
    }
    return line.empty() ? "no policies: in this scenario: the spend is the plan's" : line;
}
} // namespace

/// The spend per day per channel over time (what a budget policy decides) above, the KPIs of the
/// scenario's policies (triggers fired, their cost) below, two a row.
void Explorer::policies_panel() {
    take_batch();
    ImGui::SameLine();
    ImGui::TextDisabled("| %s", policies_line(scenario_).c_str());
    daily_spend();
    const std::size_t n = policy_plots_.size(), rows = (n + 1) / 2;
    const float width = ImGui::GetContentRegionAvail().x;
    const float height = ImGui::GetContentRegionAvail().y;
    const float top = n == 0 ? height : 0.4f * height;
    std::vector<Series> spend;
    for (std::size_t c = 0; c < daily_spend_.size(); ++c) {
        const auto& total = shown_.channel_spend[c];
        if (!total.empty() && total.back() > 0) { // channels the brand spends on
            spend.push_back(
                {scenario_.channels[c].name, palette[c % 8], &daily_spend_day_, &daily_spend_[c]});
        }
    }
    const Kpi* channel_spend = find_kpi("spend", KpiPer::channel);
    const std::string unit =
        std::string(channel_spend ? channel_spend->unit : "money") + " per day";
    plot({"Spend per day by channel (focal brand)", unit}, spend, ImVec2(-1, top), &shown_plots_);
    const float w = (width - 8) / 2;
    const float h = (height - top - 4 * float(rows + 1)) / float(std::max<std::size_t>(rows, 1));
    for (std::size_t p = 0; p < n; ++p) {
        const auto& group = policy_plots_[p];
        plot({group.title, group.kpis[0]->unit}, kpi_series(group.kpis), ImVec2(w, h),
             &shown_plots_);
        if (p % 2 == 0 && p + 1 < n) {
            ImGui::SameLine();
        }
    }
}

} // namespace custsim::viz
