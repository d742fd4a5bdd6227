#pragma once
// hear: word of mouth pulled from the neighbours' voices of the last step (never pushed, so any
// thread order gives the same result). Each tie weighs 1, a strong tie `strong_tie` (Granovetter
// 1973; Brown & Reingen 1987); per `tie` or as a `fraction` of ties. The customer hears at most one
// message a step, with probability 1 - exp(-beta dt), its (brand, valence) drawn in proportion;
// it adds memory (the market's memory per touch x its relative trust in peers, Nielsen 2015) and
// attitude (word_of_mouth.persuasion; a negative message weighs `negativity` times as much).
// Mean field: every customer hears the population's talk / n.
// Reads: neighbours' voices, awareness, source. Writes: awareness, attitude, touch, source, word
// of mouth tallies. Draws: Process::word_of_mouth.
#include "journey/context.hpp"

namespace custsim {

/// Asks for customer i's neighbours' voices a few customers before they are read: they are
/// scattered over memory.
CUSTSIM_PROCESS void prefetch_voices(const StepContext& x, std::uint32_t i) {
#pragma GCC unroll 4
    for (const auto k : x.graph.neighbours(i)) {
        __builtin_prefetch(x.brands <= 2 ? static_cast<const void*>(x.heard_lanes + k)
                                         : static_cast<const void*>(x.heard_voice + k));
    }
}

/// beta[2b + negative]: the rate at which the customer hears (brand, valence) this step.
CUSTSIM_PROCESS void pull_voices(const StepContext& x, const Customer& c, JourneyTally& t,
                                 std::array<double, 2 * max_brands>& beta) {
    const auto ties = x.graph.neighbours(c.id);
    const auto strong = x.graph.strong_ties(c.id);
    if (x.brands <= 2 && ties.size() < 4096) {
        // Two brands' four (brand, valence) sums ride in 32-bit lanes of two integers: a tie costs
        // a load, two masks, two multiplies, two adds. Lanes hold 65535 x 16 x 4096 < 2^32, so
        // they never overflow.
        constexpr std::uint64_t even = 0x0000FFFF0000FFFFull;
        std::uint64_t sum_even = 0, sum_odd = 0;
#pragma GCC unroll 4
        for (std::size_t e = 0; e < ties.size(); ++e) {
            const std::uint64_t heard = x.heard_lanes[ties[e]];
            const std::uint64_t weight = x.tie_weight[strong[e]];
            sum_even += (heard & even) * weight;
            sum_odd += (heard >> 16 & even) * weight;
        }
        beta[0] = double(sum_even & 0xFFFFFFFFu) / tie_unit;
        beta[1] = double(sum_odd & 0xFFFFFFFFu) / tie_unit;
        beta[2] = double(sum_even >> 32) / tie_unit;
        beta[3] = double(sum_odd >> 32) / tie_unit;
    } else {
        std::fill_n(beta.begin(), 2 * x.brands, 0.0);
        for (std::size_t e = 0; e < ties.size(); ++e) {
            const Voice heard = x.heard_voice[ties[e]];
            if (heard.level) {
                beta[2 * heard.brand + heard.negative] +=
                    double(heard.level) * x.tie_weight[strong[e]] / tie_unit;
            }
        }
    }
    t.edge_reads += ties.size();
    const double scale =
        x.wom_scale / (x.scenario.word_of_mouth.per == WomPer::fraction && !ties.empty()
                           ? double(ties.size())
                           : 1.0);
    for (std::size_t k = 0; k < 2 * x.brands; ++k) {
        beta[k] *= scale;
    }
}

CUSTSIM_PROCESS void hear(const StepContext& x, Customer& c, JourneyTally& t) {
    if (!x.runs(bit::hear)) {
        return;
    }
    // Only the first 2 x brands rates are written and read (no zeroing of all of them).
    std::array<double, 2 * max_brands> beta;
    if (x.mean_field) {
        beta = x.mean_field_beta;
    } else {
        pull_voices(x, c, t, beta);
    }
    double beta_total = 0;
    for (std::size_t k = 0; k < 2 * x.brands; ++k) {
        beta_total += beta[k];
    }
    if (!(beta_total > 0)) {
        return;
    }
    Draws draws(x.key, x.step, Process::word_of_mouth, c.id);
    const double u = draws.uniform();
    if (!happens(u, beta_total * x.dt)) {
        return;
    }
    const double heard = -std::expm1(-beta_total * x.dt);
    double pick = u / heard * beta_total;
    std::size_t k = 0;
    while (k + 1 < 2 * x.brands && pick >= beta[k]) {
        pick -= beta[k];
        ++k;
    }
    const std::size_t b = k / 2;
    const bool negative = k % 2;
    const auto& wom = x.scenario.word_of_mouth;
    c.recall[b] += float(c.market->memory_per_touch * c.market->trust_peers * wom.memory);
    c.attitude[b] =
        clamp_attitude(c.attitude[b] + wom.persuasion * (negative ? -wom.negativity : 1.0));
    if (!negative && wom.prompt > 0 && !c.active_with(b) && draws.uniform() < wom.prompt) {
        // A recommendation prompts: a shopper decides now; a prospect who now knows the brand
        // comes into the market and decides with the shoppers.
        if (c.has(Flag::in_market)) {
            c.prompted[b] = true;
        } else if (!c.has(Flag::active) && c.memory(b) >= x.threshold) {
            c.flags |= Flag::in_market;
            c.prompted[b] = true;
        }
    }
    if (b == 0) {
        t.wom_positive += !negative;
        t.wom_negative += negative;
        if (!negative) {
            c.touch = touch_word_of_mouth;
        }
        if (c.memory(0) >= x.threshold && c.source == touch_none) {
            c.source = touch_word_of_mouth;
        }
    }
}

} // namespace custsim
