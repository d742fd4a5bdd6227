#pragma once
// What every journey process works on: today's constants (StepContext, read-only), one
// customer's working copy (Customer, loaded from the columns at the top of the step and stored
// at the bottom), and the block's tallies (JourneyTally). A process is an inline function of
// these three in its own header, so the step stays one fused pass that the compiler inlines.
#include "custsim/simulation.hpp"
#include "custsim/step_processes.hpp"

#include "journey/model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

/// Processes are inlined into the fused customer loop; the attribute keeps it so whatever their
/// size (they are called once per customer).
#define CUSTSIM_PROCESS [[gnu::always_inline]] inline

namespace custsim {

inline constexpr float voice_unit = 4096.0f; ///< Voice::level per unit of talk rate

/// Raw column pointers: the step writes through them without re-reading vectors.
struct Columns {
    std::uint8_t *market, *segment, *brand, *flags, *last_touch, *source, *stage;
    float *recall, *knowledge, *attitude, *satisfaction, *experience, *buzz, *revenue, *adopted_day;
    const float* propensity;
    const std::uint16_t* reachable;
    const float* attention;
    std::uint8_t* bought;
    float* occasions;
    const float* appetite; ///< nullptr: every customer alike
    /// Triggered policies' stamps (Customers): nullptr when the policy does not run.
    std::uint16_t *intent_step, *resolved_step, *lapsed_step;
    std::uint8_t* retarget_touches;
};

/// Today's constants: built serially before the customer loop, copied into each block.
struct StepContext {
    const Scenario& scenario;
    const JourneyTables& model;
    const SocialGraph& graph;
    Columns columns;
    StreamKey key;
    std::uint32_t step = 0;
    std::uint16_t on = all_step_processes; ///< step_processes bits that run
    std::size_t brands = 0, channels = 0, markets = 0, segments = 0;
    double dt = 1, now = 1; ///< step length; the day this step ends
    float threshold = 1, memory_decay = 1, attitude_decay = 1, buzz_decay = 1;
    float knowledge_decay = 1, consolidation = 0;
    double repurchase_bound = 1, churn_bound = 1; ///< largest factors satisfaction, attitude give
    double relax = 0, leave_market = 0, decide = 0, wom_scale = 0;
    bool fades = false, mean_field = false, personalising = false;
    bool triggers = false; ///< a triggered policy runs (policies: retarget, follow_up, win_back)
    std::array<std::uint64_t, 2> tie_weight{}; ///< weak, strong, in tie_unit
    std::array<double, 2 * max_brands> mean_field_beta{};
    const Voice* heard_voice = nullptr;         ///< last step's voices (three brands or more)
    const std::uint64_t* heard_lanes = nullptr; ///< last step's voices (two brands or fewer)
    Voice* next_voice = nullptr;
    std::uint64_t* next_lanes = nullptr;

    bool runs(std::uint16_t process_bit) const { return on & process_bit; }
};

/// The switch bits of the step's processes, looked up by name once, at compile time.
namespace bit {
inline constexpr std::uint16_t fade = step_process_bit("fade"), expose = step_process_bit("expose"),
                               consolidate = step_process_bit("consolidate"),
                               hear = step_process_bit("hear"), decide = step_process_bit("decide"),
                               serve = step_process_bit("serve"),
                               settle = step_process_bit("settle"),
                               trigger = step_process_bit("trigger");
} // namespace bit

/// Tie weights count in quarters, so sums over ties stay integer: weak 1, strong `strong_tie`.
inline constexpr double tie_unit = 4;

/// Today's constants of `simulation`'s step `step`, with the processes in `on`. Also sums the
/// tables' class_total from this step's class_rate.
StepContext make_context(const Scenario& s, JourneyTables& x, const SocialGraph& graph,
                         Customers& columns, StreamKey key, std::uint32_t step, std::uint16_t on);

/// One customer during the step: its hot columns, and what this step's processes tell the later
/// ones (prompts, reminders, intrusions). Per-brand memory and attitude are worked on in place.
struct Customer {
    std::uint32_t id = 0;
    std::size_t m = 0, g = 0; ///< market, segment
    const Market* market = nullptr;
    const Segment* segment = nullptr;
    std::uint8_t flags = 0, brand = no_brand, touch = touch_none, source = touch_none;
    const FirstBlocks* first = nullptr; ///< the first blocks of its batched streams, if worked out
    std::uint32_t lane = 0;             ///< its lane in `first`
    float* recall = nullptr;            ///< [brands], in the column
    float* knowledge = nullptr;         ///< [brands], in the column
    float* attitude = nullptr;          ///< [brands], in the column
    float satisfaction = 0;
    unsigned reachable = 0;
    double attention = 1;
    bool personalised = false;    ///< the focal brand personalises what it shows this customer
    bool personal_prompt = false; ///< a personalised owned data exposure prompted a decision
    std::array<bool, max_brands> prompted{}; ///< a consideration touch of brand b this step
    bool repeat_prompted = false;            ///< a reminder prompted a repeat purchase
    bool intrusion_complaint = false;        ///< data used without consent provoked a complaint
    bool read_reviews = false; ///< a channel that shows reviews (search) prompted a decision
    bool intent = false;       ///< a focal exposure on a channel that shows intent (retarget)
    bool bought_focal = false; ///< bought the focal brand this step
    bool resolved = false;     ///< a complaint of the customer was resolved this step

