// The scenario resolved into the journey model's flat tables (JourneyTables), once per run:
// markets and segments, channels by market and segment, brands' experience and utility, the
// (brand, channel) pairs some flight buys, reach classes, personalisation.
#include "journey/build.hpp"

#include <algorithm>
#include <cmath>

namespace custsim {

namespace {

template <class Key, class Value>
Value lookup(const std::map<Key, Value>& map, const Key& key, Value otherwise) {
    const auto found = map.find(key);
    return found == map.end() ? otherwise : found->second;
}

/// Markets are contiguous ranges of customers, so generated graphs (whose ties are mostly local,
/// and whose stochastic blocks are ranges too) keep each market's ties mostly inside.
void resolve_markets(JourneyTables& x, std::uint32_t n) {
    const std::size_t M = x.markets, G = x.segments;
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
}

/// Where each channel exists, what an exposure to it is worth, whom it reaches.
void resolve_channels(JourneyTables& x, const Scenario& s) {
    const std::size_t C = x.channels, M = x.markets, G = x.segments;
    x.available.assign(M * C, 1);
    x.effect.assign(M * C, 0);
    x.persuasion.assign(M * C, 0);
    x.prompt.assign(M * C, 1);
    for (std::size_t m = 0; m < M; ++m) {
        const Market& market = x.market[m];
        for (std::size_t c = 0; c < C; ++c) {
            const auto& allowed = market.channels;
            x.available[m * C + c] =
                allowed.empty() ||
                std::find(allowed.begin(), allowed.end(), s.channels[c].name) != allowed.end();
            // Memory: the model's unit times the source's relative trust (Nielsen 2015 shares).
            x.effect[m * C + c] = market.memory_per_touch * s.channels[c].trust * market.trust_ads;
            // Strict privacy blunts what data-targeted ads do to purchase intent (Goldfarb &
            // Tucker 2011), not what is remembered of them: persuasion and purchase prompts.
            const double privacy = market.strict_privacy && s.channels[c].data_targeted
                                       ? 1 - market.privacy_loss
                                       : 1.0;
            x.persuasion[m * C + c] = s.channels[c].persuasion * privacy;
            x.prompt[m * C + c] = s.channels[c].prompt * privacy;
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
}

/// A trouble-free purchase's satisfaction and the choice utility without attitude, per brand and
/// segment (MODEL.md 4.4, 4.6).
void resolve_brands(JourneyTables& x, const Scenario& s) {
    const std::size_t B = x.brands, G = x.segments;
    double mean_price = 0;
    for (const auto& b : s.brands) {
        mean_price += b.price / double(B);
    }
    x.experience.resize(B * G);
    x.quality_utility.resize(B * G);
    for (std::size_t b = 0; b < B; ++b) {
        for (std::size_t g = 0; g < G; ++g) {
            // Quality, the service every buyer gets, against what the segment expects.
            x.experience[b * G + g] =
                std::clamp(8 + 4 * (s.brands[b].quality - 0.5) +
                               s.journey.service_gain * s.brands[b].service.level -
                               0.5 * (x.segment[g].service_expectation - 7),
                           0.0, 10.0);
            x.quality_utility[b * G + g] =
                s.journey.purchase_intent +
                s.journey.quality_weight * 2 * (s.brands[b].quality - 0.5) -
                x.segment[g].price_sensitivity * (s.brands[b].price / mean_price - 1);
        }
    }
    x.list_utility = x.quality_utility;
    x.price_factor.fill(1.0);
    x.prices_move = std::any_of(s.events.begin(), s.events.end(),
                                [](const Event& e) { return e.kind == EventKind::price; });
}

/// The (brand, channel) pairs that can spend, and each reach class's weight for each pair.
void resolve_reach(JourneyTables& x, const Scenario& s) {
    const std::size_t B = x.brands, C = x.channels, M = x.markets, G = x.segments;
    x.planned_from.assign(B + 1, 0);
    for (std::size_t b = 0; b < B; ++b) {
        x.planned_from[b] = x.planned.size();
        for (std::size_t c = 0; c < C; ++c) {
            // The focal brand can buy any channel (a policy may move budget into it);
            // competitors only those their scripted plans name.
            const bool used =
                b == 0 || s.brands[b].match_share > 0 ||
                std::any_of(s.brands[b].media.begin(), s.brands[b].media.end(),
                            [&](const Flight& f) { return f.channel == s.channels[c].name; });
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
                        const std::size_t b = x.planned[p].first;
                        if (targeted && b == 0 && (channel.data_targeted || channel.needs_data)) {
                            weight *= s.personalisation.target_weight;
                        } else if (targeted && b != 0 && channel.data_targeted) {
                            weight *= s.brands[b].conquest_weight; // conquesting
                        }
                    }
                    x.class_weight[((m * G + g) * reach_classes + k) * P + p] = weight;
                }
            }
        }
    }
    x.spend.assign(P * M, 0);
    x.rate.assign(P * M, 0);
    x.weight_sum.assign(P * M, 0);
}

/// Consent per market and segment; what personalising adds (MODEL.md 5): Sahni, Wheeler &
/// Chintagunta 2018's +20 % opens, +31 % leads and -17 % unsubscribes of personalised e-mails.
void resolve_personalisation(JourneyTables& x, const Scenario& s) {
    const auto& p = s.personalisation;
    const double level = p.level == PersonalisationLevel::individual ? 1.0
                         : p.level == PersonalisationLevel::segment  ? 0.5
                                                                     : 0.0;
    x.relevance = level * std::log1p(p.conversion_lift);
    x.consent.resize(x.markets * x.segments);
    for (std::size_t m = 0; m < x.markets; ++m) {
        for (std::size_t g = 0; g < x.segments; ++g) {
            x.consent[m * x.segments + g] =
                x.market[m].consent_rate * (1 - 0.5 * x.segment[g].privacy_sensitivity);
        }
    }
    x.response_lift = level * p.response_lift;
    x.repeat_lift = level * p.conversion_lift;
    x.unsubscribe_cut = level * p.unsubscribe_cut;
}

} // namespace

