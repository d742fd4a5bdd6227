#pragma once
// Budget allocation (docs/optimisation.md): a fixed total of money over the horizon split among
// the focal brand's media channels and service levers to maximise a final KPI. The allocation
// lives on the budget's simplex (water-filling of non-negative weights between per-lever bounds,
// so the sum and the bounds hold exactly), NLopt's LN_SBPLX searches the weights, every
// evaluation of a stage runs the same seed (common random numbers) and the replicates double as
// the step shrinks, until the best challenger is within noise of the incumbent. Evaluations
// spread over threads and MPI ranks (batch.hpp) with the same answer bit for bit.
#include "custsim/batch.hpp"
#include "custsim/experiment.hpp"
#include "custsim/scenario.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace custsim {

/// How `optimise` runs. Money is the market's, over the horizon.
struct OptimiseOptions {
    /// The total the levers share, exactly; NaN: the market budgets' sum.
    double budget = std::numeric_limits<double>::quiet_NaN();
    /// Channel names, agents, training, logistics, service_level, and CHANNEL@MARKET: the focal
    /// brand's flights on a channel in one market.
    std::vector<std::string> levers;
    /// Market -> the money its CHANNEL@MARKET levers share, exactly (the rest of the budget goes
    /// to the other levers).
    std::map<std::string, double> market_budgets;
    std::string objective = "profit";       ///< a final KPI, maximised
    double horizon = 0;                     ///< days of the run; 0: the scenario's
    std::map<std::string, double> min, max; ///< per-lever bounds in money over the horizon
    std::uint32_t start_replicates = 2;     ///< replicates of the first stage; doubled per stage
    std::uint32_t max_replicates = 8;       ///< the last stage's replicates
    std::uint32_t evaluations = 0; ///< search evaluations of the first stage; 0: 8 x levers
    /// Rounds of polishing at the optimum (money moved from the lever with the surely lowest
    /// marginal return to the surely highest); < 0: two per lever.
    int polish = -1;
    int threads = 0;
    /// Runs every batch of evaluations (the design, a stage's two searches as two tasks, the
    /// probes, the moves, single runs as batches of one); empty: thread_runner(threads). In an
    /// MPI job every rank calls optimise with the same arguments and a runner that deals the
    /// tasks out (custsim optimise under mpirun).
    BatchRunner runner;
    /// Called with the stage ("design", "search", "check"), evaluations done and planned.
    std::function<bool(const char* stage, std::uint64_t done, std::uint64_t planned)> progress;
};

/// One evaluation: an allocation run with `replicates` replicates of the scenario's seed.
struct OptimiseEvaluation {
    std::vector<double> allocation;
    std::uint32_t stage = 0, replicates = 0;
    std::vector<double> values; ///< the objective per replicate
    double mean = 0, sd = 0;
};

/// What `optimise` found.
struct Optimum {
    std::string kpi; ///< the objective's KPI
    double budget = 0, horizon = 0;
    std::vector<std::string> levers;
    std::vector<std::string> units; ///< what each lever's setting counts
    /// Per lever: the market whose budget it shares; empty: it shares what the market budgets
    /// leave of the total.
    std::vector<std::string> budget_market;
    std::map<std::string, double> market_budgets;
    std::vector<double> allocation, min, max, current; ///< money per lever
    std::vector<double> setting, current_setting;      ///< in each lever's own unit
    /// Money one unit of a lever's setting costs over the horizon (a channel: a day of spend;
    /// training: per agent); what with_allocation turns money into settings with.
    std::vector<double> money_per_unit;
    Difference objective;         ///< mean and 95 % interval at the optimum
    double current_objective = 0; ///< the scenario's plan, mean
    Difference gain;              ///< optimum - current plan, paired
    /// Per lever: the objective per extra currency unit (a probe up) and per currency unit taken
    /// away (a probe down); the two differ at a kink (agents once capacity meets the complaints).
    std::vector<Difference> marginal, marginal_down;
    std::vector<double> marginal_step; ///< money each probe moves
    Difference challenger;             ///< the last stage's best challenger - incumbent, paired
    bool within_noise = false;         ///< the stopping rule: the challenger's interval covers 0
    std::string stop_reason;
    std::uint32_t polish_moves = 0; ///< moves the polishing kept
    std::string polish_note;        ///< why the polishing ended
    std::uint32_t replicates = 0, stages = 0;
    std::vector<OptimiseEvaluation> evaluations;
    double customer_days = 0; ///< simulated, over every evaluation
    double seconds = 0;
};

/// Splits `options.budget` among the levers of `scenario`'s focal brand to maximise the
/// objective, each market's budget among its levers. Throws InputError (naming --budget,
/// --levers, --min, --max, --market-budget, --objective) for options that do not fit the
/// scenario.
Optimum optimise(const Scenario& scenario, const OptimiseOptions& options);

/// The scenario with the levers set to spend `allocation` (money over the horizon, the order of
/// `optimum.levers`), as optimise runs it; the horizon is applied.
Scenario with_allocation(const Scenario& scenario, const Optimum& optimum,
                         const std::vector<double>& allocation);

/// Writes every evaluation, the optimum and the comparison with the current plan as HDF5 (a
/// temporary file renamed when complete).
void write_optimum(const Optimum& optimum, const Scenario& scenario,
                   const std::filesystem::path& path);

/// The printed summary: the allocation, the objective, the gain, the marginal returns.
std::string format_optimum(const Optimum& optimum);

} // namespace custsim
