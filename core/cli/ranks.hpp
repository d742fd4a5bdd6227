#pragma once
// custsim calibrate and optimise under mpirun (docs/cluster.md): every rank runs the same command
// with the same arguments (SPMD), and the core hands each batch of evaluations to a runner that
// deals its tasks out over the ranks and gives every rank all the results, so the ranks follow
// the same search in lockstep. Only rank 0 prints and writes files.
#include "custsim/batch.hpp"

#include <functional>

namespace custsim::cli {

/// Whether an MPI launcher started this process (OpenMPI sets OMPI_COMM_WORLD_SIZE, PMIx
/// PMIX_RANK). Refuses (InputError) a multi-task srun step without MPI, whose tasks would each
/// run the whole command alone.
bool started_by_mpi();

/// This process's place in the job: rank 0 of 1 when not started by an MPI launcher.
struct Ranks {
    int rank = 0, size = 1;
    bool lead() const { return rank == 0; }
    /// The runner for `threads` threads per rank: on one rank, thread_runner; on several, task i
    /// runs on rank i % size and every rank gets every task's numbers (MPI_Allgatherv). A task's
    /// error ends the batch on every rank alike: the lowest index's, raised again with its kind
    /// (interrupted, bad input, out of memory, other) and message.
    BatchRunner runner(int threads) const;
};

/// Runs `command` in this process or, under an MPI launcher, as one rank of the job (MPI is
/// initialised and finalised around it). An error a batch raised on every rank ends them all
/// with main's exit code for it, rank 0 reporting it; any other error is printed (by ranks
/// other than 0 after 2 s, so that one every rank met is printed once) and aborts the job, as
/// the other ranks would wait for the failed one.
int run_on_ranks(const std::function<int(const Ranks&)>& command);

} // namespace custsim::cli
