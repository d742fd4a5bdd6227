// Scenarios and sweep files: loaded and checked by the engine, so Python gets the same errors.
#include "bindings.hpp"

#include "custsim/resources.hpp"
#include "custsim/scenario.hpp"
#include "custsim/sweep.hpp"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

namespace py = pybind11;

namespace custsim::python {

namespace {
/// The `name` of every item, in order.
template <class Items> std::vector<std::string> names_of(const Items& items) {
    std::vector<std::string> names;
    for (const auto& item : items) {
        names.push_back(item.name);
    }
    return names;
}
} // namespace

void bind_scenario(py::module_& m) {
    py::class_<Scenario>(m, "Scenario", "A resolved, validated scenario (engine side)")
        .def_readonly("name", &Scenario::name)
        .def_readonly("seed", &Scenario::seed)
        .def_readonly("replicates", &Scenario::replicates)
        .def_readonly("days", &Scenario::days)
        .def_readonly("dt", &Scenario::dt)
        .def_readonly("customers", &Scenario::customers)
        .def_property_readonly("channels", [](const Scenario& s) { return names_of(s.channels); })
        .def_property_readonly("brands", [](const Scenario& s) { return names_of(s.brands); })
        .def("to_yaml", [](const Scenario& s) { return to_yaml(s); });
    m.def("check_run_size", &check_run_size, py::arg("scenario"), py::arg("runs") = 1.0,
          py::arg("concurrent") = 1,
          "Refuses (ValueError) runs larger than this machine's memory (`concurrent` of them at "
          "once) or the work limit");
    m.def("check_threads", &check_threads, py::arg("threads"), py::arg("what") = "threads");
    m.attr("max_threads") = max_threads;
    m.def("load_scenario", &load_scenario, py::arg("path"),
          py::arg("overrides") = std::vector<std::string>{});
    m.def("parse_scenario", &parse_scenario, py::arg("text"), py::arg("name"),
          py::arg("overrides") = std::vector<std::string>{},
          py::arg("base_dir") = std::filesystem::path("."));

    py::class_<Sweep>(m, "Sweep", "A sweep file (engine side)")
        .def_property_readonly("base", [](const Sweep& s) { return s.base; })
        .def_readonly("set", &Sweep::set)
        .def_readonly("timeseries", &Sweep::timeseries)
        .def_property_readonly("parameters", [](const Sweep& s) { return names_of(s.parameters); })
        .def_property_readonly("derived", [](const Sweep& s) {
            std::vector<std::string> keys;
            for (const auto& d : s.derived) {
                keys.push_back(d.first);
            }
            return keys;
        });
    m.def("load_sweep", &load_sweep, py::arg("path"));
    m.def("parse_sweep", &parse_sweep, py::arg("text"), py::arg("name"), py::arg("base_dir"));
    m.def("sweep_points", &sweep_points, py::arg("sweep"));
    m.def("point_overrides", &point_overrides, py::arg("sweep"), py::arg("values"));
}

} // namespace custsim::python
