#pragma once
// consolidate: what is recalled is slowly learned. Each day a brand's recall lays down lasting
// knowledge at knowledge_gain / knowledge_days per unit of recall, so one exposure's lasting
// trace, summed over its life, is knowledge_gain times its short-lived one. With the default 1 the
// long-run effect of advertising on memory is twice the short-run one, the ratio of the
// meta-analytic long- to short-run advertising elasticities (0.24 against 0.12, Sethuraman,
// Tellis & Briesch 2011) and of Lodish et al.'s (1995) long-term to first-year TV effects; the
// two stocks together forget with a long tail, as memory does (Rubin & Wenzel 1996), the
// short- and long-term adstocks of Broadbent & Fry (1995).
// Reads: recall, knowledge. Writes: knowledge. Draws: nothing.
#include "journey/context.hpp"

namespace custsim {

CUSTSIM_PROCESS void consolidate(const StepContext& x, Customer& c) {
    if (!x.runs(bit::consolidate)) {
        return;
    }
    const std::size_t brands = x.brands;
    const float consolidation = x.consolidation;
    for (std::size_t b = 0; b < brands; ++b) {
        c.knowledge[b] += consolidation * c.recall[b];
    }
}

} // namespace custsim