/// The triggered policies (policies: retarget, follow_up, win_back) in steps and channel indices.
void resolve_triggers(JourneyTables& x, const Scenario& s) {
    const auto channel = [&](const std::string& name) {
        std::size_t c = 0;
        while (c + 1 < s.channels.size() && s.channels[c].name != name) {
            ++c;
        }
        return c;
    };
    const auto at_least_one = [&](double days) {
        return std::max<std::uint32_t>(1, std::uint32_t(std::ceil(days / s.dt - 1e-9)));
    };
    Triggers& g = x.triggers;
    for (const Policy& p : s.policies) {
        if (p.kind == PolicyKind::retarget) {
            g.retarget = true;
            g.channel = std::uint8_t(channel(p.channel));
            for (const auto& name : p.intent_channels) {
                g.intent_mask = std::uint16_t(g.intent_mask | (1u << channel(name)));
            }
            g.within_steps = std::uint32_t(std::floor(p.within_days / s.dt + 1e-9));
            g.gap_steps = at_least_one(p.gap_days);
            g.cap = p.cap;
            g.touch_cost = p.cost;
        } else if (p.kind == PolicyKind::follow_up) {
            g.follow_up = true;
            g.follow_after = at_least_one(p.after_days);
            g.follow_satisfaction = p.satisfaction_gain;
            g.follow_attitude = p.attitude_gain;
            g.follow_cost = p.cost;
        } else if (p.kind == PolicyKind::win_back) {
            g.win_back = true;
            g.win_after = at_least_one(p.after_days);
            g.win_response = p.response;
            g.win_attitude = p.attitude_gain;
            g.win_cost = p.cost;
        }
    }
}

std::unique_ptr<JourneyTables> build_journey_tables(const Scenario& s, std::uint32_t customers) {
    auto model = std::make_unique<JourneyTables>();
    JourneyTables& x = *model;
    x.market = s.markets.empty() ? std::vector<Market>{Market{}} : s.markets;
    x.segment = s.segments.empty() ? std::vector<Segment>{Segment{}} : s.segments;
    x.brands = s.brands.size();
    x.channels = s.channels.size();
    x.markets = x.market.size();
    x.segments = x.segment.size();
    resolve_markets(x, customers);
    resolve_channels(x, s);
    resolve_brands(x, s);
    resolve_reach(x, s);
    resolve_personalisation(x, s);
    resolve_triggers(x, s);
    x.served.fill(1);
    x.distribution.fill(1);
    x.handle.fill(1);
    x.sample_share = s.represents > 0 ? double(customers) / s.represents : 1.0;
    return model;
}

} // namespace custsim
