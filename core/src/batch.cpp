// The default BatchRunner: a batch's tasks on this process's threads.
#include "custsim/batch.hpp"

#include "parallel.hpp"

#include <omp.h>

#include <algorithm>

namespace custsim {

std::vector<std::vector<double>> run_on_threads(std::int64_t count, int threads,
                                                const BatchTask& task,
                                                std::vector<std::exception_ptr>* errors) {
    std::vector<std::vector<double>> results(std::size_t(std::max<std::int64_t>(count, 0)));
    std::vector<std::exception_ptr> caught(results.size());
    const int team = threads > 0 ? threads : omp_get_max_threads();
    const int each = int(std::max<std::int64_t>(1, team / std::max<std::int64_t>(count, 1)));
    auto run = [&](std::int64_t i) {
        try {
            results[std::size_t(i)] = task(i, each);
        } catch (...) {
            caught[std::size_t(i)] = std::current_exception();
        }
    };
    if (count == 1) { // no parallel region: the one task's own runs may use every thread
        run(0);
    } else {
        parallel_tasks(count, team, run);
    }
    if (errors) {
        *errors = std::move(caught);
        return results;
    }
    for (const auto& error : caught) {
        if (error) {
            std::rethrow_exception(error);
        }
    }
    return results;
}

BatchRunner thread_runner(int threads) {
    return [threads](std::int64_t count, const BatchTask& task) {
        return run_on_threads(count, threads, task);
    };
}

} // namespace custsim
