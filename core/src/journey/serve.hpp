#pragma once
// serve: a complaint provoked by intrusion opens with the focal brand; an open complaint is
// handled when the call centre has capacity (the last step's share it could handle); handled,
// it is resolved with the brand's service quality (training halves the failures at most), and
// recovery restores satisfaction to the trouble-free experience plus `recovery_bonus` (0 by
// default: de Matos et al. 2007); failed or given up on after the customer's patience, it stays
// unresolved and satisfaction falls to 3 at most.
// Reads: flags, brand, experience. Writes: flags, satisfaction, complaint tallies.
// Draws: Process::service.
#include "journey/context.hpp"

namespace custsim {

CUSTSIM_PROCESS void fail_complaint(Customer& c, JourneyTally& t) {
    c.flags = std::uint8_t((c.flags | Flag::unresolved) & ~Flag::complaint);
    c.satisfaction = std::min(c.satisfaction, 3.0f);
    t.unresolved[c.brand] += 1;
}

/// The chance a handled complaint is resolved: quality, with up to half the failures trained away.
inline double resolution_chance(const Service& service) {
    return service.quality + 0.5 * service.training * (1 - service.quality);
}

CUSTSIM_PROCESS void serve(const StepContext& x, Customer& c, JourneyTally& t) {
    if (c.intrusion_complaint && !c.has(Flag::complaint) && c.active_with(0)) {
        c.flags |= Flag::complaint;
        t.opened[0] += 1;
    }
    if (!c.has(Flag::complaint) || !c.has(Flag::active) || !x.runs(bit::serve)) {
        return;
    }
    const auto& service = x.scenario.brands[c.brand].service;
    t.open[c.brand] += 1; // the call centre's demand this step
    Draws draws(x.key, x.step, Process::service, c.id);
    if (draws.uniform() < x.model.handle[c.brand]) {
        if (draws.uniform() < resolution_chance(service)) {
            c.satisfaction =
                std::max(c.satisfaction, clamp_satisfaction(x.columns.experience[c.id] +
                                                            x.scenario.journey.recovery_bonus));
            c.flags &= std::uint8_t(~Flag::complaint);
            t.resolved[c.brand] += 1;
            c.resolved = c.brand == 0;
        } else {
            fail_complaint(c, t);
        }
    } else if (draws.uniform() < -std::expm1(-x.dt / service.patience_days)) {
        fail_complaint(c, t);
    }
}

} // namespace custsim
