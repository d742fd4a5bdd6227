#include "explorer.hpp"

#include "plot.hpp"

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

const char* plotted[] = {"aware",      "considering", "customers",    "revenue",     "profit",
                         "media_cost", "nps",         "wom_positive", "wom_negative"};
constexpr ImU32 palette[] = {IM_COL32(31, 119, 180, 255),  IM_COL32(255, 127, 14, 255),
                             IM_COL32(44, 160, 44, 255),   IM_COL32(214, 39, 40, 255),
                             IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
                             IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255)};
constexpr ImU32 stage_colour[] = {IM_COL32(200, 200, 200, 255), IM_COL32(120, 170, 230, 255),
                                  IM_COL32(250, 170, 60, 255), IM_COL32(40, 160, 60, 255),
                                  IM_COL32(200, 40, 40, 255)};
const char* stage_name[] = {"unaware", "aware", "considering", "customer", "lapsed"};

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
    const bool same_graph = graph_ && to_yaml(Scenario{}).size() > 0 &&
                            s.customers == scenario_.customers &&
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
    spend_.assign(scenario_.channels.size(), 0.0);
    for (const auto& flight : scenario_.brands[0].media) {
        for (std::size_t c = 0; c < scenario_.channels.size(); ++c) {
            if (scenario_.channels[c].name == flight.channel && flight.from <= 0) {
                spend_[c] += flight.spend_per_day;
            }
        }
    }
    spend_changed_ = false;
    shown_spend_ = spend_;
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
    const auto& stage = simulation_->customers().stage;
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
    while (simulation_->day() + 1e-9 < std::min(days, scenario_.days)) {
        step_locked();
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

void Explorer::loop() {
    using clock = std::chrono::steady_clock;
    auto next = clock::now();
    while (!quit_) {
        if (!playing_) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            next = clock::now();
            continue;
        }
        {
            std::lock_guard guard(lock_);
            if (simulation_->day() + 1e-9 >= scenario_.days) {
                playing_ = false;
                continue;
            }
            step_locked();
        }
        // Leave the lock free a moment: std::mutex is not fair, and the frame loop waits on it.
        std::this_thread::sleep_for(std::chrono::microseconds(300));
        const int rate = days_per_second_;
        if (rate < 1000) {
            next += std::chrono::microseconds(1000000 / std::max(rate, 1));
            std::this_thread::sleep_until(next);
        }
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

void Explorer::levers_panel() {
    ImGui::TextUnformatted("Focal brand's media, per day (live)");
    double total = 0;
    for (std::size_t c = 0; c < shown_spend_.size(); ++c) {
        float value = float(shown_spend_[c]);
        if (ImGui::SliderFloat(scenario_.channels[c].name.c_str(), &value, 0, 500, "%.0f a day")) {
            shown_spend_[c] = value;
            std::lock_guard guard(lock_);
            spend_ = shown_spend_;
            spend_changed_ = true;
        }
        total += shown_spend_[c];
    }
    // The total: scales every channel's spend, keeping the mix.
    float wanted = float(total);
    if (ImGui::SliderFloat("total budget", &wanted, 0, 2000, "%.0f a day") && total > 0) {
        for (auto& spend : shown_spend_) {
            spend *= wanted / total;
        }
        std::lock_guard guard(lock_);
        spend_ = shown_spend_;
        spend_changed_ = true;
    }
    ImGui::Separator();
    ImGui::TextUnformatted("Levers (apply restarts the run)");
    auto& focal = edited_.brands[0];
    float price = float(focal.price), agents = float(focal.service.agents),
          quality = float(focal.service.quality);
    if (ImGui::SliderFloat("price", &price, 1, 50, "%.1f a purchase"))
        focal.price = price;
    if (ImGui::SliderFloat("call-centre agents", &agents, 0, 20, "%.1f agents"))
        focal.service.agents = agents;
    if (ImGui::SliderFloat("complaint handling quality", &quality, 0, 1, "%.2f"))
        focal.service.quality = quality;
    int level = int(edited_.personalisation.level), consent = int(edited_.personalisation.consent);
    const char* levels[] = {"none", "segment", "individual"};
    const char* consents[] = {"ask", "assume"};
    if (ImGui::Combo("personalisation", &level, levels, 3))
        edited_.personalisation.level = PersonalisationLevel(level);
    if (ImGui::Combo("consent", &consent, consents, 2))
        edited_.personalisation.consent = ConsentStrategy(consent);
    int ambassadors = int(edited_.ambassadors.count);
    if (ImGui::SliderInt("ambassadors", &ambassadors, 0, 1000, "%d customers"))
        edited_.ambassadors.count = ambassadors;
    float degree = float(edited_.graph.mean_degree);
    if (ImGui::SliderFloat("graph mean degree", &degree, 2, 40, "%.0f ties"))
        edited_.graph.mean_degree = 2 * std::round(degree / 2);
    if (ImGui::Button("Run 5 replicates")) {
        if (!batch_future_.valid()) {
            Scenario s = edited_;
            s.replicates = 5;
            batch_future_ = std::async(std::launch::async, [s] { return run_scenario(s, 1); });
            message_ = "running 5 replicates beside the interface...";
        }
    }
    ImGui::SameLine();
    if (ImGui::Button("Export HDF5")) {
        if (batch_) {
            const std::string out = scenario_.name + "_explored.h5";
            try {
                export_batch(out);
                message_ = "exported the batch to " + out;
            } catch (const std::exception& e) {
                message_ = e.what();
            }
        } else {
            message_ = "run a batch of replicates first; its results are what is exported";
        }
    }
    if (ImGui::Button("Apply and restart")) {
        try {
            validate(edited_);
            playing_ = false;
            std::lock_guard guard(lock_);
            reset(edited_);
            message_ = "applied";
        } catch (const std::exception& e) {
            message_ = e.what();
        }
    }
    ImGui::SameLine();
    if (ImGui::Button("Save YAML")) {
        const std::string out = scenario_.name + "_explored.yaml";
        std::ofstream(out) << to_yaml(edited_);
        message_ = "saved " + out;
    }
    if (!message_.empty()) {
        ImGui::TextWrapped("%s", message_.c_str());
    }
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

void Explorer::network_panel() {
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
