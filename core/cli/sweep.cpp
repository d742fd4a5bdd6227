// custsim sweep: many scenario points, resumable, spread over MPI ranks when run under mpirun.
//
// Every finished point is written at once as its own results file in OUT.h5.parts/ (temporary
// name, then rename), so a killed sweep loses at most the points in flight; running the same
// command again reads the parts, runs only what is missing, and rewrites OUT.h5 (again by
// rename) with every finished point. Under MPI, rank 0 hands out points one at a time to the
// other ranks (dynamic load balancing); they write the parts (the output folder must be shared,
// as on any cluster), rank 0 assembles. A point's numbers depend only on its scenario and seed,
// so the file is the same bit for bit on any number of ranks and threads.
#include "commands.hpp"

#include "progress.hpp"

#include "custsim/error.hpp"
#include "custsim/results.hpp"
#include "custsim/simulation.hpp"
#include "custsim/sweep.hpp"

#include <mpi.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
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
                if (done[i] && results[i].final.count(kpi)) {
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
                    if (done[i] && results[i].timeseries.count(kpi)) {
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

} // namespace

int sweep(const SweepArgs& args) {
    int rank = 0, ranks = 1;
    if (args.mpi) {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    }
    const Sweep sweep = load_sweep(args.sweep);
    const auto values = sweep_points(sweep);
    const std::size_t N = values.size();
    std::vector<std::vector<std::string>> overrides(N);
    std::vector<Scenario> scenarios;
    for (std::size_t i = 0; i < N; ++i) {
        overrides[i] = point_overrides(sweep, values[i]);
        try {
            scenarios.push_back(load_scenario(sweep.base, overrides[i]));
        } catch (const ScenarioError& e) {
            throw ScenarioError("sweep point " + std::to_string(i) + ": " + e.what());
        }
    }
    const std::filesystem::path output = std::filesystem::path(
        args.output.empty() ? std::filesystem::path(args.sweep).stem().string() + ".h5"
                            : args.output);
    const std::filesystem::path parts = output.string() + ".parts";
    const std::string identity = std::to_string(fingerprint(scenarios, sweep));

    auto run_point = [&](std::size_t i) {
        write_results(run_scenario(scenarios[i], args.threads), part_path(parts, i));
    };

    if (rank != 0) { // a worker: ask for points until told to stop
        int point = -1;
        for (;;) {
            MPI_Send(&point, 1, MPI_INT, 0, tag_ask, MPI_COMM_WORLD);
            MPI_Recv(&point, 1, MPI_INT, 0, tag_point, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (point < 0) {
                return 0;
            }
            run_point(std::size_t(point));
        }
    }

    // Rank 0: the parts folder, what is already done, then the missing points.
    std::filesystem::create_directories(parts);
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
    std::vector<Results> results(N);
    std::vector<bool> done(N, false);
    std::size_t finished = 0;
    for (std::size_t i = 0; i < N; ++i) {
        if (std::filesystem::exists(part_path(parts, i))) {
            results[i] = read_results(part_path(parts, i));
            done[i] = true;
            ++finished;
        }
    }
    const std::size_t resumed = finished;
    if (!args.quiet) {
        std::printf("sweep %s: %zu points of %s, %u replicates each, %d rank%s\n",
                    args.sweep.c_str(), N, sweep.base.filename().c_str(),
                    scenarios.front().replicates, ranks, ranks == 1 ? "" : "s");
        if (resumed > 0) {
            std::printf("  resuming: %zu points already finished in %s\n", resumed, parts.c_str());
        }
        std::fflush(stdout);
    }
    catch_interrupts();
    auto last_write = std::chrono::steady_clock::now();
    auto collect = [&](std::size_t i) {
        results[i] = read_results(part_path(parts, i));
        done[i] = true;
        ++finished;
        if (std::chrono::steady_clock::now() - last_write > std::chrono::seconds(10)) {
            assemble(output, sweep, values, overrides, results, done);
            last_write = std::chrono::steady_clock::now();
        }
    };
    {
        ProgressBar bar(std::uint32_t(N), 1.0, !args.quiet);
        bar.update(std::uint32_t(finished), 0.0);
        std::size_t next = 0;
        auto next_missing = [&]() -> int {
            while (next < N && done[next]) {
                ++next;
            }
            return next < N && !interrupted() ? int(next++) : -1;
        };
        if (ranks == 1) {
            for (int i = next_missing(); i >= 0; i = next_missing()) {
                run_point(std::size_t(i));
                collect(std::size_t(i));
                bar.update(std::uint32_t(finished), 0.0);
            }
        } else {
            int stopped = 0;
            while (stopped < ranks - 1) {
                int point = -1;
                MPI_Status status;
                MPI_Recv(&point, 1, MPI_INT, MPI_ANY_SOURCE, tag_ask, MPI_COMM_WORLD, &status);
                if (point >= 0) {
                    collect(std::size_t(point));
                    bar.update(std::uint32_t(finished), 0.0);
                }
                int task = next_missing();
                MPI_Send(&task, 1, MPI_INT, status.MPI_SOURCE, tag_point, MPI_COMM_WORLD);
                stopped += task < 0;
            }
        }
    }
    assemble(output, sweep, values, overrides, results, done);
    if (finished < N) {
        std::fprintf(stderr,
                     "custsim: interrupted after %zu of %zu points; %s has them; run the same "
                     "command to finish the rest\n",
                     finished, N, output.c_str());
        return 130;
    }
    std::filesystem::remove_all(parts);
    if (!args.quiet) {
        std::printf("results: %s (%zu points, %zu run now)\n", output.c_str(), N, N - resumed);
    }
    return 0;
}

} // namespace custsim::cli
