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
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace custsim {

class Model; // core/src/models.hpp: the instant funnel or the journey, behind Simulation

/// Journey stages for the focal brand (MODEL.md section 4).
enum class Stage : std::uint8_t {
    unaware = 0,
    aware = 1,
    considering = 2,
    customer = 3,
    lapsed = 4
};

/// Bits of the journey's `flags` column.
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
/// The journey's `last_touch` and `source` when the last touch was word of mouth, or nothing.
inline constexpr std::uint8_t touch_word_of_mouth = 0xfe, touch_none = 0xff;

/// Element types of customer columns.
enum class ColumnType : std::uint8_t { u8, u16, u64, f32, voice };

template <class T> constexpr ColumnType column_type() {
    if constexpr (std::is_same_v<T, std::uint8_t>) {
        return ColumnType::u8;
    } else if constexpr (std::is_same_v<T, std::uint16_t>) {
        return ColumnType::u16;
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        return ColumnType::u64;
    } else if constexpr (std::is_same_v<T, float>) {
        return ColumnType::f32;
    } else {
        return ColumnType::voice; // the journey's packed voices: step buffers only
    }
}

/// One column of per-customer state (or a step buffer), read-only, found by name: the one
/// registry that Python's zero-copy views, memory_bytes and tests read.
struct ColumnView {
    std::string_view name;
    ColumnType type = ColumnType::u8;
    const void* data = nullptr;
    std::size_t customers = 0; ///< rows
    std::size_t width = 1;     ///< values per customer: brands for per-brand columns
    std::size_t bytes = 0;     ///< memory held (capacity)
    bool state = true;         ///< customer state; false: a buffer of the step loop
    std::string_view description;

    /// The values, customer-major (`[i * width + b]`); throws if T is not the column's type.
    template <class T> std::span<const T> as() const {
        if (column_type<T>() != type) {
            throw std::invalid_argument("column " + std::string(name) + ": another element type");
        }
        return {static_cast<const T*>(data), customers * width};
    }
};

/// The KPIs of one moment. Counts of customers are current; flows (revenue, costs, complaints,
/// messages, churn) are cumulative since day 0. Focal brand unless a name says otherwise.
/// Every member but `day` and `customer_days` is registered in custsim/kpis.hpp, which says
/// its unit, model and meaning; a member added here must be added there (test_kpis.cpp checks).
struct Kpis {
    double day = 0;
    std::int64_t adopted = 0;        ///< customers who ever bought the focal brand (cumulative)
    std::int64_t customers = 0;      ///< current customers
    std::int64_t aware = 0;          ///< customers who know the focal brand
    std::int64_t adopted_by_ads = 0; ///< first purchases not found through word of mouth
    std::int64_t adopted_by_wom = 0; ///< first purchases of customers who heard of it from peers
    // The journey model's.
    double considering = 0, market_share = 0, purchases = 0, lost_sales = 0;
    double revenue = 0, margin = 0, media_cost = 0, service_cost = 0, retention_cost = 0,
           it_cost = 0, data_cost = 0, ambassador_cost = 0, regulatory_cost = 0, profit = 0;
    double entry_cost = 0; ///< fixed costs of entering markets (markets[].entry)
    double nps = 0, promoters = 0, detractors = 0, wom_positive = 0, wom_negative = 0;
    double complaints_opened = 0, complaints_resolved = 0, complaints_unresolved = 0;
    double complaints_open = 0; ///< the call centre's queue: open focal complaints this step
    double churned = 0, consented = 0, known = 0, contacts_without_consent = 0, spill_visits = 0;
    double objections = 0;
    /// Policies' triggered contacts (policies:): retargeting touches (their cost is media cost on
    /// their channel), complaint follow-ups and win-back offers, and the cost of the last two.
    double retarget_touches = 0, follow_ups = 0, win_back_offers = 0, trigger_cost = 0;
    double reviews = 0, rating = 0, five_star_reviews = 0, one_star_reviews = 0;
    double customer_days = 0; ///< not a KPI: customer-years x 365 served, for the ratios
    std::vector<double> channel_spend, channel_exposures, channel_conversions,
        channel_acquisitions; ///< per channel
    std::vector<double> brand_aware, brand_customers, brand_share, brand_satisfaction,
        brand_purchases, brand_revenue, brand_churned; ///< per brand
    /// Per brand, a consumer panel since day 0 (Ehrenberg 1988): penetration, purchases per
    /// buyer, share of category requirements, sole buyers, focal buyers who also bought it.
    std::vector<double> brand_penetration, brand_frequency, brand_requirements, brand_sole,
        brand_duplication;
    std::vector<double> brand_reviews, brand_rating; ///< per brand: reviews written, mean stars
    std::vector<double> market_aware, market_customers, market_revenue; ///< focal, per market
    std::vector<double> market_spend; ///< the focal brand's media spend per market
};

/// Work done, for benchmarks: customer updates and neighbour reads.
struct Work {
    std::uint64_t agent_steps = 0;
    std::uint64_t edge_reads = 0;
};

/// One replicate of one scenario, stepped in time: a thin face over the model the scenario
/// asks for (the instant funnel without brands, the customer journey with them).
///
/// A step reads the state left by the previous step and writes only its own customer: word of
/// mouth is pulled from neighbours, never pushed, so customers can be updated in any order on
/// any number of threads. Every random number is a Draws counted by (step, process, customer);
/// KPIs are summed per fixed block of customers and merged in block order. Together these make
/// a run bit-identical for any thread count.
class Simulation {
  public:
    /// `threads` = 0 uses OpenMP's default.
    Simulation(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph,
               std::uint32_t replicate = 0, int threads = 0);
    Simulation(Simulation&&) noexcept;
    Simulation& operator=(Simulation&&) noexcept;
    ~Simulation();

    void step();
    /// Replaces the focal brand's media plan from the next step on with a spend per day per
    /// channel (scenario order), split over markets by share where the channel exists; an empty
    /// vector goes back to the plan. This is how a policy written elsewhere (Python) steers.
    void set_focal_spend(const std::vector<double>& spend_per_day);
    /// For benchmarks only: run only the journey processes in `mask` (step_processes bits). The
    /// results are then not the model's; voices, stages and tallies are always updated.
    void set_processes(std::uint16_t mask);
    /// The focal brand's spend per day by channel (scenario order) on `day`: the policy's when
    /// one is set, else the media plan's flights in force (all markets). Empty for the instant
    /// funnel. The step spends exactly this.
    std::vector<double> planned_spend(double day) const;
    std::uint64_t step_index() const;
    double day() const;
    const Kpis& kpis() const;
    const Work& work() const;
    const Scenario& scenario() const;
    const SocialGraph& graph() const;
    /// Every customer column and step buffer of the model.
    std::vector<ColumnView> columns() const;
    /// The column called `name`; throws std::out_of_range naming the columns there are.
    ColumnView column(std::string_view name) const;
    /// Bytes held by the customers' columns and the step's buffers (not the graph).
    std::uint64_t memory_bytes() const;

  private:
    std::unique_ptr<Model> model_;
};

/// The journey's money ratios at the end of a run (MODEL.md section 4.8).
struct JourneySummary {
    double roi = 0;           ///< profit / all costs
    double cac = 0;           ///< media cost per customer acquired
    double annual_margin = 0; ///< m: margin per customer-year
    double retention = 0;     ///< r: share of customers kept over a year, exp(-churn per year)
    double clv = 0;           ///< m r / (1 + i - r), i the scenario's discount rate
    double clv_total = 0;     ///< customers x clv: the current customer base's value
};
JourneySummary summarise_journey(const Kpis& kpis, const Scenario& scenario);

/// Builds the scenario's social graph (generated or loaded), deterministic in scenario.seed.
std::shared_ptr<const SocialGraph> build_graph(const Scenario& scenario);

/// How a run reports progress and is cancelled: return false to stop (throws Cancelled).
using Progress = std::function<bool(std::uint32_t replicate, double day)>;

struct Observer; // custsim/run.hpp
/// An observer that is never called.
const Observer& no_observer();

/// Runs every replicate of a scenario through run_loop and records its KPIs every
/// `record_every` days. An observer that stops a replicate early cuts every replicate's series
/// to the points all of them reached; `final` keeps each replicate's last values.
Results run_scenario(const Scenario& scenario, int threads = 0, const Progress& progress = {},
                     std::shared_ptr<const SocialGraph> graph = nullptr,
                     const Observer& observer = no_observer());

} // namespace custsim
