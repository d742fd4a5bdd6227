#pragma once
// The budget policies (policies: reallocate, bandit; MODEL.md "Policies"). Serial, before the
// customer loop: they split the media plan's total spend of the day over the focal brand's
// channels with flights, from what the firm observed of each channel: its spend and its
// acquisitions (or last-touch sales), the cumulative KPIs merged in block order, so the
// decisions are the same on any thread count. The total is the plan's: only the split changes.
#include "custsim/rng.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include <cstdint>
#include <vector>

namespace custsim {

class BudgetPolicy {
  public:
    BudgetPolicy() = default;
    /// The scenario's budget policy (if any) over `channels`: the focal brand's channels with
    /// flights, scenario indices.
    BudgetPolicy(const Scenario& s, std::vector<std::size_t> channels);
    bool active() const { return active_; }
    /// Today's spend per day per channel in `spend` (all channels, scenario order): the plan's
    /// spend `plan` (per channel, all markets) with its total over the policy's channels split
    /// by the policy's shares, after the decision due at `step`, if one is.
    void plan(std::uint64_t step, const Kpis& seen, StreamKey key, const std::vector<double>& plan,
              std::vector<double>& spend);
    /// The policy's share of the total per channel (scenario order; 0 for others).
    std::vector<double> shares() const;

  private:
    /// Per policy channel: spend and results (acquisitions or sales) since `since`.
    void observe(const Kpis& seen, std::vector<double>& spend, std::vector<double>& got) const;
    void snapshot(const Kpis& seen);
    void reallocate(const Kpis& seen);
    void thompson(std::uint64_t step, StreamKey key, const Kpis& seen);

    Policy policy_;
    bool active_ = false, started_ = false;
    std::vector<std::size_t> channels_;
    std::vector<double> share_, seen_spend_, seen_got_, first_spend_, first_got_;
    std::uint64_t every_steps_ = 1, start_step_ = 0, last_step_ = 0;
};

/// A draw from Gamma(shape, 1), shape >= 1 (Marsaglia & Tsang 2000), from `draws`' uniforms.
double gamma_draw(double shape, Draws& draws);

} // namespace custsim
