#include "explorer.hpp"

#include "custsim/run.hpp"

#include "palette.hpp"

#include "custsim/error.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <random>

namespace custsim::viz {

namespace {

double kpi_value(const Kpis& k, const std::string& name) {
    if (name == "aware")
        return double(k.aware);
    if (name == "considering")
        return k.considering;
    if (name == "customers")
        return double(k.customers);
    if (name == "revenue")
        return k.revenue;
    if (name == "profit")
        return k.profit;
    if (name == "media_cost")
        return k.media_cost;
    if (name == "nps")
        return k.nps;
    if (name == "wom_positive")
        return k.wom_positive;
    if (name == "wom_negative")
        return k.wom_negative;
    return 0;
}

/// Up to `count` customers reached breadth-first from the middle of the population, laid out by
/// a few hundred rounds of a spring embedding.
Neighbourhood sample(const SocialGraph& graph, std::size_t count) {
    Neighbourhood n;
    if (graph.is_mean_field() || graph.num_customers() == 0) {
        return n;
    }
    std::map<std::uint32_t, int> index;
    std::deque<std::uint32_t> queue{graph.num_customers() / 2};
    while (!queue.empty() && n.customers.size() < count) {
        const auto v = queue.front();
        queue.pop_front();
        if (index.count(v)) {
            continue;
        }
        index[v] = int(n.customers.size());
        n.customers.push_back(v);
        for (auto w : graph.neighbours(v)) {
            queue.push_back(w);
        }
    }
    for (std::size_t i = 0; i < n.customers.size(); ++i) {
        for (auto w : graph.neighbours(n.customers[i])) {
            const auto found = index.find(w);
            if (found != index.end() && found->second > int(i)) {
                n.ties.emplace_back(int(i), found->second);
            }
        }
    }
    const std::size_t m = n.customers.size();
    std::mt19937 random(7);
    std::uniform_real_distribution<float> uniform(0, 1);
    n.x.resize(m), n.y.resize(m);
    for (std::size_t i = 0; i < m; ++i) {
        n.x[i] = uniform(random), n.y[i] = uniform(random);
    }
    const float k = 1.0f / std::sqrt(float(std::max<std::size_t>(m, 1)));
    for (int round = 0; round < 200; ++round) {
        std::vector<float> dx(m, 0), dy(m, 0);
        for (std::size_t i = 0; i < m; ++i) {
            for (std::size_t j = i + 1; j < m; ++j) {
                const float ex = n.x[i] - n.x[j], ey = n.y[i] - n.y[j];
                const float d2 = std::max(ex * ex + ey * ey, 1e-6f);
                const float f = k * k / d2;
                dx[i] += ex * f, dy[i] += ey * f, dx[j] -= ex * f, dy[j] -= ey * f;
            }
        }
        for (const auto& [i, j] : n.ties) {
            const float ex = n.x[i] - n.x[j], ey = n.y[i] - n.y[j];
            const float d = std::sqrt(ex * ex + ey * ey) + 1e-6f;
            const float f = d / k;
            dx[i] -= ex * f, dy[i] -= ey * f, dx[j] += ex * f, dy[j] += ey * f;
        }
        const float step = 0.05f * (1 - round / 200.0f) + 0.002f;
        for (std::size_t i = 0; i < m; ++i) {
            const float len = std::sqrt(dx[i] * dx[i] + dy[i] * dy[i]) + 1e-9f;
            n.x[i] += dx[i] / len * std::min(len, step);
            n.y[i] += dy[i] / len * std::min(len, step);
        }
        // Back into the unit square, keeping the shape (no pile-up at the edges).
        const auto [xmin, xmax] = std::minmax_element(n.x.begin(), n.x.end());
        const auto [ymin, ymax] = std::minmax_element(n.y.begin(), n.y.end());
        const float x0 = *xmin, xs = std::max(*xmax - *xmin, 1e-6f);
        const float y0 = *ymin, ys = std::max(*ymax - *ymin, 1e-6f);
        for (std::size_t i = 0; i < m; ++i) {
            n.x[i] = (n.x[i] - x0) / xs, n.y[i] = (n.y[i] - y0) / ys;
        }
    }
    return n;
}

} // namespace

Explorer::~Explorer() {
    stop();
}

void Explorer::open(const std::string& path) {
    path_ = path;
    scenario_ = load_scenario(path);
    if (scenario_.instant()) {
        throw InputError(path + ": the explorer needs a journey scenario (with brands)");
    }
    edited_ = scenario_;
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
        sample_ = sample(*graph_, 300);
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
    record();
}

void Explorer::record() {
    const Kpis& k = simulation_->kpis();
    history_.day.push_back(k.day);
    for (const char* name : plotted) {
        history_.kpi[name].push_back(kpi_value(k, name));
    }
    for (std::size_t c = 0; c < history_.channel_spend.size() && c < k.channel_spend.size(); ++c) {
        history_.channel_spend[c].push_back(k.channel_spend[c]);
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
    const float left = 380;
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(left, height));
    ImGui::Begin("Scenario", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    controls_panel();
    ImGui::Separator();
    levers_panel();
    ImGui::End();
    ImGui::SetNextWindowPos(ImVec2(left, 0));
    ImGui::SetNextWindowSize(ImVec2(width - left, height * 0.68f));
    ImGui::Begin("KPIs", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    plots_panel();
    ImGui::End();
    ImGui::SetNextWindowPos(ImVec2(left, height * 0.68f));
    ImGui::SetNextWindowSize(ImVec2(width - left, height * 0.32f));
    ImGui::Begin("Word of mouth on a piece of the network", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    network_panel();
    ImGui::End();
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
    for (const char* name : plotted) {
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
