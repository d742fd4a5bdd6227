// The customer-journey model (MODEL.md sections 3 to 6): the step of a Simulation whose
// scenario has brands. The instant funnel (Bass) lives in simulation.cpp.
#include "custsim/simulation.hpp"

#include "custsim/error.hpp"

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
    if (u <= 1 - mean - 1e-12) {
        return 0; // u <= 1 - mean <= e^-mean: no exposure, and no exp() needed
    }
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

/// Whether an event of hazard x = h dt happens to a customer whose draw is u: u < 1 - e^-x.
/// 1 - e^-x lies in [x - x^2/2, x], so most draws are decided without calling expm1.
bool happens(double u, double x) {
    if (u >= x) {
        return false;
    }
    if (u < (x - 0.5 * x * x) * (1 - 1e-12)) {
        return true;
    }
    return u < -std::expm1(-x);
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
            // The focal brand can buy any channel (a policy may move budget into it); competitors
            // only those their scripted plans name.
            const bool used = b == 0 || std::any_of(s.brands[b].media.begin(),
                                                    s.brands[b].media.end(), [&](const Flight& f) {
                                                        return f.channel == s.channels[c].name;
                                                    });
            if (used) {
                x.planned.emplace_back(std::uint8_t(b), std::uint8_t(c));
            }
        }
    }
    x.planned_from[B] = x.planned.size();
    const std::size_t P = x.planned.size();
    x.class_weight.assign(M * G * reach_classes * P, 0);
    x.class_rate.assign(M * G * reach_classes * P, 0);
    for (std::size_t m = 0; m < M; ++m) {
        for (std::size_t g = 0; g < G; ++g) {
            for (std::size_t k = 0; k < reach_classes; ++k) {
                const std::uint8_t stage_bit = std::uint8_t(1u << (k / 4)); // Reaches flags
                const bool data_ok = (k / 2) & 1, targeted = k & 1;
                for (std::size_t p = 0; p < P; ++p) {
                    const std::size_t ch = x.planned[p].second;
                    const Channel& channel = s.channels[ch];
                    double weight = 0;
                    if (x.available[m * C + ch] && (channel.works_on & stage_bit) &&
                        (!channel.needs_data || data_ok)) {
                        weight = x.affinity[g * C + ch];
                        if (targeted && (channel.data_targeted || channel.needs_data)) {
                            weight *= s.personalisation.target_weight;
                        }
                    }
                    x.class_weight[((m * G + g) * reach_classes + k) * P + p] = weight;
                }
            }
        }
    }
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
    x.consent.resize(M * G);
    for (std::size_t m = 0; m < M; ++m) {
        for (std::size_t g = 0; g < G; ++g) {
            x.consent[m * G + g] =
                x.market[m].consent_rate * (1 - 0.5 * x.segment[g].privacy_sensitivity);
        }
    }
    x.response_lift = level * p.response_lift;
    x.repeat_lift = level * p.conversion_lift;
    model_ = std::move(model);

    // Day 0: markets, segments, installed bases, initial awareness, seeds and ambassadors.
    const float threshold = float(s.journey.awareness_threshold);
    auto& c = state_;
    c.market.assign(n, 0);
    c.segment.assign(n, 0);
    c.brand.assign(n, no_brand);
    c.flags.assign(n, 0);
    c.last_touch.assign(n, touch_none);
    c.source.assign(n, touch_none);
    c.awareness.assign(std::size_t(n) * B, 0.0f);
    c.attitude.assign(std::size_t(n) * B, 0.0f);
    c.satisfaction.assign(n, 0.0f);
    c.experience.assign(n, 0.0f);
    c.buzz.assign(n, 0.0f);
    c.reachable.assign(n, 0);
    c.attention.assign(n, 1.0f);
    c.revenue.assign(n, 0.0f);
    // Neighbours read one representation of a voice: packed lanes for up to two brands.
    const bool lanes = B <= 2;
    c.voice.assign(lanes ? 0 : n, Voice{});
    next_voice_.assign(lanes ? 0 : n, Voice{});
    lanes_.assign(lanes ? n : 0, 0);
    next_lanes_.assign(lanes ? n : 0, 0);
    auto become_known = [&](std::uint32_t i, double u) {
        c.flags[i] |= Flag::known;
        if (u < x.consent[c.market[i] * G + c.segment[i]]) {
            c.flags[i] |= Flag::consented;
        }
    };
    auto make_customer = [&](std::uint32_t i, std::size_t b, double since, Draws& draws) {
        const std::size_t g = c.segment[i];
        c.brand[i] = std::uint8_t(b);
        c.flags[i] |= Flag::active;
        c.experience[i] = clamp_satisfaction(x.experience[b * G + g] + 3 * (draws.uniform() - 0.5));
        c.satisfaction[i] = c.experience[i];
        c.buzz[i] = std::isfinite(s.word_of_mouth.buzz_decay_days)
                        ? float(std::exp(std::min(since, 0.0) / s.word_of_mouth.buzz_decay_days))
                        : 1.0f;
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
        std::uint16_t reachable = 0;
        for (std::size_t ch = 0; ch < C; ++ch) {
            if (mix32(i * 16u + std::uint32_t(ch)) < x.reach_below[ch]) {
                reachable |= std::uint16_t(1u << ch);
            }
        }
        c.reachable[i] = reachable;
        // Media consumption is skewed (heavy and light viewers): lognormal, mean 1.
        const double spread = s.journey.attention_spread;
        if (spread > 0) {
            const double radius = std::sqrt(-2 * std::log(draws.uniform()));
            const double normal = radius * std::cos(2 * M_PI * draws.uniform());
            c.attention[i] = float(std::exp(spread * normal - 0.5 * spread * spread));
        }
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
    kpis_.channel_acquisitions.assign(C, 0);
    kpis_.brand_aware.assign(B, 0);
    kpis_.brand_customers.assign(B, 0);
    kpis_.market_aware.assign(M, 0);
    kpis_.market_customers.assign(M, 0);
    kpis_.market_revenue.assign(M, 0);
    step_journey(true);
}

