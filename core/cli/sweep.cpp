// custsim sweep: many scenario points, resumable, spread over MPI ranks when run under mpirun.
//
// Every finished point is written at once as its own results file in OUT.h5.parts/ (temporary
// name, then rename), so a killed sweep loses at most the points in flight; running the same
// command again reads the parts, runs only what is missing, and rewrites OUT.h5 (again by
// rename) with every finished point. Under MPI, rank 0 hands out points one at a time to the
// other ranks (dynamic load balancing); they write the parts (the output folder must be shared,
// as on any cluster), rank 0 assembles. A point's numbers depend only on its scenario and seed,
// so the file is the same bit for bit on any number of ranks and threads.
#include "command.hpp"
#include "commands.hpp"

#include "progress.hpp"
#include "ranks.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"
#include "custsim/simulation.hpp"
#include "custsim/sweep.hpp"

#include <fcntl.h>
#include <mpi.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace custsim::cli {

namespace {

constexpr int tag_ask = 1, tag_point = 2;
constexpr double missing = std::numeric_limits<double>::quiet_NaN();

/// The sweep as resolved: every point's full scenario. Its hash names the parts folder's owner.
std::uint64_t fingerprint(const std::vector<Scenario>& scenarios, const Sweep& sweep) {
    std::uint64_t hash = 1469598103934665603ull;
    auto add = [&](const std::string& text) {
        for (unsigned char c : text) {
            hash = (hash ^ c) * 1099511628211ull;
        }
    };
    add(sweep.timeseries ? "timeseries" : "final");
    for (const auto& s : scenarios) {
        add(to_yaml(s));
    }
    return hash;
}

std::filesystem::path part_path(const std::filesystem::path& parts, std::size_t point) {
    return parts / ("point_" + std::to_string(point) + ".h5");
}

/// One point's resolved scenario (and what a part keeps of it): a part records it, so a part of
/// another point, another sweep or another version is never taken for this point's.
std::string point_fingerprint(const Scenario& scenario, const Sweep& sweep) {
    std::uint64_t hash = 1469598103934665603ull;
    for (const std::string& text :
         {std::string(CUSTSIM_VERSION), std::string(sweep.timeseries ? "timeseries" : "final"),
          to_yaml(scenario)}) {
        for (unsigned char c : text) {
            hash = (hash ^ c) * 1099511628211ull;
        }
        hash = (hash ^ 0xff) * 1099511628211ull;
    }
    return std::to_string(hash);
}

/// Holds an exclusive flock on the parts folder while the sweep runs, so that two sweeps
/// writing the same -o cannot mix their points.
class FolderLock {
  public:
    explicit FolderLock(const std::filesystem::path& folder) {
        fd_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd_ < 0) {
            throw InputError(folder.string() +
                             ": cannot open the parts folder: " + std::strerror(errno));
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            ::close(fd_);
            if (error == EWOULDBLOCK) {
                throw InputError(folder.string() +
                                 " is in use by another custsim sweep writing the same results "
                                 "file; wait for it to finish, or write to another -o");
            }
            throw InputError(folder.string() +
                             ": cannot lock the parts folder: " + std::strerror(error));
        }
    }
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;
    ~FolderLock() { ::close(fd_); }
    /// Whether the folder is still the one locked (another sweep may have finished and removed
    /// it between our open and our lock).
    bool still_there(const std::filesystem::path& folder) const {
        struct stat locked {
        }, now{};
        return ::fstat(fd_, &locked) == 0 && ::stat(folder.c_str(), &now) == 0 &&
               locked.st_ino == now.st_ino && locked.st_dev == now.st_dev;
    }

  private:
    int fd_ = -1;
};

/// What a part must be to stand for point `i`: its fingerprint, a checksum that matches its
/// contents, and the replicates, days and KPIs every point has. Returns why not, or nothing.
std::optional<std::string> part_problem(const Results& part, const std::string& fingerprint,
                                        const std::string& recorded_fingerprint,
                                        const std::string& recorded_checksum,
                                        const Results* reference, std::uint32_t replicates,
                                        const std::vector<double>& time) {
    if (recorded_fingerprint.empty() || recorded_checksum.empty()) {
        return "it has no fingerprint or checksum (written by an older custsim?)";
    }
    if (recorded_fingerprint != fingerprint) {
        return "it holds another point's results (its scenario's fingerprint differs)";
    }
    if (recorded_checksum != std::to_string(checksum(part))) {
        return "its contents do not match its checksum (edited or damaged)";
    }
    if (part.replicates != replicates || part.time != time) {
        return "its replicates or recorded days differ from the sweep's";
    }
    if (reference) {
        for (const auto* kpis : {&reference->final, &reference->timeseries}) {
            for (const auto& [kpi, values] : *kpis) {
                const auto& mine = kpis == &reference->final ? part.final : part.timeseries;
                const auto found = mine.find(kpi);
                if (found == mine.end() || found->second.size() != values.size()) {
                    return "it lacks the KPI " + kpi;
                }
            }
        }
    }
    return std::nullopt;
}

