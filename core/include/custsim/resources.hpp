#pragma once
#include "custsim/scenario.hpp"

#include <cstdint>
#include <string>

namespace custsim {

/// Thread counts a run accepts: 0 (OpenMP's default, all cores) to max_threads. More threads
/// than that only add overhead on any machine this runs on, and libgomp crashes long before
/// 100 000. The results are the same for every count.
inline constexpr int max_threads = 1024;

/// Refuses (InputError) a thread count outside 0..max_threads, naming `what` (e.g. "--threads").
void check_threads(int threads, const std::string& what = "threads");

/// What one run of a scenario will take, estimated from its sizes before anything is allocated
/// (docs/reliability.md): doubles, so that absurd sizes do not wrap.
struct RunSize {
    double customers = 0;
    double ties = 0;         ///< undirected ties of a generated graph (mean_degree x customers / 2)
    double memory_bytes = 0; ///< peak: customers' columns, the graph while it is built, results
    double customer_steps = 0; ///< customers x steps x replicates
};

/// Bytes per customer of the step's columns and buffers (docs/performance.md): the instant
/// funnel's 13 and the journey's 33 + 8 per brand + a voice kept twice (16), plus 20 for seeding.
/// Bytes per undirected tie while the graph is built: 8 for the key, 8 for the CSR's two column
/// entries, 2 for the ties' strength (5.3 bytes per directed tie once built).
RunSize estimate_run(const Scenario& scenario);

/// Bytes the kernel says can be allocated without swapping (MemAvailable in /proc/meminfo);
/// 0 if it cannot be read.
std::uint64_t available_memory();

/// The threads a team of `threads` has: `threads`, or OpenMP's default for 0.
int team_size(int threads);

/// Customer-steps a run may take without --force: about 12 days of one core at 10 million a
/// second.
inline constexpr double max_customer_steps = 1e13;

/// Refuses (InputError) a run that needs more memory than is available or more than
/// max_customer_steps of work, with both estimates and what the machine has; `runs` is how
/// many runs of the scenario a command makes (compare: 2), `concurrent` how many of them are in
/// memory at once (calibrate, optimise and sensitivity --parallel-runs: one per thread). The
/// message suggests --force.
void check_run_size(const Scenario& scenario, double runs = 1, int concurrent = 1);

} // namespace custsim
