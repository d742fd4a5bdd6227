#pragma once
#include "custsim/results.hpp"
#include "custsim/rng.hpp"
#include "custsim/scenario.hpp"
#include "custsim/social_graph.hpp"
#include "custsim/step_processes.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace custsim {

struct JourneyModel; // core/src/journey: the journey model's tables and last step's aggregates
struct JourneyTally; // core/src/journey: one block of customers' partial sums

/// Journey stages for the focal brand (MODEL.md section 4).
enum class Stage : std::uint8_t {
    unaware = 0,
    aware = 1,
    considering = 2,
    customer = 3,
    lapsed = 4
};

/// What a customer says to its ties this step: read by neighbours, so double-buffered.
/// `level` is the talk rate in 1/4096 units (0: silent), `brand` what it is about.
struct Voice {
    std::uint16_t level = 0;
    std::uint8_t brand = 0;
    std::uint8_t negative = 0;
};

/// Bits of Customers::flags.
struct Flag {
    enum : std::uint8_t {
        active = 1,      ///< a current customer of `brand`
        in_market = 2,   ///< has a need and is considering (shopping)
        known = 4,       ///< in the focal brand's data pool
        consented = 8,   ///< agreed to the focal brand using the data
        complaint = 16,  ///< has an open complaint with `brand`
        unresolved = 32, ///< a complaint with `brand` failed or was given up on
        ambassador = 64, ///< in the focal brand's ambassador programme
        ever_focal = 128 ///< has bought the focal brand at least once
    };
};

/// A customer's current or last brand before any purchase.
inline constexpr std::uint8_t no_brand = 0xff;
/// Customers::last_touch when the last touch was word of mouth, or nothing.
inline constexpr std::uint8_t touch_word_of_mouth = 0xfe, touch_none = 0xff;

/// One index = one customer. Only what the step loop touches every step lives here; names and
/// external ids live elsewhere. A customer's columns are read and written by that customer only,
/// except `talk` and `voice`, which neighbours read and which the simulation double-buffers.
/// Per-brand columns are stored customer-major: `awareness[i * brands + b]`.
struct Customers {
    std::vector<std::uint8_t> stage; ///< Stage for the focal brand
    std::vector<float> adopted_day;  ///< day of the first focal purchase; NaN if none
    std::vector<float> talk;         ///< instant funnel: word-of-mouth weight sent (0..1)
    // The journey model's columns (empty in the instant funnel).
    std::vector<std::uint8_t> market, segment;
    std::vector<std::uint8_t> brand;      ///< current or last brand, or no_brand
    std::vector<std::uint8_t> flags;      ///< Flag bits
    std::vector<std::uint8_t> last_touch; ///< focal brand: last channel, or touch_*
    std::vector<std::uint8_t> source;     ///< focal brand: what made the customer aware
    std::vector<float> awareness;         ///< per brand: memory (individual adstock)
    std::vector<float> attitude;          ///< per brand: -3..3
    std::vector<float> satisfaction;      ///< 0..10, "would you recommend"
    std::vector<float> experience;        ///< satisfaction a trouble-free purchase gives
    std::vector<float> buzz;              ///< 1 at a purchase or churn, fading (talk rate)
    std::vector<std::uint16_t> reachable; ///< bit c: channel c can reach this customer
    std::vector<float> attention;         ///< exposure multiplier: heavy and light media users
    std::vector<float> revenue;           ///< lifetime revenue
    std::vector<Voice> voice;             ///< journey, three brands or more: what neighbours hear
};

/// The KPIs of one moment. Counts of customers are current; flows (revenue, costs, complaints,
/// messages, churn) are cumulative since day 0. Focal brand unless a name says otherwise.
struct Kpis {
    double day = 0;
    std::int64_t adopted = 0;        ///< customers who ever bought the focal brand (cumulative)
    std::int64_t customers = 0;      ///< current customers
    std::int64_t aware = 0;          ///< customers who know the focal brand
    std::int64_t adopted_by_ads = 0; ///< first purchases not found through word of mouth
    std::int64_t adopted_by_wom = 0; ///< first purchases of customers who heard of it from peers
    // The journey model's.
    double considering = 0, market_share = 0, purchases = 0, lost_sales = 0;
    double revenue = 0, margin = 0, media_cost = 0, service_cost = 0, it_cost = 0, data_cost = 0,
           ambassador_cost = 0, profit = 0;
    double nps = 0, promoters = 0, detractors = 0, wom_positive = 0, wom_negative = 0;
    double complaints_opened = 0, complaints_resolved = 0, complaints_unresolved = 0;
    double churned = 0, consented = 0, known = 0, customer_days = 0;
    std::vector<double> channel_spend, channel_exposures, channel_conversions,
        channel_acquisitions;                                           ///< per channel
    std::vector<double> brand_aware, brand_customers;                   ///< per brand
    std::vector<double> market_aware, market_customers, market_revenue; ///< focal, per market
};

