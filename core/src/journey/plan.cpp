// The policy of a journey step, set serially before the customer loop: today's spend per
// (brand, channel) pair and market from the flights or a policy, the exposure rate per unit of
// reach weight, and the events in force (peak demand, product problems).
#include "custsim/simulation.hpp"

#include "custsim/error.hpp"

#include "journey/journey_model.hpp"

#include <algorithm>
#include <cmath>

namespace custsim {

void JourneyModel::set_focal_spend(const std::vector<double>& spend_per_day) {
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

void JourneyModel::brand_spend(std::size_t b, std::size_t c, double day, double* per_market,
                               bool flights_only) const {
    const JourneyTables& x = *model_;
    const auto& s = scenario_;
    const std::size_t M = x.markets, C = x.channels;
    std::fill(per_market, per_market + M, 0.0);
    // Before the focal brand enters a market its channels are not there: flights naming the
    // market spend nothing, flights for all markets spread over the others.
    const auto open = [&](std::size_t m) {
        return x.available[m * C + c] && (b != 0 || day >= x.market[m].entry.day);
    };
    double available_share = 0;
    for (std::size_t m = 0; m < M; ++m) {
        available_share += open(m) ? x.market[m].share : 0.0;
    }
    // A policy's spend replaces the plan: one set from outside (Python) first, else the budget
    // policy's of the scenario.
    const std::vector<double>& set = x.focal_spend.empty() ? x.policy_spend : x.focal_spend;
    if (b == 0 && !flights_only && !set.empty()) {
        for (std::size_t m = 0; m < M; ++m) {
            if (open(m) && available_share > 0) {
                per_market[m] = set[c] * x.market[m].share / available_share;
            }
        }
        return;
    }
    for (const auto& flight : s.brands[b].media) {
        if (flight.channel != s.channels[c].name || day < flight.from || day >= flight.until) {
            continue;
        }
        for (std::size_t m = 0; m < M; ++m) {
            if (!open(m)) {
                continue;
            }
            if (flight.market.empty()) {
                per_market[m] +=
                    flight.spend_per_day * x.market[m].share / std::max(available_share, 1e-300);
            } else if (flight.market == x.market[m].name) {
                per_market[m] += flight.spend_per_day;
            }
        }
    }
}

/// A competitor matching the focal brand's advertising adds `match_share` of the focal brand's
/// spend on channel c `lag_days` before `day`, in each market.
void JourneyModel::add_matched_spend(std::size_t b, std::size_t c, double day,
                                     double* per_market) const {
    const Brand& brand = scenario_.brands[b];
    const double then = day - brand.lag_days;
    if (b == 0 || !(brand.match_share > 0) || then < 0) {
        return;
    }
    std::vector<double> focal(model_->markets);
    brand_spend(0, c, then, focal.data());
    for (std::size_t m = 0; m < model_->markets; ++m) {
        per_market[m] += brand.match_share * focal[m];
    }
}

std::vector<double> JourneyModel::planned_spend(double day) const {
    std::vector<double> spend(model_->channels, 0.0), per_market(model_->markets);
    for (std::size_t c = 0; c < model_->channels; ++c) {
        brand_spend(0, c, day, per_market.data());
        for (double m : per_market) {
            spend[c] += m;
        }
    }
    return spend;
}

/// Brand b's price factor on `day` from its own price events alone.
double JourneyModel::own_price_factor(std::size_t b, double day) const {
    double factor = 1;
    for (const auto& e : scenario_.events) {
        if (e.kind == EventKind::price && day >= e.from && day < e.until &&
            (e.brand.empty() ? b == 0 : scenario_.brands[b].name == e.brand)) {
            factor *= e.factor;
        }
    }
    return factor;
}

/// Today's price factors: each brand's own price events, and a competitor's answer to the focal
/// brand's cut lag_days ago; the utilities move with them (MODEL.md 5, price sensitivity).
void JourneyModel::set_prices(double day) {
    JourneyTables& x = *model_;
    const auto& s = scenario_;
    double mean_price = 0;
    for (const auto& brand : s.brands) {
        mean_price += brand.price / double(x.brands);
    }
    for (std::size_t b = 0; b < x.brands; ++b) {
        const Brand& brand = s.brands[b];
        double factor = own_price_factor(b, day);
        const double then = day - brand.lag_days;
        if (b != 0 && brand.price_answer > 0 && then >= 0) {
            factor *= std::max(0.01, 1 - brand.price_answer * (1 - own_price_factor(0, then)));
        }
        x.price_factor[b] = factor;
        for (std::size_t g = 0; g < x.segments; ++g) {
            x.quality_utility[b * x.segments + g] =
                x.list_utility[b * x.segments + g] -
                x.segment[g].price_sensitivity * brand.price * (factor - 1) / mean_price;
        }
    }
}

// Market entry: before `entry.day` the focal brand's distribution in the market is 0; from it,
// distribution rises linearly to 1 over `ramp_days` (retail distribution is built store by
// store; the linear shape and the ramp's length are assumptions). The fixed cost falls in the
// step in which the brand arrives, as the market's money of which the sample bears its share.
void JourneyModel::plan_entry(double day) {
    JourneyTables& x = *model_;
    const double before = (double(step_) - 1) * scenario_.dt; // the last step's day
    x.entry_cost = 0;
    for (std::size_t m = 0; m < x.markets; ++m) {
        const MarketEntry& entry = x.market[m].entry;
        const double since = day - entry.day;
        x.distribution[m] = since < 0               ? 0.0
                            : entry.ramp_days > 0.0 ? std::min(1.0, since / entry.ramp_days)
                                                    : 1.0;
        if (since >= 0 && (step_ == 0 || before < entry.day)) {
            x.entry_cost += entry.fixed_cost * x.sample_share;
        }
    }
}

void JourneyModel::plan_budget(double day) {
    JourneyTables& x = *model_;
    if (!budget_.active()) {
        return;
    }
    std::vector<double> plan(x.channels, 0.0), per_market(x.markets);
    for (std::size_t c = 0; c < x.channels; ++c) {
        brand_spend(0, c, day, per_market.data(), true);
        for (double m : per_market) {
            plan[c] += m;
        }
    }
    budget_.plan(step_, kpis_, key_, plan, x.policy_spend);
}

void JourneyModel::plan_step(double day) {
    JourneyTables& x = *model_;
    const auto& s = scenario_;
    const std::size_t M = x.markets;
    plan_budget(day);
    for (std::size_t p = 0; p < x.planned.size(); ++p) {
        const auto [b, c] = x.planned[p];
        brand_spend(b, c, day, x.spend.data() + p * M);
        add_matched_spend(b, c, day, x.spend.data() + p * M);
        for (std::size_t m = 0; m < M; ++m) {
            // The market's impressions; the sample's customers see their share of them.
            const double impressions = x.spend[p * M + m] /
                                       (s.channels[c].cpm * x.market[m].cost_level) * 1000 *
                                       x.sample_share;
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
    if (x.prices_move) {
        set_prices(day);
    }
    plan_entry(day);
    x.demand = 1;
    x.problem_extra.fill(0);
    x.problem_hazard.fill(0);
    for (const auto& e : s.events) {
        if (day < e.from || day >= e.until) {
            continue;
        }
        if (e.kind == EventKind::peak) {
            x.demand *= e.demand;
        } else if (e.kind == EventKind::defect) {
            std::size_t b = 0;
            while (!e.brand.empty() && s.brands[b].name != e.brand) {
                ++b;
            }
            x.problem_extra[b] += e.problem_rate;
            x.problem_hazard[b] += e.problem_hazard;
        }
    }
}

} // namespace custsim
