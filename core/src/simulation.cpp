#include "custsim/simulation.hpp"

#include "custsim/error.hpp"
#include "journey/model.hpp"
#include "parallel.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <omp.h>

namespace custsim {

/// Partial sums of one block of customers; padded so neighbouring blocks do not share a line.
struct alignas(64) Simulation::BlockTally {
    std::int64_t customers = 0;
    std::int64_t aware = 0;
    std::int64_t new_by_ads = 0;
    std::int64_t new_by_wom = 0;
    std::uint64_t edge_reads = 0;
    double talk = 0;
};

std::vector<std::uint32_t> Simulation::pick_seeds(std::uint64_t count, SeedRule rule,
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

Simulation::~Simulation() = default;

Simulation::Simulation(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph,
                       std::uint32_t replicate, int threads)
    : scenario_(scenario), graph_(std::move(graph)), key_{scenario.seed, replicate},
      threads_(threads > 0 ? threads : omp_get_max_threads()) {
    validate(scenario_);
    scenario_.customers = graph_->num_customers();
    const std::size_t n = graph_->num_customers();
    state_.stage.assign(n, static_cast<std::uint8_t>(Stage::unaware));
    state_.adopted_day.assign(n, std::numeric_limits<float>::quiet_NaN());
    state_.talk.assign(n, 0.0f);
    next_talk_.assign(n, 0.0f);
    if (!scenario_.instant()) {
        next_talk_.clear();
        state_.talk.clear();
        start_journey();
        return;
    }
    for (const auto& channel : scenario_.channels) {
        ad_rate_ += channel.adoption_rate;
    }
    seed_customers();
}

void Simulation::seed_customers() {
    for (auto v : pick_seeds(scenario_.seed_customers(), scenario_.seeds.by, Process::seeding)) {
        state_.stage[v] = static_cast<std::uint8_t>(Stage::customer);
        state_.adopted_day[v] = 0.0f;
        state_.talk[v] = 1.0f;
    }
    std::vector<BlockTally> blocks;
    for_each_block(graph_->num_customers(), threads_, blocks,
                   [&](std::int64_t first, std::int64_t last, BlockTally& t) {
                       for (std::int64_t i = first; i < last; ++i) {
                           const bool adopted = state_.stage[i] == std::uint8_t(Stage::customer);
                           t.customers += adopted;
                           t.aware += state_.stage[i] != std::uint8_t(Stage::unaware);
                           t.talk += state_.talk[i];
                       }
                   });
    tally(blocks);
    kpis_.adopted = kpis_.customers;
}

// One step of dt days, in MODEL.md's order as far as the Bass special case has processes:
// exposure to the always-on channels and word of mouth give one adoption hazard
// h = p + q x (talk pulled from neighbours); the customer adopts with probability 1 - exp(-h dt).
// The draw that decides also attributes the adoption: u below the channels' share of that
// probability counts for the channels, the rest for word of mouth.
void Simulation::step() {
    if (model_) {
        step_journey();
        return;
    }
    const double dt = scenario_.dt;
    const double day_after = double(step_ + 1) * dt;
    const auto& wom = scenario_.word_of_mouth;
    const bool mean_field = graph_->is_mean_field();
    const double n = double(graph_->num_customers());
    const double mean_field_talk = mean_field ? talk_sum_ / n : 0.0;
    const bool fades = std::isfinite(wom.buzz_decay_days);
    const auto step = static_cast<std::uint32_t>(step_);
    const std::uint8_t customer = static_cast<std::uint8_t>(Stage::customer);
    const float* talk = state_.talk.data();
    std::uint8_t* stage = state_.stage.data();
    float* adopted_day = state_.adopted_day.data();
    float* next_talk = next_talk_.data();
    const SocialGraph& graph = *graph_;

    const double ads = ad_rate_;
    const double adopt_by_ads_only = -std::expm1(-ads * dt);
    std::vector<BlockTally> blocks;
    for_each_block(
        graph.num_customers(), threads_, blocks,
        [&](std::int64_t first, std::int64_t last, BlockTally& out) {
            BlockTally t; // local, so the compiler keeps it in registers
            constexpr std::int64_t lookahead = 16;
            for (std::int64_t i = first; i < last; ++i) {
                // The neighbours' talk is scattered over memory: ask for it a few customers early.
                if (!mean_field && i + lookahead < last) {
                    for (const auto j :
                         graph.neighbours(static_cast<std::uint32_t>(i + lookahead))) {
                        __builtin_prefetch(talk + j);
                    }
                }
                if (stage[i] == customer) {
                    const float weight =
                        fades ? float(std::exp(-(day_after - adopted_day[i]) / wom.buzz_decay_days))
                              : 1.0f;
                    next_talk[i] = weight;
                    t.customers += 1;
                    t.aware += 1;
                    t.talk += weight;
                    continue;
                }
                double peers = 0;
                if (mean_field) {
                    peers = mean_field_talk;
                } else {
                    const auto ties = graph.neighbours(static_cast<std::uint32_t>(i));
                    float heard = 0;
                    for (const auto j : ties) {
                        heard += talk[j];
                    }
                    t.edge_reads += ties.size();
                    peers = wom.per == WomPer::tie ? double(heard)
                            : ties.empty()         ? 0.0
                                                   : double(heard) / double(ties.size());
                }
                const double hazard = ads + wom.rate * peers;
                // Most undecided customers hear nothing: their probability is known in advance.
                const double adopt = peers > 0 ? -std::expm1(-hazard * dt) : adopt_by_ads_only;
                const double u =
                    Draws(key_, step, Process::adoption, static_cast<std::uint32_t>(i)).uniform();
                if (u < adopt) {
                    stage[i] = customer;
                    adopted_day[i] = float(day_after);
                    next_talk[i] = 1.0f;
                    const bool by_ads = u < adopt * (ads / hazard);
                    t.new_by_ads += by_ads;
                    t.new_by_wom += !by_ads;
                    t.customers += 1;
                    t.aware += 1;
                    t.talk += 1.0;
                } else {
                    next_talk[i] = 0.0f;
                }
            }
            out = t;
        });
    std::swap(state_.talk, next_talk_);
    ++step_;
    kpis_.day = day();
    tally(blocks);
}

std::uint64_t Simulation::memory_bytes() const {
    std::uint64_t bytes = 0;
    auto add = [&](const auto& column) { bytes += column.capacity() * sizeof(column[0]); };
    const Customers& c = state_;
    add(c.stage), add(c.adopted_day), add(c.talk), add(c.market), add(c.segment), add(c.brand);
    add(c.flags), add(c.last_touch), add(c.source), add(c.awareness), add(c.attitude);
    add(c.satisfaction), add(c.experience), add(c.buzz), add(c.revenue), add(c.reachable);
    add(c.attention), add(c.voice), add(next_talk_), add(next_voice_), add(lanes_);
    add(next_lanes_);
    return bytes;
}

void Simulation::tally(std::span<const BlockTally> blocks) {
    BlockTally total;
    for (const auto& block : blocks) { // block order: the same sums on any thread count
        total.customers += block.customers;
        total.aware += block.aware;
        total.new_by_ads += block.new_by_ads;
        total.new_by_wom += block.new_by_wom;
        total.edge_reads += block.edge_reads;
        total.talk += block.talk;
    }
    kpis_.customers = total.customers;
    kpis_.aware = total.aware;
    kpis_.adopted_by_ads += total.new_by_ads;
    kpis_.adopted_by_wom += total.new_by_wom;
    kpis_.adopted += total.new_by_ads + total.new_by_wom;
    talk_sum_ = total.talk;
    work_.edge_reads += total.edge_reads;
    work_.agent_steps += graph_->num_customers();
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
                     std::shared_ptr<const SocialGraph> graph) {
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
        record(0);
        for (std::uint64_t s = 1; s <= steps; ++s) {
            simulation.step();
            if (s % every == 0) {
                record(s / every);
            }
            if (progress && !progress(r, simulation.day())) {
                throw Cancelled();
            }
        }
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
    }
    return results;
}

} // namespace custsim
