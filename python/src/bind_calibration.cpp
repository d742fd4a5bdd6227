// calibrate: observed data in, posterior samples out, without the GIL.
#include "bindings.hpp"

#include "custsim/calibration.hpp"
#include "custsim/error.hpp"
#include "custsim/simulation.hpp"

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <tuple>

namespace py = pybind11;

namespace custsim::python {

namespace {

py::array_t<double> array(const std::vector<double>& values, std::vector<py::ssize_t> shape) {
    py::array_t<double> out(shape);
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

py::array_t<double> vector(const std::vector<double>& values) {
    return array(values, {py::ssize_t(values.size())});
}

py::dict fitted(const Calibration& c, const Observations& data) {
    py::dict out;
    std::vector<double> day, from, value, variance;
    py::list series;
    for (const Observation& row : data.rows) {
        day.push_back(row.day);
        from.push_back(row.from);
        value.push_back(row.value);
        variance.push_back(observation_variance(row));
        series.append(row.series());
    }
    out["series"] = series;
    out["day"] = vector(day);
    out["from"] = vector(from);
    out["value"] = vector(value);
    out["variance"] = vector(variance);
    out["median"] = vector(c.fit_median);
    out["low"] = vector(c.fit_low);
    out["high"] = vector(c.fit_high);
    return out;
}

py::dict to_dict(const Calibration& c, const Observations& data) {
    const auto S = py::ssize_t(c.chain.steps), W = py::ssize_t(c.chain.walkers),
               D = py::ssize_t(c.chain.dimensions);
    py::dict out;
    py::list keys;
    for (const FitKey& k : c.keys) {
        keys.append(py::make_tuple(k.key, k.low, k.high));
    }
    out["keys"] = keys;
    out["chain"] = array(c.chain.positions, {S, W, D});
    out["log_likelihood"] = array(c.chain.log_density, {S, W});
    out["samples"] = array(c.samples, {py::ssize_t(c.sample_log_likelihood.size()), D});
    out["samples_log_likelihood"] = vector(c.sample_log_likelihood);
    out["optimum"] = vector(c.optimum);
    out["optimum_log_likelihood"] = c.optimum_log_likelihood;
    out["median"] = vector(c.median);
    out["low"] = vector(c.low);
    out["high"] = vector(c.high);
    out["acceptance"] = c.acceptance;
    out["autocorrelation_time"] = vector(c.autocorrelation_time);
    out["effective_sample_size"] = vector(c.effective_sample_size);
    out["r_hat"] = vector(c.r_hat);
    out["burn_in"] = c.burn_in;
    out["thin"] = c.thin;
    out["evaluations"] = c.evaluations;
    out["seconds"] = c.seconds;
    out["fit"] = fitted(c, data);
    out["summary_text"] = format_calibration(c);
    out["method"] = c.method == CalibrationMethod::emulator ? "emulator" : "ensemble";
    if (c.method == CalibrationMethod::emulator) {
        const EmulatorSummary& e = c.emulator;
        py::dict emulator;
        emulator["design"] = array(e.design, {py::ssize_t(e.log_likelihood.size()), D});
        emulator["log_likelihood"] = vector(e.log_likelihood);
        emulator["length_scales"] = vector(e.length_scales);
        emulator["signal_sd"] = e.signal_sd;
        emulator["noise_sd"] = e.noise_sd;
        emulator["mean"] = e.mean;
        emulator["round_sd"] = vector(e.round_sd);
        emulator["sd_at_samples"] = vector(e.sd_at_samples);
        emulator["tolerance"] = e.tolerance;
        emulator["converged"] = e.converged;
        emulator["check_log_likelihood"] = vector(e.check_log_likelihood);
        emulator["check_mean"] = vector(e.check_mean);
        emulator["check_sd"] = vector(e.check_sd);
        out["emulator"] = emulator;
    }
    return out;
}

} // namespace

void bind_calibration(py::module_& m) {
    m.def(
        "calibrate",
        [](const Scenario& scenario, const std::string& data_path,
           const std::vector<std::tuple<std::string, double, double>>& fit, std::uint32_t walkers,
           std::uint32_t steps, int threads, const std::string& output, const std::string& method,
           std::uint64_t evaluations, double tolerance) {
            if (method != "ensemble" && method != "emulator") {
                throw InputError("method: 'ensemble' or 'emulator', got '" + method + "'");
            }
            std::vector<FitKey> keys;
            for (const auto& [key, low, high] : fit) {
                keys.push_back(
                    parse_fit_key(key + "=" + std::to_string(low) + ":" + std::to_string(high)));
                keys.back().low = low; // exactly as given, not as printed
                keys.back().high = high;
            }
            Observations data;
            Calibration c;
            {
                py::gil_scoped_release release;
                data = read_observations(data_path, scenario);
                CalibrationOptions options;
                options.method = method == "emulator" ? CalibrationMethod::emulator
                                                      : CalibrationMethod::ensemble;
                options.walkers = walkers;
                options.steps = steps;
                options.threads = threads;
                options.evaluations = evaluations;
                options.tolerance = tolerance;
                c = calibrate(scenario, data, keys, options);
                if (!output.empty()) {
                    write_calibration(c, data, scenario, output);
                }
            }
            return to_dict(c, data);
        },
        py::arg("scenario"), py::arg("data"), py::arg("fit"), py::arg("walkers") = 0,
        py::arg("steps") = 0, py::arg("threads") = 0, py::arg("output") = "",
        py::arg("method") = "ensemble", py::arg("evaluations") = 0, py::arg("tolerance") = 0.5);
    m.def(
        "log_likelihood",
        [](const Scenario& scenario, const std::string& data_path, int threads) {
            Observations data;
            Counterparts simulated;
            double value = 0;
            {
                py::gil_scoped_release release;
                data = read_observations(data_path, scenario);
                simulated = counterparts(data, run_scenario(scenario, threads));
                value = log_likelihood(data, simulated);
            }
            std::vector<double> observed, variance;
            for (std::size_t i = 0; i < data.rows.size(); ++i) {
                observed.push_back(data.rows[i].value);
                variance.push_back(observation_variance(data.rows[i]) + simulated.variance[i]);
            }
            py::dict out;
            out["log_likelihood"] = value;
            out["value"] = vector(observed);
            out["mean"] = vector(simulated.mean);
            out["variance"] = vector(variance);
            return out;
        },
        py::arg("scenario"), py::arg("data"), py::arg("threads") = 0);
}

} // namespace custsim::python
