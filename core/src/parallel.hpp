#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace custsim {

/// Runs body(i) for i in [0, count) over the OpenMP threads. This header is the only place with
/// OpenMP pragmas; schedules are static.
template <class Body> void parallel_for(std::int64_t count, Body&& body) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < count; ++i) {
        body(i);
    }
}

/// Runs task(i) for i in [0, count) on `threads` threads (0: OpenMP's default), handed out one
/// at a time: for long tasks of uneven length (whole runs) that each write their own slot.
template <class Task> void parallel_tasks(std::int64_t count, int threads, Task&& task) {
    const int team = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(team)
    for (std::int64_t i = 0; i < count; ++i) {
        task(i);
    }
}

/// The block of customers a partial sum belongs to. Sums are taken per block and merged in
/// block order, so totals do not depend on how many threads there are.
inline constexpr std::int64_t customers_per_block = 1 << 14;

inline std::int64_t block_count(std::int64_t customers) {
    return (customers + customers_per_block - 1) / customers_per_block;
}

/// Runs body(first, last, tally) for each block of customers on `threads` threads; each block
/// fills its own tally, which the caller merges in block order.
template <class Tally, class Body>
void for_each_block(std::int64_t customers, int threads, std::vector<Tally>& tallies, Body&& body) {
    const std::int64_t blocks = block_count(customers);
    tallies.assign(blocks, Tally{});
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::int64_t b = 0; b < blocks; ++b) {
        const std::int64_t first = b * customers_per_block;
        body(first, std::min(customers, first + customers_per_block), tallies[b]);
    }
}

} // namespace custsim
