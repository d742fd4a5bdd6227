// The MPI runner of calibrate and optimise (ranks.hpp): fixed shares, results gathered on every
// rank, errors agreed so that the ranks end together.
#include "ranks.hpp"

#include "custsim/error.hpp"

#include <mpi.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>

namespace custsim::cli {

namespace {

/// Set when a batch raised an error on every rank: they end together, without MPI_Abort.
bool raised_on_every_rank = false;

enum class Kind : int { cancelled = 1, input = 2, memory = 3, other = 4 };

/// What kind of error `error` is, and its message.
std::pair<Kind, std::string> describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const Cancelled& e) {
        return {Kind::cancelled, e.what()};
    } catch (const InputError& e) {
        return {Kind::input, e.what()};
    } catch (const std::bad_alloc& e) {
        return {Kind::memory, e.what()};
    } catch (const std::exception& e) {
        return {Kind::other, e.what()};
    } catch (...) {
        return {Kind::other, "unknown error"};
    }
}

/// main's exit code for an error of this kind.
int exit_code(Kind kind) {
    return kind == Kind::cancelled ? 130 : kind == Kind::input ? 2 : 1;
}

[[noreturn]] void raise_everywhere(Kind kind, const std::string& message) {
    raised_on_every_rank = true;
    switch (kind) {
    case Kind::cancelled:
        throw Cancelled();
    case Kind::input:
        throw InputError(message);
    case Kind::memory:
        throw std::bad_alloc();
    case Kind::other:
        break;
    }
    throw std::runtime_error(message);
}

/// Every rank learns the error of the lowest failed task (the first in index order, as on one
/// process), if any, and raises it.
void agree_on_errors(const Ranks& ranks, std::int64_t count, const std::vector<std::int64_t>& mine,
                     const std::vector<std::exception_ptr>& errors) {
    std::int64_t first_mine = count, first = count;
    for (std::size_t j = 0; j < mine.size() && first_mine == count; ++j) {
        first_mine = errors[j] ? mine[j] : count;
    }
    MPI_Allreduce(&first_mine, &first, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
    if (first == count) {
        return;
    }
    const int owner = int(first % ranks.size);
    int kind = 0;
    std::string message;
    if (owner == ranks.rank) {
        const auto [k, text] = describe(errors[std::size_t(first / ranks.size)]);
        kind = int(k);
        message = text;
    }
    int length = int(message.size());
    MPI_Bcast(&kind, 1, MPI_INT, owner, MPI_COMM_WORLD);
    MPI_Bcast(&length, 1, MPI_INT, owner, MPI_COMM_WORLD);
    message.resize(std::size_t(length));
    MPI_Bcast(message.data(), length, MPI_CHAR, owner, MPI_COMM_WORLD);
    raise_everywhere(Kind(kind), message);
}

/// Each rank's results, gathered on every rank: a rank sends its tasks' sizes, then their numbers.
std::vector<std::vector<double>> gather(const Ranks& ranks, std::int64_t count,
                                        const std::vector<std::vector<double>>& local) {
    std::vector<double> sent;
    for (const auto& numbers : local) {
        sent.push_back(double(numbers.size()));
    }
    for (const auto& numbers : local) {
        sent.insert(sent.end(), numbers.begin(), numbers.end());
    }
    if (sent.size() > std::size_t(std::numeric_limits<int>::max())) {
        throw std::runtime_error("a batch's results are too large for one MPI message");
    }
    const int size = int(sent.size());
    std::vector<int> sizes(std::size_t(ranks.size)), offsets(std::size_t(ranks.size), 0);
    MPI_Allgather(&size, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::int64_t total = 0;
    for (int r = 0; r < ranks.size; ++r) {
        offsets[std::size_t(r)] = int(total);
        total += sizes[std::size_t(r)];
    }
    if (total > std::numeric_limits<int>::max()) {
        throw std::runtime_error("a batch's results are too large for one MPI message");
    }
    std::vector<double> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(sent.data(), size, MPI_DOUBLE, all.data(), sizes.data(), offsets.data(),
                   MPI_DOUBLE, MPI_COMM_WORLD);
    std::vector<std::vector<double>> results(static_cast<std::size_t>(count));
    for (int r = 0; r < ranks.size; ++r) {
        std::size_t at = std::size_t(offsets[std::size_t(r)]);
        std::size_t data = at;
        for (std::int64_t i = r; i < count; i += ranks.size) {
            ++data; // past this task's size
        }
        for (std::int64_t i = r; i < count; i += ranks.size, ++at) {
            const auto length = std::size_t(all[at]);
            results[std::size_t(i)].assign(all.begin() + std::ptrdiff_t(data),
                                           all.begin() + std::ptrdiff_t(data + length));
            data += length;
        }
    }
    return results;
}

} // namespace

bool started_by_mpi() {
    const bool mpi = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK");
    const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
    if (!mpi && tasks && std::atoi(tasks) > 1) {
        throw InputError(std::string("started by srun as ") + tasks +
                         " tasks without MPI; use mpirun, or srun --mpi=pmix (docs/cluster.md)");
    }
    return mpi;
}

BatchRunner Ranks::runner(int threads) const {
    if (size == 1) {
        return thread_runner(threads);
    }
    return [ranks = *this, threads](std::int64_t count, const BatchTask& task) {
        std::vector<std::int64_t> mine;
        for (std::int64_t i = ranks.rank; i < count; i += ranks.size) {
            mine.push_back(i);
        }
        std::vector<std::exception_ptr> errors;
        const auto local = run_on_threads(
            std::int64_t(mine.size()), threads,
            [&](std::int64_t j, int each) { return task(mine[std::size_t(j)], each); }, &errors);
        agree_on_errors(ranks, count, mine, errors);
        return gather(ranks, count, local);
    };
}

int run_on_ranks(const std::function<int(const Ranks&)>& command) {
    if (!started_by_mpi()) {
        return command(Ranks{});
    }
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    Ranks ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &ranks.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks.size);
    int code = 0;
    try {
        code = command(ranks);
    } catch (...) {
        if (ranks.size == 1 || raised_on_every_rank) {
            MPI_Finalize();
            if (ranks.lead()) {
                throw; // main reports it and exits with its code
            }
            return exit_code(describe(std::current_exception()).first);
        }
        const auto [kind, message] = describe(std::current_exception());
        if (!ranks.lead()) { // rank 0 reports an error every rank met, and its abort ends us
            std::signal(SIGINT, SIG_DFL);
            std::signal(SIGTERM, SIG_DFL);
            ::sleep(2);
        }
        std::fprintf(stderr, "custsim: %s%s\n",
                     ranks.lead() ? "" : ("rank " + std::to_string(ranks.rank) + ": ").c_str(),
                     kind == Kind::cancelled ? "interrupted; no results file was written"
                                             : message.c_str());
        MPI_Abort(MPI_COMM_WORLD, exit_code(kind));
    }
    MPI_Finalize();
    return code;
}

} // namespace custsim::cli
