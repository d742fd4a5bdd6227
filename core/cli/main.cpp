#include "commands.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"

#include <CLI/CLI.hpp>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <new>

int main(int argc, char** argv) {
    using namespace custsim;
    CLI::App app{"custsim: agent-based customer-journey and word-of-mouth simulator"};
    app.require_subcommand(1);
    app.set_version_flag("--version", CUSTSIM_VERSION);

    cli::RunArgs run;
    auto* run_cmd = app.add_subcommand("run", "Run a scenario: KPI summary, results in HDF5");
    run_cmd->add_option("scenario", run.scenario, "Scenario file (YAML)")->required();
    run_cmd->add_option("-o,--output", run.output, "Results file (default: <scenario>.h5)");
    std::uint32_t replicates = 0;
    std::uint64_t seed = 0;
    run_cmd->add_option("--replicates", replicates, "Replicates (overrides the scenario)")
        ->check(CLI::PositiveNumber);
    run_cmd->add_option("--seed", seed, "Random seed (overrides the scenario)");
    const std::string threads_help =
        "Threads, 0 (default: all cores) to " + std::to_string(max_threads);
    const std::string force_help =
        "Run even if the estimated memory or work is larger than this machine allows";
    run_cmd->add_option("--threads", run.threads, threads_help)->check(CLI::Range(0, max_threads));
    run_cmd->add_flag("--force", run.force, force_help);
    run_cmd->add_option("--set", run.overrides, "Override a scenario key: key.path=value");
    run_cmd->add_flag("--quiet", run.quiet, "No progress bar and no summary");

    std::string validate_file;
    std::vector<std::string> validate_overrides;
    auto* validate_cmd =
        app.add_subcommand("validate", "Check a scenario file and say what is wrong");
    validate_cmd->add_option("scenario", validate_file, "Scenario file (YAML)")->required();
    validate_cmd->add_option("--set", validate_overrides,
                             "Override a scenario key: key.path=value");

    std::string stats_input;
    std::vector<std::string> stats_overrides;
    auto* stats_cmd = app.add_subcommand(
        "graph-stats",
        "Size, degrees, components and clustering of an edge list or a scenario's graph");
    stats_cmd->add_option("input", stats_input, "Edge list (.txt, .csv, .gz) or scenario (.yaml)")
        ->required();
    stats_cmd->add_option("--set", stats_overrides, "Override a scenario key: key.path=value");

    cli::BenchArgs bench;
    auto* bench_cmd = app.add_subcommand(
        "bench", "Time the step loop: agent-steps and edge reads per second per thread count");
    bench_cmd->add_option("scenario", bench.scenario,
                          "Scenario to time (default: per-tie Bass on a Watts-Strogatz graph)");
    bench_cmd->add_option("--customers", bench.customers, "Customers (built-in benchmark)");
    bench_cmd->add_option("--degree", bench.mean_degree, "Mean degree (built-in benchmark)");
    bench_cmd->add_option("--days", bench.days, "Days to simulate (built-in benchmark)");
    bench_cmd->add_option("--threads", bench.threads, "Thread counts to time, e.g. 1,2")
        ->delimiter(',');
    bench_cmd->add_option("--set", bench.overrides, "Override a scenario key: key.path=value");
    bench_cmd->add_flag("--force", bench.force, force_help);

    // Experiments: several runs sharing a seed (common random numbers).
    cli::ExperimentArgs experiment;
    std::uint32_t experiment_replicates = 0;
    std::uint64_t experiment_seed = 0;
    auto experiment_options = [&](CLI::App* command) {
        command->add_option("-o,--output", experiment.output, "Also write the results as HDF5");
        command->add_option("--replicates", experiment_replicates, "Replicates of every run")
            ->check(CLI::PositiveNumber);
        command->add_option("--seed", experiment_seed, "Random seed shared by every run");
        command->add_option("--threads", experiment.threads, threads_help)
            ->check(CLI::Range(0, max_threads));
        command->add_flag("--force", experiment.force, force_help);
        command->add_option("--set", experiment.overrides,
                            "Override a key of every scenario: key.path=value");
        command->add_flag("--quiet", experiment.quiet, "No progress bar");
    };
    auto* compare_cmd = app.add_subcommand(
        "compare", "Is B better than A, and by how much? Paired differences of every KPI under "
                   "common random numbers");
    compare_cmd->add_option("a", experiment.scenarios, "Scenario A and scenario B (YAML)")
        ->required()
        ->expected(2);
    experiment_options(compare_cmd);
    auto* attribute_cmd = app.add_subcommand(
        "attribute", "What each channel really adds: the run without it, beside last-touch "
                     "attribution");
    attribute_cmd->add_option("scenario", experiment.scenarios, "Scenario (YAML)")
        ->required()
        ->expected(1);
    experiment_options(attribute_cmd);
    auto* response_cmd = app.add_subcommand(
        "response", "Response curve: incremental KPIs against one channel's daily spend");
    response_cmd->add_option("scenario", experiment.scenarios, "Scenario (YAML)")
        ->required()
        ->expected(1);
    response_cmd->add_option("--channel", experiment.channel, "The focal brand's channel")
        ->required();
    response_cmd
        ->add_option("--spend", experiment.spend, "Spend per day FROM:TO:STEPS, e.g. 0:200:5")
        ->required();
    experiment_options(response_cmd);

    cli::SweepArgs sweep;
    auto* sweep_cmd = app.add_subcommand(
        "sweep", "Run every point of a sweep file; resumable; spread over ranks under mpirun");
    sweep_cmd->add_option("sweep", sweep.sweep, "Sweep file (YAML)")->required();
    sweep_cmd->add_option("-o,--output", sweep.output, "Results file (default: <sweep>.h5)");
    sweep_cmd->add_option("--threads", sweep.threads, threads_help + ", per rank")
        ->check(CLI::Range(0, max_threads));
    sweep_cmd->add_flag("--force", sweep.force, force_help);
    sweep_cmd->add_flag("--keep-parts", sweep.keep_parts,
                        "Keep the parts folder (one results file per point) when done");
    sweep_cmd->add_flag("--quiet", sweep.quiet, "No progress bar and no messages");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }

    try {
        // An explicit empty -o would otherwise mean "the default name" (or no file at all).
        for (auto* command : {run_cmd, compare_cmd, attribute_cmd, response_cmd, sweep_cmd}) {
            if (*command && command->count("--output") > 0) {
                const auto given = command->get_option("--output")->as<std::string>();
                if (given.empty()) {
                    cli::check_output(given, "-o");
                }
            }
        }
        if (*run_cmd) {
            if (replicates > 0) {
                run.overrides.push_back("replicates=" + std::to_string(replicates));
            }
            if (run_cmd->count("--seed") > 0) {
                run.overrides.push_back("seed=" + std::to_string(seed));
            }
            return cli::run(run);
        }
        if (*validate_cmd) {
            return cli::validate(validate_file, validate_overrides);
        }
        if (*stats_cmd) {
            return cli::graph_stats(stats_input, stats_overrides);
        }
        if (*bench_cmd) {
            return cli::bench(bench);
        }
        if (*sweep_cmd) {
            // Under mpirun (OpenMPI sets OMPI_COMM_WORLD_SIZE, PMIx PMIX_RANK) the ranks share
            // the points; otherwise the sweep runs in this process without touching MPI.
            sweep.mpi = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK");
            // srun without an MPI plugin starts independent copies that would all run (and
            // write) every point: refuse instead.
            const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
            if (!sweep.mpi && tasks && std::atoi(tasks) > 1) {
                throw InputError(std::string("started by srun as ") + tasks +
                                 " tasks without MPI; use mpirun, or srun --mpi=pmix "
                                 "(docs/cluster.md)");
            }
            if (sweep.mpi) {
                MPI_Init(&argc, &argv);
            }
            int code = 0;
            try {
                code = cli::sweep(sweep);
            } catch (...) {
                int ranks = 1;
                if (sweep.mpi) {
                    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
                }
                if (ranks > 1) { // one rank failing would leave the others waiting
                    try {
                        throw;
                    } catch (const std::exception& e) {
                        std::fprintf(stderr, "custsim: %s\n", e.what());
                    }
                    MPI_Abort(MPI_COMM_WORLD, 1);
                }
                if (sweep.mpi) {
                    MPI_Finalize();
                }
                throw;
            }
            if (sweep.mpi) {
                MPI_Finalize();
            }
            return code;
        }
        if (*compare_cmd || *attribute_cmd || *response_cmd) {
            if (experiment_replicates > 0) {
                experiment.overrides.push_back("replicates=" +
                                               std::to_string(experiment_replicates));
            }
            const bool seeded = (*compare_cmd     ? compare_cmd
                                 : *attribute_cmd ? attribute_cmd
                                                  : response_cmd)
                                    ->count("--seed") > 0;
            if (seeded) {
                experiment.overrides.push_back("seed=" + std::to_string(experiment_seed));
            }
            return *compare_cmd     ? cli::compare(experiment)
                   : *attribute_cmd ? cli::attribute(experiment)
                                    : cli::response(experiment);
        }
    } catch (const InputError& e) {
        std::fprintf(stderr, "custsim: %s\n", e.what());
        return 2;
    } catch (const Cancelled&) {
        std::fprintf(stderr, "custsim: interrupted; no results file was written\n");
        return 130;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "custsim: out of memory: the run needs more memory than this machine "
                             "could give it; no results file was written (make the scenario "
                             "smaller: customers, mean_degree, replicates, days / record_every)\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "custsim: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
