#pragma once
// Private to the engine: the journey model's resolved tables and block tallies.
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace custsim {

/// What a customer says to its ties this step: read by neighbours, so double-buffered.
/// `level` is the talk rate in 1/4096 units (0: silent), `brand` what it is about.
struct Voice {
    std::uint16_t level = 0;
    std::uint8_t brand = 0;
    std::uint8_t negative = 0;
};

/// The journey's columns: one index = one customer. Only what the step loop touches every step
/// lives here; names and external ids live elsewhere. A customer's columns are read and written by
/// that customer only, except `voice`, which neighbours read and which the model double-buffers.
/// Per-brand columns are stored customer-major: `recall[i * brands + b]`.
struct Customers {
    std::vector<std::uint8_t> stage; ///< Stage for the focal brand
    std::vector<float> adopted_day;  ///< day of the first focal purchase; NaN if none
    std::vector<std::uint8_t> market, segment;
    std::vector<std::uint8_t> brand;      ///< current or last brand, or no_brand
    std::vector<std::uint8_t> flags;      ///< Flag bits
    std::vector<std::uint8_t> last_touch; ///< focal brand: last channel, or touch_*
    std::vector<std::uint8_t> source;     ///< focal brand: what made the customer aware
    std::vector<float> recall;            ///< per brand: short-lived memory (ad recall)
    std::vector<float> knowledge;         ///< per brand: lasting memory (brand knowledge)
    std::vector<float> attitude;          ///< per brand: -3..3
    std::vector<float> satisfaction;      ///< 0..10, "would you recommend"
    std::vector<float> experience;        ///< satisfaction a trouble-free purchase gives
    std::vector<float> propensity;        ///< churn propensity: gamma, mean 1 (a trait)
    std::vector<float> appetite; ///< category purchase rate: gamma, mean 1; empty if all alike
    std::vector<float> buzz;     ///< 1 at a purchase or churn, fading (talk rate)
    std::vector<std::uint16_t> reachable; ///< bit c: channel c can reach this customer
    std::vector<float> attention;         ///< exposure multiplier: heavy and light media users
    std::vector<float> revenue;           ///< lifetime revenue
    std::vector<std::uint8_t> bought;     ///< bit b: bought brand b since day 0
    std::vector<float> occasions;         ///< purchases of any brand since day 0
    std::vector<Voice> voice;             ///< three brands or more: what neighbours hear
    // Triggered policies' stamps (step + 1 of the event; 0: none), sized only when the policy
    // runs: retarget (intent_step, retarget_touches), follow_up (resolved_step), win_back
    // (lapsed_step; offered_stamp once the offer is made).
    std::vector<std::uint16_t> intent_step, resolved_step, lapsed_step;
    std::vector<std::uint8_t> retarget_touches;
};

/// lapsed_step once the win-back offer of this lapse has been made.
inline constexpr std::uint16_t offered_stamp = 0xffff;

/// The triggered policies resolved to steps (policies: retarget, follow_up, win_back).
struct Triggers {
    bool retarget = false, follow_up = false, win_back = false;
    bool any() const { return retarget || follow_up || win_back; }
    // retarget
    std::uint8_t channel = 0;       ///< the touch's channel
    std::uint16_t intent_mask = 0;  ///< bit c: an exposure on channel c shows intent
    std::uint32_t within_steps = 0; ///< touches at most this many steps after the intent
    std::uint32_t gap_steps = 1;    ///< steps between touches
    std::uint32_t cap = 0;          ///< touches per window
    double touch_cost = 0;
    // follow_up
    std::uint32_t follow_after = 0; ///< steps after the resolution
    double follow_satisfaction = 0, follow_attitude = 0, follow_cost = 0;
    // win_back
    std::uint32_t win_after = 0; ///< steps after the lapse
    double win_response = 0, win_attitude = 0, win_cost = 0;
};

/// Exposure reach classes: stage (awareness, consideration, retention) x data usable x targeted.
inline constexpr std::size_t reach_classes = 12;

/// The scenario resolved into flat tables indexed by brand, channel, market and segment, plus
/// what the last step left for this one (weights reached, open complaints, orders, talk).
/// Built once per Simulation; the step loop reads it and never writes it.
struct JourneyTables {
    std::size_t brands = 0, channels = 0, markets = 0, segments = 0;
    std::vector<Market> market;
    std::vector<Segment> segment;
    std::vector<std::uint32_t> market_start; ///< customers [start[m], start[m+1]) are in m
    std::vector<double> segment_cumulative;  ///< [m * G + g]: share of segments 0..g in m
    std::vector<std::uint8_t> available;     ///< [m * C + c]
    std::vector<float> affinity;             ///< [g * C + c], mobile share included
    std::vector<double> effect;              ///< [m * C + c]: memory per exposure
    std::vector<double> persuasion;          ///< [m * C + c]: attitude per exposure
    std::vector<double> prompt;              ///< [m * C + c]: chance an exposure prompts a shopper
    std::vector<std::uint64_t> reach_below;  ///< [c]: reachable if mix32(i, c) < this
    std::vector<int> spill_into;             ///< [c], -1 for none
    std::vector<double> experience;          ///< [b * G + g]: satisfaction of a good purchase
    std::vector<double> consent;             ///< [m * G + g]: chance of consent on joining the pool
    std::vector<double> quality_utility;     ///< [b * G + g]: choice utility without attitude
    /// (brand, channel) pairs that some flight ever spends on, grouped by brand.
    std::vector<std::pair<std::uint8_t, std::uint8_t>> planned;
    std::vector<std::size_t> planned_from;  ///< [b]..[b + 1]: brand b's pairs in `planned`
    std::vector<std::uint32_t> ambassadors; ///< chosen at day 0

    // This step's policy and the last step's aggregates.
    std::vector<double> spend;      ///< [p * M + m]: spend per day of planned pair p in m
    std::vector<double> rate;       ///< [p * M + m]: exposures per day per unit of weight
    std::vector<double> weight_sum; ///< [p * M + m]: weight reachable at the last step
    /// [((m * G + g) * reach_classes + class) * P + p]: a reach class's weight for pair p, and
    /// that weight times this step's rate (exposures per day per customer of the class).
    std::vector<double> class_weight, class_rate;
    /// [((m * G + g) * reach_classes + class) * B + b]: brand b's class_rate summed over its
    /// planned pairs, reachable or not (negative rates as 0), by make_context: a bound on the
    /// exposures per day of a customer of attention 1.
    std::vector<double> class_total;
    std::array<double, max_brands> served{}, handle{}, reputation{}, problem_extra{},
        problem_hazard{}, open{};
    /// Reviews: weight (recency-faded count) and faded sum of stars of the sample's reviews, the
    /// rating (mean stars) and how much a reader trusts it (volume / (volume + volume_half)).
    std::array<double, max_brands> review_weight{}, review_stars{}, rating{}, review_trust{};
    /// Price events and answers: each brand's price factor today, whether any ever differs
    /// from 1, and the utilities at list prices that quality_utility moves from.
    std::array<double, max_brands> price_factor{};
    bool prices_move = false;
    std::vector<double> list_utility;
    std::array<double, 2 * max_brands> talk{}; ///< mean field: sum of talk per (brand, valence)
    double demand = 1;
    /// [m]: share of the focal brand's purchase attempts in market m that find it stocked today
    /// (markets[].entry: 0 before entry, rising linearly over the ramp, then 1).
    std::array<double, max_markets> distribution{};
    double entry_cost = 0; ///< this step's fixed costs of entering markets (the sample's share)
    /// The sample's share of the market (customers / represents): of the market's impressions,
    /// capacities and costs, the share that falls on the simulated customers.
    double sample_share = 1;
    std::vector<double> focal_spend; ///< per channel; when set, replaces the focal media plan
    /// per channel; a budget policy's spend per day (policies:), used when focal_spend is not set
    std::vector<double> policy_spend;
    Triggers triggers;
    /// Utility added to the focal brand in a decision a personalised owned data exposure prompted
    double relevance = 0;
    double response_lift = 0;   ///< effect added to data exposures of personalised customers
    double repeat_lift = 0;     ///< repeat prompts added by personalising an owned data channel
    double unsubscribe_cut = 0; ///< share of unsubscribes personalising an owned data channel saves
};

/// A consumer panel since day 0, per brand: buyers, the category purchases of those buyers (the
/// denominator of share of category requirements), buyers of that brand only, and buyers who
/// also bought the focal brand (the focal brand's row of the duplication table).
struct Panel {
    std::array<std::int64_t, max_brands> buyers{}, category{}, sole{}, with_focal{};
    void add(const Panel& other);
};

/// Partial sums of one block of customers, merged in block order.
struct alignas(64) JourneyTally {
    Panel panel;                     ///< this step's changes to the panel
    std::vector<double> reach_count; ///< [(b * M * G + m * G + g) * classes + class]: attention
    std::array<double, max_channels> exposures{}, conversions{}, acquisitions{};
    std::array<std::int64_t, max_brands> aware{}, customers{}, attempts{}, lost{}, purchases{},
        opened{}, resolved{}, unresolved{}, churned{}, open{}, members{};
    std::array<double, max_brands> revenue{}, satisfaction{};
    std::array<double, max_brands> list_revenue{}; ///< revenue at list prices (price events)
    std::array<std::int64_t, max_markets> market_aware{}, market_customers{};
    std::array<double, max_markets> market_revenue{};
    std::array<double, 2 * max_brands> talk{};
    std::int64_t considering = 0, promoters = 0, detractors = 0, wom_positive = 0, wom_negative = 0,
                 consented = 0, known = 0, new_focal = 0, new_by_ads = 0, new_by_wom = 0,
                 ambassadors = 0;
    /// Focal exposures without consent (assumed consent), and those in strict-privacy markets.
    std::int64_t without_consent = 0, unlawful = 0;
    std::int64_t objections = 0;   ///< of those, customers who objected and left the data pool
    std::int64_t spill_visits = 0; ///< focal organic visits its exposures sent on (TV -> search)
    std::array<std::int64_t, max_brands> reviews{}, stars{}; ///< reviews written, their stars
    std::int64_t five_star = 0, one_star = 0;                ///< the focal brand's
    std::int64_t retarget_touches = 0, follow_ups = 0, win_back_offers = 0; ///< policies'
    std::uint64_t edge_reads = 0;

    /// Adds another block's sums (blocks are added in block order).
    void add(const JourneyTally& other);
};

} // namespace custsim
