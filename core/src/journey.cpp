// The customer-journey model (MODEL.md sections 3 to 6): the step of a Simulation whose
// scenario has brands. The instant funnel (Bass) lives in simulation.cpp.
#include "custsim/simulation.hpp"

#include "journey.hpp"
#include "parallel.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <numeric>

namespace custsim {

namespace {

constexpr float voice_unit = 4096.0f; ///< Voice::level per unit of talk rate
constexpr std::uint8_t reaches_all = 7;

std::uint32_t mix32(std::uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/// k ~ Poisson(mean) by inverting one uniform; means are a day's exposures, so loops are short.
std::uint32_t poisson(double mean, double u) {
    double p = std::exp(-mean);
    double cdf = p;
    std::uint32_t k = 0;
    while (u > cdf && k < 256) {
        ++k;
        p *= mean / k;
        cdf += p;
    }
    return k;
}

float clamp_satisfaction(double s) {
    return float(std::clamp(s, 0.0, 10.0));
}
float clamp_attitude(double a) {
    return float(std::clamp(a, -3.0, 3.0));
}

} // namespace

Simulation::~Simulation() = default;

namespace {
template <class Key, class Value>
Value lookup(const std::map<Key, Value>& map, const Key& key, Value otherwise) {
    const auto found = map.find(key);
    return found == map.end() ? otherwise : found->second;
}
} // namespace

void Simulation::start_journey() {
    const auto& s = scenario_;
    auto model = std::make_unique<Model>();
    Model& x = *model;
    x.market = s.markets.empty() ? std::vector<Market>{Market{}} : s.markets;
    x.segment = s.segments.empty() ? std::vector<Segment>{Segment{}} : s.segments;
    x.brands = s.brands.size();
    x.channels = s.channels.size();
    x.markets = x.market.size();
    x.segments = x.segment.size();
    const std::size_t B = x.brands, C = x.channels, M = x.markets, G = x.segments;
    const std::uint32_t n = graph_->num_customers();

    // Markets are contiguous ranges of customers, so generated graphs (whose ties are mostly
    // local, and whose stochastic blocks are ranges too) keep each market's ties mostly inside.
    x.market_start.assign(M + 1, 0);
    double cumulative = 0;
    for (std::size_t m = 0; m < M; ++m) {
        cumulative += x.market[m].share;
        x.market_start[m + 1] = m + 1 == M ? n : std::uint32_t(std::llround(cumulative * n));
    }
    x.segment_cumulative.assign(M * G, 0);
    for (std::size_t m = 0; m < M; ++m) {
        double total = 0;
        for (std::size_t g = 0; g < G; ++g) {
            total += lookup(x.segment[g].share_in, x.market[m].name, x.segment[g].share);
            x.segment_cumulative[m * G + g] = total;
        }
    }
    x.available.assign(M * C, 1);
    x.effect.assign(M * C, 0);
    for (std::size_t m = 0; m < M; ++m) {
        for (std::size_t c = 0; c < C; ++c) {
            const auto& allowed = x.market[m].channels;
            x.available[m * C + c] =
                allowed.empty() ||
                std::find(allowed.begin(), allowed.end(), s.channels[c].name) != allowed.end();
            const double privacy = x.market[m].strict_privacy && s.channels[c].data_targeted
                                       ? 1 - x.market[m].privacy_loss
                                       : 1.0;
            x.effect[m * C + c] = s.channels[c].trust * x.market[m].trust_ads * privacy;
        }
    }
    x.affinity.assign(G * C, 1);
    for (std::size_t g = 0; g < G; ++g) {
        for (std::size_t c = 0; c < C; ++c) {
            x.affinity[g * C + c] = float(lookup(x.segment[g].affinity, s.channels[c].name, 1.0) *
                                          (s.channels[c].mobile ? x.segment[g].mobile_share : 1));
        }
    }
    x.reach_below.resize(C);
    x.spill_into.assign(C, -1);
    for (std::size_t c = 0; c < C; ++c) {
        x.reach_below[c] = std::uint64_t(std::ldexp(s.channels[c].reach, 32));
        for (std::size_t d = 0; d < C; ++d) {
            if (s.channels[d].name == s.channels[c].spills_into) {
                x.spill_into[c] = int(d);
            }
        }
    }
    double mean_price = 0;
    for (const auto& b : s.brands) {
        mean_price += b.price / double(B);
    }
    x.experience.resize(B * G);
    x.quality_utility.resize(B * G);
    for (std::size_t b = 0; b < B; ++b) {
        for (std::size_t g = 0; g < G; ++g) {
            x.experience[b * G + g] = std::clamp(8 + 4 * (s.brands[b].quality - 0.5) -
                                                     0.5 * (x.segment[g].service_expectation - 7),
                                                 0.0, 10.0);
            x.quality_utility[b * G + g] =
                s.journey.purchase_intent +
                s.journey.quality_weight * 2 * (s.brands[b].quality - 0.5) -
                x.segment[g].price_sensitivity * (s.brands[b].price / mean_price - 1);
        }
    }
    x.planned_from.assign(B + 1, 0);
    for (std::size_t b = 0; b < B; ++b) {
        x.planned_from[b] = x.planned.size();
        for (std::size_t c = 0; c < C; ++c) {
            const bool used =
                std::any_of(s.brands[b].media.begin(), s.brands[b].media.end(),
                            [&](const Flight& f) { return f.channel == s.channels[c].name; });
            if (used) {
                x.planned.emplace_back(std::uint8_t(b), std::uint8_t(c));
            }
        }
    }
    x.planned_from[B] = x.planned.size();
    x.spend.assign(x.planned.size() * M, 0);
    x.rate.assign(x.planned.size() * M, 0);
    x.weight_sum.assign(x.planned.size() * M, 0);
    x.served.fill(1);
    x.handle.fill(1);
    const auto& p = s.personalisation;
    const double level = p.level == PersonalisationLevel::individual ? 1.0
                         : p.level == PersonalisationLevel::segment  ? 0.5
                                                                     : 0.0;
    x.relevance = level * std::log1p(p.conversion_lift);
    x.response_lift = level * p.response_lift;
    model_ = std::move(model);

    // Day 0: markets, segments, installed bases, initial awareness, seeds and ambassadors.
    const float threshold = float(s.journey.awareness_threshold);
    auto& c = state_;
    c.market.assign(n, 0);
    c.segment.assign(n, 0);
    c.brand.assign(n, no_brand);
    c.flags.assign(n, 0);
    c.last_touch.assign(n, touch_none);
    c.awareness.assign(std::size_t(n) * B, 0.0f);
    c.attitude.assign(std::size_t(n) * B, 0.0f);
    c.satisfaction.assign(n, 0.0f);
    c.experience.assign(n, 0.0f);
    c.since.assign(n, 0.0f);
    c.revenue.assign(n, 0.0f);
    c.voice.assign(n, Voice{});
    next_voice_.assign(n, Voice{});
    auto become_known = [&](std::uint32_t i, double u) {
        c.flags[i] |= Flag::known;
        const auto& m = x.market[c.market[i]];
        const auto& g = x.segment[c.segment[i]];
        if (u < m.consent_rate * (1 - 0.5 * g.privacy_sensitivity)) {
            c.flags[i] |= Flag::consented;
        }
    };
    auto make_customer = [&](std::uint32_t i, std::size_t b, double since, Draws& draws) {
        const std::size_t g = c.segment[i];
        c.brand[i] = std::uint8_t(b);
        c.flags[i] |= Flag::active;
        c.experience[i] = clamp_satisfaction(x.experience[b * G + g] + 3 * (draws.uniform() - 0.5));
        c.satisfaction[i] = c.experience[i];
        c.since[i] = float(since);
        c.awareness[std::size_t(i) * B + b] = 2 * threshold;
        const double u = draws.uniform();
        if (b == 0) {
            c.flags[i] |= Flag::ever_focal;
            c.adopted_day[i] = float(std::min(since, 0.0));
            if (u < s.journey.data_from_purchase) {
                become_known(i, draws.uniform());
            }
        }
    };
    parallel_for(n, [&](std::int64_t v) {
        const auto i = static_cast<std::uint32_t>(v);
        Draws draws(key_, 0, Process::initial, i);
        std::size_t m = 0;
        while (m + 1 < M && i >= x.market_start[m + 1]) {
            ++m;
        }
        c.market[i] = std::uint8_t(m);
        const double u = draws.uniform() * x.segment_cumulative[m * G + G - 1];
        std::size_t g = 0;
        while (g + 1 < G && u >= x.segment_cumulative[m * G + g]) {
            ++g;
        }
        c.segment[i] = std::uint8_t(g);
        for (std::size_t b = 0; b < B; ++b) {
            if (draws.uniform() < s.brands[b].initial_awareness) {
                c.awareness[std::size_t(i) * B + b] = 1.5f * threshold;
            }
        }
        double installed = draws.uniform();
        for (std::size_t b = 0; b < B; ++b) {
            if (installed < s.brands[b].initial_share) {
                make_customer(i, b, -365 * draws.uniform(), draws);
                break;
            }
            installed -= s.brands[b].initial_share;
        }
    });
    for (auto v : pick_seeds(scenario_.seed_customers(), scenario_.seeds.by, Process::seeding)) {
        if (!(c.flags[v] & Flag::active) || c.brand[v] != 0) {
            Draws draws(key_, 1, Process::initial, v);
            make_customer(v, 0, 0.0, draws);
        }
    }
    x.ambassadors = pick_seeds(s.ambassadors.count, s.ambassadors.by, Process::ambassadors);
    for (auto v : x.ambassadors) {
        if (!(c.flags[v] & Flag::active) || c.brand[v] != 0) {
            Draws draws(key_, 2, Process::initial, v);
            make_customer(v, 0, 0.0, draws);
        }
        c.flags[v] |= Flag::ambassador;
        c.satisfaction[v] = c.experience[v] = 10.0f;
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        if (c.flags[i] & Flag::ever_focal) {
            c.stage[i] = static_cast<std::uint8_t>(Stage::customer);
        } else if (c.awareness[std::size_t(i) * B] >= threshold) {
            c.stage[i] = static_cast<std::uint8_t>(Stage::aware);
        }
    }
    // A pass that changes nobody: it fills the weights, voices and KPIs of day 0.
    kpis_.channel_spend.assign(C, 0);
    kpis_.channel_exposures.assign(C, 0);
    kpis_.channel_conversions.assign(C, 0);
    kpis_.brand_aware.assign(B, 0);
    kpis_.brand_customers.assign(B, 0);
    step_journey(true);
}

void Simulation::plan_step(double day) {
    Model& x = *model_;
    const auto& s = scenario_;
    const std::size_t M = x.markets, C = x.channels;
    std::fill(x.spend.begin(), x.spend.end(), 0.0);
    for (std::size_t p = 0; p < x.planned.size(); ++p) {
        const auto [b, c] = x.planned[p];
        double available_share = 0;
        for (std::size_t m = 0; m < M; ++m) {
            available_share += x.available[m * C + c] ? x.market[m].share : 0.0;
        }
        for (const auto& flight : s.brands[b].media) {
            if (flight.channel != s.channels[c].name || day < flight.from || day >= flight.until) {
                continue;
            }
            for (std::size_t m = 0; m < M; ++m) {
                if (!x.available[m * C + c]) {
                    continue;
                }
                if (flight.market.empty()) {
                    x.spend[p * M + m] += flight.spend_per_day * x.market[m].share /
                                          std::max(available_share, 1e-300);
                } else if (flight.market == x.market[m].name) {
                    x.spend[p * M + m] += flight.spend_per_day;
                }
            }
        }
        for (std::size_t m = 0; m < M; ++m) {
            const double impressions =
                x.spend[p * M + m] / (s.channels[c].cpm * x.market[m].cost_level) * 1000;
            const double weight = x.weight_sum[p * M + m];
            x.rate[p * M + m] = weight > 0 ? impressions / weight : 0.0;
        }
    }
    x.demand = 1;
    x.problem_extra.fill(0);
    x.problem_hazard.fill(0);
    for (const auto& e : s.events) {
        if (day < e.from || day >= e.until) {
            continue;
        }
        if (e.kind == EventKind::peak) {
            x.demand *= e.demand;
        } else {
            std::size_t b = 0;
            while (!e.brand.empty() && s.brands[b].name != e.brand) {
                ++b;
            }
            x.problem_extra[b] += e.problem_rate;
            x.problem_hazard[b] += e.problem_hazard;
        }
    }
}

// One step of dt days in MODEL.md's order. Policy and the last step's aggregates are set
// serially (plan_step); then every customer, on any thread, reads the state the last step left
// (its own columns and its neighbours' voices) and writes only its own columns: decay of memory
// and attitude, exposure, word of mouth, journey transitions, experience and service,
// retention, and the voice its neighbours hear next step. Each process draws from its own
// counter-based stream, so a policy that changes one process leaves the others' numbers alone
// (common random numbers). Block tallies are merged in block order into the KPIs.
void Simulation::step_journey(bool dry) {
    Model& x = *model_;
    const Scenario& s = scenario_;
    const double dt = s.dt;
    const double day = double(step_) * dt;
    const double now = day + dt;
    plan_step(day);
    const std::size_t B = x.brands, C = x.channels, M = x.markets, G = x.segments;
    const auto& j = s.journey;
    const auto& wom = s.word_of_mouth;
    const auto& per = s.personalisation;
    const float threshold = float(j.awareness_threshold);
    const float memory_decay = float(std::exp(-dt / j.memory_days));
    const float attitude_decay = float(std::exp(-dt / j.attitude_days));
    const double relax = -std::expm1(-dt / j.satisfaction_days);
    const double leave_market = -std::expm1(-dt / j.need_window_days);
    const double decide = -std::expm1(-j.decide_rate * dt);
    const bool fades = std::isfinite(wom.buzz_decay_days);
    const bool mean_field = graph_->is_mean_field();
    const double n = double(graph_->num_customers());
    const double wom_scale = wom.rate / voice_unit;
    std::array<double, 2 * max_brands> mean_field_beta{};
    for (std::size_t k = 0; k < 2 * B; ++k) {
        mean_field_beta[k] = wom_scale * x.talk[k] / n;
    }
    const auto step = static_cast<std::uint32_t>(step_);
    const SocialGraph& graph = *graph_;
    Customers& c = state_;
    const Voice* heard_voice = c.voice.data();
    Voice* next_voice = next_voice_.data();
    const bool personalising = per.level != PersonalisationLevel::none;

    std::vector<JourneyTally> blocks;
    for_each_block(
        graph.num_customers(), threads_, blocks,
        [&](std::int64_t first_customer, std::int64_t last_customer, JourneyTally& t) {
            constexpr std::int64_t lookahead = 16;
            std::array<double, max_brands * max_channels> rates{};
            for (std::int64_t v = first_customer; v < last_customer; ++v) {
                if (!mean_field && v + lookahead < last_customer) {
                    for (const auto k :
                         graph.neighbours(static_cast<std::uint32_t>(v + lookahead))) {
                        __builtin_prefetch(heard_voice + k);
                    }
                }
                const auto i = static_cast<std::uint32_t>(v);
                const std::size_t m = c.market[i], g = c.segment[i];
                const Market& market = x.market[m];
                const Segment& segment = x.segment[g];
                std::uint8_t f = c.flags[i];
                std::uint8_t cb = c.brand[i];
                float* aw = c.awareness.data() + std::size_t(i) * B;
                float* at = c.attitude.data() + std::size_t(i) * B;
                float sat = c.satisfaction[i];
                std::uint8_t touch = c.last_touch[i];
                const bool strict = market.strict_privacy;
                const bool personalised =
                    personalising && (f & Flag::known) &&
                    ((f & Flag::consented) || (per.consent == ConsentStrategy::assume && !strict));

                // Memory and attitude fade; a brand in use stays in mind.
                for (std::size_t b = 0; b < B && !dry; ++b) {
                    aw[b] *= memory_decay;
                    at[b] *= attitude_decay;
                }
                if (f & Flag::active) {
                    aw[cb] = std::max(aw[cb], 2 * threshold);
                }
                std::array<bool, max_brands> prompted{};
                bool intrusion_complaint = false;

                // Exposure: each brand's planned channels reach this customer at rate x weight.
                for (std::size_t b = 0; b < B; ++b) {
                    const std::size_t from = x.planned_from[b], to = x.planned_from[b + 1];
                    if (from == to) {
                        continue;
                    }
                    const std::uint8_t stage_bit =
                        (f & Flag::active) && cb == b ? std::uint8_t(Reaches::retention)
                        : (f & Flag::in_market)       ? std::uint8_t(Reaches::consideration)
                                                      : std::uint8_t(Reaches::awareness);
                    double total = 0;
                    for (std::size_t p = from; p < to; ++p) {
                        const std::size_t ch = x.planned[p].second;
                        const Channel& channel = s.channels[ch];
                        double weight = 0;
                        if (x.available[m * C + ch] && (channel.works_on & stage_bit) &&
                            mix32(i * 16u + std::uint32_t(ch)) < x.reach_below[ch]) {
                            const bool data_ok =
                                !channel.needs_data ||
                                (b == 0
                                     ? (f & Flag::known) && ((f & Flag::consented) ||
                                                             per.consent == ConsentStrategy::assume)
                                     : (f & Flag::active) && cb == b);
                            if (data_ok) {
                                weight = x.affinity[g * C + ch];
                                if (b == 0 && personalised && (f & Flag::in_market) &&
                                    (channel.data_targeted || channel.needs_data)) {
                                    weight *= per.target_weight;
                                }
                            }
                        }
                        t.weight[p * M + m] += weight;
                        rates[p] = x.rate[p * M + m] * weight;
                        total += rates[p];
                    }
                    if (total <= 0 || dry) {
                        continue;
                    }
                    Draws draws(key_, step, Process(std::uint32_t(Process::exposure) + b), i);
                    const std::uint32_t k = poisson(total * dt, draws.uniform());
                    if (k == 0) {
                        continue;
                    }
                    double pick = draws.uniform() * total;
                    std::size_t p = from;
                    while (p + 1 < to && pick >= rates[p]) {
                        pick -= rates[p];
                        ++p;
                    }
                    auto expose = [&](std::size_t ch, std::uint32_t times) {
                        const Channel& channel = s.channels[ch];
                        const bool data_channel = channel.needs_data || channel.data_targeted;
                        const double lift = b == 0 && personalised && channel.needs_data
                                                ? 1 + x.response_lift
                                                : 1.0;
                        aw[b] += float(times * x.effect[m * C + ch] * lift);
                        at[b] = clamp_attitude(at[b] + times * channel.persuasion * lift);
                        if ((f & Flag::in_market) &&
                            (channel.works_on & std::uint8_t(Reaches::consideration))) {
                            prompted[b] = true;
                        }
                        if (b != 0) {
                            return;
                        }
                        t.exposures[ch] += times;
                        touch = std::uint8_t(ch);
                        if (personalised && data_channel && !(f & Flag::consented)) {
                            // Personal data used without consent (Aguirre et al. 2015).
                            at[0] =
                                clamp_attitude(at[0] - times * per.intrusion_attitude *
                                                           (1 + 2 * segment.privacy_sensitivity));
                            intrusion_complaint |=
                                draws.uniform() <
                                per.intrusion_complaint * segment.privacy_sensitivity * times;
                        }
                        if (channel.data_capture > 0 && !(f & Flag::known) &&
                            draws.uniform() < 1 - std::pow(1 - channel.data_capture, times)) {
                            f |= Flag::known;
                            if (draws.uniform() <
                                market.consent_rate * (1 - 0.5 * segment.privacy_sensitivity)) {
                                f |= Flag::consented;
                            }
                        }
                    };
                    const std::size_t ch = x.planned[p].second;
                    expose(ch, k);
                    const int spill = x.spill_into[ch];
                    if (spill >= 0 && x.available[m * C + std::size_t(spill)] &&
                        draws.uniform() < 1 - std::pow(1 - s.channels[ch].spill, k)) {
                        expose(std::size_t(spill),
                               1); // an organic visit: TV sends people to search
                    }
                }

                // Word of mouth, pulled from the neighbours' voices of the last step.
                std::array<double, 2 * max_brands> beta{};
                double beta_total = 0;
                if (dry) {
                } else if (mean_field) {
                    for (std::size_t k = 0; k < 2 * B; ++k) {
                        beta[k] = mean_field_beta[k];
                        beta_total += beta[k];
                    }
                } else {
                    const auto ties = graph.neighbours(i);
                    const auto strong = graph.strong_ties(i);
                    for (std::size_t e = 0; e < ties.size(); ++e) {
                        const Voice heard = heard_voice[ties[e]];
                        if (heard.level) {
                            beta[2 * heard.brand + heard.negative] +=
                                double(heard.level) * (strong[e] ? wom.strong_tie : 1.0);
                        }
                    }
                    t.edge_reads += ties.size();
                    const double scale =
                        wom_scale /
                        (wom.per == WomPer::fraction && !ties.empty() ? double(ties.size()) : 1.0);
                    for (std::size_t k = 0; k < 2 * B; ++k) {
                        beta[k] *= scale;
                        beta_total += beta[k];
                    }
                }
                if (beta_total > 0) {
                    Draws draws(key_, step, Process::word_of_mouth, i);
                    const double u = draws.uniform();
                    const double hear = -std::expm1(-beta_total * dt);
                    if (u < hear) {
                        double pick = u / hear * beta_total;
                        std::size_t k = 0;
                        while (k + 1 < 2 * B && pick >= beta[k]) {
                            pick -= beta[k];
                            ++k;
                        }
                        const std::size_t b = k / 2;
                        const bool negative = k % 2;
                        aw[b] += float(market.trust_peers);
                        at[b] = clamp_attitude(at[b] + wom.attitude_step * market.trust_peers *
                                                           (negative ? -wom.negativity : 1.0));
                        if (b == 0) {
                            t.wom_positive += !negative;
                            t.wom_negative += negative;
                            if (!negative) {
                                touch = touch_word_of_mouth;
                            }
                        }
                    }
                }

                // Journey transitions, purchases, experience.
                Draws journey(key_, step, Process::journey, i);
                Draws experience(key_, step, Process::experience, i);
                auto problem = [&](std::size_t b) {
                    sat = clamp_satisfaction(c.experience[i] - j.problem_drop);
                    if (!(f & Flag::complaint) && experience.uniform() < j.complaint_share) {
                        f |= Flag::complaint;
                        t.opened[b] += 1;
                    }
                };
                auto purchase = [&](std::size_t b) {
                    const bool repeat = (f & Flag::active) && cb == b;
                    if (!repeat) {
                        f &= std::uint8_t(~(Flag::complaint | Flag::unresolved));
                        c.experience[i] = clamp_satisfaction(x.experience[b * G + g] +
                                                             3 * (experience.uniform() - 0.5));
                        sat = c.experience[i];
                    }
                    if (b == 0 && !(f & Flag::ever_focal)) {
                        f |= Flag::ever_focal;
                        c.adopted_day[i] = float(now);
                        t.new_focal += 1;
                        if (touch == touch_word_of_mouth) {
                            t.new_by_wom += 1;
                        } else {
                            t.new_by_ads += 1;
                        }
                    }
                    if (b == 0 && touch < C) {
                        t.conversions[touch] += 1;
                    }
                    if (b == 0) {
                        touch = touch_none;
                    }
                    f = std::uint8_t((f | Flag::active) & ~Flag::in_market);
                    cb = std::uint8_t(b);
                    c.since[i] = float(now);
                    const double price = s.brands[b].price * market.price_level;
                    c.revenue[i] += float(price);
                    t.revenue[b] += price;
                    t.purchases[b] += 1;
                    aw[b] = std::max(aw[b], 2 * threshold);
                    const double problems =
                        s.brands[b].problem_rate * (1 - 0.5 * s.brands[b].service.logistics) +
                        x.problem_extra[b];
                    if (experience.uniform() < problems) {
                        problem(b);
                    }
                    if (b == 0 && !(f & Flag::known) &&
                        experience.uniform() < j.data_from_purchase) {
                        f |= Flag::known;
                        if (experience.uniform() <
                            market.consent_rate * (1 - 0.5 * segment.privacy_sensitivity)) {
                            f |= Flag::consented;
                        }
                    }
                };
                auto attempt = [&](std::size_t b) {
                    t.attempts[b] += 1;
                    if (journey.uniform() < x.served[b]) {
                        purchase(b);
                        return true;
                    }
                    t.lost[b] += 1; // the shop or site could not serve the order
                    return false;
                };
                if (dry) {
                } else if (!(f & Flag::active)) {
                    if (!(f & Flag::in_market)) {
                        float best = -3;
                        bool knows_any = false;
                        for (std::size_t b = 0; b < B; ++b) {
                            if (aw[b] >= threshold) {
                                knows_any = true;
                                best = std::max(best, at[b]);
                            }
                        }
                        if (knows_any) {
                            const double need = segment.need_rate * x.demand *
                                                std::exp(j.need_attitude * std::max(0.0f, best));
                            if (journey.uniform() < -std::expm1(-need * dt)) {
                                f |= Flag::in_market;
                            }
                        }
                    } else {
                        const bool prompt = std::any_of(prompted.begin(), prompted.begin() + B,
                                                        [](bool p) { return p; });
                        const double u = journey.uniform();
                        if (prompt || u < decide) {
                            // Multinomial logit over the known brands, against not buying now.
                            std::array<double, max_brands> weight{};
                            double total = 1;
                            for (std::size_t b = 0; b < B; ++b) {
                                if (aw[b] >= threshold) {
                                    double utility = x.quality_utility[b * G + g] +
                                                     j.attitude_weight * at[b] +
                                                     j.reputation_weight * x.reputation[b];
                                    if (b == 0 && personalised) {
                                        utility += x.relevance;
                                    }
                                    weight[b] = std::exp(utility);
                                    total += weight[b];
                                }
                            }
                            double pick = journey.uniform() * total - 1;
                            for (std::size_t b = 0; b < B && pick >= 0; ++b) {
                                if (pick < weight[b]) {
                                    attempt(b);
                                    break;
                                }
                                pick -= weight[b];
                            }
                        }
                        if ((f & Flag::in_market) && !(f & Flag::active) &&
                            journey.uniform() < leave_market) {
                            f &= std::uint8_t(~Flag::in_market); // the need window closed
                        }
                    }
                } else {
                    // Retention: repurchase, problems of a defect, churn or switching.
                    const double again = segment.repurchase_rate * x.demand;
                    if (journey.uniform() < -std::expm1(-again * dt) && !attempt(cb)) {
                        sat = clamp_satisfaction(sat - 1);
                    }
                    if (x.problem_hazard[cb] > 0 &&
                        experience.uniform() < -std::expm1(-x.problem_hazard[cb] * dt)) {
                        problem(cb);
                    }
                    double churn = segment.churn_rate *
                                   (1 + j.dissatisfied_churn * std::max(0.0f, 8 - sat)) *
                                   ((f & Flag::unresolved) ? j.unresolved_churn : 1.0) *
                                   std::exp(-0.5 * at[cb]);
                    std::array<double, max_brands> retarget{};
                    double retargeting = 0;
                    if (cb == 0 && (f & Flag::known)) {
                        for (std::size_t b = 1; b < B; ++b) {
                            retarget[b] = s.brands[b].retarget_rate;
                            retargeting += retarget[b];
                        }
                    }
                    const double hazard = churn + retargeting;
                    const double u = journey.uniform();
                    const double leave = -std::expm1(-hazard * dt);
                    if (hazard > 0 && u < leave) {
                        t.churned[cb] += 1;
                        f &= std::uint8_t(~(Flag::active | Flag::complaint));
                        c.since[i] = float(now);
                        at[cb] = clamp_attitude(at[cb] - 0.5);
                        double pick = u / leave * hazard - churn;
                        bool switched = false;
                        for (std::size_t b = 1; b < B && pick >= 0; ++b) {
                            if (pick < retarget[b]) {
                                at[b] = clamp_attitude(at[b] + 1); // won over by a competitor
                                aw[b] = std::max(aw[b], threshold);
                                switched = true;
                                break;
                            }
                            pick -= retarget[b];
                        }
                        if (switched || journey.uniform() < j.switch_share) {
                            f |= Flag::in_market;
                        }
                    }
                }
                if (intrusion_complaint && !(f & Flag::complaint) && (f & Flag::active) &&
                    cb == 0) {
                    f |= Flag::complaint;
                    t.opened[0] += 1;
                }

                // Service: open complaints are handled within the call centre's capacity.
                if ((f & Flag::complaint) && (f & Flag::active) && !dry) {
                    t.open[cb] += 1; // the call centre's demand this step
                    Draws service(key_, step, Process::service, i);
                    if (service.uniform() < x.handle[cb]) {
                        if (service.uniform() < s.brands[cb].service.quality) {
                            // Recovery restores satisfaction to the trouble-free experience, no
                            // higher (de Matos et al. 2007).
                            sat = std::max(sat, c.experience[i]);
                            t.resolved[cb] += 1;
                        } else {
                            f |= Flag::unresolved;
                            sat = std::min(sat, 3.0f);
                            t.unresolved[cb] += 1;
                        }
                        f &= std::uint8_t(~Flag::complaint);
                    } else if (service.uniform() <
                               -std::expm1(-dt / s.brands[cb].service.patience_days)) {
                        f = std::uint8_t((f | Flag::unresolved) & ~Flag::complaint);
                        sat = std::min(sat, 3.0f);
                        t.unresolved[cb] += 1;
                    }
                }
                if ((f & Flag::active) && !(f & (Flag::complaint | Flag::unresolved)) && !dry) {
                    sat = float(sat + (c.experience[i] - sat) * relax);
                }

                // The voice the neighbours hear next step.
                Voice voice;
                if (cb != no_brand) {
                    const bool promoter = sat >= 9, detractor = sat < 7;
                    double talk = segment.talkativeness * market.talkativeness;
                    talk *= detractor ? 1.0 : promoter ? 1.0 : wom.passive_talk;
                    if (fades) {
                        talk *= std::exp(-(now - c.since[i]) / wom.buzz_decay_days);
                    }
                    if ((f & Flag::ambassador) && (f & Flag::active) && cb == 0) {
                        talk = std::max(talk, s.ambassadors.talk);
                        t.ambassadors += 1;
                    }
                    if (!(f & Flag::active) && !detractor) {
                        talk = 0; // former customers only talk about what went wrong
                    }
                    const double level = std::min(talk * voice_unit, 65535.0);
                    voice.level = std::uint16_t(level);
                    voice.brand = cb;
                    voice.negative = detractor && !((f & Flag::ambassador) && cb == 0);
                    t.talk[2 * cb + voice.negative] += voice.level;
                }
                next_voice[i] = voice;

                // Stage for the focal brand, and the tallies.
                Stage stage = Stage::unaware;
                if ((f & Flag::active) && cb == 0) {
                    stage = Stage::customer;
                } else if ((f & Flag::in_market) && aw[0] >= threshold) {
                    stage = Stage::considering;
                } else if (f & Flag::ever_focal) {
                    stage = Stage::lapsed;
                } else if (aw[0] >= threshold) {
                    stage = Stage::aware;
                }
                c.stage[i] = static_cast<std::uint8_t>(stage);
                for (std::size_t b = 0; b < B; ++b) {
                    t.aware[b] += aw[b] >= threshold;
                }
                if (f & Flag::active) {
                    t.customers[cb] += 1;
                    t.satisfaction[cb] += sat;
                    if (cb == 0) {
                        t.promoters += sat >= 9;
                        t.detractors += sat < 7;
                    }
                }
                t.considering += stage == Stage::considering;
                t.known += (f & Flag::known) != 0;
                t.consented += (f & Flag::known) && (f & Flag::consented);
                c.flags[i] = f;
                c.brand[i] = cb;
                c.satisfaction[i] = sat;
                c.last_touch[i] = touch;
            }
        });
    std::swap(c.voice, next_voice_);
    if (!dry) {
        ++step_;
    }
    kpis_.day = this->day();
    tally_journey(blocks, dry);
}

void Simulation::tally_journey(std::span<const JourneyTally> blocks, bool first) {
    Model& x = *model_;
    const Scenario& s = scenario_;
    const std::size_t B = x.brands, C = x.channels, M = x.markets;
    JourneyTally total;
    for (const auto& t : blocks) { // block order: the same sums on any thread count
        for (std::size_t k = 0; k < x.planned.size() * M; ++k) {
            total.weight[k] += t.weight[k];
        }
        for (std::size_t ch = 0; ch < C; ++ch) {
            total.exposures[ch] += t.exposures[ch];
            total.conversions[ch] += t.conversions[ch];
        }
        for (std::size_t b = 0; b < B; ++b) {
            total.aware[b] += t.aware[b];
            total.customers[b] += t.customers[b];
            total.attempts[b] += t.attempts[b];
            total.lost[b] += t.lost[b];
            total.purchases[b] += t.purchases[b];
            total.opened[b] += t.opened[b];
            total.resolved[b] += t.resolved[b];
            total.unresolved[b] += t.unresolved[b];
            total.churned[b] += t.churned[b];
            total.open[b] += t.open[b];
            total.revenue[b] += t.revenue[b];
            total.satisfaction[b] += t.satisfaction[b];
        }
        for (std::size_t k = 0; k < 2 * B; ++k) {
            total.talk[k] += t.talk[k];
        }
        total.considering += t.considering;
        total.promoters += t.promoters;
        total.detractors += t.detractors;
        total.wom_positive += t.wom_positive;
        total.wom_negative += t.wom_negative;
        total.consented += t.consented;
        total.known += t.known;
        total.new_focal += t.new_focal;
        total.new_by_ads += t.new_by_ads;
        total.new_by_wom += t.new_by_wom;
        total.ambassadors += t.ambassadors;
        total.edge_reads += t.edge_reads;
    }
    // What the next step needs from this one.
    std::copy(total.weight.begin(), total.weight.begin() + x.planned.size() * M,
              x.weight_sum.begin());
    std::copy(total.talk.begin(), total.talk.end(), x.talk.begin());
    const double dt = s.dt;
    for (std::size_t b = 0; b < B; ++b) {
        const auto& service = s.brands[b].service;
        const double orders = service.it_capacity * dt;
        x.served[b] = double(total.attempts[b]) > orders ? orders / double(total.attempts[b]) : 1.0;
        const double capacity = service.agents * service.handle_rate * dt;
        x.handle[b] = total.open[b] > 0 ? std::min(1.0, capacity / double(total.open[b])) : 1.0;
        x.reputation[b] = total.customers[b] > 0
                              ? (total.satisfaction[b] / double(total.customers[b]) - 7) / 3
                              : 0.0;
    }
    // KPIs: stocks now, flows added (the first call only fills the state of day 0).
    Kpis& k = kpis_;
    std::int64_t all_customers = 0;
    for (std::size_t b = 0; b < B; ++b) {
        k.brand_aware[b] = double(total.aware[b]);
        k.brand_customers[b] = double(total.customers[b]);
        all_customers += total.customers[b];
    }
    k.customers = total.customers[0];
    k.aware = total.aware[0];
    k.considering = double(total.considering);
    k.market_share = all_customers > 0 ? double(total.customers[0]) / double(all_customers) : 0.0;
    k.promoters = double(total.promoters);
    k.detractors = double(total.detractors);
    k.nps = total.customers[0] > 0
                ? 100.0 * double(total.promoters - total.detractors) / double(total.customers[0])
                : 0.0;
    k.consented = double(total.consented);
    k.known = double(total.known);
    if (first) {
        k.adopted = 0;
        for (std::uint32_t i = 0; i < graph_->num_customers(); ++i) {
            k.adopted += (state_.flags[i] & Flag::ever_focal) != 0;
        }
        return;
    }
    k.adopted += total.new_focal;
    k.adopted_by_ads += total.new_by_ads;
    k.adopted_by_wom += total.new_by_wom;
    k.purchases += double(total.purchases[0]);
    k.lost_sales += double(total.lost[0]);
    k.revenue += total.revenue[0];
    k.margin += total.revenue[0] * s.brands[0].margin;
    k.wom_positive += double(total.wom_positive);
    k.wom_negative += double(total.wom_negative);
    k.complaints_opened += double(total.opened[0]);
    k.complaints_resolved += double(total.resolved[0]);
    k.complaints_unresolved += double(total.unresolved[0]);
    k.churned += double(total.churned[0]);
    k.customer_days += double(total.customers[0]) * dt;
    for (std::size_t ch = 0; ch < C; ++ch) {
        k.channel_exposures[ch] += total.exposures[ch];
        k.channel_conversions[ch] += total.conversions[ch];
    }
    for (std::size_t p = 0; p < x.planned.size(); ++p) {
        const auto [b, ch] = x.planned[p];
        if (b != 0) {
            continue;
        }
        for (std::size_t m = 0; m < M; ++m) {
            k.channel_spend[ch] += x.spend[p * M + m] * dt;
            k.media_cost += x.spend[p * M + m] * dt;
        }
    }
    const auto& service = s.brands[0].service;
    k.service_cost +=
        (service.agents * service.cost_per_agent_day + service.logistics_cost_per_day) * dt;
    k.it_cost += service.it_cost_per_day * dt;
    if (s.personalisation.level != PersonalisationLevel::none) {
        k.data_cost += (s.personalisation.platform_cost_per_day +
                        s.personalisation.cost_per_known_per_day * double(total.known)) *
                       dt;
    }
    k.ambassador_cost += s.ambassadors.reward_per_day * double(total.ambassadors) * dt;
    k.profit =
        k.margin - k.media_cost - k.service_cost - k.it_cost - k.data_cost - k.ambassador_cost;
    work_.edge_reads += total.edge_reads;
    work_.agent_steps += graph_->num_customers();
}

} // namespace custsim