/// Writes OUT.h5 from the points finished so far (NaN where a point is missing, /done says which).
void assemble(const std::filesystem::path& output, const Sweep& sweep,
              const std::vector<std::vector<double>>& values,
              const std::vector<std::vector<std::string>>& overrides,
              const std::vector<Results>& results, const std::vector<bool>& done) {
    const std::size_t N = values.size();
    std::map<std::string, Array> arrays;
    for (std::size_t p = 0; p < sweep.parameters.size(); ++p) {
        Array& a = arrays["/points/" + sweep.parameters[p].name];
        a.shape = {N};
        for (std::size_t i = 0; i < N; ++i) {
            a.values.push_back(values[i][p]);
        }
    }
    for (std::size_t d = 0; d < sweep.derived.size(); ++d) {
        Array& a = arrays["/points/" + sweep.derived[d].first];
        a.shape = {N};
        for (std::size_t i = 0; i < N; ++i) {
            const std::string& assignment =
                overrides[i][overrides[i].size() - sweep.derived.size() + d];
            a.values.push_back(std::stod(assignment.substr(assignment.find('=') + 1)));
        }
    }
    Array& finished = arrays["/done"];
    finished.shape = {N};
    const Results* any = nullptr;
    for (std::size_t i = 0; i < N; ++i) {
        finished.values.push_back(done[i] ? 1.0 : 0.0);
        any = done[i] && !any ? &results[i] : any;
    }
    if (any) {
        const std::uint64_t R = any->replicates, T = any->points();
        arrays["/time"] = Array{{T}, any->time};
        for (const auto& [kpi, first] : any->final) {
            Array& a = arrays["/final/" + kpi];
            a.shape = {N, R};
            a.values.assign(N * R, missing);
            for (std::size_t i = 0; i < N; ++i) {
                if (done[i] && results[i].final.count(kpi) &&
                    results[i].final.at(kpi).size() == R) {
                    std::copy(results[i].final.at(kpi).begin(), results[i].final.at(kpi).end(),
                              a.values.begin() + std::ptrdiff_t(i * R));
                }
            }
        }
        if (sweep.timeseries) {
            for (const auto& [kpi, first] : any->timeseries) {
                Array& a = arrays["/timeseries/" + kpi];
                a.shape = {N, R, T};
                a.values.assign(N * R * T, missing);
                for (std::size_t i = 0; i < N; ++i) {
                    if (done[i] && results[i].timeseries.count(kpi) &&
                        results[i].timeseries.at(kpi).size() == R * T) {
                        const auto& v = results[i].timeseries.at(kpi);
                        std::copy(v.begin(), v.end(), a.values.begin() + std::ptrdiff_t(i * R * T));
                    }
                }
            }
        }
    }
    std::string parameters;
    for (const auto& p : sweep.parameters) {
        parameters += (parameters.empty() ? "" : ",") + p.name;
    }
    write_arrays(output, arrays,
                 {{"custsim_version", CUSTSIM_VERSION},
                  {"sweep_yaml", sweep.text},
                  {"base_scenario_yaml", any ? any->scenario_yaml : std::string()},
                  {"parameters", parameters}});
}

/// A sweep's points, each resolved to its full scenario, and the fingerprints its parts carry.
struct SweepPoints {
    Sweep sweep;
    std::vector<std::vector<double>> values;
    std::vector<std::vector<std::string>> overrides;
    std::vector<Scenario> scenarios;
    std::vector<std::string> fingerprints;
    std::size_t size() const { return values.size(); }
};

