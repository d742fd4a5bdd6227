// Runs, results and a steppable simulation whose customer columns are numpy views.
#include "bindings.hpp"

#include "custsim/kpis.hpp"
#include "custsim/results.hpp"
#include "custsim/run.hpp"
#include "custsim/simulation.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>

namespace py = pybind11;

namespace custsim::python {

namespace {

constexpr std::uint64_t max_steps = 0xffffffffu;

py::array_t<double> array(const std::vector<double>& values, std::vector<py::ssize_t> shape) {
    py::ssize_t count = 1;
    for (const auto d : shape) {
        count *= d;
    }
    if (count != py::ssize_t(values.size())) { // read_results checks; never copy past the end
        throw py::value_error("results: " + std::to_string(values.size()) +
                              " values do not fill their shape");
    }
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

/// The registered KPIs of the simulation's model, keyed by Kpis member; breakdowns as lists.
py::dict kpis_of(const Simulation& sim) {
    const Kpis& k = sim.kpis();
    const bool journey = !sim.scenario().instant();
    py::dict d;
    d["day"] = k.day;
    for (const Kpi& kpi : kpi_registry()) {
        if (!kpi.in(journey) || kpi.final_only()) {
            continue;
        }
        if (kpi.value) {
            d[kpi.key] = kpi.value(k);
        } else {
            d[kpi.key] = k.*kpi.values;
        }
    }
    return d;
}

/// The end-of-run ratios, as they would be recorded in /final now.
py::dict ratios_of(const Simulation& sim) {
    const bool journey = !sim.scenario().instant();
    py::dict d;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.ratio && kpi.in(journey)) {
            d[kpi.key] = kpi.ratio(sim.kpis(), sim.scenario());
        }
    }
    return d;
}

py::list registry() {
    py::list out;
    for (const Kpi& kpi : kpi_registry()) {
        py::dict d;
        d["name"] = kpi.name;
        d["key"] = kpi.key;
        d["kind"] = to_string(kpi.kind);
        d["per"] = to_string(kpi.per);
        d["model"] = to_string(kpi.model);
        d["group"] = to_string(kpi.group);
        d["headline"] = kpi.headline;
        d["unit"] = kpi.unit;
        d["format"] = kpi.format;
        d["label"] = kpi.label;
        d["description"] = kpi.description;
        d["path"] = kpi.path();
        d["final_only"] = kpi.final_only();
        d["scales_with_population"] = kpi.scales_with_population();
        out.append(d);
    }
    return out;
}

/// Steps without the GIL, back every 0.2 s to let Ctrl-C stop a long call.
void step_simulation(Simulation& sim, std::uint64_t steps) {
    // Random numbers are counted by a 32-bit step: past that they would repeat.
    const std::uint64_t left = max_steps - sim.step_index();
    if (steps > left) {
        throw py::value_error("steps: must be at most " + std::to_string(left) +
                              " (a simulation takes at most " + std::to_string(max_steps) +
                              " steps), got " + std::to_string(steps));
    }
    for (std::uint64_t k = 0; k < steps;) {
        {
            py::gil_scoped_release release;
            const auto start = std::chrono::steady_clock::now();
            do {
                sim.step();
                ++k;
            } while (k < steps &&
                     std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200));
        }
        if (PyErr_CheckSignals() != 0) {
            throw py::error_already_set();
        }
    }
}

void bind_results(py::module_& m) {
    py::class_<Results>(m, "Results", "The KPIs of a run, as in the HDF5 file")
        .def_readonly("scenario_yaml", &Results::scenario_yaml)
        .def_readonly("seed", &Results::seed)
        .def_readonly("replicates", &Results::replicates)
        .def_readonly("population", &Results::population)
        .def_readonly("represents", &Results::represents)
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
}

void bind_run_functions(py::module_& m) {
    m.def(
        "run_scenario",
        [](const Scenario& s, int threads, py::object observe, double every, py::object progress) {
            Observer observer;
            if (!observe.is_none()) {
                observer.every_days = every;
                observer.call = [observe](std::uint32_t, Simulation& sim) {
                    py::gil_scoped_acquire gil;
                    return observe(py::cast(&sim, py::return_value_policy::reference)).cast<bool>();
                };
            }
            PythonProgress hook(std::move(progress));
            return without_gil(
                hook, [&] { return run_scenario(s, threads, std::ref(hook), nullptr, observer); });
        },
        py::arg("scenario"), py::arg("threads") = 0, py::arg("observe") = py::none(),
        py::arg("every") = 0.0, py::arg("progress") = py::none(),
        "Every replicate of a scenario; observe(simulation) -> bool is called every `every` "
        "days before the step (false stops the replicate); progress(run, replicate, day) at most "
        "every 0.2 s (Ctrl-C stops the run)");
    m.def("read_results", &read_results, py::arg("path"));
    m.def("kpi_registry", &registry, "Every KPI: name, key, kind, per, model, unit, format, ...");
    m.def(
        "write_results",
        [](const Results& r, const std::filesystem::path& path) {
            py::gil_scoped_release release;
            write_results(r, path);
        },
        py::arg("results"), py::arg("path"));
}

void bind_simulation_class(py::module_& m) {
    py::class_<Simulation>(m, "Simulation", "One replicate, stepped day by day")
        .def(py::init([](const Scenario& s, std::uint32_t replicate, int threads) {
                 py::gil_scoped_release release;
                 return std::make_unique<Simulation>(s, build_graph(s), replicate, threads);
             }),
             py::arg("scenario"), py::arg("replicate") = 0, py::arg("threads") = 0)
        .def("step", &step_simulation, py::arg("steps") = 1)
        .def_property_readonly("day", &Simulation::day)
        .def_property_readonly("step_index", &Simulation::step_index)
        .def_property_readonly("kpis", &kpis_of)
        .def("set_focal_spend", &Simulation::set_focal_spend, py::arg("spend_per_day"))
        .def("ratios", &ratios_of)
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

} // namespace

void bind_simulation(py::module_& m) {
    bind_results(m);
    bind_run_functions(m);
    bind_simulation_class(m);
}

} // namespace custsim::python
