// custsim calibrate: fits scenario keys to observed data (docs/calibration.md); the posterior
// samples, their diagnostics and the fitted series go to an HDF5 file. OUT.partial keeps the
// progress after every step of the sampler: the same command resumes an interrupted run. Under
// mpirun the evaluations spread over the ranks (ranks.hpp) and rank 0 prints and writes.
#include "command.hpp"
#include "commands.hpp"
#include "progress.hpp"
#include "ranks.hpp"

#include "custsim/calibration.hpp"
#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace custsim::cli {

namespace {

struct CalibrateArgs {
    std::string scenario, data, output, method = "ensemble";
    std::vector<std::string> fit, overrides;
    std::uint32_t replicates = 0, walkers = 0, steps = 0;
    std::uint64_t evaluations = 0;
    double tolerance = 0.5;
    int threads = 0;
    bool quiet = false, force = false;
};

/// One line on standard error, on a terminal only: the stage, evaluations done and an ETA.
class EvaluationsBar {
  public:
    explicit EvaluationsBar(bool enabled)
        : enabled_(enabled && ::isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()),
          last_(start_) {}
    ~EvaluationsBar() {
        if (drawn_) {
            std::fprintf(stderr, "\r%80s\r", "");
        }
    }
    bool operator()(const char* stage, std::uint64_t done, std::uint64_t planned) {
        const auto now = std::chrono::steady_clock::now();
        if (enabled_ && now - last_ > std::chrono::milliseconds(200)) {
            last_ = now;
            const double elapsed = std::chrono::duration<double>(now - start_).count();
            std::fprintf(stderr, "\r%-8s %6llu / %-6llu evaluations  %6.0f s", stage,
                         (unsigned long long)done, (unsigned long long)planned, elapsed);
            std::fflush(stderr);
            drawn_ = true;
        }
        return !interrupted();
    }

  private:
    bool enabled_, drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

/// The steps of the sampler a progress file says are done; empty if it is none (calibrate
/// then says why, or refuses it).
std::string steps_done(const std::filesystem::path& checkpoint) {
    try {
        return std::filesystem::exists(checkpoint) ? read_text_attribute(checkpoint, "steps_done")
                                                   : std::string();
    } catch (const InputError&) {
        return {};
    }
}

int calibrate_command(CalibrateArgs args, const Ranks& ranks) {
    check_threads(args.threads, "--threads");
    if (args.replicates > 0) {
        args.overrides.push_back("replicates=" + std::to_string(args.replicates));
    }
    const Scenario scenario = load_scenario(args.scenario, args.overrides);
    std::vector<FitKey> keys;
    for (const auto& text : args.fit) {
        keys.push_back(parse_fit_key(text));
    }
    const std::string output =
        args.output.empty() ? std::filesystem::path(args.scenario).stem().string() + "_posterior.h5"
                            : args.output;
    if (ranks.lead()) {
        check_output(output, "-o");
    }
    if (!args.force) {
        // One evaluation per thread at once.
        const int team = team_size(args.threads);
        check_run_size(scenario, team, team);
    }
    const Observations data = read_observations(args.data, scenario);
    catch_interrupts();
    CalibrationOptions options;
    options.method =
        args.method == "emulator" ? CalibrationMethod::emulator : CalibrationMethod::ensemble;
    options.walkers = args.walkers;
    options.steps = args.steps;
    options.evaluations = args.evaluations;
    options.tolerance = args.tolerance;
    options.threads = args.threads;
    options.runner = ranks.runner(args.threads);
    if (ranks.lead()) { // rank 0 reads the progress and gives it to the others
        options.checkpoint = output + ".partial";
    }
    if (ranks.lead() && !args.quiet) {
        if (ranks.size > 1) {
            std::printf("calibrate: evaluations over %d ranks\n", ranks.size);
        }
        if (const std::string steps = steps_done(options.checkpoint); !steps.empty()) {
            std::printf("calibrate: resuming from %s (%s steps of the sampler done)\n",
                        options.checkpoint.c_str(), steps.c_str());
        }
        std::fflush(stdout);
    }
    Calibration result;
    {
        EvaluationsBar bar(!args.quiet && ranks.lead());
        options.progress = [&](const char* stage, std::uint64_t done, std::uint64_t planned) {
            return bar(stage, done, planned);
        };
        try {
            result = calibrate(scenario, data, keys, options);
        } catch (const Cancelled&) {
            if (ranks.lead() && std::filesystem::exists(options.checkpoint)) {
                std::fprintf(stderr,
                             "custsim: the sampler's progress is in %s: the same command "
                             "resumes from it\n",
                             options.checkpoint.c_str());
            }
            throw;
        }
    }
    if (!ranks.lead()) {
        return 0;
    }
    write_calibration(result, data, scenario, output);
    std::error_code ignored;
    std::filesystem::remove(options.checkpoint, ignored);
    if (!args.quiet) {
        std::printf("%s", format_calibration(result).c_str());
        std::printf("posterior: %s\n", output.c_str());
    }
    return 0;
}

const bool registered = register_command(
    {"calibrate", "Fit scenario parameters to observed data: posterior samples in HDF5",
     [](CLI::App& command) {
         auto args = std::make_shared<CalibrateArgs>();
         command.add_option("scenario", args->scenario, "Scenario file (YAML)")->required();
         command.add_option("--data", args->data, "Observed data (CSV: docs/calibration.md)")
             ->required();
         command
             .add_option("--fit", args->fit,
                         "A key to fit and its uniform prior's box: KEY=LOW:HIGH (repeatable)")
             ->required();
         add_output(command, args->output, "Posterior file (default: <scenario>_posterior.h5)");
         command
             .add_option("--replicates", args->replicates,
                         "Replicates per evaluation (overrides the scenario)")
             ->check(CLI::PositiveNumber);
         command
             .add_option("--method", args->method,
                         "ensemble: the sampler on the simulator; emulator: on a Gaussian-process "
                         "emulator of the log-likelihood (docs/calibration.md)")
             ->check(CLI::IsMember({"ensemble", "emulator"}));
         command.add_option("--walkers", args->walkers,
                            "Walkers of the ensemble sampler (even; default max(8, 4 x keys), "
                            "emulator max(32, 8 x keys))");
         command.add_option("--steps", args->steps,
                            "Steps of the sampler (default 60; emulator: 10000 on the emulator)");
         command.add_option("--evaluations", args->evaluations,
                            "Emulator: simulator evaluations in all (default 100 x keys + 20)");
         command.add_option("--tolerance", args->tolerance,
                            "Emulator: refine until its sd at 90 % of its posterior's samples is "
                            "below this (log-likelihood units; default 0.5)");
         add_threads(command, args->threads, "; each evaluation runs on one");
         add_force(command, args->force);
         add_overrides(command, args->overrides);
         add_quiet(command, args->quiet, "No progress and no summary");
         return std::function<int()>([args] {
             return run_on_ranks(
                 [&](const Ranks& ranks) { return calibrate_command(*args, ranks); });
         });
     },
     55});

} // namespace

} // namespace custsim::cli
