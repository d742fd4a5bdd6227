// custsim optimise's engine (docs/optimisation.md): NLopt's LN_SBPLX over the weights of a
// water-filled allocation, in stages of common random numbers whose replicates double as the
// step shrinks, stopped when the best challenger is within noise; then the optimum's interval,
// its paired gain over the current plan and each lever's marginal return.
#include "custsim/optimise.hpp"

#include "custsim/error.hpp"
#include "custsim/kpis.hpp"
#include "custsim/results.hpp"
#include "custsim/rng.hpp"
#include "custsim/simulation.hpp"
#include "optimise_levers.hpp"

#include <nlopt.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>

namespace custsim {

using optimisation::LeverCard;

namespace {

/// The two local searches every stage runs side by side (a fixed number, so that the answer does
/// not depend on the thread count).
constexpr std::uint32_t searches = 2;

/// Every evaluation of one local search, in its order.
struct Search {
    std::vector<std::vector<double>> weights;
    std::vector<OptimiseEvaluation> log;
};

/// An evaluation as numbers (stage, replicates, mean, sd, then the allocation and the values,
/// each after its size), appended to `out`.
void pack(const OptimiseEvaluation& e, std::vector<double>& out) {
    out.insert(out.end(), {double(e.stage), double(e.replicates), e.mean, e.sd});
    for (const auto* part : {&e.allocation, &e.values}) {
        out.push_back(double(part->size()));
        out.insert(out.end(), part->begin(), part->end());
    }
}

/// The evaluation packed at `at` in `in`; `at` moves past it.
OptimiseEvaluation unpack(const std::vector<double>& in, std::size_t& at) {
    OptimiseEvaluation e;
    e.stage = std::uint32_t(in.at(at));
    e.replicates = std::uint32_t(in.at(at + 1));
    e.mean = in.at(at + 2);
    e.sd = in.at(at + 3);
    at += 4;
    for (auto* part : {&e.allocation, &e.values}) {
        const auto size = std::size_t(in.at(at));
        part->assign(in.begin() + std::ptrdiff_t(at + 1),
                     in.begin() + std::ptrdiff_t(at + 1 + size));
        at += 1 + size;
    }
    return e;
}

/// Runs allocations with common random numbers and keeps count of the work. Every run is in a
/// batch that the options' runner spreads (over threads, or MPI ranks too) and that gives every
/// process all the results, so each process follows the same search.
class Evaluator {
  public:
    Evaluator(const Scenario& scenario, const OptimiseOptions& options)
        : scenario_(scenario), objective_(options.objective),
          runner_(options.runner ? options.runner : thread_runner(options.threads)),
          progress_(options.progress) {
        const Kpi* kpi = find_kpi(objective_);
        if (!kpi || scenario.brands.empty()) {
            throw InputError("--objective: '" + objective_ +
                             "' is not a final KPI of the journey model (custsim kpis lists them; "
                             "e.g. profit, customers, clv_total, revenue)");
        }
        scales_ = kpi->scales_with_population();
        graph_ = build_graph(scenario);
    }

    void set_cards(std::vector<LeverCard> cards) { cards_ = std::move(cards); }
    const std::vector<LeverCard>& cards() const { return cards_; }
    const Scenario& scenario() const { return scenario_; }

    /// The objective per replicate (market units) of `s` with `replicates` replicates; with
    /// `revenue`, the focal brand's revenue in market money instead.
    std::vector<double> objective(Scenario s, std::uint32_t replicates, int threads,
                                  bool revenue = false) {
        s.replicates = replicates;
        const Results r = run_scenario(s, threads, {}, graph_);
        const std::string kpi = revenue ? "revenue" : objective_;
        const auto found = r.final.find(kpi);
        if (found == r.final.end()) {
            throw InputError("--objective: the run records no final '" + kpi + "'");
        }
        std::vector<double> values = found->second;
        for (double& v : values) {
            v *= scales_ || revenue ? r.market_scale() : 1.0;
        }
        count(replicates);
        return values;
    }

    OptimiseEvaluation evaluate(const std::vector<double>& allocation, std::uint32_t replicates,
                                std::uint32_t stage, int threads) {
        OptimiseEvaluation e;
        e.allocation = allocation;
        e.stage = stage;
        e.replicates = replicates;
        e.values = objective(optimisation::apply_allocation(scenario_, cards_, allocation),
                             replicates, threads);
        e.mean = std::accumulate(e.values.begin(), e.values.end(), 0.0) / double(replicates);
        double squares = 0;
        for (double v : e.values) {
            squares += (v - e.mean) * (v - e.mean);
        }
        e.sd = replicates > 1 ? std::sqrt(squares / double(replicates - 1)) : 0.0;
        return e;
    }

