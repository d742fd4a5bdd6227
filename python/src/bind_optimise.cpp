// optimise: a budget split among levers, without the GIL.
#include "bindings.hpp"

#include "custsim/optimise.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace custsim::python {

namespace {

py::array_t<double> vector(const std::vector<double>& values) {
    py::array_t<double> out(py::ssize_t(values.size()));
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

py::dict difference(const Difference& d) {
    py::dict out;
    out["mean"] = d.mean;
    out["low"] = d.low;
    out["high"] = d.high;
    return out;
}

py::dict to_dict(const Optimum& o) {
    py::dict out;
    out["objective_kpi"] = o.kpi;
    out["budget"] = o.budget;
    out["horizon"] = o.horizon;
    out["levers"] = o.levers;
    out["units"] = o.units;
    out["market_budgets"] = o.market_budgets;
    out["budget_market"] = o.budget_market;
    out["allocation"] = vector(o.allocation);
    out["setting"] = vector(o.setting);
    out["min"] = vector(o.min);
    out["max"] = vector(o.max);
    out["current"] = vector(o.current);
    out["current_setting"] = vector(o.current_setting);
    out["objective"] = difference(o.objective);
    out["current_objective"] = o.current_objective;
    out["gain"] = difference(o.gain);
    py::list marginal;
    for (const auto& d : o.marginal) {
        marginal.append(difference(d));
    }
    out["marginal"] = marginal;
    py::list down;
    for (const auto& d : o.marginal_down) {
        down.append(difference(d));
    }
    out["marginal_down"] = down;
    out["marginal_step"] = vector(o.marginal_step);
    out["challenger"] = difference(o.challenger);
    out["within_noise"] = o.within_noise;
    out["stop_reason"] = o.stop_reason;
    out["polish_moves"] = o.polish_moves;
    out["polish_note"] = o.polish_note;
    out["replicates"] = o.replicates;
    out["stages"] = o.stages;
    out["evaluations"] = o.evaluations.size();
    out["customer_days"] = o.customer_days;
    out["seconds"] = o.seconds;
    out["summary_text"] = format_optimum(o);
    return out;
}

} // namespace

void bind_optimise(py::module_& m) {
    m.def(
        "optimise",
        [](const Scenario& scenario, double budget, const std::vector<std::string>& levers,
           const std::string& objective, double horizon, const std::map<std::string, double>& min,
           const std::map<std::string, double>& max,
           const std::map<std::string, double>& market_budgets, std::uint32_t replicates,
           std::uint32_t max_replicates, std::uint32_t evaluations, int polish, int threads,
           const std::string& output) {
            Optimum o;
            {
                py::gil_scoped_release release;
                OptimiseOptions options;
                options.budget = budget;
                options.levers = levers;
                options.objective = objective;
                options.horizon = horizon;
                options.min = min;
                options.max = max;
                options.market_budgets = market_budgets;
                options.start_replicates = replicates;
                options.max_replicates = max_replicates;
                options.evaluations = evaluations;
                options.polish = polish;
                options.threads = threads;
                o = optimise(scenario, options);
                if (!output.empty()) {
                    write_optimum(o, scenario, output);
                }
            }
            return to_dict(o);
        },
        py::arg("scenario"), py::arg("budget"), py::arg("levers"), py::arg("objective"),
        py::arg("horizon"), py::arg("min"), py::arg("max"), py::arg("market_budgets"),
        py::arg("replicates"), py::arg("max_replicates"), py::arg("evaluations"), py::arg("polish"),
        py::arg("threads"), py::arg("output"));
}

} // namespace custsim::python
