#pragma once
// fade: memory and attitude decay exponentially (individual adstock, MODEL.md 4.2: memory_days,
// attitude_days); the brand a customer uses stays in mind at twice the awareness threshold.
// Reads: awareness, attitude, flags, brand. Writes: awareness, attitude. Draws: nothing.
#include "journey/context.hpp"

namespace custsim {

CUSTSIM_PROCESS void fade(const StepContext& x, Customer& c) {
    for (std::size_t b = 0; b < x.brands && x.runs(bit::fade); ++b) {
        c.awareness[b] *= x.memory_decay;
        c.attitude[b] *= x.attitude_decay;
    }
    if (c.has(Flag::active)) {
        c.awareness[c.brand] = std::max(c.awareness[c.brand], 2 * x.threshold);
    }
}

} // namespace custsim