    /// Runs `count` tasks, each a search (or one evaluation: a search of one, no weights),
    /// through the runner; every process gets them all in index order and counts their work.
    std::vector<Search> run_searches(std::int64_t count,
                                     const std::function<Search(std::int64_t, int)>& task) {
        const auto numbers = runner_(count, [&](std::int64_t i, int threads) {
            const Search search = task(i, threads);
            std::vector<double> out{double(search.log.size())};
            for (std::size_t e = 0; e < search.log.size(); ++e) {
                if (e < search.weights.size()) {
                    out.push_back(double(search.weights[e].size()));
                    out.insert(out.end(), search.weights[e].begin(), search.weights[e].end());
                } else {
                    out.push_back(-1); // no weights
                }
                pack(search.log[e], out);
            }
            return out;
        });
        std::vector<Search> found(numbers.size());
        std::lock_guard lock(mutex_);
        for (std::size_t k = 0; k < numbers.size(); ++k) {
            std::size_t at = 1;
            for (std::size_t e = 0; e < std::size_t(numbers[k].at(0)); ++e) {
                if (const double size = numbers[k].at(at++); size >= 0) {
                    const auto from = numbers[k].begin() + std::ptrdiff_t(at);
                    found[k].weights.emplace_back(from, from + std::ptrdiff_t(size));
                    at += std::size_t(size);
                }
                found[k].log.push_back(unpack(numbers[k], at));
                counted(found[k].log.back());
            }
        }
        running_ = 0;
        return found;
    }

    /// `count` single evaluations as a batch (searches of one).
    std::vector<OptimiseEvaluation>
    evaluations(std::int64_t count,
                const std::function<OptimiseEvaluation(std::int64_t, int)>& task) {
        const auto found = run_searches(count, [&](std::int64_t i, int threads) {
            return Search{{}, {task(i, threads)}};
        });
        std::vector<OptimiseEvaluation> out;
        for (const auto& search : found) {
            out.push_back(search.log.at(0));
        }
        return out;
    }

    /// One run of `s` as a batch of one: the objective per replicate (market units), or with
    /// `revenue` the focal brand's revenue.
    std::vector<double> objective_once(const Scenario& s, std::uint32_t replicates,
                                       bool revenue = false) {
        return evaluations(1,
                           [&](std::int64_t, int threads) {
                               OptimiseEvaluation e;
                               e.replicates = replicates;
                               e.values = objective(s, replicates, threads, revenue);
                               return e;
                           })[0]
            .values;
    }

    void stage(const char* name) {
        std::lock_guard lock(mutex_);
        stage_ = name;
    }
    void plan(const char* stage, std::uint64_t more) {
        std::lock_guard lock(mutex_);
        stage_ = stage;
        planned_ = done_ + more;
    }
    double customer_days() const { return customer_days_; }

  private:
    /// Progress counts the batches before this one and this process's runs in it.
    void count(std::uint32_t) {
        std::lock_guard lock(mutex_);
        ++running_;
        const std::uint64_t done = done_ + running_;
        if (progress_ && !progress_(stage_, done, std::max(planned_, done))) {
            throw Cancelled();
        }
    }
    /// A batch's evaluation that ran (an unrun probe has no values), wherever it ran.
    void counted(const OptimiseEvaluation& e) {
        if (!e.values.empty()) {
            ++done_;
            customer_days_ += double(e.replicates) * double(scenario_.customers) * scenario_.days;
        }
    }

