#include "explorer.hpp"

#include "custsim/run.hpp"

#include "palette.hpp"

#include "custsim/error.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>

namespace custsim::viz {

namespace {

/// A registered scalar journey KPI, or an error naming it.
const Kpi* journey_kpi(const char* name, KpiPer per = KpiPer::scalar) {
    const Kpi* kpi = find_kpi(name, per);
    const bool readable =
        kpi && (per == KpiPer::scalar ? kpi->value != nullptr : bool(kpi->values));
    if (!readable || !kpi->in(true)) {
        throw InputError(std::string("the explorer plots '") + name + "' (" + to_string(per) +
                         "), which is not a registered journey KPI (custsim kpis)");
    }
    return kpi;
}

/// The funnel panel's plots: kpi_plots, checked against the registry.
std::vector<KpiGroupPlot> funnel_plots() {
    std::vector<KpiGroupPlot> out;
    for (const auto& plot : kpi_plots) {
        KpiGroupPlot p{plot.title, {}};
        for (const char* name : plot.kpis) {
            if (name) {
                p.kpis.push_back(journey_kpi(name));
            }
        }
        out.push_back(p);
    }
    return out;
}

/// A flow is cumulative: its plot says so.
std::string plot_title(const std::string& name, const Kpi& kpi) {
    std::string title = name;
    if (!title.empty() && title[0] >= 'a' && title[0] <= 'z') {
        title[0] = char(title[0] - 'a' + 'A');
    }
    return kpi.kind == KpiKind::flow ? title + " (cumulative)" : title;
}

/// Plots of the registry's scalar journey KPIs that `wanted` picks and that can move in `s` (a
/// KPI of policies only with one of them: Kpi::moves_in), one plot per unit and kind (a level
/// apart from cumulative flows); a plot of one KPI is named after it.
template <class Wanted> std::vector<KpiGroupPlot> plots_by_unit(const Scenario& s, Wanted wanted) {
    std::vector<KpiGroupPlot> out;
    std::map<std::string, std::size_t> by_unit;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.per != KpiPer::scalar || !kpi.value || !kpi.in(true) || !kpi.moves_in(s) ||
            !wanted(kpi)) {
            continue;
        }
        const std::string unit_kind = std::string(kpi.unit) + "/" + to_string(kpi.kind);
        const auto [at, fresh] = by_unit.emplace(unit_kind, out.size());
        if (fresh) {
            out.push_back({plot_title(kpi.unit, kpi), {}});
        }
        out[at->second].kpis.push_back(&kpi);
    }
    for (auto& plot : out) {
        if (plot.kpis.size() == 1) {
            plot.title = plot_title(plot.kpis[0]->label, *plot.kpis[0]);
        }
    }
    return out;
}

/// The service panel's plots: the service group's KPIs by unit, then service_extra_kpis one each.
std::vector<KpiGroupPlot> service_plots(const Scenario& s) {
    auto out = plots_by_unit(s, [](const Kpi& kpi) { return kpi.group == KpiGroup::service; });
    for (const char* name : service_extra_kpis) {
        const Kpi* kpi = journey_kpi(name);
        out.push_back({plot_title(kpi->label, *kpi), {kpi}});
    }
    return out;
}

/// The policies panel's KPI plots: every KPI of the scenario's policies (triggers fired, their
/// cost), one plot each: retargeting touches outnumber the other triggers a hundredfold.
std::vector<KpiGroupPlot> policy_plots(const Scenario& s) {
    std::vector<KpiGroupPlot> out;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.policies != 0 && kpi.per == KpiPer::scalar && kpi.value && kpi.moves_in(s)) {
            out.push_back({plot_title(kpi.label, kpi), {&kpi}});
        }
    }
    return out;
}

} // namespace

Explorer::~Explorer() {
    stop();
    levers_cancel_ = true; // the levers' thread reads members: wait for it here
    if (levers_future_.valid()) {
        levers_future_.wait();
    }
}

