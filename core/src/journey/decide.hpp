#pragma once
// decide: what a customer does about the category this step (MODEL.md 4.3-4.5).
// - A prospect who knows an acceptable brand comes into the market at the segment's need rate
//   (times seasonal demand, raised by a liked brand: need_attitude).
// - A shopper decides at decide_rate, or at once when a consideration touch prompted it, by a
//   multinomial logit over the brands it knows and does not reject (quality, price, attitude,
//   reputation, personal relevance) against not buying now; the need window may close.
// - A customer repurchases at the segment's rate (times its appetite), raised by satisfaction and
//   attitude (or when reminded): the same brand, or with repeat_choice: repertoire a brand chosen
//   again by logit with inertia towards the last one; may hit a product defect, and churns at a
//   hazard set by the customer's propensity, raised by dissatisfaction and an unresolved complaint,
//   lowered by a good attitude (e^(-attitude_churn a)) and by the brand's retention programme;
//   competitors' retargeting poaches known customers; some who leave switch at once.
// Reads: flags, brand, awareness, attitude, satisfaction, prompts, reputation, demand.
// Writes: flags, brand, awareness, attitude, satisfaction, buzz, tallies (via purchase).
// Draws: Process::journey, and Process::experience through purchase.
#include "journey/purchase.hpp"