    Scenario scenario_;
    std::string objective_;
    bool scales_ = false;
    std::shared_ptr<const SocialGraph> graph_;
    std::vector<LeverCard> cards_;
    BatchRunner runner_;
    std::function<bool(const char*, std::uint64_t, std::uint64_t)> progress_;
    std::mutex mutex_;
    const char* stage_ = "design";
    std::uint64_t done_ = 0, running_ = 0, planned_ = 0;
    double customer_days_ = 0;
};

/// The weights whose water-filling gives `allocation` where no bound binds.
std::vector<double> weights_of(const std::vector<double>& allocation) {
    const double top = *std::max_element(allocation.begin(), allocation.end());
    std::vector<double> w(allocation.size(), 1.0);
    for (std::size_t i = 0; top > 0 && i < w.size(); ++i) {
        w[i] = allocation[i] / top;
    }
    return w;
}

/// A Latin hypercube of `points` weight vectors in the unit cube (Philox draws on the seed).
std::vector<std::vector<double>> latin_weights(std::size_t levers, std::uint32_t points,
                                               std::uint64_t seed) {
    std::vector<std::vector<double>> out(points, std::vector<double>(levers));
    for (std::uint32_t d = 0; d < levers; ++d) {
        Draws draws(StreamKey{seed, 5}, 0, Process::calibration, d);
        std::vector<std::uint32_t> strata(points);
        std::iota(strata.begin(), strata.end(), 0u);
        for (std::uint32_t i = points; i > 1; --i) {
            std::swap(strata[i - 1], strata[std::min(i - 1, std::uint32_t(draws.uniform() * i))]);
        }
        for (std::uint32_t p = 0; p < points; ++p) {
            out[p][d] = (strata[p] + draws.uniform()) / points;
        }
    }
    return out;
}

/// One local search (NLopt's LN_SBPLX, Rowan's subplex) over the weights from `start`.
Search local_search(Evaluator& model, const std::vector<double>& start, double budget,
                    std::uint32_t replicates, std::uint32_t stage, double step,
                    std::uint32_t evaluations, int threads) {
    const std::size_t n = start.size();
    struct Context {
        Evaluator* model;
        double budget;
        std::uint32_t replicates, stage;
        int threads;
        Search search;
        std::exception_ptr error;
    } context{&model, budget, replicates, stage, threads, {}, nullptr};
    nlopt::opt opt(nlopt::LN_SBPLX, unsigned(n));
    opt.set_lower_bounds(std::vector<double>(n, 0.0));
    opt.set_upper_bounds(std::vector<double>(n, 1.0));
    opt.set_initial_step(step);
    opt.set_maxeval(int(evaluations));
    opt.set_xtol_abs(step / 20);
    opt.set_max_objective(
        [](unsigned dimensions, const double* w, double*, void* data) {
            auto& c = *static_cast<Context*>(data);
            try {
                const std::vector<double> weights(w, w + dimensions);
                const auto allocation =
                    optimisation::water_fill(weights, c.model->cards(), c.budget);
                c.search.weights.push_back(weights);
                c.search.log.push_back(
                    c.model->evaluate(allocation, c.replicates, c.stage, c.threads));
                return c.search.log.back().mean;
            } catch (...) {
                c.error = std::current_exception();
                throw nlopt::forced_stop();
            }
        },
        &context);
    std::vector<double> x = start;
    for (double& v : x) {
        v = std::clamp(v, 0.0, 1.0);
    }
    double value = 0;
    try {
        opt.optimize(x, value);
    } catch (const nlopt::roundoff_limited&) {
        // the best point so far stands
    } catch (const nlopt::forced_stop&) {
        if (context.error) {
            std::rethrow_exception(context.error);
        }
    }
    return context.search;
}

double mean_of(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
}

double distance(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sum += std::abs(a[i] - b[i]);
    }
    return sum;
}

/// A stage's evaluations with the weights that gave them, searches merged in order.
struct StageLog {
    std::vector<std::vector<double>> weights;
    std::vector<OptimiseEvaluation> log;
    std::size_t incumbent = 0, challenger = 0;
};

/// The best evaluation, and the best one at least `apart` (money, L1) from it: the challenger.
void rank(StageLog& stage, double apart) {
    const auto& log = stage.log;
    stage.incumbent = 0;
    for (std::size_t i = 1; i < log.size(); ++i) {
        stage.incumbent = log[i].mean > log[stage.incumbent].mean ? i : stage.incumbent;
    }
    const auto& best = log[stage.incumbent].allocation;
    std::size_t challenger = log.size(), farthest = stage.incumbent;
    for (std::size_t i = 0; i < log.size(); ++i) {
        const double d = distance(log[i].allocation, best);
        if (d > 0 && d >= apart &&
            (challenger == log.size() || log[i].mean > log[challenger].mean)) {
            challenger = i;
        }
        farthest = d > distance(log[farthest].allocation, best) ? i : farthest;
    }
    stage.challenger = challenger < log.size() ? challenger : farthest;
}

/// Stage 0: the current plan's shares and a Latin hypercube of weights, each evaluation on one
/// thread, side by side.
StageLog design(Evaluator& model, double budget, const OptimiseOptions& o, std::uint64_t seed) {
    const auto& cards = model.cards();
    std::vector<double> current;
    for (const auto& c : cards) {
        current.push_back(c.current);
    }
    StageLog stage;
    stage.weights = latin_weights(cards.size(), std::max<std::uint32_t>(4, cards.size()), seed);
    stage.weights.insert(stage.weights.begin(), weights_of(current));
    stage.log =
        model.evaluations(std::int64_t(stage.weights.size()), [&](std::int64_t i, int threads) {
            return model.evaluate(
                optimisation::water_fill(stage.weights[std::size_t(i)], cards, budget),
                o.start_replicates, 0, threads);
        });
    return stage;
}

/// Two local searches side by side, from the incumbent and the challenger of the last stage.
StageLog search_stage(Evaluator& model, const StageLog& last, double budget,
                      std::uint32_t replicates, std::uint32_t number, double step,
                      std::uint32_t evaluations) {
    const std::vector<std::vector<double>> starts{last.weights[last.incumbent],
                                                  last.weights[last.challenger]};
    // Each search is one task; on fewer processes and threads than searches they take turns.
    const auto found = model.run_searches(searches, [&](std::int64_t k, int inner) {
        return local_search(model, starts[std::size_t(k)], budget, replicates, number, step,
                            evaluations, inner);
    });
    StageLog stage;
    for (std::uint32_t k = 0; k < searches; ++k) {
        stage.weights.insert(stage.weights.end(), found[k].weights.begin(), found[k].weights.end());
        stage.log.insert(stage.log.end(), found[k].log.begin(), found[k].log.end());
    }
    return stage;
}

/// Evaluations at most: the design, every stage's searches in full, the optimum's checks.
std::uint64_t planned_evaluations(std::size_t n, const OptimiseOptions& o) {
    std::uint32_t per_search = std::max<std::uint32_t>(
        std::uint32_t(n) + 2, (o.evaluations > 0 ? o.evaluations : 8 * std::uint32_t(n)) / 2);
    const std::size_t rounds = o.polish >= 0 ? std::size_t(o.polish) : 2 * n;
    std::uint64_t planned = 1 + std::max<std::size_t>(4, n) + 4 * n + 7 * rounds + 1;
    for (std::uint32_t r = o.start_replicates;; r = std::min(o.max_replicates, 2 * r)) {
        planned += searches * per_search;
        per_search = std::max<std::uint32_t>(std::uint32_t(n) + 2, per_search / 2);
        if (r >= o.max_replicates) {
            return planned;
        }
    }
}

/// The stages: replicates doubling and the step halving until the best challenger is within
/// noise of the incumbent or the replicates reach their cap. Returns the last stage.
StageLog run_stages(Evaluator& model, Optimum& out, const OptimiseOptions& o, std::uint64_t seed) {
    const std::size_t n = model.cards().size();
    std::uint32_t replicates = o.start_replicates;
    std::uint32_t per_search = std::max<std::uint32_t>(
        std::uint32_t(n) + 2, (o.evaluations > 0 ? o.evaluations : 8 * std::uint32_t(n)) / 2);
    StageLog last = design(model, out.budget, o, seed);
    rank(last, 0);
    out.evaluations = last.log;
    double step = 0.25;
    for (std::uint32_t number = 1;; ++number) {
        model.stage("search");
        StageLog stage =
            search_stage(model, last, out.budget, replicates, number, step, per_search);
        rank(stage, 0.5 * step * out.budget / double(n));
        out.evaluations.insert(out.evaluations.end(), stage.log.begin(), stage.log.end());
        out.stages = number;
        out.replicates = replicates;
        out.challenger = paired_difference(stage.log[stage.incumbent].values,
                                           stage.log[stage.challenger].values);
        last = std::move(stage);
        if (replicates >= 4 && out.challenger.low <= 0 && out.challenger.high >= 0) {
            out.within_noise = true;
            out.stop_reason = "the best challenger is within noise of the incumbent";
            break;
        }
        if (replicates >= o.max_replicates) {
            out.stop_reason = "the replicates reached --max-replicates; the best challenger still "
                              "differs from the incumbent beyond noise";
            break;
        }
        replicates = std::min(o.max_replicates, 2 * replicates);
        step /= 2;
        per_search = std::max<std::uint32_t>(std::uint32_t(n) + 2, per_search / 2);
    }
    return last;
}

/// Marginal returns at `best` of the levers in `which`, both ways: the objective per currency
/// unit of a probe up (a tenth of the lever's money or 2 % of the budget over the levers) and of
/// the same probe down (what a unit taken away loses), paired with `best`; NaN where a bound
/// leaves no room. The probes run side by side.
void marginal_returns(Evaluator& model, Optimum& out, const OptimiseEvaluation& best,
                      const std::vector<std::size_t>& which) {
    const std::size_t n = out.levers.size(), probes = 2 * which.size();
    out.marginal.resize(n);
    out.marginal_down.resize(n);
    out.marginal_step.resize(n);
    std::vector<double> steps(probes);
    for (std::size_t k = 0; k < which.size(); ++k) {
        const std::size_t i = which[k];
        const double step = std::max(0.1 * best.allocation[i], 0.02 * out.budget / double(n));
        out.marginal_step[i] = step;
        // A probe cut short by a bound to under a hundredth of its step measures nothing.
        const double up = out.max[i] - best.allocation[i], down = best.allocation[i] - out.min[i];
        steps[2 * k] = up >= 0.01 * step ? std::min(step, up) : 0.0;
        steps[2 * k + 1] = down >= 0.01 * step ? -std::min(step, down) : 0.0;
    }
    model.stage("check");
    const auto runs = model.evaluations(std::int64_t(probes), [&](std::int64_t p, int threads) {
        auto allocation = best.allocation;
        allocation[which[std::size_t(p) / 2]] += steps[std::size_t(p)];
        return steps[std::size_t(p)] == 0
                   ? OptimiseEvaluation{} // a bound leaves no room: not run
                   : model.evaluate(allocation, best.replicates, out.stages + 1, threads);
    });
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t p = 0; p < probes; ++p) {
        Difference& m = p % 2 == 0 ? out.marginal[which[p / 2]] : out.marginal_down[which[p / 2]];
        const double step = steps[p];
        if (runs[p].values.empty()) {
            m = Difference{nan, nan, nan};
            continue;
        }
        const Difference d = paired_difference(best.values, runs[p].values);
        m = step > 0 ? Difference{d.mean / step, d.low / step, d.high / step}
                     : Difference{d.mean / step, d.high / step, d.low / step};
        out.evaluations.push_back(runs[p]);
    }
}

