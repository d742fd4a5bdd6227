#pragma once
// The customer-journey model (MODEL.md sections 3 to 6) behind Simulation: its tables, columns
// and step buffers.
#include "models.hpp"

#include "journey/budget.hpp"
#include "journey/model.hpp"

#include <span>

namespace custsim {

class JourneyModel final : public Model {
  public:
    JourneyModel(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph, StreamKey key,
                 int threads);
    void step() override { step_journey(false); }
    std::vector<ColumnView> columns() const override;
    void set_focal_spend(const std::vector<double>& spend_per_day) override;
    void set_processes(std::uint16_t mask) override { processes_ = mask; }
    std::vector<double> planned_spend(double day) const override;

  private:
    void start();
    void step_journey(bool dry);
    void plan_step(double day);
    /// Each market's focal distribution today and the fixed costs of the markets entered today.
    void plan_entry(double day);
    /// Brand b's spend per day on channel c in each market on `day`: the policy's for the focal
    /// brand when one is set, else the flights in force. The one place spend is worked out.
    /// With `flights_only`, the flights in force whatever a policy set.
    void brand_spend(std::size_t b, std::size_t c, double day, double* per_market,
                     bool flights_only = false) const;
    /// A budget policy's spend for today (policies: reallocate, bandit), into policy_spend.
    void plan_budget(double day);
    double own_price_factor(std::size_t b, double day) const;
    void set_prices(double day);
    void add_matched_spend(std::size_t b, std::size_t c, double day, double* per_market) const;
    void tally(std::span<const JourneyTally> blocks, bool first);
    double fine(const JourneyTally& total) const;

    std::unique_ptr<JourneyTables> model_; ///< resolved tables and the last step's aggregates
    Customers state_;
    std::uint16_t processes_ = all_step_processes;
    std::vector<Voice> next_voice_;
    /// Two brands or fewer: each voice as four 16-bit lanes, level in lane 2 x brand + negative.
    std::vector<std::uint64_t> lanes_, next_lanes_;
    Panel panel_;         ///< the consumer panel since day 0
    BudgetPolicy budget_; ///< policies: reallocate or bandit (inactive without)
};

} // namespace custsim