/// Work done, for benchmarks: customer updates and neighbour reads.
struct Work {
    std::uint64_t agent_steps = 0;
    std::uint64_t edge_reads = 0;
};

/// One replicate of one scenario, stepped in time.
///
/// A step reads the state left by the previous step and writes only its own customer: word of
/// mouth is pulled from neighbours' `talk`, never pushed, so customers can be updated in any
/// order on any number of threads. Every random number is a Draws counted by (step, process,
/// customer); KPIs are summed per fixed block of customers and merged in block order. Together
/// these make a run bit-identical for any thread count.
class Simulation {
  public:
    /// `threads` = 0 uses OpenMP's default.
    Simulation(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph,
               std::uint32_t replicate = 0, int threads = 0);

    void step();
    /// Replaces the focal brand's media plan from the next step on with a spend per day per
    /// channel (scenario order), split over markets by share where the channel exists; an empty
    /// vector goes back to the plan. This is how a policy written elsewhere (Python) steers.
    void set_focal_spend(const std::vector<double>& spend_per_day);
    /// For benchmarks only: run only the journey processes in `mask` (step_processes bits). The
    /// results are then not the model's; voices, stages and tallies are always updated.
    void set_processes(std::uint16_t mask) { processes_ = mask; }
    std::uint64_t step_index() const { return step_; }
    double day() const { return double(step_) * scenario_.dt; }
    const Customers& customers() const { return state_; }
    const Kpis& kpis() const { return kpis_; }
    const Work& work() const { return work_; }
    const Scenario& scenario() const { return scenario_; }
    const SocialGraph& graph() const { return *graph_; }
    /// Bytes held by the customers' columns and the step's buffers (not the graph).
    std::uint64_t memory_bytes() const;

    ~Simulation();

  private:
    struct BlockTally;
    void seed_customers();
    void tally(std::span<const BlockTally> blocks);
    void start_journey();
    void step_journey(bool dry = false);
    std::vector<std::uint32_t> pick_seeds(std::uint64_t count, SeedRule rule,
                                          Process process) const;
    void plan_step(double day);
    void tally_journey(std::span<const JourneyTally> blocks, bool first);

    Scenario scenario_;
    std::shared_ptr<const SocialGraph> graph_;
    StreamKey key_;
    int threads_;
    std::uint64_t step_ = 0;
    Customers state_;
    std::vector<float> next_talk_;
    double ad_rate_ = 0;  ///< sum of the channels' adoption rates (Bass p)
    double talk_sum_ = 0; ///< sum of talk over customers, for mean field
    Kpis kpis_;
    Work work_;
    std::unique_ptr<JourneyModel>
        model_; ///< journey model: resolved tables and last step's aggregates
    std::uint16_t processes_ = all_step_processes;
    std::vector<Voice> next_voice_;
    /// Two brands or fewer: each voice as four 16-bit lanes, level in lane 2 x brand + negative.
    std::vector<std::uint64_t> lanes_, next_lanes_;
};

/// The journey's money ratios at the end of a run (MODEL.md section 4.8).
struct JourneySummary {
    double roi = 0;           ///< profit / all costs
    double cac = 0;           ///< media cost per customer acquired
    double annual_margin = 0; ///< m: margin per customer-year
    double retention = 0;     ///< r: share of customers kept over a year, exp(-churn per year)
    double clv = 0;           ///< m r / (1 + i - r), i the scenario's discount rate
};
JourneySummary summarise_journey(const Kpis& kpis, const Scenario& scenario);

/// Builds the scenario's social graph (generated or loaded), deterministic in scenario.seed.
std::shared_ptr<const SocialGraph> build_graph(const Scenario& scenario);

/// How a run reports progress and is cancelled: return false to stop (throws Cancelled).
using Progress = std::function<bool(std::uint32_t replicate, double day)>;

/// Runs every replicate of a scenario and records its KPIs every `record_every` days.
Results run_scenario(const Scenario& scenario, int threads = 0, const Progress& progress = {},
                     std::shared_ptr<const SocialGraph> graph = nullptr);

} // namespace custsim
