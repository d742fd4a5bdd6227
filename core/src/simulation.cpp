#include "custsim/simulation.hpp"

#include "custsim/error.hpp"
#include "custsim/kpis.hpp"
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
    if (scenario.graph.tie_strength == TieStrength::embeddedness) {
        graph.set_strong_ties_by_overlap(scenario.graph.strong_fraction, scenario.seed);
    } else {
        graph.set_strong_ties(scenario.graph.strong_fraction, scenario.seed);
    }
    return std::make_shared<SocialGraph>(std::move(graph));
}

JourneySummary summarise_journey(const Kpis& k, const Scenario& s) {
    JourneySummary out;
    const double costs = k.media_cost + k.service_cost + k.retention_cost + k.it_cost +
                         k.data_cost + k.ambassador_cost + k.regulatory_cost + k.entry_cost;
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
        out.clv_total = double(k.customers) * out.clv;
    }
    return out;
}

namespace {

/// Puts the KPIs the registry lists for a run's model into Results: scalars as time series and
/// final values, breakdowns as [replicates, points, items] cubes, end-of-run ratios in /final.
class Recorder {
  public:
    Recorder(Results& results, const Scenario& scenario) : results_(results) {
        const bool journey = !scenario.instant();
        for (const Kpi& kpi : kpi_registry()) {
            if (kpi.in(journey)) {
                recorded_.push_back(&kpi);
            }
        }
        if (journey) {
            results.channel_names = kpi_items(scenario, KpiPer::channel);
            results.brand_names = kpi_items(scenario, KpiPer::brand);
            results.market_names = kpi_items(scenario, KpiPer::market);
        }
        const std::size_t R = results.replicates, points = results.points();
        for (const Kpi* kpi : recorded_) {
            if (kpi->per == KpiPer::scalar) {
                results.final[kpi->name].assign(R, 0.0);
            }
            if (!kpi->final_only()) {
                group(kpi->per)[kpi->name].assign(R * points * items(kpi->per), 0.0);
            }
        }
    }

    void record(const Kpis& k, std::uint32_t replicate, std::size_t point) {
        const std::size_t at = replicate * results_.points() + point;
        for (const Kpi* kpi : recorded_) {
            if (kpi->value) {
                results_.timeseries[kpi->name][at] = kpi->value(k);
            } else if (kpi->values) {
                const auto& values = k.*(kpi->values);
                std::copy(values.begin(), values.end(),
                          group(kpi->per)[kpi->name].begin() + at * values.size());
            }
        }
    }

    void finish(const Kpis& k, const Scenario& scenario, std::uint32_t replicate) {
        for (const Kpi* kpi : recorded_) {
            if (kpi->value) {
                results_.final[kpi->name][replicate] = kpi->value(k);
            } else if (kpi->ratio) {
                results_.final[kpi->name][replicate] = kpi->ratio(k, scenario);
            }
        }
    }

  private:
    std::map<std::string, std::vector<double>>& group(KpiPer per) {
        switch (per) {
        case KpiPer::channel:
            return results_.channels;
        case KpiPer::brand:
            return results_.brands;
        case KpiPer::market:
            return results_.markets;
        case KpiPer::scalar:
            break;
        }
        return results_.timeseries;
    }
    std::size_t items(KpiPer per) const {
        switch (per) {
        case KpiPer::channel:
            return results_.channel_names.size();
        case KpiPer::brand:
            return results_.brand_names.size();
        case KpiPer::market:
            return results_.market_names.size();
        case KpiPer::scalar:
            break;
        }
        return 1;
    }

    Results& results_;
    std::vector<const Kpi*> recorded_;
};

} // namespace

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
    results.represents = scenario.represents;
    Scenario resolved = scenario;
    resolved.customers = graph->num_customers();
    results.scenario_yaml = to_yaml(resolved);
    const std::uint64_t steps = scenario.steps();
    const std::uint64_t every = scenario.steps_per_record();
    for (std::uint64_t s = 0; s <= steps; s += every) {
        results.time.push_back(double(s) * scenario.dt);
    }
    const std::size_t points = results.time.size();
    Recorder recorder(results, scenario);
    std::size_t reached = points; // fewer when an observer stopped a replicate early
    for (std::uint32_t r = 0; r < scenario.replicates; ++r) {
        Simulation simulation(scenario, graph, r, threads);
        auto record = [&](std::size_t point) { recorder.record(simulation.kpis(), r, point); };
        reached = std::min(
            reached, run_loop(simulation, r, steps, every, RunHooks{record, observer, progress}));
        recorder.finish(simulation.kpis(), scenario, r);
        check_finite(results, r);
    }
    if (reached < points) {
        truncate(results, reached);
    }
    return results;
}

} // namespace custsim