/// The pair of levers i, j sharing a budget where moving money from i to j surely pays the most:
/// j's return on an increase wholly above i's on a decrease (their 95 % intervals apart); none
/// when no such pair is left (the optimality condition of a budget split, kinks included).
std::optional<std::pair<std::size_t, std::size_t>> unequal_pair(const Optimum& out) {
    std::optional<std::pair<std::size_t, std::size_t>> found;
    double widest = 0;
    for (std::size_t i = 0; i < out.levers.size(); ++i) {
        for (std::size_t j = 0; j < out.levers.size(); ++j) {
            const double gap = out.marginal[j].low - out.marginal_down[i].high;
            // Money moves only within a budget: a market's, or the rest of the total.
            if (i != j && out.budget_market[i] == out.budget_market[j] &&
                gap > widest) { // NaN where a bound leaves no room: never
                widest = gap;
                found = std::pair{i, j};
            }
        }
    }
    return found;
}

/// The best of three moves from `from` to `to`, if it pays (its paired mean above the
/// incumbent's): all `from` can give, the probe's step (where the returns were measured) and their
/// geometric mean; evaluated side by side.
std::optional<OptimiseEvaluation> best_move(Evaluator& model, Optimum& out,
                                            const OptimiseEvaluation& best, std::size_t from,
                                            std::size_t to) {
    const double excess =
        std::min(best.allocation[from] - out.min[from], out.max[to] - best.allocation[to]);
    const double step = std::min(excess, out.marginal_step[from]);
    const double moved[] = {excess, std::sqrt(excess * step), step};
    const auto moves = model.evaluations(3, [&](std::int64_t k, int threads) {
        auto a = best.allocation;
        a[from] -= moved[k];
        a[to] += moved[k];
        return model.evaluate(a, best.replicates, out.stages + 1, threads);
    });
    std::optional<OptimiseEvaluation> chosen;
    double gain = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        out.evaluations.push_back(moves[k]);
        const double d = paired_difference(best.values, moves[k].values).mean;
        if (d > gain) {
            gain = d;
            chosen = moves[k];
        }
    }
    return chosen;
}