void Simulation::set_focal_spend(const std::vector<double>& spend_per_day) {
    if (!model_) {
        throw ScenarioError("set_focal_spend: the instant funnel (no brands) has no media plan");
    }
    if (!spend_per_day.empty() && spend_per_day.size() != scenario_.channels.size()) {
        throw ScenarioError("set_focal_spend: expected " +
                            std::to_string(scenario_.channels.size()) +
                            " spends (one per channel, in the scenario's order), got " +
                            std::to_string(spend_per_day.size()));
    }
    for (double spend : spend_per_day) {
        if (!(spend >= 0) || !std::isfinite(spend)) {
            throw ScenarioError("set_focal_spend: spend per day must be finite and >= 0");
        }
    }
    model_->focal_spend = spend_per_day;
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
        if (b == 0 && !x.focal_spend.empty()) { // a policy's spend replaces the plan
            for (std::size_t m = 0; m < M; ++m) {
                if (x.available[m * C + c] && available_share > 0) {
                    x.spend[p * M + m] = x.focal_spend[c] * x.market[m].share / available_share;
                }
            }
        }
        for (const auto& flight : s.brands[b].media) {
            if (b == 0 && !x.focal_spend.empty()) {
                break;
            }
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
    const std::size_t G = x.segments, P = x.planned.size();
    for (std::size_t m = 0; m < M; ++m) {
        for (std::size_t k = 0; k < G * reach_classes; ++k) {
            const std::size_t row = (m * G * reach_classes + k) * P;
            for (std::size_t p = 0; p < P; ++p) {
                x.class_rate[row + p] = x.class_weight[row + p] * x.rate[p * M + m];
            }
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
    // Which processes run: all of them, none on the dry pass of day 0, or what a benchmark chose.
    const std::uint8_t on = dry ? 0 : processes_;
    constexpr std::uint8_t memory_on = std::uint8_t(StepProcess::memory),
                           exposure_on = std::uint8_t(StepProcess::exposure),
                           wom_on = std::uint8_t(StepProcess::word_of_mouth),
                           journey_on = std::uint8_t(StepProcess::journey),
                           service_on = std::uint8_t(StepProcess::service);
    Model& x = *model_;
    const Scenario& s = scenario_;
    const double dt = s.dt;
    const double day = double(step_) * dt;
    const double now = day + dt;
    plan_step(day);
    const std::size_t B = x.brands, C = x.channels, M = x.markets, G = x.segments;
    const std::size_t P = x.planned.size();
    const auto& j = s.journey;
    const auto& wom = s.word_of_mouth;
    const auto& per = s.personalisation;
    const float threshold = float(j.awareness_threshold);
    const float memory_decay = float(std::exp(-dt / j.memory_days));
    const float attitude_decay = float(std::exp(-dt / j.attitude_days));
    const double relax = -std::expm1(-dt / j.satisfaction_days);
    const double leave_market = -std::expm1(-dt / j.need_window_days);
    const double decide = -std::expm1(-j.decide_rate * dt);
    const float buzz_decay = float(std::exp(-dt / wom.buzz_decay_days));
    const bool fades = std::isfinite(wom.buzz_decay_days);
    const bool mean_field = graph_->is_mean_field();
    const double n = double(graph_->num_customers());
    const double wom_scale = wom.rate / voice_unit;
    // Tie weights in 1/64ths, so sums over ties stay integer: weak 1, strong `strong_tie`.
    constexpr double tie_unit = 4; // strong_tie counts in quarters
    const std::uint64_t tie_weight[2] = {
        std::uint64_t(tie_unit),
        std::uint64_t(std::clamp<long long>(std::llround(wom.strong_tie * tie_unit), 0, 64))};
    std::array<double, 2 * max_brands> mean_field_beta{};
    for (std::size_t k = 0; k < 2 * B; ++k) {
        mean_field_beta[k] = wom_scale * x.talk[k] / n;
    }
    const auto step = static_cast<std::uint32_t>(step_);
    const SocialGraph& graph = *graph_;
    Customers& c = state_;
    const Voice* heard_voice = c.voice.data();
    const std::uint64_t* heard_lanes = lanes_.data();
    std::uint64_t* next_lanes = next_lanes_.data();
    Voice* next_voice = next_voice_.data();
    const bool personalising = per.level != PersonalisationLevel::none;

    // Raw column pointers: the step loop writes through them without re-reading vectors.
    struct Columns {
        std::uint8_t *market, *segment, *brand, *flags, *last_touch, *source, *stage;
        float *awareness, *attitude, *satisfaction, *experience, *buzz, *revenue, *adopted_day;
        const std::uint16_t* reachable;
        const float* attention;
    };
    const Columns columns{
        c.market.data(),     c.segment.data(),      c.brand.data(),      c.flags.data(),
        c.last_touch.data(), c.source.data(),       c.stage.data(),      c.awareness.data(),
        c.attitude.data(),   c.satisfaction.data(), c.experience.data(), c.buzz.data(),
        c.revenue.data(),    c.adopted_day.data(),  c.reachable.data(),  c.attention.data()};
    std::vector<JourneyTally> blocks;
    for_each_block(
        graph.num_customers(), threads_, blocks,
        [&](std::int64_t first_customer, std::int64_t last_customer, JourneyTally& out) {
            // Locals: the compiler keeps them apart from the columns (no aliasing reloads).
            JourneyTally t;
            t.reach_count.assign(B * M * G * reach_classes, 0);
            const Columns col = columns;
            constexpr std::int64_t lookahead = 8;
            std::array<double, max_brands * max_channels> rates{};
            for (std::int64_t v = first_customer; v < last_customer; ++v) {
                if (!mean_field && v + lookahead < last_customer) {
                    for (const auto k :
                         graph.neighbours(static_cast<std::uint32_t>(v + lookahead))) {
                        __builtin_prefetch(B <= 2 ? static_cast<const void*>(heard_lanes + k)
                                                  : static_cast<const void*>(heard_voice + k));
                    }
                }
                const auto i = static_cast<std::uint32_t>(v);
                const std::size_t m = col.market[i], g = col.segment[i];
                const Market& market = x.market[m];
                const Segment& segment = x.segment[g];
                std::uint8_t f = col.flags[i];
                std::uint8_t cb = col.brand[i];
                float* aw = col.awareness + std::size_t(i) * B;
                float* at = col.attitude + std::size_t(i) * B;
                float sat = col.satisfaction[i];
                std::uint8_t touch = col.last_touch[i];
                std::uint8_t source = col.source[i];
                const bool strict = market.strict_privacy;
                const unsigned reachable = col.reachable[i];
                const double attention = col.attention[i];
                const bool personalised =
                    personalising && (f & Flag::known) &&
                    ((f & Flag::consented) || (per.consent == ConsentStrategy::assume && !strict));

                // Memory and attitude fade; a brand in use stays in mind.
                for (std::size_t b = 0; b < B && (on & memory_on); ++b) {
                    aw[b] *= memory_decay;
                    at[b] *= attitude_decay;
                }
                if (f & Flag::active) {
                    aw[cb] = std::max(aw[cb], 2 * threshold);
                }
                std::array<bool, max_brands> prompted{};
                bool repeat_prompted = false;
                bool intrusion_complaint = false;

                // Exposure: each brand's planned channels reach this customer at a rate looked
                // up by its reach class (market, segment, stage, data, targeting). Brand b owns
                // positions 2b and 2b + 1 of one stream; rarer draws come from its own stream.
                Draws exposure(key_, step, Process::exposure, i);
                for (std::size_t b = 0; b < B; ++b) {
                    const std::size_t from = x.planned_from[b], to = x.planned_from[b + 1];
                    if (from == to) {
                        continue;
                    }
                    const bool own = (f & Flag::active) && cb == b;
                    const unsigned stage_class = own ? 2u : (f & Flag::in_market) ? 1u : 0u;
                    const bool data_ok =
                        b == 0 ? (f & Flag::known) && ((f & Flag::consented) ||
                                                       per.consent == ConsentStrategy::assume)
                               : own;
                    const bool targeted = b == 0 && personalised && (f & Flag::in_market);
                    const unsigned reach_class = stage_class * 4 + data_ok * 2 + targeted;
                    t.reach_count[(b * M * G + m * G + g) * reach_classes + reach_class] +=
                        attention;
                    const double* class_rate =
                        x.class_rate.data() + ((m * G + g) * reach_classes + reach_class) * P;
                    double total = 0;
                    for (std::size_t p = from; p < to; ++p) {
                        rates[p] = (reachable >> x.planned[p].second & 1u)
                                       ? class_rate[p] * attention
                                       : 0.0;
                        total += rates[p];
                    }
                    if (total <= 0 || !(on & exposure_on)) {
                        continue;
                    }
                    const std::uint32_t k = poisson(total * dt, exposure.uniform_at(2 * b));
                    if (k == 0) {
                        continue;
                    }
                    Draws draws(key_, step, Process(std::uint32_t(Process::exposure) + 1 + b), i);
                    double pick = exposure.uniform_at(2 * b + 1) * total;
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
                        if (channel.repeat_prompt > 0 && (f & Flag::active) && cb == b &&
                            (channel.works_on & std::uint8_t(Reaches::retention))) {
                            // A reminder (an e-mail, the pack in hand) prompts a repeat purchase;
                            // personalised, it converts better (Sahni et al. 2018: +31 % leads).
                            const double conversion =
                                channel.repeat_prompt *
                                (b == 0 && personalised && channel.needs_data ? 1 + x.repeat_lift
                                                                              : 1.0);
                            repeat_prompted |= draws.uniform() <
                                               1 - std::pow(1 - std::min(conversion, 1.0), times);
                        }
                        if (b != 0) {
                            return;
                        }
                        t.exposures[ch] += times;
                        touch = std::uint8_t(ch);
                        if (aw[0] >= threshold && source == touch_none) {
                            source = std::uint8_t(ch); // how the customer found the brand
                        }
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
                            if (draws.uniform() < x.consent[m * G + g]) {
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
                if (!(on & wom_on)) {
                } else if (mean_field) {
                    for (std::size_t k = 0; k < 2 * B; ++k) {
                        beta[k] = mean_field_beta[k];
                        beta_total += beta[k];
                    }
                } else {
                    const auto ties = graph.neighbours(i);
                    const auto strong = graph.strong_ties(i);
                    if (B <= 2 && ties.size() < 4096) {
                        // Two brands' four (brand, valence) sums ride in 32-bit lanes of two
                        // integers: a tie costs a load, two masks, two multiplies, two adds.
                        // Lanes hold 65535 x 16 x 4096 < 2^32, so they never overflow.
                        constexpr std::uint64_t even = 0x0000FFFF0000FFFFull;
                        std::uint64_t sum_even = 0, sum_odd = 0;
                        for (std::size_t e = 0; e < ties.size(); ++e) {
                            const std::uint64_t heard = heard_lanes[ties[e]];
                            const std::uint64_t weight = tie_weight[strong[e]];
                            sum_even += (heard & even) * weight;
                            sum_odd += (heard >> 16 & even) * weight;
                        }
                        beta[0] = double(sum_even & 0xFFFFFFFFu) / tie_unit;
                        beta[1] = double(sum_odd & 0xFFFFFFFFu) / tie_unit;
                        beta[2] = double(sum_even >> 32) / tie_unit;
                        beta[3] = double(sum_odd >> 32) / tie_unit;
                    } else {
                        for (std::size_t e = 0; e < ties.size(); ++e) {
                            const Voice heard = heard_voice[ties[e]];
                            if (heard.level) {
                                beta[2 * heard.brand + heard.negative] +=
                                    double(heard.level) * tie_weight[strong[e]] / tie_unit;
                            }
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
                    if (happens(u, beta_total * dt)) {
                        const double hear = -std::expm1(-beta_total * dt);
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
                            if (aw[0] >= threshold && source == touch_none) {
                                source = touch_word_of_mouth;
                            }
                        }
                    }
                }

                // Journey transitions, purchases, experience.
                Draws journey(key_, step, Process::journey, i);
                Draws experience(key_, step, Process::experience, i);
                auto problem = [&](std::size_t b) {
                    sat = clamp_satisfaction(col.experience[i] - j.problem_drop);
                    if (!(f & Flag::complaint) && experience.uniform() < j.complaint_share) {
                        f |= Flag::complaint;
                        t.opened[b] += 1;
                    }
                };
                auto purchase = [&](std::size_t b) {
                    const bool repeat = (f & Flag::active) && cb == b;
                    if (!repeat) {
                        f &= std::uint8_t(~(Flag::complaint | Flag::unresolved));
                        col.experience[i] = clamp_satisfaction(x.experience[b * G + g] +
                                                               3 * (experience.uniform() - 0.5));
                        sat = col.experience[i];
                    }
                    if (b == 0 && !(f & Flag::ever_focal)) {
                        f |= Flag::ever_focal;
                        col.adopted_day[i] = float(now);
                        t.new_focal += 1;
                        // Acquisition is credited to what made the customer aware of the brand.
                        if (source == touch_word_of_mouth) {
                            t.new_by_wom += 1;
                        } else {
                            t.new_by_ads += 1;
                            if (source < C) {
                                t.acquisitions[source] += 1;
                            }
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
                    col.buzz[i] = 1.0f;
                    const double price = s.brands[b].price * market.price_level;
                    col.revenue[i] += float(price);
                    t.revenue[b] += price;
                    if (b == 0) {
                        t.market_revenue[m] += price;
                    }
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
                        if (experience.uniform() < x.consent[m * G + g]) {
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
                if (!(on & journey_on)) {
                } else if (!(f & Flag::active)) {
                    if (!(f & Flag::in_market)) {
                        float best = -3;
                        bool knows_any = false;
                        for (std::size_t b = 0; b < B; ++b) {
                            if (aw[b] >= threshold && at[b] > j.reject_attitude) {
                                knows_any = true;
                                best = std::max(best, at[b]);
                            }
                        }
                        if (knows_any) {
                            double need = segment.need_rate * x.demand;
                            if (best > 0) {
                                need *= std::exp(j.need_attitude * best);
                            }
                            if (happens(journey.uniform(), need * dt)) {
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
                                if (aw[b] >= threshold && at[b] > j.reject_attitude) {
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
                    const bool buys_again = happens(journey.uniform(), again * dt);
                    if ((buys_again || repeat_prompted) && !attempt(cb)) {
                        sat = clamp_satisfaction(sat - 1);
                    }
                    if (x.problem_hazard[cb] > 0 &&
                        happens(experience.uniform(), x.problem_hazard[cb] * dt)) {
                        problem(cb);
                    }
                    // Attitude scales churn by e^(-a/2) <= e^1.5: the exact hazard is only
                    // worked out when the draw falls below that bound.
                    double churn = segment.churn_rate *
                                   (1 + j.dissatisfied_churn * std::max(0.0f, 8 - sat)) *
                                   ((f & Flag::unresolved) ? j.unresolved_churn : 1.0);
                    std::array<double, max_brands> retarget{};
                    double retargeting = 0;
                    if (cb == 0 && (f & Flag::known)) {
                        for (std::size_t b = 1; b < B; ++b) {
                            retarget[b] = s.brands[b].retarget_rate;
                            retargeting += retarget[b];
                        }
                    }
                    const double u = journey.uniform();
                    const bool may_leave = u < (churn * std::exp(1.5) + retargeting) * dt;
                    if (may_leave) {
                        churn *= std::exp(-0.5 * at[cb]);
                    }
                    const double hazard = churn + retargeting;
                    if (may_leave && hazard > 0 && happens(u, hazard * dt)) {
                        const double leave = -std::expm1(-hazard * dt);
                        t.churned[cb] += 1;
                        f &= std::uint8_t(~(Flag::active | Flag::complaint));
                        col.buzz[i] = 1.0f;
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
                if ((f & Flag::complaint) && (f & Flag::active) && (on & service_on)) {
                    t.open[cb] += 1; // the call centre's demand this step
                    Draws service(key_, step, Process::service, i);
                    if (service.uniform() < x.handle[cb]) {
                        if (service.uniform() < s.brands[cb].service.quality) {
                            // Recovery restores satisfaction to the trouble-free experience, no
                            // higher (de Matos et al. 2007).
                            sat = std::max(sat, col.experience[i]);
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
                if ((f & Flag::active) && !(f & (Flag::complaint | Flag::unresolved)) &&
                    (on & journey_on)) {
                    sat = float(sat + (col.experience[i] - sat) * relax);
                }

                // The voice the neighbours hear next step.
                Voice voice;
                if (cb != no_brand) {
                    const bool promoter = sat >= 9, detractor = sat < 7;
                    double talk = segment.talkativeness * market.talkativeness;
                    talk *= detractor ? 1.0 : promoter ? 1.0 : wom.passive_talk;
                    if (fades) {
                        col.buzz[i] *= buzz_decay;
                        talk *= col.buzz[i];
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
                if (B <= 2) {
                    next_lanes[i] = std::uint64_t(voice.level)
                                    << (16 * (2 * voice.brand + voice.negative));
                } else {
                    next_voice[i] = voice;
                }

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
                col.stage[i] = static_cast<std::uint8_t>(stage);
                for (std::size_t b = 0; b < B; ++b) {
                    t.aware[b] += aw[b] >= threshold;
                }
                t.market_aware[m] += aw[0] >= threshold;
                t.market_customers[m] += (f & Flag::active) && cb == 0;
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
                col.flags[i] = f;
                col.brand[i] = cb;
                col.satisfaction[i] = sat;
                col.last_touch[i] = touch;
                // Forgotten brands are found again, perhaps another way.
                col.source[i] = aw[0] >= threshold || (f & Flag::ever_focal) ? source : touch_none;
            }
            out = t;
        });
    std::swap(c.voice, next_voice_);
    std::swap(lanes_, next_lanes_);
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
    const std::size_t G = x.segments, P = x.planned.size();
    JourneyTally total;
    total.reach_count.assign(B * M * G * reach_classes, 0);
    for (const auto& t : blocks) { // block order: the same sums on any thread count
        for (std::size_t k = 0; k < total.reach_count.size(); ++k) {
            total.reach_count[k] += t.reach_count[k];
        }
        for (std::size_t ch = 0; ch < C; ++ch) {
            total.exposures[ch] += t.exposures[ch];
            total.conversions[ch] += t.conversions[ch];
            total.acquisitions[ch] += t.acquisitions[ch];
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
        for (std::size_t m = 0; m < M; ++m) {
            total.market_aware[m] += t.market_aware[m];
            total.market_customers[m] += t.market_customers[m];
            total.market_revenue[m] += t.market_revenue[m];
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
    // Weight reachable per pair and market: customers per reach class times the class's
    // weight, times the share of customers the channel reaches (expected, not counted).
    for (std::size_t p = 0; p < P; ++p) {
        const auto [b, ch] = x.planned[p];
        for (std::size_t m = 0; m < M; ++m) {
            double weight = 0;
            for (std::size_t g = 0; g < G; ++g) {
                for (std::size_t k = 0; k < reach_classes; ++k) {
                    weight += total.reach_count[(b * M * G + m * G + g) * reach_classes + k] *
                              x.class_weight[((m * G + g) * reach_classes + k) * P + p];
                }
            }
            x.weight_sum[p * M + m] = weight * s.channels[ch].reach;
        }
    }
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
    for (std::size_t m = 0; m < M; ++m) {
        k.market_aware[m] = double(total.market_aware[m]);
        k.market_customers[m] = double(total.market_customers[m]);
        if (!first) {
            k.market_revenue[m] += total.market_revenue[m];
        }
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
        k.channel_acquisitions[ch] += total.acquisitions[ch];
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