    bool has(std::uint8_t flag) const { return flags & flag; }
    /// Memory of brand b: short-lived recall plus lasting knowledge.
    float memory(std::size_t b) const { return recall[b] + knowledge[b]; }
    bool active_with(std::size_t b) const { return has(Flag::active) && brand == b; }
};

/// Customer `i`'s working copy.
CUSTSIM_PROCESS Customer load(const StepContext& x, std::uint32_t i) {
    const Columns& col = x.columns;
    Customer c;
    c.id = i;
    c.m = col.market[i];
    c.g = col.segment[i];
    c.market = &x.model.market[c.m];
    c.segment = &x.model.segment[c.g];
    c.flags = col.flags[i];
    c.brand = col.brand[i];
    c.recall = col.recall + std::size_t(i) * x.brands;
    c.knowledge = col.knowledge + std::size_t(i) * x.brands;
    c.attitude = col.attitude + std::size_t(i) * x.brands;
    c.satisfaction = col.satisfaction[i];
    c.touch = col.last_touch[i];
    c.source = col.source[i];
    c.reachable = col.reachable[i];
    c.attention = col.attention[i];
    const auto& per = x.scenario.personalisation;
    c.personalised = x.personalising && c.has(Flag::known) &&
                     (c.has(Flag::consented) ||
                      (per.consent == ConsentStrategy::assume && !c.market->strict_privacy));
    return c;
}

/// The streams whose first blocks the step works out for eight customers at once: nearly every
/// customer draws from them every step.
inline constexpr std::array<Process, 3> batched_streams{Process::exposure, Process::word_of_mouth,
                                                        Process::journey};
enum class Batched : std::size_t { exposure, word_of_mouth, journey };

/// The customer's stream of a batched process this step (the same numbers with or without the
/// batch).
CUSTSIM_PROCESS Draws draws_of(const StepContext& x, const Customer& c, Batched s) {
    const auto k = static_cast<std::size_t>(s);
    return c.first ? Draws(x.key, x.step, batched_streams[k], c.id, c.first->block(k, c.lane))
                   : Draws(x.key, x.step, batched_streams[k], c.id);
}

/// Whether the focal brand may use the customer's data (reach by e-mail, data targeting): the
/// customer is known and consented, or consent is assumed where that is allowed (not in a
/// strict-privacy market unless the scenario takes the regulatory risk).
CUSTSIM_PROCESS bool focal_data_usable(const StepContext& x, const Customer& c) {
    const auto& per = x.scenario.personalisation;
    return c.has(Flag::known) &&
           (c.has(Flag::consented) ||
            (per.consent == ConsentStrategy::assume &&
             (!c.market->strict_privacy || per.strict_contact == StrictContact::risk)));
}

/// Writes the working copy back. Forgotten brands are found again, perhaps another way.
CUSTSIM_PROCESS void store(const StepContext& x, const Customer& c) {
    const Columns& col = x.columns;
    col.flags[c.id] = c.flags;
    col.brand[c.id] = c.brand;
    col.satisfaction[c.id] = c.satisfaction;
    col.last_touch[c.id] = c.touch;
    col.source[c.id] =
        c.memory(0) >= x.threshold || c.has(Flag::ever_focal) ? c.source : touch_none;
}

/// A 32-bit hash (for choices that must not use a draw, such as reach or programme membership).
inline std::uint32_t mix32(std::uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/// k ~ Poisson(mean) by inverting one uniform; means are a day's exposures, so loops are short.
inline std::uint32_t poisson(double mean, double u) {
    if (u <= 1 - mean - 1e-12) {
        return 0; // u <= 1 - mean <= e^-mean: no exposure, and no exp() needed
    }
    double p = std::exp(-mean);
    double cdf = p;
    std::uint32_t k = 0;
    while (u > cdf && k < 256) {
        ++k;
        p *= mean / k;
        cdf += p;
    }
    return k;
}

/// Whether an event of hazard x = h dt happens to a customer whose draw is u: u < 1 - e^-x.
/// 1 - e^-x lies in [x - x^2/2, x], so most draws are decided without calling expm1.
inline bool happens(double u, double x) {
    if (u >= x) {
        return false;
    }
    if (u < (x - 0.5 * x * x) * (1 - 1e-12)) {
        return true;
    }
    return u < -std::expm1(-x);
}

inline float clamp_satisfaction(double s) {
    return float(std::clamp(s, 0.0, 10.0));
}
inline float clamp_attitude(double a) {
    return float(std::clamp(a, -3.0, 3.0));
}

/// The satisfaction a trouble-free purchase of brand b gives a customer of segment g whose draw
/// is u: the brand's experience for the segment, spread +-1.5 (MODEL.md 4.6).
inline float first_experience(const JourneyTables& x, std::size_t b, std::size_t g, double u) {
    return clamp_satisfaction(x.experience[b * x.segments + g] + 3 * (u - 0.5));
}

/// The flags of a customer of market m, segment g who joins the focal brand's data pool: known,
/// and consenting if the draw u falls below the consent rate. Day 0 and purchases share it.
inline std::uint8_t join_data_pool(std::uint8_t flags, const JourneyTables& x, std::size_t m,
                                   std::size_t g, double u) {
    flags |= Flag::known;
    if (u < x.consent[m * x.segments + g]) {
        flags |= Flag::consented;
    }
    return flags;
}

} // namespace custsim
