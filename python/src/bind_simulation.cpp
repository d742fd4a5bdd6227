// Runs, results and a steppable simulation whose customer columns are numpy views.
#include "bindings.hpp"

#include "custsim/results.hpp"
#include "custsim/run.hpp"
#include "custsim/simulation.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

namespace py = pybind11;

namespace custsim::python {

namespace {

py::array_t<double> array(const std::vector<double>& values, std::vector<py::ssize_t> shape) {
    py::array_t<double> out(shape);
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

py::dict arrays(const std::map<std::string, std::vector<double>>& values,
                const std::vector<py::ssize_t>& shape) {
    py::dict out;
    for (const auto& [name, v] : values) {
        out[py::str(name)] = array(v, shape);
    }
    return out;
}

py::dtype dtype_of(ColumnType type) {
    switch (type) {
    case ColumnType::u8:
        return py::dtype::of<std::uint8_t>();
    case ColumnType::u16:
        return py::dtype::of<std::uint16_t>();
    case ColumnType::u64:
        return py::dtype::of<std::uint64_t>();
    case ColumnType::f32:
        return py::dtype::of<float>();
    case ColumnType::voice:
        break;
    }
    throw std::invalid_argument("a voice column has no numpy type");
}

/// A read-only numpy view of a column the simulation owns; the view keeps the simulation alive.
/// Per-brand columns are [customers, brands].
py::array view(const ColumnView& column, py::handle owner) {
    const py::dtype dtype = dtype_of(column.type);
    const auto item = py::ssize_t(dtype.itemsize());
    std::vector<py::ssize_t> shape{py::ssize_t(column.customers)};
    std::vector<py::ssize_t> strides{item * py::ssize_t(column.width)};
    if (column.width > 1) {
        shape.push_back(py::ssize_t(column.width));
        strides.push_back(item);
    }
    py::array out(dtype, shape, strides, column.data, owner);
    out.attr("setflags")(py::arg("write") = false);
    return out;
}

py::dict kpis_of(const Kpis& k) {
    py::dict d;
    d["day"] = k.day;
    d["adopted"] = k.adopted;
    d["customers"] = k.customers;
    d["aware"] = k.aware;
    d["adopted_by_ads"] = k.adopted_by_ads;
    d["adopted_by_wom"] = k.adopted_by_wom;
#define CUSTSIM_KPI(name) d[#name] = k.name
    CUSTSIM_KPI(considering);
    CUSTSIM_KPI(market_share);
    CUSTSIM_KPI(purchases);
    CUSTSIM_KPI(lost_sales);
    CUSTSIM_KPI(revenue);
    CUSTSIM_KPI(margin);
    CUSTSIM_KPI(media_cost);
    CUSTSIM_KPI(service_cost);
    CUSTSIM_KPI(it_cost);
    CUSTSIM_KPI(data_cost);
    CUSTSIM_KPI(ambassador_cost);
    CUSTSIM_KPI(profit);
    CUSTSIM_KPI(nps);
    CUSTSIM_KPI(promoters);
    CUSTSIM_KPI(detractors);
    CUSTSIM_KPI(wom_positive);
    CUSTSIM_KPI(wom_negative);
    CUSTSIM_KPI(complaints_opened);
    CUSTSIM_KPI(complaints_resolved);
    CUSTSIM_KPI(complaints_unresolved);
    CUSTSIM_KPI(churned);
    CUSTSIM_KPI(consented);
    CUSTSIM_KPI(known);
    CUSTSIM_KPI(channel_spend);
    CUSTSIM_KPI(channel_exposures);
    CUSTSIM_KPI(channel_conversions);
    CUSTSIM_KPI(channel_acquisitions);
    CUSTSIM_KPI(brand_aware);
    CUSTSIM_KPI(brand_customers);
#undef CUSTSIM_KPI
    return d;
}

} // namespace

void bind_simulation(py::module_& m) {
    py::class_<Results>(m, "Results", "The KPIs of a run, as in the HDF5 file")
        .def_readonly("scenario_yaml", &Results::scenario_yaml)
        .def_readonly("seed", &Results::seed)
        .def_readonly("replicates", &Results::replicates)
        .def_readonly("population", &Results::population)
        .def_readonly("channel_names", &Results::channel_names)
        .def_readonly("brand_names", &Results::brand_names)
        .def_readonly("market_names", &Results::market_names)
        .def_property_readonly(
            "time", [](const Results& r) { return array(r.time, {py::ssize_t(r.time.size())}); })
        .def_property_readonly(
            "timeseries",
            [](const Results& r) {
                return arrays(r.timeseries, {r.replicates, py::ssize_t(r.points())});
            })
        .def_property_readonly("final",
                               [](const Results& r) { return arrays(r.final, {r.replicates}); })
        .def_property_readonly("channels",
                               [](const Results& r) {
                                   return arrays(r.channels, {r.replicates, py::ssize_t(r.points()),
                                                              py::ssize_t(r.channel_names.size())});
                               })
        .def_property_readonly("brands",
                               [](const Results& r) {
                                   return arrays(r.brands, {r.replicates, py::ssize_t(r.points()),
                                                            py::ssize_t(r.brand_names.size())});
                               })
        .def_property_readonly("markets", [](const Results& r) {
            return arrays(r.markets, {r.replicates, py::ssize_t(r.points()),
                                      py::ssize_t(r.market_names.size())});
        });

    m.def(
        "run_scenario",
        [](const Scenario& s, int threads, py::object observe, double every) {
            Observer observer;
            if (!observe.is_none()) {
                observer.every_days = every;
                observer.call = [observe](std::uint32_t, Simulation& sim) {
                    py::gil_scoped_acquire gil;
                    return observe(py::cast(&sim, py::return_value_policy::reference)).cast<bool>();
                };
            }
            py::gil_scoped_release release;
            return run_scenario(s, threads, {}, nullptr, observer);
        },
        py::arg("scenario"), py::arg("threads") = 0, py::arg("observe") = py::none(),
        py::arg("every") = 0.0,
        "Every replicate of a scenario; observe(simulation) -> bool is called every `every` "
        "days before the step (false stops the replicate)");
    m.def("read_results", &read_results, py::arg("path"));
    m.def(
        "write_results",
        [](const Results& r, const std::filesystem::path& path) {
            py::gil_scoped_release release;
            write_results(r, path);
        },
        py::arg("results"), py::arg("path"));

    py::class_<Simulation>(m, "Simulation", "One replicate, stepped day by day")
        .def(py::init([](const Scenario& s, std::uint32_t replicate, int threads) {
                 py::gil_scoped_release release;
                 return std::make_unique<Simulation>(s, build_graph(s), replicate, threads);
             }),
             py::arg("scenario"), py::arg("replicate") = 0, py::arg("threads") = 0)
        .def(
            "step",
            [](Simulation& sim, std::uint64_t steps) {
                py::gil_scoped_release release;
                for (std::uint64_t k = 0; k < steps; ++k) {
                    sim.step();
                }
            },
            py::arg("steps") = 1)
        .def_property_readonly("day", &Simulation::day)
        .def_property_readonly("step_index", &Simulation::step_index)
        .def_property_readonly("kpis", [](const Simulation& sim) { return kpis_of(sim.kpis()); })
        .def("set_focal_spend", &Simulation::set_focal_spend, py::arg("spend_per_day"))
        .def("ratios",
             [](const Simulation& sim) {
                 const auto r = summarise_journey(sim.kpis(), sim.scenario());
                 py::dict d;
                 d["roi"] = r.roi;
                 d["cac"] = r.cac;
                 d["annual_margin"] = r.annual_margin;
                 d["retention"] = r.retention;
                 d["clv"] = r.clv;
                 return d;
             })
        .def_property_readonly("columns", [](py::object self) {
            const Simulation& sim = self.cast<const Simulation&>();
            py::dict d;
            for (const auto& column : sim.columns()) {
                if (column.state) {
                    d[py::str(std::string(column.name))] = view(column, self);
                }
            }
            return d;
        });
}

} // namespace custsim::python
