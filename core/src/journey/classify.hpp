#pragma once
// classify: the customer's journey stage for the focal brand (MODEL.md 4: customer, considering,
// lapsed, aware, unaware) and the block's stock tallies (aware, customers, satisfaction, NPS,
// data pool, per market).
// Reads: flags, brand, awareness, satisfaction. Writes: stage, tallies. Draws: nothing.
#include "journey/context.hpp"

namespace custsim {

CUSTSIM_PROCESS Stage stage_of(const StepContext& x, const Customer& c) {
    if (c.active_with(0)) {
        return Stage::customer;
    }
    if (c.has(Flag::in_market) && c.memory(0) >= x.threshold) {
        return Stage::considering;
    }
    if (c.has(Flag::ever_focal)) {
        return Stage::lapsed;
    }
    return c.memory(0) >= x.threshold ? Stage::aware : Stage::unaware;
}

CUSTSIM_PROCESS void classify(const StepContext& x, const Customer& c, JourneyTally& t) {
    const Stage stage = stage_of(x, c);
    x.columns.stage[c.id] = static_cast<std::uint8_t>(stage);
    for (std::size_t b = 0; b < x.brands; ++b) {
        t.aware[b] += c.memory(b) >= x.threshold;
    }
    t.market_aware[c.m] += c.memory(0) >= x.threshold;
    t.market_customers[c.m] += c.active_with(0);
    if (c.has(Flag::active)) {
        t.customers[c.brand] += 1;
        t.satisfaction[c.brand] += c.satisfaction;
        if (c.brand == 0) {
            t.promoters += c.satisfaction >= 9;
            t.detractors += c.satisfaction < 7;
        }
    }
    t.considering += stage == Stage::considering;
    t.known += c.has(Flag::known);
    t.consented += c.has(Flag::known) && c.has(Flag::consented);
}

} // namespace custsim
