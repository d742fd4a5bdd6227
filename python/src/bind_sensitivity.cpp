// Sensitivity analysis: a scenario's keys against a KPI (without the GIL), and the design and
// the estimates alone, for any function evaluated in Python.
#include "bindings.hpp"

#include "custsim/error.hpp"
#include "custsim/sensitivity.hpp"

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>

namespace py = pybind11;

namespace custsim::python {

namespace {

using Inputs = std::vector<std::tuple<std::string, double, double>>;

std::vector<SensitivityInput> inputs_of(const Inputs& keys) {
    std::vector<SensitivityInput> inputs;
    for (const auto& [name, low, high] : keys) {
        inputs.push_back({name, low, high});
    }
    return inputs;
}

SensitivityMethod method_of(const std::string& name) {
    if (name != "morris" && name != "sobol") {
        throw InputError("method: must be morris or sobol, got '" + name + "'");
    }
    return name == "morris" ? SensitivityMethod::morris : SensitivityMethod::sobol;
}

Sampling sampling_of(const std::string& name) {
    if (name != "quasi_random" && name != "random") {
        throw InputError("sampling: must be quasi_random or random, got '" + name + "'");
    }
    return name == "random" ? Sampling::random : Sampling::quasi_random;
}

py::array_t<double> matrix(const std::vector<double>& values, std::size_t rows) {
    const std::size_t columns = rows > 0 ? values.size() / rows : 0;
    py::array_t<double> out({rows, columns});
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

py::dict estimate(const Estimate& e) {
    py::dict out;
    out["value"] = e.value;
    out["low"] = e.low;
    out["high"] = e.high;
    return out;
}

/// The indices as lists over the inputs: mu_star (a dict of value, low, high), mu, sigma; or
/// first and total (dicts), mean and variance.
py::dict indices(const std::vector<MorrisEffect>& morris, const SobolIndices& sobol) {
    py::dict out;
    py::list first, total, mu_star, mu, sigma;
    for (const auto& e : morris) {
        mu_star.append(estimate(e.mu_star));
        mu.append(e.mu);
        sigma.append(e.sigma);
    }
    for (const auto& index : sobol.indices) {
        first.append(estimate(index.first));
        total.append(estimate(index.total));
    }
    if (!morris.empty()) {
        out["mu_star"] = mu_star;
        out["mu"] = mu;
        out["sigma"] = sigma;
    } else {
        out["first"] = first;
        out["total"] = total;
        out["mean"] = sobol.mean;
        out["variance"] = sobol.variance;
    }
    return out;
}

SensitivityDesign design_of(const Inputs& keys, const std::string& method, std::uint32_t samples,
                            std::uint32_t levels, const std::string& sampling, std::uint64_t seed) {
    return method_of(method) == SensitivityMethod::morris
               ? morris_design(inputs_of(keys), samples, levels, seed)
               : sobol_design(inputs_of(keys), samples, sampling_of(sampling), seed);
}

py::dict scenario_sensitivity(const Scenario& s, const Inputs& keys, const std::string& kpi,
                              const std::string& method, std::uint32_t samples,
                              std::uint32_t levels, const std::string& sampling,
                              std::uint32_t bootstrap, bool parallel_runs, int threads,
                              const std::optional<Scenario>& versus) {
    SensitivitySettings settings;
    if (versus) {
        settings.versus = std::make_shared<const Scenario>(*versus);
    }
    settings.method = method_of(method);
    settings.samples = samples;
    settings.levels = levels;
    settings.sampling = sampling_of(sampling);
    settings.bootstrap = bootstrap;
    settings.parallel_runs = parallel_runs;
    Sensitivity result;
    {
        py::gil_scoped_release release;
        result = sensitivity(s, inputs_of(keys), kpi, settings, threads);
    }
    const std::size_t E = result.outputs.size();
    std::vector<double> points;
    for (std::size_t e = 0; e < E; ++e) {
        for (std::size_t i = 0; i < keys.size(); ++i) {
            points.push_back(result.design.value(e, i));
        }
    }
    py::dict out = indices(result.morris, result.sobol);
    out["samples"] = result.design.samples;
    out["unit"] = matrix(result.design.unit, E);
    out["points"] = matrix(points, E);
    out["outputs"] = matrix(result.outputs, E).attr("reshape")(E);
    out["replicates"] = matrix(result.replicates, E);
    out["scenario_yaml"] = result.scenario_yaml;
    return out;
}

} // namespace

void bind_sensitivity(py::module_& m) {
    m.def("sensitivity", &scenario_sensitivity, py::arg("scenario"), py::arg("keys"),
          py::arg("kpi"), py::arg("method") = "morris", py::arg("samples") = 0,
          py::arg("levels") = 4, py::arg("sampling") = "quasi_random", py::arg("bootstrap") = 1000,
          py::arg("parallel_runs") = false, py::arg("threads") = 0, py::arg("versus") = py::none());
    m.def(
        "sensitivity_design",
        [](const Inputs& keys, const std::string& method, std::uint32_t samples,
           std::uint32_t levels, const std::string& sampling, std::uint64_t seed) {
            const auto d = design_of(keys, method, samples, levels, sampling, seed);
            return matrix(d.unit, d.evaluations());
        },
        py::arg("keys"), py::arg("method"), py::arg("samples"), py::arg("levels") = 4,
        py::arg("sampling") = "quasi_random", py::arg("seed") = 1,
        "The design in the unit cube, [evaluations x inputs]");
    m.def(
        "sensitivity_indices",
        [](const Inputs& keys, const std::string& method, std::uint32_t samples,
           std::uint32_t levels, const std::string& sampling, std::uint64_t seed,
           const std::vector<double>& outputs, std::uint32_t bootstrap) {
            const auto d = design_of(keys, method, samples, levels, sampling, seed);
            return d.method == SensitivityMethod::morris
                       ? indices(morris_effects(d, outputs, bootstrap, seed), {})
                       : indices({}, sobol_indices(d, outputs, bootstrap, seed));
        },
        py::arg("keys"), py::arg("method"), py::arg("samples"), py::arg("levels"),
        py::arg("sampling"), py::arg("seed"), py::arg("outputs"), py::arg("bootstrap") = 1000,
        "The indices from the outputs at sensitivity_design's points (the same arguments)");
}

} // namespace custsim::python
