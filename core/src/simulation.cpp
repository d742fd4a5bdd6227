#include "custsim/simulation.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/run.hpp"
#include "models.hpp"
#include "parallel.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <omp.h>

namespace custsim {

std::vector<std::uint32_t> Model::pick_seeds(std::uint64_t count, SeedRule rule,
                                             Process process) const {
    const SocialGraph& graph = *graph_;
    const std::uint32_t n = graph.num_customers();
    const std::uint64_t wanted = std::min<std::uint64_t>(n, count);
    if (wanted == 0) {
        return {};
    }
    // Ranked by the rule's score, ties (and the random rule) broken by a draw per customer,
    // so replicates differ among equals but a run is the same on any thread count.
    std::vector<double> score(n, 0.0);
    switch (rule) {
    case SeedRule::random:
        break;
    case SeedRule::degree:
        for (std::uint32_t v = 0; v < n; ++v) {
            score[v] = graph.degree(v);
        }
        break;
    case SeedRule::pagerank:
        score = graph.page_rank();
        break;
    case SeedRule::core_number: {
        const auto core = graph.core_numbers();
        std::copy(core.begin(), core.end(), score.begin());
        break;
    }
    }
    std::vector<double> tie_break(n);
    parallel_for(n, [&](std::int64_t v) {
        tie_break[v] = Draws(key_, 0, process, static_cast<std::uint32_t>(v)).uniform();
    });
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::partial_sort(order.begin(), order.begin() + wanted, order.end(),
                      [&](std::uint32_t a, std::uint32_t b) {
                          if (score[a] != score[b]) {
                              return score[a] > score[b];
                          }
                          return tie_break[a] < tie_break[b];
                      });
    order.resize(wanted);
    return order;
}

Simulation::Simulation(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph,
                       std::uint32_t replicate, int threads) {
    check_threads(threads);
    validate(scenario);
    Scenario resolved = scenario;
    resolved.customers = graph->num_customers();
    const StreamKey key{scenario.seed, replicate};
    const int workers = threads > 0 ? threads : omp_get_max_threads();
    model_ = resolved.instant() ? make_bass_model(resolved, std::move(graph), key, workers)
                                : make_journey_model(resolved, std::move(graph), key, workers);
}

Simulation::Simulation(Simulation&&) noexcept = default;
Simulation& Simulation::operator=(Simulation&&) noexcept = default;
Simulation::~Simulation() = default;

void Simulation::step() {
    model_->step();
}
void Simulation::set_focal_spend(const std::vector<double>& spend_per_day) {
    model_->set_focal_spend(spend_per_day);
}
std::vector<double> Simulation::planned_spend(double day) const {
    return model_->planned_spend(day);
}
void Simulation::set_processes(std::uint16_t mask) {
    model_->set_processes(mask);
}
std::uint64_t Simulation::step_index() const {
    return model_->step_index();
}
double Simulation::day() const {
    return model_->day();
}
const Kpis& Simulation::kpis() const {
    return model_->kpis();
}
const Work& Simulation::work() const {
    return model_->work();
}
const Scenario& Simulation::scenario() const {
    return model_->scenario();
}
const SocialGraph& Simulation::graph() const {
    return model_->graph();
}
std::vector<ColumnView> Simulation::columns() const {
    return model_->columns();
}

ColumnView Simulation::column(std::string_view name) const {
    std::string names;
    for (const auto& column : model_->columns()) {
        if (column.name == name) {
            return column;
        }
        names += (names.empty() ? "" : ", ") + std::string(column.name);
    }
    throw std::out_of_range("no column " + std::string(name) + "; there are: " + names);
}

std::uint64_t Simulation::memory_bytes() const {
    std::uint64_t bytes = 0;
    for (const auto& column : model_->columns()) {
        bytes += column.bytes;
    }
    return bytes;
}

void Model::set_focal_spend(const std::vector<double>&) {
    throw ScenarioError("set_focal_spend: the instant funnel (no brands) has no media plan");
}

std::shared_ptr<const SocialGraph> build_graph(const Scenario& scenario) {
    auto graph = scenario.graph.kind == GraphKind::edge_list
                     ? SocialGraph::load_edge_list(scenario.graph.path)
                     : SocialGraph::generate(scenario.graph, scenario.customers, scenario.seed);
    check_graph_size(scenario, graph.num_customers());
    graph.set_strong_ties(scenario.graph.strong_fraction, scenario.seed);
    return std::make_shared<SocialGraph>(std::move(graph));
}

namespace {

using Getter = double (*)(const Kpis&);
#define CUSTSIM_KPI(name)                                                                          \
    {                                                                                              \
#name, [](const Kpis& k) { return double(k.name); }                                        \
    }
/// The KPIs every run records, and the journey model's besides.
const std::pair<const char*, Getter> instant_kpis[] = {
    CUSTSIM_KPI(adopted), CUSTSIM_KPI(customers), CUSTSIM_KPI(aware), CUSTSIM_KPI(adopted_by_ads),
    CUSTSIM_KPI(adopted_by_wom)};
const std::pair<const char*, Getter> journey_kpis[] = {CUSTSIM_KPI(considering),
                                                       CUSTSIM_KPI(market_share),
                                                       CUSTSIM_KPI(purchases),
                                                       CUSTSIM_KPI(lost_sales),
                                                       CUSTSIM_KPI(revenue),
                                                       CUSTSIM_KPI(margin),
                                                       CUSTSIM_KPI(media_cost),
                                                       CUSTSIM_KPI(service_cost),
                                                       CUSTSIM_KPI(it_cost),
                                                       CUSTSIM_KPI(data_cost),
                                                       CUSTSIM_KPI(ambassador_cost),
                                                       CUSTSIM_KPI(profit),
                                                       CUSTSIM_KPI(nps),
                                                       CUSTSIM_KPI(promoters),
                                                       CUSTSIM_KPI(detractors),
                                                       CUSTSIM_KPI(wom_positive),
                                                       CUSTSIM_KPI(wom_negative),
                                                       CUSTSIM_KPI(complaints_opened),
                                                       CUSTSIM_KPI(complaints_resolved),
                                                       CUSTSIM_KPI(complaints_unresolved),
                                                       CUSTSIM_KPI(churned),
                                                       CUSTSIM_KPI(consented),
                                                       CUSTSIM_KPI(known)};
#undef CUSTSIM_KPI
using Cube = std::pair<const char*, const std::vector<double> Kpis::*>;
const Cube channel_kpis[] = {{"spend", &Kpis::channel_spend},
                             {"exposures", &Kpis::channel_exposures},
                             {"last_touch_conversions", &Kpis::channel_conversions},
                             {"acquisitions", &Kpis::channel_acquisitions}};
const Cube brand_kpis[] = {{"aware", &Kpis::brand_aware}, {"customers", &Kpis::brand_customers}};
const Cube market_kpis[] = {{"aware", &Kpis::market_aware},
                            {"customers", &Kpis::market_customers},
                            {"revenue", &Kpis::market_revenue}};

} // namespace

JourneySummary summarise_journey(const Kpis& k, const Scenario& s) {
    JourneySummary out;
    const double costs =
        k.media_cost + k.service_cost + k.it_cost + k.data_cost + k.ambassador_cost;
    out.roi = costs > 0 ? k.profit / costs : 0.0;
    const double acquired = double(k.adopted_by_ads + k.adopted_by_wom);
    out.cac = acquired > 0 ? k.media_cost / acquired : 0.0;
    if (k.customer_days > 0) {
        const double years = k.customer_days / 365.0;          // customer-years served
        const double margin = k.margin / years;                // m: margin per customer-year
        const double retention = std::exp(-k.churned / years); // r: yearly retention
        const double i = s.journey.discount_rate;
        out.annual_margin = margin;
        out.retention = retention;
        out.clv = margin * retention / (1 + i - retention);
    }
    return out;
}

Results run_scenario(const Scenario& scenario, int threads, const Progress& progress,
                     std::shared_ptr<const SocialGraph> graph, const Observer& observer) {
    check_threads(threads);
    validate(scenario);
    if (!graph) {
        graph = build_graph(scenario);
    }
    Results results;
    results.seed = scenario.seed;
    results.replicates = scenario.replicates;
    results.population = graph->num_customers();
    Scenario resolved = scenario;
    resolved.customers = graph->num_customers();
    results.scenario_yaml = to_yaml(resolved);
    const std::uint64_t steps = scenario.steps();
    const std::uint64_t every = scenario.steps_per_record();
    for (std::uint64_t s = 0; s <= steps; s += every) {
        results.time.push_back(double(s) * scenario.dt);
    }
    const std::size_t points = results.time.size();
    const std::size_t R = scenario.replicates;
    const bool journey = !scenario.instant();
    std::vector<std::pair<const char*, Getter>> recorded(std::begin(instant_kpis),
                                                         std::end(instant_kpis));
    if (journey) {
        recorded.insert(recorded.end(), std::begin(journey_kpis), std::end(journey_kpis));
        for (const auto& c : scenario.channels) {
            results.channel_names.push_back(c.name);
        }
        for (const auto& b : scenario.brands) {
            results.brand_names.push_back(b.name);
        }
        for (const auto& [name, member] : channel_kpis) {
            results.channels[name].assign(R * points * results.channel_names.size(), 0.0);
        }
        for (const auto& [name, member] : brand_kpis) {
            results.brands[name].assign(R * points * results.brand_names.size(), 0.0);
        }
        for (const auto& m : scenario.markets) {
            results.market_names.push_back(m.name);
        }
        if (results.market_names.empty()) {
            results.market_names.push_back(Market{}.name);
        }
        for (const auto& [name, member] : market_kpis) {
            results.markets[name].assign(R * points * results.market_names.size(), 0.0);
        }
        for (const char* name : {"clv", "roi", "cac", "annual_margin", "retention"}) {
            results.final[name].assign(R, 0.0);
        }
    }
    for (const auto& [name, get] : recorded) {
        results.timeseries[name].assign(R * points, 0.0);
        results.final[name].assign(R, 0.0);
    }
    std::size_t reached = points; // fewer when an observer stopped a replicate early
    for (std::uint32_t r = 0; r < scenario.replicates; ++r) {
        Simulation simulation(scenario, graph, r, threads);
        auto record = [&](std::size_t point) {
            const Kpis& k = simulation.kpis();
            for (const auto& [name, get] : recorded) {
                results.timeseries[name][r * points + point] = get(k);
            }
            if (!journey) {
                return;
            }
            auto cube = [&](auto& target, const auto& table) {
                for (const auto& [name, member] : table) {
                    const auto& values = k.*member;
                    std::copy(values.begin(), values.end(),
                              target[name].begin() + (r * points + point) * values.size());
                }
            };
            cube(results.channels, channel_kpis);
            cube(results.brands, brand_kpis);
            cube(results.markets, market_kpis);
        };
        reached = std::min(
            reached, run_loop(simulation, r, steps, every, RunHooks{record, observer, progress}));
        for (const auto& [name, get] : recorded) {
            results.final[name][r] = get(simulation.kpis());
        }
        if (journey) {
            const auto summary = summarise_journey(simulation.kpis(), scenario);
            results.final["clv"][r] = summary.clv;
            results.final["roi"][r] = summary.roi;
            results.final["cac"][r] = summary.cac;
            results.final["annual_margin"][r] = summary.annual_margin;
            results.final["retention"][r] = summary.retention;
        }
        check_finite(results, r);
    }
    if (reached < points) {
        truncate(results, reached);
    }
    return results;
}

} // namespace custsim
