// compare, attribute and response: several runs sharing a seed, without the GIL.
#include "bindings.hpp"

#include "custsim/experiment.hpp"
#include "custsim/uncertainty.hpp"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace custsim::python {

namespace {
py::dict to_py(const Difference& d) {
    py::dict out;
    out["mean"] = d.mean;
    out["low"] = d.low;
    out["high"] = d.high;
    out["sign_certain"] = d.sign_certain();
    return out;
}
py::dict to_py(const UncertainDifference& d) {
    py::dict out;
    out["mean"] = d.mean;
    out["low"] = d.low;
    out["high"] = d.high;
    out["parameter_sd"] = d.parameter_sd;
    out["noise_sd"] = d.noise_sd;
    out["parameter_share"] = d.parameter_share();
    out["above_zero"] = d.above_zero;
    out["draws"] = d.draws;
    return out;
}

void bind_uncertain_curves(py::module_& m);

double to_py(double value) {
    return value;
}

/// A levers() row, with or without parameter uncertainty.
template <class Row> py::dict levers_row(const Row& r) {
    py::dict row;
    row["lever"] = r.lever;
    row["step"] = r.step;
    row["cost"] = to_py(r.cost);
    row["profit"] = to_py(r.profit);
    row["profit_per_unit"] = to_py(r.per_unit);
    return row;
}

/// A response() point, with or without parameter uncertainty.
template <class Point> py::dict response_row(const Point& p) {
    py::dict row;
    row["spend_per_day"] = p.spend_per_day;
    row["marginal_roi"] = to_py(p.marginal_roi);
    for (const auto& [name, d] :
         {std::pair{"adopted", &p.adopted}, std::pair{"purchases", &p.purchases},
          std::pair{"revenue", &p.revenue}, std::pair{"margin", &p.margin},
          std::pair{"profit", &p.profit}}) {
        row[py::str(std::string("incremental_") + name)] = to_py(*d);
    }
    return row;
}

/// A compare() row, with or without parameter uncertainty.
template <class Row> py::dict compare_row(const Row& r) {
    py::dict row = to_py(r.difference);
    row["kpi"] = r.kpi;
    row["a"] = r.a;
    row["b"] = r.b;
    return row;
}

/// levers, compare_uncertain, response_uncertain and levers_uncertain.
void bind_uncertainty(py::module_& m) {
    m.def(
        "levers",
        [](const Scenario& s, int threads, py::object progress) {
            PythonProgress hook(std::move(progress));
            const auto rows = without_gil(hook, [&] { return levers(s, threads, std::ref(hook)); });
            py::list out;
            for (const auto& r : rows) {
                out.append(levers_row(r));
            }
            return out;
        },
        py::arg("scenario"), py::arg("threads") = 0, py::arg("progress") = py::none());
    m.def(
        "experiment_draws",
        [](const Scenario& s, const std::string& posterior, std::uint32_t count) {
            const auto d = experiment_draws(s, posterior, count);
            return py::make_tuple(d.keys, d.points, d.source);
        },
        py::arg("scenario"), py::arg("posterior"), py::arg("count"));
    m.def(
        "compare_uncertain",
        [](const Scenario& a, const Scenario& b, const std::string& posterior, std::uint32_t count,
           int threads, py::object progress) {
            const auto draws = experiment_draws(a, posterior, count);
            PythonProgress hook(std::move(progress));
            const auto c = without_gil(
                hook, [&] { return compare_uncertain(a, b, draws, threads, std::ref(hook)); });
            py::list rows;
            for (const auto& r : c.rows) {
                rows.append(compare_row(r));
            }
            return rows;
        },
        py::arg("a"), py::arg("b"), py::arg("posterior"), py::arg("count"), py::arg("threads") = 0,
        py::arg("progress") = py::none());
    bind_uncertain_curves(m);
}

} // namespace

