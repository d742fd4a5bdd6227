// The explorer's levers panel: each lever's marginal return per currency unit, computed by the
// core's custsim::levers (as `custsim levers`) beside the interface.
#include "custsim/error.hpp"
#include "custsim/results.hpp"
#include "explorer.hpp"
#include "plot.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace custsim::viz {

namespace {
/// The unit of the levers' money: the registry's unit of profit.
std::string money_unit() {
    const Kpi* profit = find_kpi("profit");
    return profit ? profit->unit : "money";
}
} // namespace

void Explorer::start_levers(double days, std::uint32_t replicates) {
    if (levers_future_.valid()) {
        return; // one at a time
    }
    Scenario s = edited_;
    s.days = std::max(s.record_every,
                      std::floor(std::min(s.days, days) / s.record_every) * s.record_every);
    s.replicates = std::max<std::uint32_t>(replicates, 2); // levers' intervals need two
    std::uint32_t runs = 7; // the scenario, agents, training, logistics, level, retention, price
    for (const auto& c : s.channels) {
        runs += std::any_of(s.brands[0].media.begin(), s.brands[0].media.end(),
                            [&](const Flight& f) { return f.channel == c.name; });
    }
    levers_days_ = int(s.days), levers_replicates_ = int(s.replicates); // what the panel says
    levers_total_ = std::max<std::uint32_t>(1, runs * s.replicates * std::uint32_t(s.steps()));
    levers_steps_ = 0;
    levers_cancel_ = false;
    char about[160];
    std::snprintf(about, sizeof about, "%s, %g days, %u replicates, each lever moved a step",
                  s.name.c_str(), s.days, s.replicates);
    levers_about_ = about;
    const int threads = int(std::max(1u, std::thread::hardware_concurrency()) - 1);
    levers_future_ = std::async(std::launch::async, [this, s, threads] {
        return levers(s, std::max(threads, 1), [this](std::uint32_t, double) {
            ++levers_steps_;
            return !levers_cancel_.load();
        });
    });
    message_ = "computing the levers' returns beside the interface...";
}

void Explorer::take_levers() {
    if (!levers_future_.valid() ||
        levers_future_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return;
    }
    try {
        levers_ = levers_future_.get();
        message_ = "levers computed: " + levers_about_;
    } catch (const std::exception& e) {
        message_ = std::string("levers: ") + e.what();
    }
}

void Explorer::run_levers_now(double days, std::uint32_t replicates) {
    start_levers(days, replicates);
    if (levers_future_.valid()) {
        levers_future_.wait();
    }
    take_levers();
}

void Explorer::load_optimum(const std::string& path) {
    const auto arrays = read_arrays(path, {"/optimum/allocation", "/current/allocation", "/gain",
                                           "/marginal/mean", "/marginal/low", "/marginal/high"});
    OptimumView view;
    view.path = path;
    view.objective = read_text_attribute(path, "objective");
    std::istringstream names(read_text_attribute(path, "levers"));
    for (std::string name; std::getline(names, name);) {
        view.levers.push_back(name);
    }
    view.best = arrays.at("/optimum/allocation").values;
    view.current = arrays.at("/current/allocation").values;
    view.marginal = arrays.at("/marginal/mean").values;
    view.marginal_low = arrays.at("/marginal/low").values;
    view.marginal_high = arrays.at("/marginal/high").values;
    const auto& gain = arrays.at("/gain").values;
    if (view.levers.empty() || view.best.size() != view.levers.size() ||
        view.current.size() != view.levers.size() || gain.size() != 3 ||
        view.marginal.size() != view.levers.size()) {
        throw InputError(path + ": not a custsim optimise file (its levers and allocations do "
                                "not match)");
    }
    view.gain = gain[0], view.gain_low = gain[1], view.gain_high = gain[2];
    view.budget = std::stod(read_text_attribute(path, "budget"));
    optimum_ = view;
}

void Explorer::optimum_view(float height) {
    if (!optimum_) {
        ImGui::SetNextItemWidth(400);
        ImGui::InputText("custsim optimise file", optimum_path_, sizeof optimum_path_);
        ImGui::SameLine();
        if (ImGui::Button("Show optimum")) {
            try {
                load_optimum(optimum_path_);
            } catch (const std::exception& e) {
                message_ = e.what();
            }
        }
        return;
    }
    const auto& o = *optimum_;
    const std::string unit = money_unit();
    ImGui::Text("Optimum (%s): %s, budget %s over the horizon; gain over the current plan %s "
                "[%s, %s] %s (paired, 95 %%)",
                o.path.c_str(), o.objective.c_str(), format_readable(o.budget, 0).c_str(),
                format_readable(o.gain, 0).c_str(), format_readable(o.gain_low, 0).c_str(),
                format_readable(o.gain_high, 0).c_str(), unit.c_str());
    std::vector<Bar> money, marginal;
    for (std::size_t k = 0; k < o.levers.size(); ++k) {
        money.push_back({o.levers[k] + " (plan " + format_readable(o.current[k], 0) + ")", "",
                         o.best[k], std::min(o.best[k], o.current[k]),
                         std::max(o.best[k], o.current[k])});
        marginal.push_back({o.levers[k], "", o.marginal[k], o.marginal_low[k], o.marginal_high[k]});
    }
    const ImVec2 half((ImGui::GetContentRegionAvail().x - 8) / 2, height);
    bar_chart("Optimum: money per lever (whisker: from the current plan)", unit, money, half);
    ImGui::SameLine();
    bar_chart("Marginal return at the optimum (95 % interval)", o.objective + " per " + unit,
              marginal, half);
}

