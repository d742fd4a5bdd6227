#pragma once
// The levers of `custsim optimise` as money: what one unit of each setting costs over the
// horizon, the plan's current money on it, and the allocation put back into a scenario.
#include "custsim/optimise.hpp"

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
};

/// The scenario with `days` set to the horizon (0: as it is).
Scenario at_horizon(const Scenario& scenario, double horizon);

/// The cards of `options.levers` for `scenario` (the horizon applied); `planned_revenue` is the
/// focal brand's revenue over the horizon in market money (service level's cost is per sale).
/// Throws InputError naming the option for a lever the scenario cannot cost or bounds that do not
/// fit the budget.
std::vector<LeverCard> lever_cards(const Scenario& scenario, const OptimiseOptions& options,
                                   double planned_revenue);

/// The allocation of exactly `budget` between the cards' bounds with shares proportional to
/// `weights` where no bound binds (water-filling); the sum is the budget to rounding.
std::vector<double> water_fill(const std::vector<double>& weights,
                               const std::vector<LeverCard>& cards, double budget);

/// The scenario with each card's lever set to spend its allocation over the horizon.
Scenario apply_allocation(const Scenario& scenario, const std::vector<LeverCard>& cards,
                          const std::vector<double>& allocation);

/// Each lever's setting in its own unit for an allocation.
std::vector<double> settings(const Scenario& scenario, const std::vector<LeverCard>& cards,
                             const std::vector<double>& allocation);

} // namespace custsim::optimisation
