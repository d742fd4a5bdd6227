#pragma once
#include <omp.h>

#include <cstdint>

namespace custsim {

/// Runs body(i) for i in [0, count) over the OpenMP threads. The only place with an OpenMP
/// pragma for customers; the schedule is static so a thread's share is the same on every run.
template <class Body> void parallel_for(std::int64_t count, Body&& body) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < count; ++i) {
        body(i);
    }
}

/// The block of customers a partial sum belongs to. Sums are taken per block and merged in
/// block order, so totals do not depend on how many threads there are.
inline constexpr std::int64_t customers_per_block = 1 << 14;

inline std::int64_t block_count(std::int64_t customers) {
    return (customers + customers_per_block - 1) / customers_per_block;
}

} // namespace custsim
