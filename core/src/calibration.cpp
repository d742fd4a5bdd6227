// custsim calibrate's engine: the model as a log-likelihood over a box of keys, a starting point
// from NLopt, the ensemble sampler (ensemble.cpp), the posterior's summaries and its file.
#include "custsim/calibration.hpp"

#include "calibration_emulator.hpp"
#include "custsim/error.hpp"
#include "custsim/results.hpp"
#include "custsim/rng.hpp"
#include "custsim/simulation.hpp"

#include <nlopt.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>

namespace custsim {

namespace {

constexpr double minus_infinity = -std::numeric_limits<double>::infinity();

std::string number_text(double value, const char* format = "%.17g") {
    char text[40];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

/// The q-quantile of `values` (linear between order statistics, as numpy's default).
double quantile(std::vector<double> values, double q) {
    if (values.empty()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::sort(values.begin(), values.end());
    const double at = q * double(values.size() - 1);
    const auto below = std::size_t(std::floor(at));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    return values[below] + (at - double(below)) * (values[above] - values[below]);
}

/// Whether setting `key` can change the social graph (then it is built for every evaluation).
bool shapes_graph(const std::string& key) {
    return key.rfind("graph.", 0) == 0 || key == "population.customers" || key == "seed";
}

/// Evaluations run on this thread: what a task adds to it is what the task ran, wherever it ran.
thread_local std::uint64_t runs_on_this_thread = 0;

/// The scenario as a log-likelihood over the keys' box: each evaluation runs the scenario with
/// the keys set (its own seed: common random numbers) on one thread and compares it with the data.
/// Evaluations run in batches through the options' runner, which counts them wherever they ran.
class Likelihood {
  public:
    Likelihood(const Scenario& scenario, const Observations& data, const std::vector<FitKey>& keys,
               const CalibrationOptions& options)
        : yaml_(to_yaml(scenario)), name_(scenario.name), data_(data), keys_(keys),
          runner_(options.runner ? options.runner : thread_runner(options.threads)),
          progress_(options.progress) {
        check_keys(scenario);
        if (std::none_of(keys.begin(), keys.end(),
                         [](const FitKey& k) { return shapes_graph(k.key); })) {
            graph_ = build_graph(scenario);
        }
    }

    Scenario at(const std::vector<double>& x) const {
        std::vector<std::string> overrides;
        for (std::size_t d = 0; d < keys_.size(); ++d) {
            overrides.push_back(keys_[d].key + "=" + number_text(x[d]));
        }
        return parse_scenario(yaml_, name_, overrides);
    }

    bool inside(const std::vector<double>& x) const {
        for (std::size_t d = 0; d < keys_.size(); ++d) {
            if (!(x[d] >= keys_[d].low && x[d] <= keys_[d].high)) {
                return false;
            }
        }
        return true;
    }

    /// The log-likelihood at x and the counterparts' means; -inf outside the box, not run.
    DensityValue operator()(const std::vector<double>& x) {
        if (!inside(x)) {
            return {minus_infinity, {}};
        }
        const Results results = run_scenario(at(x), 1, {}, graph_);
        const Counterparts simulated = counterparts(data_, results);
        DensityValue value{log_likelihood(data_, simulated), simulated.mean};
        ++runs_on_this_thread;
        report();
        return value;
    }

    /// Runs a batch of tasks through the runner; every process counts the evaluations they ran.
    std::vector<std::vector<double>> batch(std::int64_t count, const BatchTask& task) {
        auto numbers = runner_(count, [&](std::int64_t i, int threads) {
            const std::uint64_t before = runs_on_this_thread;
            std::vector<double> out = task(i, threads);
            out.push_back(double(runs_on_this_thread - before));
            return out;
        });
        std::lock_guard lock(mutex_);
        for (auto& n : numbers) {
            done_ += std::uint64_t(n.back());
            n.pop_back();
        }
        running_ = 0;
        return numbers;
    }

    void plan(const char* stage, std::uint64_t more) {
        std::lock_guard lock(mutex_);
        stage_ = stage;
        planned_ = done_ + more;
    }
    /// Evaluations of the batches so far, in every process.
    std::uint64_t evaluations() const { return done_; }

  private:
    /// Every key exists and takes both ends of its box (the reader checks its range).
    void check_keys(const Scenario&) const {
        std::set<std::string> seen;
        for (const FitKey& k : keys_) {
            if (!seen.insert(k.key).second) {
                throw InputError("--fit " + k.key + ": the key is fitted twice");
            }
            for (const double end : {k.low, k.high}) {
                try {
                    parse_scenario(yaml_, name_, {k.key + "=" + number_text(end)});
                } catch (const InputError& e) {
                    throw InputError("--fit " + k.key + "=" + number_text(k.low, "%g") + ":" +
                                     number_text(k.high, "%g") + ": " + e.what());
                }
            }
        }
    }
    /// Progress counts the batches before this one and this process's evaluations in it.
    void report() {
        std::lock_guard lock(mutex_);
        ++running_;
        if (progress_ && !progress_(stage_, done_ + running_, planned_)) {
            throw Cancelled();
        }
    }

    std::string yaml_, name_;
    const Observations& data_;
    std::vector<FitKey> keys_;
    std::shared_ptr<const SocialGraph> graph_;
    BatchRunner runner_;
    std::function<bool(const char*, std::uint64_t, std::uint64_t)> progress_;
    std::mutex mutex_;
    const char* stage_ = "optimise";
    std::uint64_t done_ = 0, running_ = 0, planned_ = 0;
};

/// A point of the box from a point of the unit cube.
std::vector<double> from_unit(const std::vector<FitKey>& keys, const double* u) {
    std::vector<double> x(keys.size());
    for (std::size_t d = 0; d < keys.size(); ++d) {
        x[d] = keys[d].low + std::clamp(u[d], 0.0, 1.0) * (keys[d].high - keys[d].low);
    }
    return x;
}

/// A Latin hypercube of `points` points in the box: each key's range cut in as many strata.
std::vector<std::vector<double>> latin_hypercube(const std::vector<FitKey>& keys,
                                                 std::uint32_t points, std::uint64_t seed) {
    std::vector<std::vector<double>> unit(points, std::vector<double>(keys.size()));
    for (std::uint32_t d = 0; d < keys.size(); ++d) {
        Draws draws(StreamKey{seed, 2}, 0, Process::calibration, d);
        std::vector<std::uint32_t> strata(points);
        std::iota(strata.begin(), strata.end(), 0u);
        for (std::uint32_t i = points; i > 1; --i) {
            std::swap(strata[i - 1], strata[std::min(i - 1, std::uint32_t(draws.uniform() * i))]);
        }
        for (std::uint32_t p = 0; p < points; ++p) {
            unit[p][d] = (strata[p] + draws.uniform()) / points;
        }
    }
    std::vector<std::vector<double>> out;
    for (const auto& u : unit) {
        out.push_back(from_unit(keys, u.data()));
    }
    return out;
}

struct Best {
    std::vector<double> x;
    double log_likelihood = minus_infinity;
};

/// One local search (NLopt's LN_SBPLX, Rowan's subplex: derivative-free, robust to the small
/// jumps of a simulated likelihood) from `start`, in the unit cube; the best point it saw.
Best local_search(Likelihood& model, const std::vector<FitKey>& keys,
                  const std::vector<double>& start, std::uint32_t evaluations) {
    const std::size_t D = keys.size();
    struct Context {
        Likelihood* model;
        const std::vector<FitKey>* keys;
        Best best;
        std::exception_ptr error; // the model's, which NLopt would turn into a bare failure
    } context{&model, &keys, {start, minus_infinity}, nullptr};
    nlopt::opt opt(nlopt::LN_SBPLX, unsigned(D));
    opt.set_lower_bounds(std::vector<double>(D, 0.0));
    opt.set_upper_bounds(std::vector<double>(D, 1.0));
    opt.set_initial_step(0.1);
    opt.set_maxeval(int(evaluations));
    opt.set_xtol_rel(1e-3);
    opt.set_max_objective(
        [](unsigned, const double* u, double*, void* data) {
            auto& c = *static_cast<Context*>(data);
            const auto x = from_unit(*c.keys, u);
            try {
                const double value = (*c.model)(x).log_density;
                if (value > c.best.log_likelihood) {
                    c.best = {x, value};
                }
                return value;
            } catch (...) {
                c.error = std::current_exception();
                throw nlopt::forced_stop();
            }
        },
        &context);
    std::vector<double> u(D);
    for (std::size_t d = 0; d < D; ++d) {
        u[d] = (start[d] - keys[d].low) / (keys[d].high - keys[d].low);
    }
    double value = 0;
    try {
        opt.optimize(u, value);
    } catch (const nlopt::roundoff_limited&) {
        // the best point so far stands
    } catch (const nlopt::forced_stop&) {
        if (context.error) {
            std::rethrow_exception(context.error);
        }
    }
    return context.best;
}

/// Evaluates the model at a batch of points through the runner (threads, or MPI ranks): each
/// point's log-likelihood and counterparts. The emulator method's batches go through here.
std::vector<DensityValue> evaluate_batch(Likelihood& model,
                                         const std::vector<std::vector<double>>& points) {
    const auto numbers = model.batch(std::int64_t(points.size()), [&](std::int64_t i, int) {
        const DensityValue value = model(points[std::size_t(i)]);
        std::vector<double> out{value.log_density};
        out.insert(out.end(), value.blob.begin(), value.blob.end());
        return out;
    });
    std::vector<DensityValue> values;
    for (const auto& n : numbers) {
        values.push_back({n.at(0), {n.begin() + 1, n.end()}});
    }
    return values;
}

/// Stage (a): the Latin hypercube evaluated, its best points refined by local searches.
Best optimise(Likelihood& model, const std::vector<FitKey>& keys, const CalibrationOptions& o,
              std::uint64_t seed) {
    const auto design = latin_hypercube(keys, o.starts, seed);
    model.plan("optimise", design.size() + std::uint64_t(o.local_searches) * o.local_evaluations);
    const auto values = model.batch(std::int64_t(design.size()), [&](std::int64_t i, int) {
        return std::vector<double>{model(design[std::size_t(i)]).log_density};
    });
    std::vector<std::size_t> order(design.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a][0] > values[b][0]; });
    const std::size_t searches = std::min<std::size_t>(o.local_searches, design.size());
    // Each search is one task (its point, then its log-likelihood).
    const auto found = model.batch(std::int64_t(searches), [&](std::int64_t s, int) {
        Best b = local_search(model, keys, design[order[std::size_t(s)]], o.local_evaluations);
        b.x.push_back(b.log_likelihood);
        return b.x;
    });
    Best best{design[order[0]], values[order[0]][0]};
    for (const auto& f : found) {
        if (f.back() > best.log_likelihood) {
            best = {{f.begin(), f.end() - 1}, f.back()};
        }
    }
    return best;
}

/// The walkers' first positions: a small ball around the optimum, reflected into the box.
std::vector<std::vector<double>> ball(const Best& optimum, const std::vector<FitKey>& keys,
                                      std::uint32_t walkers, double share, std::uint64_t seed) {
    std::vector<std::vector<double>> out(walkers, optimum.x);
    for (std::uint32_t k = 0; k < walkers; ++k) {
        Draws draws(StreamKey{seed, 3}, 0, Process::calibration, k);
        for (std::size_t d = 0; d < keys.size(); ++d) {
            const double width = keys[d].high - keys[d].low;
            const double normal = std::sqrt(-2 * std::log(draws.uniform())) *
                                  std::cos(2 * 3.141592653589793 * draws.uniform());
            double x = optimum.x[d] + share * width * normal;
            x = x < keys[d].low ? 2 * keys[d].low - x : x > keys[d].high ? 2 * keys[d].high - x : x;
            out[k][d] = std::clamp(x, keys[d].low, keys[d].high);
        }
    }
    return out;
}

CalibrationOptions with_defaults(CalibrationOptions o, std::size_t keys) {
    const auto K = std::uint32_t(keys);
    o.walkers = o.walkers ? o.walkers : std::max(8u, 4 * K);
    o.starts = o.starts ? o.starts : std::max(8u, 4 * K);
    o.local_evaluations = o.local_evaluations ? o.local_evaluations : 10 * K + 10;
    o.steps = o.steps ? o.steps : 60;
    if (o.walkers % 2 != 0 || o.walkers < 2 * K) {
        throw InputError("--walkers: must be even and at least twice the keys fitted (" +
                         std::to_string(2 * K) + "), got " + std::to_string(o.walkers));
    }
    if (o.steps < 4) {
        throw InputError("--steps: must be at least 4 (half are burn-in), got " +
                         std::to_string(o.steps));
    }
    return o;
}

/// Burn-in, thinning, samples, their quantiles and the diagnostics, from the chain.
void summarise_chain(Calibration& c) {
    const EnsembleChain& chain = c.chain;
    const std::uint32_t S = chain.steps, W = chain.walkers, D = chain.dimensions;
    c.burn_in = S / 2;
    const std::uint32_t kept = S - c.burn_in;
    double shortest = std::numeric_limits<double>::infinity();
    for (std::uint32_t d = 0; d < D; ++d) {
        std::vector<double> one(std::size_t(kept) * W);
        for (std::size_t t = 0; t < kept; ++t) {
            for (std::uint32_t k = 0; k < W; ++k) {
                one[t * W + k] = chain.positions[((c.burn_in + t) * W + k) * D + d];
            }
        }
        const double tau = autocorrelation_time(one, kept, W);
        c.autocorrelation_time.push_back(tau);
        c.effective_sample_size.push_back(double(kept) * W / tau);
        c.r_hat.push_back(split_r_hat(one, kept, W));
        shortest = std::min(shortest, tau);
    }
    c.thin = std::isfinite(shortest) ? std::max(1u, std::uint32_t(shortest / 2)) : 1u;
    for (std::uint32_t t = c.burn_in; t < S; t += c.thin) {
        for (std::uint32_t k = 0; k < W; ++k) {
            const auto at = chain.positions.begin() + std::ptrdiff_t((std::size_t(t) * W + k) * D);
            c.samples.insert(c.samples.end(), at, at + D);
            c.sample_log_likelihood.push_back(chain.log_density[std::size_t(t) * W + k]);
        }
    }
    const std::size_t N = c.sample_log_likelihood.size();
    for (std::uint32_t d = 0; d < D; ++d) {
        std::vector<double> values(N);
        for (std::size_t i = 0; i < N; ++i) {
            values[i] = c.samples[i * D + d];
        }
        c.median.push_back(quantile(values, 0.5));
        c.low.push_back(quantile(values, 0.05));
        c.high.push_back(quantile(values, 0.95));
    }
    double accepted = 0;
    for (const std::uint32_t a : chain.accepted) {
        accepted += double(a) / S / W;
    }
    c.acceptance = accepted;
}

/// The fitted series' band: 5 % and 95 % of each observation's counterpart over the samples.
void fit_band(Calibration& c, std::size_t observations) {
    const std::uint32_t W = c.chain.walkers;
    for (std::size_t i = 0; i < observations; ++i) {
        std::vector<double> values;
        for (std::uint32_t t = c.burn_in; t < c.chain.steps; t += c.thin) {
            for (std::uint32_t k = 0; k < W; ++k) {
                const auto& blob = c.chain.blobs[std::size_t(t) * W + k];
                if (blob.size() == observations) {
                    values.push_back(blob[i]);
                }
            }
        }
        c.fit_low.push_back(quantile(values, 0.05));
        c.fit_high.push_back(quantile(values, 0.95));
    }
}

/// What identifies a calibration: version, scenario, data, keys and the options that shape the
/// chain. A checkpoint of another calibration is refused.
std::string fingerprint(const Scenario& scenario, const Observations& data,
                        const std::vector<FitKey>& keys, const CalibrationOptions& o) {
    std::vector<std::string> parts = {CUSTSIM_VERSION, to_yaml(scenario)};
    for (const Observation& row : data.rows) {
        parts.push_back(row.series());
        for (const double v : {row.day, row.from, row.value, row.sd, row.n}) {
            parts.push_back(number_text(v, "%a"));
        }
    }
    for (const FitKey& k : keys) {
        parts.insert(parts.end(), {k.key, number_text(k.low, "%a"), number_text(k.high, "%a")});
    }
    for (const double v : {double(o.walkers), double(o.steps), double(o.starts),
                           double(o.local_searches), double(o.local_evaluations), o.ball}) {
        parts.push_back(number_text(v, "%a"));
    }
    std::string text;
    for (const auto& part : parts) {
        text.append(part).push_back('\n');
    }
    std::uint64_t hash = 1469598103934665603ull;
    for (const unsigned char c : text) {
        hash = (hash ^ c) * 1099511628211ull;
    }
    return std::to_string(hash);
}

/// A calibration's progress: the optimum, the chain so far, each walker's current value.
struct Checkpoint {
    Best optimum;
    EnsembleChain chain;
    std::vector<std::vector<double>> walkers;
    std::vector<DensityValue> current;
    std::uint64_t evaluations = 0;
};

void write_checkpoint(const std::filesystem::path& path, const std::string& identity,
                      const Checkpoint& p, std::uint32_t keep_from) {
    const EnsembleChain& c = p.chain;
    const std::uint64_t S = c.steps, W = c.walkers, D = c.dimensions;
    const std::uint64_t N = p.current.empty() ? 0 : p.current[0].blob.size();
    std::map<std::string, Array> arrays;
    arrays["/optimum"] = Array{{D}, p.optimum.x};
    arrays["/numbers"] = Array{{2}, {p.optimum.log_likelihood, double(p.evaluations)}};
    Array& at = arrays["/current/positions"] = Array{{W, D}, {}};
    Array& lp = arrays["/current/log_density"] = Array{{W}, {}};
    Array& blobs = arrays["/current/blobs"] = Array{{W, N}, {}};
    for (std::uint64_t k = 0; k < W; ++k) {
        at.values.insert(at.values.end(), p.walkers[k].begin(), p.walkers[k].end());
        lp.values.push_back(p.current[k].log_density);
        blobs.values.insert(blobs.values.end(), p.current[k].blob.begin(), p.current[k].blob.end());
    }
    if (S > 0) {
        arrays["/chain/positions"] = Array{{S, W, D}, c.positions};
        arrays["/chain/log_density"] = Array{{S, W}, c.log_density};
        arrays["/chain/accepted"] = Array{{W}, {c.accepted.begin(), c.accepted.end()}};
    }
    if (S > keep_from) {
        Array& kept = arrays["/chain/blobs"] = Array{{S - keep_from, W, N}, {}};
        for (std::uint64_t i = keep_from * W; i < S * W; ++i) {
            kept.values.insert(kept.values.end(), c.blobs[i].begin(), c.blobs[i].end());
        }
    }
    write_arrays(path, arrays, {{"fingerprint", identity}, {"steps_done", std::to_string(S)}});
}

/// The arrays a checkpoint of `steps` steps holds, in the order rank 0 sends them.
std::vector<std::string> checkpoint_names(std::uint32_t steps, std::uint32_t keep_from) {
    std::vector<std::string> names = {"/optimum", "/numbers", "/current/positions",
                                      "/current/log_density", "/current/blobs"};
    if (steps > 0) {
        names.insert(names.end(), {"/chain/positions", "/chain/log_density", "/chain/accepted"});
    }
    if (steps > keep_from) {
        names.push_back("/chain/blobs");
    }
    return names;
}

} // namespace

void detail::check_progress_of(const std::filesystem::path& path, const std::string& identity) {
    if (read_text_attribute(path, "fingerprint") != identity) {
        throw InputError(path.string() + " holds the progress of another calibration (another "
                                         "scenario, data, keys, options or custsim); remove it "
                                         "or write to another -o");
    }
}

namespace {

/// Reads a checkpoint of this calibration as numbers (its steps done, then each array's size and
/// values), nothing if there is none; one of another calibration, or of other shapes, is an
/// InputError.
std::vector<double> read_checkpoint_numbers(const std::filesystem::path& path,
                                            const std::string& identity, std::uint32_t W,
                                            std::uint32_t D, std::uint32_t keep_from) {
    if (path.empty() || !std::filesystem::exists(path)) {
        return {};
    }
    detail::check_progress_of(path, identity);
    const std::string steps_done = read_text_attribute(path, "steps_done");
    if (steps_done.empty() || steps_done.find_first_not_of("0123456789") != std::string::npos ||
        steps_done.size() > 9) {
        throw InputError(path.string() + ": no count of the steps done; remove it to start again");
    }
    const auto S = std::uint32_t(std::stoul(steps_done));
    const auto names = checkpoint_names(S, keep_from);
    auto a = read_arrays(path, names);
    const std::size_t N = a["/current/blobs"].values.size() / W;
    const std::size_t kept_steps = S > keep_from ? S - keep_from : 0;
    if (a["/optimum"].values.size() != D || a["/numbers"].values.size() != 2 ||
        a["/current/positions"].values.size() != std::size_t(W) * D ||
        a["/current/log_density"].values.size() != W ||
        a["/current/blobs"].values.size() != W * N ||
        a["/chain/positions"].values.size() != std::size_t(S) * W * D ||
        a["/chain/log_density"].values.size() != std::size_t(S) * W ||
        a["/chain/accepted"].values.size() != (S > 0 ? W : 0) ||
        a["/chain/blobs"].values.size() != kept_steps * W * N) {
        throw InputError(path.string() + ": its arrays do not have the shapes of this "
                                         "calibration's progress; remove it to start again");
    }
    std::vector<double> numbers{double(S)};
    for (const auto& name : names) {
        numbers.push_back(double(a[name].values.size()));
        numbers.insert(numbers.end(), a[name].values.begin(), a[name].values.end());
    }
    return numbers;
}

/// The checkpoint that read_checkpoint_numbers read.
Checkpoint checkpoint_from(const std::vector<double>& numbers, std::uint32_t W, std::uint32_t D,
                           std::uint32_t keep_from) {
    const auto S = std::uint32_t(numbers.at(0));
    std::map<std::string, Array> a;
    std::size_t at = 1;
    for (const auto& name : checkpoint_names(S, keep_from)) {
        const auto size = std::size_t(numbers.at(at));
        a[name].values.assign(numbers.begin() + std::ptrdiff_t(at + 1),
                              numbers.begin() + std::ptrdiff_t(at + 1 + size));
        at += 1 + size;
    }
    const std::size_t N = a["/current/blobs"].values.size() / W;
    Checkpoint p;
    p.optimum = {a["/optimum"].values, a["/numbers"].values.at(0)};
    p.evaluations = std::uint64_t(a["/numbers"].values.at(1));
    for (std::uint32_t k = 0; k < W; ++k) {
        const auto& positions = a["/current/positions"].values;
        const auto& blobs = a["/current/blobs"].values;
        p.walkers.emplace_back(positions.begin() + k * D, positions.begin() + (k + 1) * D);
        p.current.push_back({a["/current/log_density"].values.at(k),
                             {blobs.begin() + k * N, blobs.begin() + (k + 1) * N}});
    }
    p.chain = {S, W, D, a["/chain/positions"].values, a["/chain/log_density"].values, {}, {}, 0};
    p.chain.accepted.assign(W, 0);
    for (std::uint32_t k = 0; k < W && S > 0; ++k) {
        p.chain.accepted[k] = std::uint32_t(a["/chain/accepted"].values.at(k));
    }
    p.chain.blobs.resize(std::size_t(S) * W);
    const auto& kept = a["/chain/blobs"].values;
    for (std::size_t i = std::size_t(keep_from) * W; i < std::size_t(S) * W; ++i) {
        const auto from = kept.begin() + std::ptrdiff_t((i - keep_from * W) * N);
        p.chain.blobs[i].assign(from, from + std::ptrdiff_t(N));
    }
    return p;
}

/// Reads a checkpoint of this calibration, or nothing if there is none: a batch of one task,
/// which runs in the process that has the file (rank 0 in an MPI job) and gives every process
/// what it read.
std::optional<Checkpoint> read_checkpoint(Likelihood& model, const std::filesystem::path& path,
                                          const std::string& identity, std::uint32_t W,
                                          std::uint32_t D, std::uint32_t keep_from) {
    const auto numbers = model.batch(1, [&](std::int64_t, int) {
        return read_checkpoint_numbers(path, identity, W, D, keep_from);
    })[0];
    if (numbers.empty()) {
        return std::nullopt;
    }
    return checkpoint_from(numbers, W, D, keep_from);
}

/// Stage (b): the ensemble sampler from a ball around the optimum, or from a checkpoint.
EnsembleChain sample(Likelihood& model, const Checkpoint* resumed, const Best& best,
                     const std::vector<FitKey>& keys, const CalibrationOptions& o,
                     std::uint64_t seed, const std::string& identity) {
    model.plan("sample", std::uint64_t(o.walkers) * (o.steps + 1));
    SamplerSettings settings;
    settings.steps = o.steps;
    settings.seed = seed;
    settings.threads = o.threads;
    settings.keep_blobs_from = o.steps / 2;
    auto start = ball(best, keys, o.walkers, o.ball, seed);
    if (resumed) {
        settings.resume = &resumed->chain;
        settings.resume_current = resumed->current;
        start = resumed->walkers;
    }
    const std::uint64_t before = resumed ? resumed->evaluations : 0;
    if (!o.checkpoint.empty()) {
        settings.checkpoint = [&](const EnsembleChain& chain,
                                  const std::vector<DensityValue>& current) {
            Checkpoint p{best, chain, {}, current, before + model.evaluations()};
            const std::size_t D = keys.size();
            for (std::uint32_t k = 0; k < chain.walkers; ++k) {
                const auto at =
                    chain.steps == 0
                        ? start[k].begin()
                        : chain.positions.begin() +
                              std::ptrdiff_t(((chain.steps - 1) * chain.walkers + k) * D);
                p.walkers.emplace_back(at, at + std::ptrdiff_t(D));
            }
            write_checkpoint(o.checkpoint, identity, p, settings.keep_blobs_from);
        };
    }
    settings.runner = [&](std::int64_t count, const BatchTask& task) {
        return model.batch(count, task);
    };
    return ensemble_sample([&](const std::vector<double>& x) { return model(x); }, start, settings);
}

} // namespace

FitKey parse_fit_key(std::string_view text) {
    const auto equals = text.find('=');
    const auto colon = text.find(':', equals == std::string_view::npos ? 0 : equals);
    FitKey out;
    bool ok = equals != std::string_view::npos && equals > 0 && colon != std::string_view::npos;
    if (ok) {
        out.key = std::string(text.substr(0, equals));
        try {
            std::size_t used_low = 0, used_high = 0;
            const std::string low(text.substr(equals + 1, colon - equals - 1));
            const std::string high(text.substr(colon + 1));
            out.low = std::stod(low, &used_low);
            out.high = std::stod(high, &used_high);
            ok = used_low == low.size() && used_high == high.size();
        } catch (const std::exception&) {
            ok = false;
        }
    }
    if (!ok) {
        throw InputError("--fit " + std::string(text) +
                         ": expected KEY=LOW:HIGH, a scenario key and the numbers bounding its "
                         "uniform prior, e.g. brands.focal.price=40:60");
    }
    if (!(std::isfinite(out.low) && std::isfinite(out.high) && out.low < out.high)) {
        throw InputError("--fit " + std::string(text) + ": LOW must be below HIGH, both finite");
    }
    return out;
}

Calibration calibrate(const Scenario& scenario, const Observations& data,
                      const std::vector<FitKey>& keys, const CalibrationOptions& options) {
    if (keys.empty()) {
        throw InputError("--fit: name at least one key to fit, KEY=LOW:HIGH");
    }
    const auto start = std::chrono::steady_clock::now();
    if (options.method == CalibrationMethod::emulator) {
        Likelihood model(scenario, data, keys, options);
        const detail::Simulator simulator{
            [&](const std::vector<std::vector<double>>& points) {
                return evaluate_batch(model, points);
            },
            [&](const char* stage, std::uint64_t more) { model.plan(stage, more); },
            [&](const std::function<std::vector<double>()>& read) {
                return model.batch(1, [&](std::int64_t, int) { return read(); })[0];
            },
            fingerprint(scenario, data, keys, options)};
        return detail::calibrate_with_emulator(scenario, data, keys, options, simulator);
    }
    const CalibrationOptions o = with_defaults(options, keys.size());
    Likelihood model(scenario, data, keys, o);
    const std::string identity = fingerprint(scenario, data, keys, o);
    const auto resumed = read_checkpoint(model, o.checkpoint, identity, o.walkers,
                                         std::uint32_t(keys.size()), o.steps / 2);
    Calibration c;
    c.keys = keys;
    const Best best = resumed ? resumed->optimum : optimise(model, keys, o, scenario.seed);
    c.optimum = best.x;
    c.optimum_log_likelihood = best.log_likelihood;
    c.chain = sample(model, resumed ? &*resumed : nullptr, best, keys, o, scenario.seed, identity);
    summarise_chain(c);
    model.plan("fit", 1);
    c.fit_median = model.batch(1, [&](std::int64_t, int) { return model(c.median).blob; })[0];
    fit_band(c, data.rows.size());
    c.evaluations = model.evaluations() + (resumed ? resumed->evaluations : 0);
    c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return c;
}

namespace detail {

std::vector<std::vector<double>> design_points(const std::vector<FitKey>& keys,
                                               std::uint32_t points, std::uint64_t seed) {
    return latin_hypercube(keys, points, seed);
}
void summarise_posterior(Calibration& calibration) {
    summarise_chain(calibration);
}
double posterior_quantile(std::vector<double> values, double q) {
    return quantile(std::move(values), q);
}

} // namespace detail

} // namespace custsim
