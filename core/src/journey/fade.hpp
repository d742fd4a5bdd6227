#pragma once
// fade: memory and attitude decay exponentially (individual adstock, MODEL.md 4.2). Memory has
// two stocks: short-lived recall (memory_days; ad recall fades within weeks, Zielske 1959) and
// lasting brand knowledge (knowledge_days, an assumption: see docs/model.md); attitude fades over
// attitude_days. The brand a customer uses stays known at twice the awareness threshold.
// Reads: recall, knowledge, attitude, flags, brand. Writes: recall, knowledge, attitude.
// Draws: nothing.
#include "journey/context.hpp"

namespace custsim {

CUSTSIM_PROCESS void fade(const StepContext& x, Customer& c) {
    if (x.runs(bit::fade)) {
        // Locals: stores through the columns cannot change them, so they stay in registers.
        const std::size_t brands = x.brands;
        const float memory = x.memory_decay, knowledge = x.knowledge_decay,
                    attitude = x.attitude_decay;
        for (std::size_t b = 0; b < brands; ++b) {
            c.recall[b] *= memory;
            c.knowledge[b] *= knowledge;
            c.attitude[b] *= attitude;
        }
    }
    if (c.has(Flag::active)) {
        c.knowledge[c.brand] = std::max(c.knowledge[c.brand], 2 * x.threshold);
    }
}

} // namespace custsim
