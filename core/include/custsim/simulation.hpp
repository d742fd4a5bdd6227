#pragma once
#include "custsim/results.hpp"
#include "custsim/rng.hpp"
#include "custsim/scenario.hpp"
#include "custsim/social_graph.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace custsim {

/// Journey stages for the focal brand (MODEL.md section 4).
enum class Stage : std::uint8_t {
    unaware = 0,
    aware = 1,
    considering = 2,
    customer = 3,
    lapsed = 4
};

/// One index = one customer. Only what the step loop touches every step lives here; names and
/// external ids live elsewhere. `talk` is what neighbours read (double-buffered inside the
/// simulation); the other columns are read and written by their own customer only.
struct Customers {
    std::vector<std::uint8_t> stage; ///< Stage
    std::vector<float> adopted_day;  ///< day of adoption; NaN if never adopted
    std::vector<float> talk;         ///< word-of-mouth weight this customer sends (0..1)
};

/// The KPIs of one moment, summed over customers.
struct Kpis {
    double day = 0;
    std::int64_t adopted = 0;        ///< customers who ever adopted (cumulative)
    std::int64_t customers = 0;      ///< current customers
    std::int64_t aware = 0;          ///< customers past `unaware`
    std::int64_t adopted_by_ads = 0; ///< adoptions attributed to channels (cumulative)
    std::int64_t adopted_by_wom = 0; ///< adoptions attributed to word of mouth (cumulative)
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
    std::uint64_t step_index() const { return step_; }
    double day() const { return double(step_) * scenario_.dt; }
    const Customers& customers() const { return state_; }
    const Kpis& kpis() const { return kpis_; }
    const Work& work() const { return work_; }
    const Scenario& scenario() const { return scenario_; }
    const SocialGraph& graph() const { return *graph_; }

  private:
    struct BlockTally;
    void seed_customers();
    void tally(std::span<const BlockTally> blocks);

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
};

/// Builds the scenario's social graph (generated or loaded), deterministic in scenario.seed.
std::shared_ptr<const SocialGraph> build_graph(const Scenario& scenario);

/// How a run reports progress and is cancelled: return false to stop (throws Cancelled).
using Progress = std::function<bool(std::uint32_t replicate, double day)>;

/// Runs every replicate of a scenario and records its KPIs every `record_every` days.
Results run_scenario(const Scenario& scenario, int threads = 0, const Progress& progress = {},
                     std::shared_ptr<const SocialGraph> graph = nullptr);

} // namespace custsim