/// Resolves every point's scenario; a point's error is prefixed with its number.
SweepPoints resolve_points(const std::string& sweep_file) {
    SweepPoints points{load_sweep(sweep_file), {}, {}, {}, {}};
    points.values = sweep_points(points.sweep);
    const std::size_t N = points.size();
    points.overrides.resize(N);
    for (std::size_t i = 0; i < N; ++i) {
        points.overrides[i] = point_overrides(points.sweep, points.values[i]);
        try {
            points.scenarios.push_back(load_scenario(points.sweep.base, points.overrides[i]));
        } catch (const ScenarioError& e) {
            throw ScenarioError("sweep point " + std::to_string(i) + ": " + e.what());
        }
    }
    return points;
}

/// Every point goes into one array per KPI: the same replicates and recorded days for all.
void check_points_alike(const std::string& sweep_file, const std::vector<Scenario>& scenarios) {
    for (std::size_t i = 1; i < scenarios.size(); ++i) {
        const Scenario& a = scenarios.front();
        const Scenario& b = scenarios[i];
        if (b.replicates != a.replicates || b.steps() != a.steps() || b.dt != a.dt ||
            b.steps_per_record() != a.steps_per_record()) {
            throw InputError(sweep_file + ": sweep point " + std::to_string(i) +
                             ": replicates, days, dt and record_every must be the same at every "
                             "point (point 0 has " +
                             std::to_string(a.replicates) + " replicates of " +
                             std::to_string(a.steps()) + " steps, point " + std::to_string(i) +
                             " has " + std::to_string(b.replicates) + " of " +
                             std::to_string(b.steps()) + "); sweep them in separate sweeps");
        }
    }
}

std::filesystem::path output_path(const SweepArgs& args) {
    return args.output.empty() ? std::filesystem::path(args.sweep).stem().string() + ".h5"
                               : args.output;
}

/// Rank 0 refuses an unwritable output and (without --force) a run too big, before any work.
void check_before_running(const SweepArgs& args, const std::vector<Scenario>& scenarios) {
    check_output(output_path(args).string(), "-o");
    if (!args.force) {
        for (const auto& scenario : scenarios) {
            check_run_size(scenario);
        }
    }
}

/// Runs point i and writes its part, fingerprinted and checksummed.
void run_point(const SweepPoints& points, const std::filesystem::path& parts, std::size_t i,
               int threads, const Progress& progress = {}) {
    const Results results = run_scenario(points.scenarios[i], threads, progress);
    write_results(results, part_path(parts, i),
                  {{"point_fingerprint", points.fingerprints[i]},
                   {"checksum", std::to_string(checksum(results))}});
}