namespace custsim {

/// Whether brand b is one the customer knows and does not reject.
CUSTSIM_PROCESS bool acceptable(const StepContext& x, const Customer& c, std::size_t b) {
    return c.memory(b) >= x.threshold && c.attitude[b] > x.scenario.journey.reject_attitude;
}

/// The customer's category purchase rate relative to the segment's (1 if all alike).
CUSTSIM_PROCESS double appetite(const StepContext& x, const Customer& c) {
    return x.columns.appetite ? double(x.columns.appetite[c.id]) : 1.0;
}

/// A prospect's need arises, sooner for a liked brand.
CUSTSIM_PROCESS void need(const StepContext& x, Customer& c, DecideDraws& d) {
    float best = -3;
    bool knows_any = false;
    for (std::size_t b = 0; b < x.brands; ++b) {
        if (acceptable(x, c, b)) {
            knows_any = true;
            best = std::max(best, c.attitude[b]);
        }
    }
    if (!knows_any) {
        return;
    }
    double rate = c.segment->need_rate * x.model.demand * appetite(x, c);
    if (best > 0) {
        rate *= std::exp(x.scenario.journey.need_attitude * best);
    }
    if (happens(d.journey.uniform(), rate * x.dt)) {
        c.flags |= Flag::in_market;
    }
}

/// What the customer knows of brand b from others' experience: without reviews, the reputation
/// every decision sees; with them, the rating a reader trusts as far as its volume allows.
CUSTSIM_PROCESS double hearsay(const StepContext& x, std::size_t b, bool reads) {
    const auto& r = x.scenario.reviews;
    if (!r.enabled) {
        return x.scenario.journey.reputation_weight * x.model.reputation[b];
    }
    return reads && x.model.review_trust[b] > 0
               ? r.weight * (x.model.rating[b] - 3) / 2 * x.model.review_trust[b]
               : 0.0;
}

/// Whether this decision reads reviews: prompted by a channel that shows them, or by choice.
CUSTSIM_PROCESS bool reads_reviews(const StepContext& x, const Customer& c, DecideDraws& d) {
    const auto& r = x.scenario.reviews;
    return r.enabled && (c.read_reviews || d.journey.uniform() < r.read);
}

/// The utility of brand b to the customer: quality for the segment, attitude, what others say.
CUSTSIM_PROCESS double utility(const StepContext& x, const Customer& c, std::size_t b, bool reads) {
    return x.model.quality_utility[b * x.segments + c.g] +
           x.scenario.journey.attitude_weight * c.attitude[b] + hearsay(x, b, reads);
}

/// The brand on whose weight the point `pick` falls, weights laid end to end; x.brands if it falls
/// past them all (or before them: pick < 0).
CUSTSIM_PROCESS std::size_t
weighted_pick(const StepContext& x, const std::array<double, max_brands>& weight, double pick) {
    for (std::size_t b = 0; b < x.brands && pick >= 0; ++b) {
        if (pick < weight[b]) {
            return b;
        }
        pick -= weight[b];
    }
    return x.brands;
}

/// A shopper chooses among acceptable brands by multinomial logit, against not buying now.
CUSTSIM_PROCESS void choose(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d) {
    const bool prompt =
        std::any_of(c.prompted.begin(), c.prompted.begin() + x.brands, [](bool p) { return p; });
    const double u = d.journey.uniform();
    if (prompt || u < x.decide) {
        std::array<double, max_brands> weight{};
        double total = 1;
        const bool reads = reads_reviews(x, c, d);
        for (std::size_t b = 0; b < x.brands; ++b) {
            if (acceptable(x, c, b)) {
                const double relevance = b == 0 && c.personal_prompt ? x.model.relevance : 0.0;
                weight[b] = std::exp(utility(x, c, b, reads) + relevance);
                total += weight[b];
            }
        }
        const std::size_t b = weighted_pick(x, weight, d.journey.uniform() * total - 1);
        if (b < x.brands) { // not the outside option (weight 1, first)
            attempt(x, c, t, d, b);
        }
    }
    if (c.has(Flag::in_market) && !c.has(Flag::active) && d.journey.uniform() < x.leave_market) {
        c.flags &= std::uint8_t(~Flag::in_market); // the need window closed
    }
}

/// A customer leaves: to nobody, or won over by a competitor that retargets known customers.
/// `pick` falls in [0, churn + retargeting).
CUSTSIM_PROCESS void leave(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d,
                           double pick, const std::array<double, max_brands>& retarget) {
    t.churned[c.brand] += 1;
    c.flags &= std::uint8_t(~(Flag::active | Flag::complaint));
    x.columns.buzz[c.id] = 1.0f;
    c.attitude[c.brand] = clamp_attitude(c.attitude[c.brand] - 0.5);
    bool switched = false;
    for (std::size_t b = 1; b < x.brands && pick >= 0; ++b) {
        if (pick < retarget[b]) {
            c.attitude[b] = clamp_attitude(c.attitude[b] + 1); // won over by a competitor
            c.recall[b] = std::max(c.recall[b], x.threshold - c.knowledge[b]);
            switched = true;
            break;
        }
        pick -= retarget[b];
    }
    if (switched || d.journey.uniform() < x.scenario.journey.switch_share) {
        c.flags |= Flag::in_market;
    }
}

/// Whether customer `id` is in brand b's retention programme: a fixed share of its customers,
/// chosen by a hash of the customer (no draw, so enrolling more moves no other number).
CUSTSIM_PROCESS bool member(const StepContext& x, std::uint32_t id, std::size_t b) {
    const double share = x.scenario.brands[b].retention.members;
    return share > 0 && double(mix32(mix32(id) + std::uint32_t(b) + 1)) < share * 0x1p32;
}

/// Whether a customer buys again this step: the segment's rate times demand, times
/// e^(satisfaction_repurchase (s - 8) + attitude_repurchase a). That factor is at most
/// x.repurchase_bound, so the exact rate is only worked out when the draw falls below the bound.
CUSTSIM_PROCESS bool buys_again(const StepContext& x, const Customer& c, DecideDraws& d) {
    const auto& j = x.scenario.journey;
    const double again = c.segment->repurchase_rate * x.model.demand * appetite(x, c) * x.dt;
    const double u = d.journey.uniform();
    if (u >= again * x.repurchase_bound) {
        return false;
    }
    return happens(u, again * std::exp(j.satisfaction_repurchase * (c.satisfaction - 8) +
                                       j.attitude_repurchase * c.attitude[c.brand]));
}

/// The churn hazard before attitude: the segment's rate times the customer's propensity, raised
/// by dissatisfaction and an unresolved complaint, cut for a member of a retention programme.
CUSTSIM_PROCESS double churn_before_attitude(const StepContext& x, const Customer& c,
                                             bool enrolled) {
    const auto& j = x.scenario.journey;
    return c.segment->churn_rate * x.columns.propensity[c.id] *
           (1 + j.dissatisfied_churn * std::max(0.0f, 8 - c.satisfaction)) *
           (c.has(Flag::unresolved) ? j.unresolved_churn : 1.0) *
           (enrolled ? 1 - x.scenario.brands[c.brand].retention.churn_cut : 1.0);
}

/// The brand a repertoire buyer chooses at a repeat occasion: a multinomial logit over the
/// acceptable brands, the one bought last favoured by `inertia` (always a candidate: the customer
/// knows it), with no option of not buying (the occasion is the category purchase).
CUSTSIM_PROCESS std::size_t rechoose(const StepContext& x, const Customer& c, DecideDraws& d) {
    std::array<double, max_brands> weight{};
    double total = 0;
    const bool reads = reads_reviews(x, c, d);
    for (std::size_t b = 0; b < x.brands; ++b) {
        if (b == c.brand || acceptable(x, c, b)) {
            weight[b] =
                std::exp(utility(x, c, b, reads) + (b == c.brand ? x.scenario.journey.inertia : 0));
            total += weight[b];
        }
    }
    const std::size_t b = weighted_pick(x, weight, d.journey.uniform() * total);
    return b < x.brands ? b : c.brand;
}

/// A customer buys again (repertoire: perhaps another brand), may meet a defect, and may churn.
CUSTSIM_PROCESS void retain(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d) {
    if (buys_again(x, c, d) || c.repeat_prompted) {
        const std::size_t b = x.scenario.journey.repeat_choice == RepeatChoice::repertoire
                                  ? rechoose(x, c, d)
                                  : std::size_t(c.brand);
        if (!attempt(x, c, t, d, b)) {
            c.satisfaction = clamp_satisfaction(c.satisfaction - 1);
        }
    }
    const std::size_t cb = c.brand;
    if (x.model.problem_hazard[cb] > 0 &&
        happens(d.experience.uniform(), x.model.problem_hazard[cb] * x.dt)) {
        problem(x, c, t, d, cb);
    }
    // Attitude scales churn by e^(-attitude_churn a) <= x.churn_bound: the exact hazard is only
    // worked out when the draw falls below that bound.
    const bool enrolled = member(x, c.id, cb);
    t.members[cb] += enrolled;
    double churn = churn_before_attitude(x, c, enrolled);
    std::array<double, max_brands> retarget{};
    double retargeting = 0;
    if (cb == 0 && c.has(Flag::known)) {
        for (std::size_t b = 1; b < x.brands; ++b) {
            retarget[b] = x.scenario.brands[b].retarget_rate;
            retargeting += retarget[b];
        }
    }
    const double u = d.journey.uniform();
    const bool may_leave = u < (churn * x.churn_bound + retargeting) * x.dt;
    if (may_leave) {
        churn *= std::exp(-x.scenario.journey.attitude_churn * c.attitude[cb]);
    }
    const double hazard = churn + retargeting;
    if (may_leave && hazard > 0 && happens(u, hazard * x.dt)) {
        const double gone = -std::expm1(-hazard * x.dt);
        leave(x, c, t, d, u / gone * hazard - churn, retarget);
    }
}

CUSTSIM_PROCESS void decide(const StepContext& x, Customer& c, JourneyTally& t) {
    if (!x.runs(bit::decide)) {
        return;
    }
    DecideDraws d(x, c);
    if (c.has(Flag::active)) {
        retain(x, c, t, d);
    } else if (c.has(Flag::in_market)) {
        choose(x, c, t, d);
    } else {
        need(x, c, d);
    }
}

} // namespace custsim
