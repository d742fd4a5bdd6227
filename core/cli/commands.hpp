#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace custsim::cli {

struct RunArgs {
    std::string scenario;
    std::string output;
    std::vector<std::string> overrides;
    int threads = 0;
    bool quiet = false;
    bool force = false; ///< run even if larger than the machine (check_run_size)
    std::string plot;   ///< PNG of the funnel and money over time; empty: none
};

struct BenchArgs {
    std::string scenario; ///< empty: the built-in per-tie Bass benchmark
    std::uint32_t customers = 1000000;
    double mean_degree = 10;
    double days = 30;
    std::vector<int> threads{1, 2};
    std::vector<std::string> overrides;
    bool force = false;
};

/// --posterior and --draws: the parameter draws an experiment or an optimum is checked at.
struct UncertaintyArgs {
    std::string posterior;   ///< a calibration's posterior file
    std::uint32_t draws = 0; ///< parameter draws with --posterior or `uncertain:`; 0: 20
};

/// compare, attribute and response: several runs of scenarios sharing a seed.
struct ExperimentArgs {
    std::vector<std::string> scenarios; ///< compare: A and B; attribute, response: one
    std::string output;                 ///< HDF5 file; empty: none
    std::vector<std::string> overrides; ///< applied to every scenario
    int threads = 0;
    bool quiet = false;
    std::string channel; ///< response
    std::string spend;   ///< response: FROM:TO:STEPS
    double from = -1;    ///< elasticity: the pulse's first day; < 0: a quarter into the run
    double weeks = 4;    ///< elasticity: the pulse's length
    double step = 0.5;   ///< elasticity: the pulse's relative spend increase
    bool force = false;
    std::string plot;            ///< compare, response: a PNG of the result; empty: none
    std::string csv;             ///< compare: the table as CSV; empty: none
    std::string kpis;            ///< compare: comma-separated KPI names; empty: all
    UncertaintyArgs uncertainty; ///< compare, response, levers
};

struct SweepArgs {
    std::string sweep;  ///< sweep file (YAML)
    std::string output; ///< HDF5 file; default: the sweep's name
    int threads = 0;
    bool quiet = false;
    bool mpi = false; ///< MPI is initialised (launched by mpirun)
    bool force = false;
    bool keep_parts = false; ///< keep OUT.h5.parts when every point is done
};

/// Refuses (InputError, exit 2) before any work an output file that cannot be written: an empty
/// name, a folder, a missing or read-only folder. `option` names it in the message ("-o").
void check_output(const std::string& output, const std::string& option);

int run(const RunArgs& args);
int sweep(const SweepArgs& args);
int compare(const ExperimentArgs& args);
int attribute(const ExperimentArgs& args);
int response(const ExperimentArgs& args);
int levers(const ExperimentArgs& args);
int validate(const std::string& scenario, const std::vector<std::string>& overrides);
int graph_stats(const std::string& input, const std::vector<std::string>& overrides);
int bench(const BenchArgs& args);

} // namespace custsim::cli