/// A worker rank: asks rank 0 for points until told to stop.
void serve_points(const SweepPoints& points, const std::filesystem::path& parts, int threads) {
    int point = -1;
    for (;;) {
        MPI_Send(&point, 1, MPI_INT, 0, tag_ask, MPI_COMM_WORLD);
        MPI_Recv(&point, 1, MPI_INT, 0, tag_point, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (point < 0) {
            return;
        }
        run_point(points, parts, std::size_t(point), threads);
    }
}

/// The parts folder belongs to one sweep: its identity is written by the first run and must
/// match on every resume.
void claim_parts(const std::filesystem::path& parts, const std::string& identity) {
    const auto identity_file = parts / "sweep.id";
    if (std::filesystem::exists(identity_file)) {
        std::ifstream in(identity_file);
        std::string found;
        in >> found;
        if (found != identity) {
            throw InputError(parts.string() +
                             " holds the finished points of another sweep (or of this file "
                             "before it changed); remove it or write to another -o");
        }
    } else {
        std::ofstream(identity_file) << identity << "\n";
    }
}

/// The recorded days every point has (checked alike by check_points_alike).
std::vector<double> recorded_days(const Scenario& scenario) {
    std::vector<double> time;
    for (std::uint64_t step = 0; step <= scenario.steps(); step += scenario.steps_per_record()) {
        time.push_back(double(step) * scenario.dt);
    }
    return time;
}

/// Rank 0's record of the points finished: their results read back from the parts.
class FinishedPoints {
  public:
    FinishedPoints(const SweepPoints& points, std::filesystem::path parts)
        : points_(points), parts_(std::move(parts)), results_(points.size()),
          done_(points.size(), false), time_(recorded_days(points.scenarios.front())) {}
    FinishedPoints(const FinishedPoints&) = delete;
    FinishedPoints& operator=(const FinishedPoints&) = delete;

    /// Takes every good part already in the folder; a bad one is removed, to run again.
    void resume() {
        for (std::size_t i = 0; i < points_.size(); ++i) {
            const auto path = part_path(parts_, i);
            if (!std::filesystem::exists(path)) {
                continue;
            }
            if (const auto problem = load_part(i)) {
                std::fprintf(stderr, "custsim: %s: %s; running point %zu again\n", path.c_str(),
                             problem->c_str(), i);
                std::error_code ignored;
                std::filesystem::remove(path, ignored);
                continue;
            }
            mark_done(i);
        }
    }

    /// Takes the part just written for point i; it must be good.
    void collect(std::size_t i) {
        if (const auto problem = load_part(i)) {
            throw std::runtime_error(part_path(parts_, i).string() + ", just written: " + *problem);
        }
        mark_done(i);
    }

    bool done(std::size_t i) const { return done_[i]; }
    std::size_t finished() const { return finished_; }
    const std::filesystem::path& parts() const { return parts_; }

    void write_output(const std::filesystem::path& output) const {
        cli::assemble(output, points_.sweep, points_.values, points_.overrides, results_, done_);
    }

  private:
    /// Reads point i's part; why it cannot stand for the point, or nothing if it can.
    std::optional<std::string> load_part(std::size_t i) {
        const auto path = part_path(parts_, i);
        try {
            Results part = read_results(path);
            const auto problem = part_problem(part, points_.fingerprints[i],
                                              read_text_attribute(path, "point_fingerprint"),
                                              read_text_attribute(path, "checksum"), reference_,
                                              points_.scenarios[i].replicates, time_);
            if (problem) {
                return problem;
            }
            results_[i] = std::move(part);
            reference_ = reference_ ? reference_ : &results_[i];
            return std::nullopt;
        } catch (const InputError& e) {
            return std::string("it cannot be read (") + e.what() + ")";
        }
    }

    void mark_done(std::size_t i) {
        done_[i] = true;
        ++finished_;
    }

    const SweepPoints& points_;
    std::filesystem::path parts_;
    std::vector<Results> results_;
    std::vector<bool> done_;
    std::size_t finished_ = 0;
    const Results* reference_ = nullptr; // the first good part: the KPIs every part must have
    std::vector<double> time_;
};

void print_start(const SweepArgs& args, const SweepPoints& points, int ranks,
                 const FinishedPoints& finished) {
    std::printf("sweep %s: %zu points of %s, %u replicates each, %d rank%s\n", args.sweep.c_str(),
                points.size(), points.sweep.base.filename().c_str(),
                points.scenarios.front().replicates, ranks, ranks == 1 ? "" : "s");
    if (finished.finished() > 0) {
        std::printf("  resuming: %zu points already finished in %s\n", finished.finished(),
                    finished.parts().c_str());
    }
    std::fflush(stdout);
}

/// Rank 0 runs (alone) or hands out (to the other ranks) every missing point, collecting each
/// part as it is written and rewriting the output at most every 10 seconds.
void run_missing(const SweepArgs& args, const SweepPoints& points, int ranks,
                 const std::filesystem::path& output, FinishedPoints& finished) {
    const std::size_t N = points.size();
    auto last_write = std::chrono::steady_clock::now();
    ProgressBar bar(std::uint32_t(N), 1.0, !args.quiet, "point");
    auto collect = [&](std::size_t i) {
        finished.collect(i);
        if (std::chrono::steady_clock::now() - last_write > std::chrono::seconds(10)) {
            finished.write_output(output);
            last_write = std::chrono::steady_clock::now();
        }
        bar.update(std::uint32_t(finished.finished()), 0.0);
    };
    bar.update(std::uint32_t(finished.finished()), 0.0);
    std::size_t next = 0;
    auto next_missing = [&]() -> int {
        while (next < N && finished.done(next)) {
            ++next;
        }
        return next < N && !interrupted() ? int(next++) : -1;
    };
    if (ranks == 1) {
        for (int i = next_missing(); i >= 0; i = next_missing()) {
            // Within the point too; Ctrl-C still lets the point finish (it is kept).
            const Scenario& s = points.scenarios[std::size_t(i)];
            run_point(points, finished.parts(), std::size_t(i), args.threads,
                      [&](std::uint32_t replicate, double day) {
                          bar.update(std::uint32_t(finished.finished()),
                                     (replicate + day / s.days) / s.replicates);
                          return true;
                      });
            collect(std::size_t(i));
        }
        return;
    }
    int stopped = 0;
    while (stopped < ranks - 1) {
        int point = -1;
        MPI_Status status;
        MPI_Recv(&point, 1, MPI_INT, MPI_ANY_SOURCE, tag_ask, MPI_COMM_WORLD, &status);
        if (point >= 0) {
            collect(std::size_t(point));
        }
        int task = next_missing();
        MPI_Send(&task, 1, MPI_INT, status.MPI_SOURCE, tag_point, MPI_COMM_WORLD);
        stopped += task < 0;
    }
}

/// Rank 0's sweep: lock and claim the parts folder, resume, run what is missing, assemble.
int lead_sweep(const SweepArgs& args, const SweepPoints& points, int ranks,
               const std::filesystem::path& output, const std::filesystem::path& parts,
               const std::string& identity) {
    std::filesystem::create_directories(parts);
    const FolderLock lock(parts);
    if (!lock.still_there(parts)) {
        throw InputError(parts.string() +
                         " was removed by another custsim sweep as it finished; run again");
    }
    claim_parts(parts, identity);
    FinishedPoints finished(points, parts);
    finished.resume();
    const std::size_t N = points.size(), resumed = finished.finished();
    if (!args.quiet) {
        print_start(args, points, ranks, finished);
    }
    catch_interrupts();
    run_missing(args, points, ranks, output, finished);
    finished.write_output(output);
    if (finished.finished() < N) {
        std::fprintf(stderr,
                     "custsim: interrupted after %zu of %zu points; %s has them; run the same "
                     "command to finish the rest\n",
                     finished.finished(), N, output.c_str());
        return 130;
    }
    if (!args.keep_parts) {
        std::filesystem::remove_all(parts);
    }
    if (!args.quiet) {
        std::printf("results: %s (%zu points, %zu run now)\n", output.c_str(), N, N - resumed);
    }
    return 0;
}

} // namespace

