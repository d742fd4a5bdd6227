#pragma once
// The one run loop: the command line, Python policies and the explorer all step a Simulation
// through it, so they record the same points and call observers at the same moments.
#include "custsim/simulation.hpp"

#include <cstdint>
#include <functional>

namespace custsim {

/// Called before the step that starts every `every_days` days (day 0 included): it may read the
/// simulation, change its spend (set_focal_spend), and return false to stop the replicate there.
struct Observer {
    double every_days = 0; ///< 0: never called
    std::function<bool(std::uint32_t replicate, Simulation& simulation)> call;
};

/// What run_loop calls: `record(point)` at point 0 and after every `record_every` steps;
/// `observer` as it says; `progress` after every step (false cancels: throws Cancelled).
struct RunHooks {
    std::function<void(std::size_t point)> record;
    Observer observer;
    Progress progress;
};

/// Keeps the first `points` recorded points of every series of every replicate.
void truncate(Results& results, std::size_t points);

/// Steps replicate `replicate` from its current step to `steps`. Returns the number of points
/// recorded (fewer than steps / record_every + 1 when the observer stopped it).
std::size_t run_loop(Simulation& simulation, std::uint32_t replicate, std::uint64_t steps,
                     std::uint64_t record_every, const RunHooks& hooks);

} // namespace custsim