/// Polishing: while two levers' marginal returns are surely apart, money moves from the lower to
/// the higher if a move pays; after a move only those two are probed again, and at the end every
/// lever is probed at the final point.
OptimiseEvaluation polish(Evaluator& model, Optimum& out, OptimiseEvaluation best,
                          const OptimiseOptions& o) {
    const std::size_t n = out.levers.size();
    const std::size_t rounds = o.polish >= 0 ? std::size_t(o.polish) : 2 * n;
    std::vector<std::size_t> all(n);
    std::iota(all.begin(), all.end(), 0);
    marginal_returns(model, out, best, all);
    out.polish_note = "the polishing rounds ran out with marginal returns apart";
    for (std::size_t round = 0; round < rounds; ++round) {
        const auto pair = unequal_pair(out);
        if (!pair) {
            out.polish_note = "no lever's return on an increase is surely above another's on a "
                              "decrease";
            break;
        }
        const auto [from, to] = *pair;
        auto moved = best_move(model, out, best, from, to);
        if (!moved) {
            out.polish_note = "no move from " + out.levers[from] + " to " + out.levers[to] +
                              " pays, though their marginal returns differ (the response "
                              "bends within the probe)";
            break;
        }
        best = std::move(*moved);
        ++out.polish_moves;
        marginal_returns(model, out, best, {from, to});
    }
    if (out.polish_moves > 0) {
        marginal_returns(model, out, best, all);
    }
    return best;
}

