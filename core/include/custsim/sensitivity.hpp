#pragma once
// Global sensitivity analysis: which inputs move an output, and how much of its variance each
// explains. Each method comes in two steps, so that the expensive runs between them can go
// anywhere: a design (the points to evaluate, a pure function of the inputs, the sizes and a
// seed) and an estimate from the outputs at those points. The numbers of both steps depend on
// nothing but their arguments, so a sensitivity analysis is bit-identical on any thread count.
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace custsim {

/// One input varied by a sensitivity analysis: a scenario key (or any name) and its range,
/// over which it is taken as uniform.
struct SensitivityInput {
    std::string name;
    double low = 0, high = 1;
};

enum class SensitivityMethod {
    morris, ///< elementary effects on a grid (Morris 1991; mu* of Campolongo et al. 2007)
    sobol,  ///< first-order and total variance shares (Saltelli et al. 2010; Jansen 1999)
};
/// "morris" or "sobol".
const char* to_string(SensitivityMethod method);

/// Where Sobol's base samples come from.
enum class Sampling {
    quasi_random, ///< the Sobol sequence (Joe & Kuo 2008 directions, Boost.Random)
    random,       ///< uniform draws of the counter-based generator (Philox)
};
const char* to_string(Sampling sampling);

/// The points at which to evaluate the model. `unit` holds them in the unit cube (each input's
/// range mapped to 0..1), evaluation-major: unit[e * inputs + i].
///
/// Morris: `samples` trajectories of inputs + 1 points each; a trajectory starts on the grid of
/// `levels` levels and moves one input at a time, in random order, by +-delta = levels / (2
/// (levels - 1)). Sobol: `samples` rows of inputs + 2 points each: A_j, B_j, then A_j with
/// input i taken from B_j (A_B^(i)) for each input i, with A and B the two halves of a 2 x
/// inputs dimensional base sample.
struct SensitivityDesign {
    SensitivityMethod method = SensitivityMethod::morris;
    Sampling sampling = Sampling::quasi_random; ///< Sobol only
    std::vector<SensitivityInput> inputs;
    std::uint32_t samples = 0; ///< Morris: trajectories r; Sobol: base samples N
    std::uint32_t levels = 0;  ///< Morris: grid levels p (even)
    std::uint64_t seed = 1;    ///< Morris's trajectories, random sampling
    std::vector<double> unit;

    std::size_t evaluations() const { return inputs.empty() ? 0 : unit.size() / inputs.size(); }
    /// Points in a block: Morris's trajectory (inputs + 1), Sobol's row (inputs + 2).
    std::size_t block() const;
    /// Input i of evaluation e in the input's own unit: low + unit x (high - low).
    double value(std::size_t e, std::size_t i) const;
};

/// Morris's trajectories: `trajectories` x (inputs + 1) evaluations. Throws InputError on no
/// inputs, a range that is not low < high (finite), fewer than 2 trajectories or an odd or too
/// small number of levels.
SensitivityDesign morris_design(const std::vector<SensitivityInput>& inputs,
                                std::uint32_t trajectories, std::uint32_t levels = 4,
                                std::uint64_t seed = 1);
/// Saltelli's design: `samples` x (inputs + 2) evaluations. The Sobol sequence works best with
/// a power of 2. Throws InputError as morris_design, or on fewer than 2 samples.
SensitivityDesign sobol_design(const std::vector<SensitivityInput>& inputs, std::uint32_t samples,
                               Sampling sampling = Sampling::quasi_random, std::uint64_t seed = 1);

/// An estimate with its 95 % bootstrap interval (percentiles of the resampled estimates).
struct Estimate {
    double value = 0, low = 0, high = 0;
};

/// Elementary effects, in the output's unit per the input's whole range: EE = (f(x + delta e_i)
/// - f(x)) / delta in the unit cube, so a linear input's EE is its slope times its range.
struct MorrisEffect {
    std::string input;
    Estimate mu_star; ///< mean of |EE| (Campolongo et al. 2007): the input's importance
    double mu = 0;    ///< mean of EE: its sign; |mu| well below mu* means effects of both signs
    double sigma = 0; ///< standard deviation of EE: non-linearity or interactions
};

/// Sobol's indices of one input: first-order S_i = V(E(Y | X_i)) / V(Y), by Saltelli et al.
/// (2010, table 2 b), and total ST_i = E(V(Y | X_~i)) / V(Y), by Jansen (1999).
struct SobolIndex {
    std::string input;
    Estimate first, total;
};

struct SobolIndices {
    std::vector<SobolIndex> indices;
    double mean = 0, variance = 0; ///< of the output over A and B
};

/// Resamples the `samples` blocks (trajectories or rows) with replacement `bootstrap` times,
/// seeded; 0 gives intervals equal to the estimate.
std::vector<MorrisEffect> morris_effects(const SensitivityDesign& design,
                                         const std::vector<double>& outputs,
                                         std::uint32_t bootstrap = 1000, std::uint64_t seed = 1);
SobolIndices sobol_indices(const SensitivityDesign& design, const std::vector<double>& outputs,
                           std::uint32_t bootstrap = 1000, std::uint64_t seed = 1);

/// How a sensitivity analysis of a scenario is run.
struct SensitivitySettings {
    SensitivityMethod method = SensitivityMethod::morris;
    std::uint32_t samples = 0; ///< 0: 10 trajectories (Morris) or 64 base samples (Sobol)
    std::uint32_t levels = 4;  ///< Morris
    Sampling sampling = Sampling::quasi_random; ///< Sobol
    std::uint32_t bootstrap = 1000;
    /// Run `threads` evaluations at once, each on one thread, rather than one after another
    /// on all of them: faster when a run is too small to keep the threads busy. The numbers are
    /// the same either way.
    bool parallel_runs = false;
    /// When set, the output is a paired difference: the KPI of this scenario minus that of the
    /// analysed one, both with the keys set at each point and run with the same seed (common
    /// random numbers), so the indices say which keys move the answer to "is B better than A?".
    std::shared_ptr<const Scenario> versus;
};

/// One model evaluation finished so far, or a day of one replicate of it: return false to stop.
using SensitivityProgress =
    std::function<bool(std::size_t evaluation, std::uint32_t replicate, double day)>;

/// A sensitivity analysis of one scenario's KPI.
struct Sensitivity {
    std::string kpi;
    SensitivitySettings settings;
    SensitivityDesign design;
    /// The KPI's final value (with `versus`: B's minus A's), mean over replicates, per evaluation.
    std::vector<double> outputs;
    std::vector<double> replicates; ///< the same per replicate: [evaluations x replicates]
    std::vector<MorrisEffect> morris;
    SobolIndices sobol;
    std::string scenario_yaml; ///< the scenario the keys were varied in
    std::string versus_yaml;   ///< with `versus`: the scenario compared with it; else empty
};

/// The scenario with each input's key set to its value (`key=value` overrides, as --set).
Scenario with_inputs(const Scenario& scenario, const std::vector<SensitivityInput>& inputs,
                     const std::vector<double>& values);

/// Refuses (InputError) before any run: no inputs, a range not low < high, a key that is not a
/// number of the scenario, a value at either end the scenario does not allow, an input named
/// twice, or a KPI the scenario's model does not record at the end of a run.
void check_sensitivity(const Scenario& scenario, const std::vector<SensitivityInput>& inputs,
                       const std::string& kpi);

/// Evaluates the scenario at every point of the design (each with the scenario's seed, so
/// every point shares its random numbers: common random numbers) and estimates the method's
/// indices of the KPI. Runs one evaluation after another, each on `threads` threads (0: all
/// cores), or with `parallel_runs` that many evaluations at once.
Sensitivity sensitivity(const Scenario& scenario, const std::vector<SensitivityInput>& inputs,
                        const std::string& kpi, const SensitivitySettings& settings = {},
                        int threads = 0, const SensitivityProgress& progress = {});

} // namespace custsim
