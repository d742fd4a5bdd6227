#pragma once
// How the independent evaluations of calibrate and optimise are spread. Both algorithms run the
// same deterministic steps in every process and hand each batch of evaluations to a BatchRunner,
// which may run them on this process's threads (the default) or deal them out to the ranks of an
// MPI job (custsim calibrate and optimise under mpirun). An evaluation's numbers depend on its
// index and inputs alone, so the answer is the same bit for bit on any layout.
#include <cstdint>
#include <exception>
#include <functional>
#include <vector>

namespace custsim {

/// One task of a batch: runs task `index` on `threads` threads and returns its numbers.
using BatchTask = std::function<std::vector<double>(std::int64_t index, int threads)>;

/// Runs tasks [0, count) and returns every task's numbers in index order, in every process that
/// called it. A task's error is rethrown, the lowest index's, in every process. A runner that
/// uses several processes runs task 0 in the one that reads and writes files (rank 0): a batch
/// of one task is how the others get what that process read.
using BatchRunner =
    std::function<std::vector<std::vector<double>>(std::int64_t count, const BatchTask& task)>;

/// Runs the tasks side by side on `threads` threads (0: OpenMP's default), handed out one at a
/// time; with fewer tasks than threads each gets threads / count. With `errors`, task i's
/// exception goes to (*errors)[i] (empty where it succeeded); without, the lowest index's is
/// rethrown once all have finished.
std::vector<std::vector<double>> run_on_threads(std::int64_t count, int threads,
                                                const BatchTask& task,
                                                std::vector<std::exception_ptr>* errors = nullptr);

/// The default runner: run_on_threads on `threads` threads.
BatchRunner thread_runner(int threads);

} // namespace custsim