int sweep(const SweepArgs& args) {
    int rank = 0, ranks = 1;
    if (args.mpi) {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    }
    check_threads(args.threads, "--threads");
    SweepPoints points = resolve_points(args.sweep);
    check_points_alike(args.sweep, points.scenarios);
    if (rank == 0) {
        check_before_running(args, points.scenarios);
    }
    const std::filesystem::path output = output_path(args);
    const std::filesystem::path parts = output.string() + ".parts";
    const std::string identity = std::to_string(fingerprint(points.scenarios, points.sweep));
    for (const auto& scenario : points.scenarios) {
        points.fingerprints.push_back(point_fingerprint(scenario, points.sweep));
    }
    if (rank != 0) {
        serve_points(points, parts, args.threads);
        return 0;
    }
    return lead_sweep(args, points, ranks, output, parts, identity);
}

namespace {
/// Under mpirun (OpenMPI sets OMPI_COMM_WORLD_SIZE, PMIx PMIX_RANK) the ranks share the points;
/// otherwise the sweep runs in this process without touching MPI.
int sweep_maybe_mpi(SweepArgs& args) {
    // srun without an MPI plugin starts independent copies that would all run (and write) every
    // point: started_by_mpi refuses them.
    args.mpi = started_by_mpi();
    if (!args.mpi) {
        return sweep(args);
    }
    MPI_Init(nullptr, nullptr);
    int code = 0;
    try {
        code = sweep(args);
    } catch (...) {
        int ranks = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
        if (ranks > 1) { // one rank failing would leave the others waiting
            try {
                throw;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "custsim: %s\n", e.what());
            }
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        MPI_Finalize();
        throw;
    }
    MPI_Finalize();
    return code;
}

const bool registered = register_command(
    {"sweep", "Run every point of a sweep file; resumable; spread over ranks under mpirun",
     [](CLI::App& command) {
         auto args = std::make_shared<SweepArgs>();
         command.add_option("sweep", args->sweep, "Sweep file (YAML)")->required();
         add_output(command, args->output, "Results file (default: <sweep>.h5)");
         add_threads(command, args->threads, ", per rank");
         add_force(command, args->force);
         command.add_flag("--keep-parts", args->keep_parts,
                          "Keep the parts folder (one results file per point) when done");
         add_quiet(command, args->quiet, "No progress bar and no messages");
         return std::function<int()>([args] { return sweep_maybe_mpi(*args); });
     },
     80});
} // namespace

} // namespace custsim::cli
