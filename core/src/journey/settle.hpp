#pragma once
// settle: a customer without an open or unresolved complaint drifts towards the experience the
// brand gives (satisfaction_days, MODEL.md 4.6).
// Reads: flags, experience. Writes: satisfaction. Draws: nothing.
#include "journey/context.hpp"

namespace custsim {

CUSTSIM_PROCESS void settle(const StepContext& x, Customer& c) {
    if (c.has(Flag::active) && !c.has(Flag::complaint | Flag::unresolved) && x.runs(bit::settle)) {
        c.satisfaction =
            float(c.satisfaction + (x.columns.experience[c.id] - c.satisfaction) * x.relax);
    }
}

} // namespace custsim