void check_options(const OptimiseOptions& o) {
    if (o.polish < -1) {
        throw InputError("--polish: must be a number of rounds >= 0, got " +
                         std::to_string(o.polish));
    }
    if (o.start_replicates < 2) {
        throw InputError("--replicates: the first stage needs at least 2 replicates for an "
                         "interval, got " +
                         std::to_string(o.start_replicates));
    }
    if (o.max_replicates < o.start_replicates) {
        throw InputError("--max-replicates: must be at least the first stage's replicates (" +
                         std::to_string(o.start_replicates) + "), got " +
                         std::to_string(o.max_replicates));
    }
    if (!(o.horizon >= 0) || !std::isfinite(o.horizon)) {
        throw InputError("--horizon: must be a number of days > 0");
    }
}

} // namespace

Scenario with_allocation(const Scenario& scenario, const Optimum& optimum,
                         const std::vector<double>& allocation) {
    std::vector<LeverCard> cards;
    for (std::size_t i = 0; i < optimum.levers.size(); ++i) {
        OptimiseOptions o;
        o.levers = {optimum.levers[i]};
        o.budget = 0;
        LeverCard card = optimisation::lever_cards(
            optimisation::at_horizon(scenario, optimum.horizon), o, 1.0)[0];
        card.money_per_unit = optimum.money_per_unit[i];
        cards.push_back(card);
    }
    return optimisation::apply_allocation(optimisation::at_horizon(scenario, optimum.horizon),
                                          cards, allocation);
}

Optimum optimise(const Scenario& scenario, const OptimiseOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    check_options(options);
    const Scenario s = optimisation::at_horizon(scenario, options.horizon);
    Evaluator model(s, options);
    Optimum out;
    out.kpi = options.objective;
    out.budget = optimisation::total_budget(options);
    out.market_budgets = options.market_budgets;
    out.horizon = s.days;
    double revenue = 0;
    model.plan("design", planned_evaluations(options.levers.size(), options) + 1);
    if (std::find(options.levers.begin(), options.levers.end(), "service_level") !=
        options.levers.end()) {
        revenue = mean_of(model.objective_once(s, options.start_replicates, true));
    }
    OptimiseOptions budgeted = options;
    budgeted.budget = out.budget;
    model.set_cards(optimisation::lever_cards(s, budgeted, revenue));
    for (const auto& c : model.cards()) {
        out.levers.push_back(c.name);
        out.budget_market.push_back(std::isnan(c.market_budget) ? "" : c.market);
        out.units.push_back(c.unit);
        out.min.push_back(c.low);
        out.max.push_back(c.high);
        out.current.push_back(c.current);
        out.current_setting.push_back(c.current_setting);
        out.money_per_unit.push_back(c.money_per_unit);
    }
    const StageLog last = run_stages(model, out, options, s.seed);
    const OptimiseEvaluation best = polish(model, out, last.log[last.incumbent], options);
    out.allocation = best.allocation;
    out.setting = optimisation::settings(s, model.cards(), best.allocation);
    out.objective = paired_difference(std::vector<double>(best.values.size(), 0.0), best.values);
    const auto current = model.objective_once(s, best.replicates);
    out.current_objective = mean_of(current);
    out.gain = paired_difference(current, best.values);
    out.customer_days = model.customer_days();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

} // namespace custsim