void Explorer::lever_returns_buttons() {
    ImGui::SetNextItemWidth(120);
    ImGui::InputInt("days", &levers_days_, 10, 30);
    levers_days_ = std::clamp(levers_days_, 1, int(scenario_.days));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(120);
    ImGui::InputInt("replicates", &levers_replicates_, 1, 1);
    levers_replicates_ = std::clamp(levers_replicates_, 2, 50);
    ImGui::SameLine();
    if (levers_future_.valid()) {
        if (ImGui::Button("Cancel")) {
            levers_cancel_ = true;
        }
        ImGui::SameLine();
        const float done = float(levers_steps_.load()) / float(levers_total_);
        ImGui::ProgressBar(std::min(done, 1.0f), ImVec2(-1, 0));
    } else if (ImGui::Button("Compute levers")) {
        start_levers(levers_days_, std::uint32_t(levers_replicates_));
    }
}

void Explorer::lever_returns_panel() {
    take_levers();
    lever_returns_buttons();
    if (!levers_) {
        ImGui::TextWrapped(
            "\"Compute levers\" moves each of the focal brand's levers a small step (every "
            "channel +10 %% spend, agents +10 %%, training, logistics, service level and "
            "retention +0.1, price -1 %%) against the edited scenario with the same seed, as "
            "`custsim levers` does, and shows the profit each adds per currency unit put in. "
            "Below: a `custsim optimise` result, the allocation against the current plan.");
        optimum_view(std::max(120.0f, ImGui::GetContentRegionAvail().y - 40));
        return;
    }
    ImGui::Text("%s", levers_about_.c_str());
    const float third = (ImGui::GetContentRegionAvail().y - 40) / (optimum_ ? 3.0f : 2.0f);
    optimum_view(third);
    std::vector<Bar> per_unit, profit;
    for (const auto& row : *levers_) {
        const std::string label = row.lever + " (" + row.step + ")";
        per_unit.push_back({label, "no cost in this scenario: see its profit below",
                            row.per_unit.mean, row.per_unit.low, row.per_unit.high});
        profit.push_back({label, "", row.profit.mean, row.profit.low, row.profit.high});
    }
    const float h = optimum_ ? third : (ImGui::GetContentRegionAvail().y - 8) / 2;
    const std::string unit = money_unit();
    bar_chart("Marginal return: profit per currency unit put in, net of it (> 0: the step pays; "
              "95 % interval)",
              unit + " per " + unit, per_unit, ImVec2(-1, h));
    bar_chart("Profit change of the step, its own cost included (95 % interval)", unit, profit,
              ImVec2(-1, h));
}

bool Explorer::write_levers_csv(const std::string& path) const {
    std::ofstream out(path);
    out << "lever,step,measure,unit,mean,low,high\n";
    const std::string unit = money_unit();
    if (optimum_) { // step "optimum": the allocation, the current plan's, the marginal return
        const auto& o = *optimum_;
        for (std::size_t k = 0; k < o.levers.size(); ++k) {
            char numbers[200];
            std::snprintf(numbers, sizeof numbers,
                          "optimum_allocation,%s,%.10g,%.10g,%.10g\n%s,optimum,"
                          "current_allocation,%s,%.10g,%.10g,%.10g\n",
                          unit.c_str(), o.best[k], o.best[k], o.best[k], o.levers[k].c_str(),
                          unit.c_str(), o.current[k], o.current[k], o.current[k]);
            out << o.levers[k] << ",optimum," << numbers << o.levers[k]
                << ",optimum,marginal_return," << o.objective << " per " << unit << ','
                << o.marginal[k] << ',' << o.marginal_low[k] << ',' << o.marginal_high[k] << '\n';
        }
    }
    if (!levers_) {
        return bool(out.flush());
    }
    for (const auto& row : *levers_) {
        const std::pair<const char*, const Difference*> measures[] = {
            {"cost", &row.cost}, {"profit", &row.profit}, {"profit_per_unit", &row.per_unit}};
        for (const auto& [measure, d] : measures) {
            char numbers[96];
            std::snprintf(numbers, sizeof numbers, "%.10g,%.10g,%.10g", d->mean, d->low, d->high);
            const std::string u = d == &row.per_unit ? unit + " per " + unit : unit;
            out << row.lever << ',' << row.step << ',' << measure << ',' << u << ',' << numbers
                << '\n';
        }
    }
    return bool(out.flush());
}

} // namespace custsim::viz