void Explorer::open(const std::string& path, const std::vector<std::string>& overrides) {
    path_ = path;
    scenario_ = load_scenario(path, overrides);
    if (scenario_.instant()) {
        throw InputError(path + ": the explorer needs a journey scenario (with brands)");
    }
    edited_ = scenario_;
    funnel_plots_ = funnel_plots();
    service_plots_ = service_plots(scenario_);
    policy_plots_ = policy_plots(scenario_);
    plotted_.clear();
    for (const auto* plots : {&funnel_plots_, &service_plots_, &policy_plots_}) {
        for (const auto& plot : *plots) {
            for (const Kpi* kpi : plot.kpis) {
                if (std::find(plotted_.begin(), plotted_.end(), kpi) == plotted_.end()) {
                    plotted_.push_back(kpi);
                }
            }
        }
    }
    brand_kpis_.clear();
    for (const char* name : brand_plot_kpis) {
        brand_kpis_.push_back(journey_kpi(name, KpiPer::brand));
    }
    read_choices();
    std::lock_guard guard(lock_);
    reset(scenario_);
}

void Explorer::reset(const Scenario& s) {
    const bool same_graph = graph_ && s.customers == scenario_.customers &&
                            s.graph.kind == scenario_.graph.kind &&
                            s.graph.mean_degree == scenario_.graph.mean_degree &&
                            s.graph.rewire == scenario_.graph.rewire && s.seed == scenario_.seed;
    scenario_ = s;
    if (!same_graph) {
        graph_ = build_graph(scenario_);
        sample_ = sample_neighbourhood(*graph_, 300);
    }
    // One core fewer than the machine has: the interface (and a software renderer) needs one.
    const int threads = int(std::max(1u, std::thread::hardware_concurrency()) - 1);
    simulation_ = std::make_unique<Simulation>(scenario_, graph_, 0, std::max(threads, 1));
    spend_ = simulation_->planned_spend(simulation_->day()); // the levers start at the plan
    spend_changed_ = false;
    shown_spend_ = spend_;
    ++generation_;
    history_ = History{};
    history_.channel_spend.assign(scenario_.channels.size(), {});
    for (const Kpi* kpi : brand_kpis_) {
        history_.brand[kpi->name].assign(scenario_.brands.size(), {});
    }
    record();
}

void Explorer::record() {
    const Kpis& k = simulation_->kpis();
    history_.day.push_back(k.day);
    for (const Kpi* kpi : plotted_) {
        history_.kpi[kpi->name].push_back(kpi->value(k));
    }
    for (std::size_t c = 0; c < history_.channel_spend.size() && c < k.channel_spend.size(); ++c) {
        history_.channel_spend[c].push_back(k.channel_spend[c]);
    }
    for (const Kpi* kpi : brand_kpis_) {
        const std::vector<double>& values = k.*(kpi->values);
        auto& brands = history_.brand[kpi->name];
        for (std::size_t b = 0; b < brands.size() && b < values.size(); ++b) {
            brands[b].push_back(values[b]);
        }
    }
    const auto stage = simulation_->column("stage").as<std::uint8_t>();
    sample_stage_.resize(sample_.customers.size());
    for (std::size_t i = 0; i < sample_.customers.size(); ++i) {
        sample_stage_[i] = stage[sample_.customers[i]];
    }
}

void Explorer::step_locked() {
    if (spend_changed_) {
        simulation_->set_focal_spend(spend_);
        spend_changed_ = false;
    }
    simulation_->step();
    record();
}

void Explorer::run_now(double days) {
    std::lock_guard guard(lock_);
    const double until = std::min(days, scenario_.days);
    const auto steps = std::uint64_t(std::llround(std::max(until, 0.0) / scenario_.dt));
    if (steps > simulation_->step_index()) {
        RunHooks hooks;
        hooks.record = [this](std::size_t point) {
            if (point > 0) { // day 0 was recorded by reset
                record();
            }
        };
        run_loop(*simulation_, 0, steps, 1, hooks);
    }
}

double Explorer::day() {
    std::lock_guard guard(lock_);
    return simulation_->day();
}

void Explorer::run_batch_now(std::uint32_t replicates) {
    Scenario s = edited_;
    s.replicates = replicates;
    s.days = std::min(s.days, std::max(1.0, simulation_->day()));
    s.days = std::floor(s.days / s.record_every) * s.record_every;
    batch_future_ = std::async(std::launch::async, [s] { return run_scenario(s, 0); });
    batch_future_.wait();
    take_batch();
}