void bind_experiment(py::module_& m) {
    bind_uncertainty(m);
    m.def(
        "compare",
        [](const Scenario& a, const Scenario& b, int threads, py::object progress) {
            PythonProgress hook(std::move(progress));
            const Comparison c =
                without_gil(hook, [&] { return compare(a, b, threads, std::ref(hook)); });
            py::list rows;
            for (const auto& r : c.rows) {
                py::dict row = compare_row(r);
                row["variance_ratio"] = r.variance_ratio;
                rows.append(row);
            }
            return py::make_tuple(rows, c.a, c.b);
        },
        py::arg("a"), py::arg("b"), py::arg("threads") = 0, py::arg("progress") = py::none());
    m.def(
        "attribute",
        [](const Scenario& s, int threads, py::object progress) {
            PythonProgress hook(std::move(progress));
            const auto rows =
                without_gil(hook, [&] { return attribute(s, threads, std::ref(hook)); });
            py::list out;
            for (const auto& r : rows) {
                py::dict row;
                row["channel"] = r.channel;
                row["spend"] = r.spend;
                row["last_touch_conversions"] = r.last_touch;
                row["found_by"] = r.found_by;
                row["roi"] = r.roi;
                for (const auto& [name, d] :
                     {std::pair{"customers", &r.customers}, std::pair{"adopted", &r.adopted},
                      std::pair{"purchases", &r.purchases}, std::pair{"revenue", &r.revenue},
                      std::pair{"margin", &r.margin}, std::pair{"profit", &r.profit}}) {
                    row[py::str(std::string("incremental_") + name)] = to_py(*d);
                }
                out.append(row);
            }
            return out;
        },
        py::arg("scenario"), py::arg("threads") = 0, py::arg("progress") = py::none());
    m.def(
        "response",
        [](const Scenario& s, const std::string& channel, const std::vector<double>& spends,
           int threads, py::object progress) {
            PythonProgress hook(std::move(progress));
            const auto points = without_gil(
                hook, [&] { return response(s, channel, spends, threads, std::ref(hook)); });
            py::list out;
            for (const auto& p : points) {
                out.append(response_row(p));
            }
            return out;
        },
        py::arg("scenario"), py::arg("channel"), py::arg("spends_per_day"), py::arg("threads") = 0,
        py::arg("progress") = py::none());
    m.def("with_channel_spend", &with_channel_spend, py::arg("scenario"), py::arg("channel"),
          py::arg("spend_per_day"));
}

namespace {
void bind_uncertain_curves(py::module_& m) {
    m.def(
        "response_uncertain",
        [](const Scenario& s, const std::string& channel, const std::vector<double>& spends,
           const std::string& posterior, std::uint32_t count, int threads, py::object progress) {
            const auto draws = experiment_draws(s, posterior, count);
            PythonProgress hook(std::move(progress));
            const auto points = without_gil(hook, [&] {
                return response_uncertain(s, channel, spends, draws, threads, std::ref(hook));
            });
            py::list out;
            for (const auto& p : points) {
                out.append(response_row(p));
            }
            return out;
        },
        py::arg("scenario"), py::arg("channel"), py::arg("spends_per_day"), py::arg("posterior"),
        py::arg("count"), py::arg("threads") = 0, py::arg("progress") = py::none());
    m.def(
        "levers_uncertain",
        [](const Scenario& s, const std::string& posterior, std::uint32_t count, int threads,
           py::object progress) {
            const auto draws = experiment_draws(s, posterior, count);
            PythonProgress hook(std::move(progress));
            const auto rows = without_gil(
                hook, [&] { return levers_uncertain(s, draws, threads, std::ref(hook)); });
            py::list out;
            for (const auto& r : rows) {
                out.append(levers_row(r));
            }
            return out;
        },
        py::arg("scenario"), py::arg("posterior"), py::arg("count"), py::arg("threads") = 0,
        py::arg("progress") = py::none());
}
} // namespace

} // namespace custsim::python
