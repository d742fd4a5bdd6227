#pragma once
// The levers of `custsim optimise` as money: what one unit of each setting costs over the
// horizon, the plan's current money on it, the budgets it shares (the total, or its market's),
// and the allocation put back into a scenario.
#include "custsim/optimise.hpp"

#include <limits>
#include <string>
#include <vector>

namespace custsim::optimisation {

enum class LeverKind { channel, agents, training, logistics, service_level };

/// A lever as money: its kind, what a unit of its setting costs, its bounds and current money.
struct LeverCard {
    std::string name;
    LeverKind kind = LeverKind::channel;
    std::string unit;
    double money_per_unit = 0;
    double low = 0, high = 0;
    double current = 0, current_setting = 0;
    std::string channel; ///< a channel lever's channel
    std::string market;  ///< CHANNEL@MARKET: the market; empty: every market, or not a channel
    std::vector<std::size_t> flights; ///< a channel lever: the focal brand's flights it scales
    /// The money the levers of its market share exactly (--market-budget); NaN: none, the lever
    /// shares what the market budgets leave of the total.
    double market_budget = std::numeric_limits<double>::quiet_NaN();
};

/// The total the levers share: the budget, or without one the market budgets' sum. Throws
/// InputError naming --budget when there is neither.
double total_budget(const OptimiseOptions& options);

/// The scenario with `days` set to the horizon (0: as it is).
Scenario at_horizon(const Scenario& scenario, double horizon);

/// The cards of `options.levers` for `scenario` (the horizon applied); `planned_revenue` is the
/// focal brand's revenue over the horizon in market money (service level's cost is per sale).
/// Throws InputError naming the option for a lever the scenario cannot cost or bounds that do not
/// fit the budget.
std::vector<LeverCard> lever_cards(const Scenario& scenario, const OptimiseOptions& options,
                                   double planned_revenue);

/// The allocation of exactly `budget` between the cards' bounds with shares proportional to
/// `weights` where no bound binds (water-filling); the sum is the budget to rounding. Cards with
/// a market budget are filled to it market by market, the others to what those leave.
std::vector<double> water_fill(const std::vector<double>& weights,
                               const std::vector<LeverCard>& cards, double budget);

/// The scenario with each card's lever set to spend its allocation over the horizon.
Scenario apply_allocation(const Scenario& scenario, const std::vector<LeverCard>& cards,
                          const std::vector<double>& allocation);

/// Each lever's setting in its own unit for an allocation.
std::vector<double> settings(const Scenario& scenario, const std::vector<LeverCard>& cards,
                             const std::vector<double>& allocation);

} // namespace custsim::optimisation