bool Explorer::export_batch(const std::string& path) {
    if (!batch_) {
        return false;
    }
    write_results(*batch_, path);
    return true;
}

void Explorer::start() {
    thread_ = std::thread([this] { loop(); });
}

void Explorer::stop() {
    quit_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

// The simulation thread steps the current simulation through the core's run loop: the observer
// waits for play, takes the lock and applies the levers before each step; the record hook
// records and lets the lock go. A reset (a new generation) or quitting ends that run loop.
void Explorer::loop() {
    while (!quit_) {
        Simulation* simulation = nullptr;
        std::uint64_t generation = 0, steps = 0;
        {
            std::lock_guard guard(lock_);
            simulation = simulation_.get();
            generation = generation_;
            steps = scenario_.steps();
        }
        RunHooks hooks;
        hooks.observer = {scenario_.dt,
                          [&](std::uint32_t, Simulation&) { return take_turn(generation); }};
        hooks.record = [this](std::size_t point) {
            if (point > 0) {
                end_turn();
            }
        };
        run_loop(*simulation, 0, steps, 1, hooks);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool Explorer::take_turn(std::uint64_t generation) {
    while (!quit_) {
        std::unique_lock turn(lock_);
        if (generation_ != generation) {
            return false; // reset: this simulation is gone
        }
        if (simulation_->day() + 1e-9 >= scenario_.days) {
            playing_ = false;
            return false;
        }
        if (playing_) {
            if (spend_changed_) {
                simulation_->set_focal_spend(spend_);
                spend_changed_ = false;
            }
            turn_ = std::move(turn); // held through the step, released by end_turn
            return true;
        }
        turn.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

void Explorer::end_turn() {
    record();
    turn_.unlock();
    // Leave the lock free a moment: std::mutex is not fair, and the frame loop waits on it.
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    const int rate = days_per_second_;
    const auto now = std::chrono::steady_clock::now();
    if (next_ < now - std::chrono::milliseconds(100)) {
        next_ = now; // after a pause, do not race to catch up
    }
    if (rate < 1000) {
        next_ += std::chrono::microseconds(1000000 / std::max(rate, 1));
        std::this_thread::sleep_until(next_);
    }
}

void Explorer::draw(float width, float height) {
    {
        // The lock is held only to copy what the panels show; the simulation steps meanwhile.
        std::lock_guard guard(lock_);
        shown_ = history_;
        shown_stage_ = sample_stage_;
        shown_day_ = simulation_->day();
    }
    const float left = 400;
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(left, height));
    ImGui::Begin("Scenario", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    controls_panel();
    ImGui::Separator();
    levers_panel();
    ImGui::End();
    panels(width - left, height);
}

void Explorer::take_batch() {
    if (!batch_future_.valid() ||
        batch_future_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return;
    }
    try {
        batch_ = batch_future_.get();
    } catch (const std::exception& e) {
        message_ = e.what();
        return;
    }
    message_ = "5 replicates done: the plots show their mean and range";
    const Results& r = *batch_;
    band_mean_ = band_low_ = band_high_ = History{};
    band_mean_.day = band_low_.day = band_high_.day = r.time;
    for (const Kpi* kpi : plotted_) {
        const std::string name = kpi->name;
        const auto found = r.timeseries.find(name);
        if (found == r.timeseries.end()) {
            continue;
        }
        const std::size_t P = r.points();
        auto& mean = band_mean_.kpi[name];
        auto& low = band_low_.kpi[name];
        auto& high = band_high_.kpi[name];
        mean.assign(P, 0), low.assign(P, 1e300), high.assign(P, -1e300);
        for (std::uint32_t k = 0; k < r.replicates; ++k) {
            for (std::size_t p = 0; p < P; ++p) {
                const double v = found->second[k * P + p];
                mean[p] += v / r.replicates;
                low[p] = std::min(low[p], v);
                high[p] = std::max(high[p], v);
            }
        }
    }
}

} // namespace custsim::viz
