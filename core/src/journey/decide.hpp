#pragma once
// decide: what a customer does about the category this step (MODEL.md 4.3-4.5).
// - A prospect who knows an acceptable brand comes into the market at the segment's need rate
//   (times seasonal demand, raised by a liked brand: need_attitude).
// - A shopper decides at decide_rate, or at once when a consideration touch prompted it, by a
//   multinomial logit over the brands it knows and does not reject (quality, price, attitude,
//   reputation, personal relevance) against not buying now; the need window may close.
// - A customer repurchases at the segment's rate (or when reminded), may hit a product defect,
//   and churns at a hazard raised by dissatisfaction and an unresolved complaint, lowered by a
//   good attitude (e^(-a/2)); competitors' retargeting poaches known customers; some who leave
//   switch at once.
// Reads: flags, brand, awareness, attitude, satisfaction, prompts, reputation, demand.
// Writes: flags, brand, awareness, attitude, satisfaction, buzz, tallies (via purchase).
// Draws: Process::journey, and Process::experience through purchase.
#include "journey/purchase.hpp"

namespace custsim {

/// Whether brand b is one the customer knows and does not reject.
CUSTSIM_PROCESS bool acceptable(const StepContext& x, const Customer& c, std::size_t b) {
    return c.memory(b) >= x.threshold && c.attitude[b] > x.scenario.journey.reject_attitude;
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
    double rate = c.segment->need_rate * x.model.demand;
    if (best > 0) {
        rate *= std::exp(x.scenario.journey.need_attitude * best);
    }
    if (happens(d.journey.uniform(), rate * x.dt)) {
        c.flags |= Flag::in_market;
    }
}

/// A shopper chooses among acceptable brands by multinomial logit, against not buying now.
CUSTSIM_PROCESS void choose(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d) {
    const auto& j = x.scenario.journey;
    const bool prompt =
        std::any_of(c.prompted.begin(), c.prompted.begin() + x.brands, [](bool p) { return p; });
    const double u = d.journey.uniform();
    if (prompt || u < x.decide) {
        std::array<double, max_brands> weight{};
        double total = 1;
        for (std::size_t b = 0; b < x.brands; ++b) {
            if (acceptable(x, c, b)) {
                double utility = x.model.quality_utility[b * x.segments + c.g] +
                                 j.attitude_weight * c.attitude[b] +
                                 j.reputation_weight * x.model.reputation[b];
                if (b == 0 && c.personalised) {
                    utility += x.model.relevance;
                }
                weight[b] = std::exp(utility);
                total += weight[b];
            }
        }
        double pick = d.journey.uniform() * total - 1;
        for (std::size_t b = 0; b < x.brands && pick >= 0; ++b) {
            if (pick < weight[b]) {
                attempt(x, c, t, d, b);
                break;
            }
            pick -= weight[b];
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

/// A customer buys again, may meet a defect, and may churn.
CUSTSIM_PROCESS void retain(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d) {
    const auto& j = x.scenario.journey;
    const std::size_t cb = c.brand;
    const double again = c.segment->repurchase_rate * x.model.demand;
    const bool buys_again = happens(d.journey.uniform(), again * x.dt);
    if ((buys_again || c.repeat_prompted) && !attempt(x, c, t, d, cb)) {
        c.satisfaction = clamp_satisfaction(c.satisfaction - 1);
    }
    if (x.model.problem_hazard[cb] > 0 &&
        happens(d.experience.uniform(), x.model.problem_hazard[cb] * x.dt)) {
        problem(x, c, t, d, cb);
    }
    // Attitude scales churn by e^(-a/2) <= e^1.5: the exact hazard is only worked out when the
    // draw falls below that bound.
    double churn = c.segment->churn_rate *
                   (1 + j.dissatisfied_churn * std::max(0.0f, 8 - c.satisfaction)) *
                   (c.has(Flag::unresolved) ? j.unresolved_churn : 1.0);
    std::array<double, max_brands> retarget{};
    double retargeting = 0;
    if (cb == 0 && c.has(Flag::known)) {
        for (std::size_t b = 1; b < x.brands; ++b) {
            retarget[b] = x.scenario.brands[b].retarget_rate;
            retargeting += retarget[b];
        }
    }
    const double u = d.journey.uniform();
    const bool may_leave = u < (churn * std::exp(1.5) + retargeting) * x.dt;
    if (may_leave) {
        churn *= std::exp(-0.5 * c.attitude[cb]);
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
    DecideDraws d(x, c.id);
    if (c.has(Flag::active)) {
        retain(x, c, t, d);
    } else if (c.has(Flag::in_market)) {
        choose(x, c, t, d);
    } else {
        need(x, c, d);
    }
}

} // namespace custsim
