#pragma once
// The pieces of the _core module; module.cpp calls each once.
#include <pybind11/pybind11.h>

namespace custsim::python {
void bind_scenario(pybind11::module_& m);
void bind_simulation(pybind11::module_& m);
void bind_experiment(pybind11::module_& m);
void bind_calibration(pybind11::module_& m);
} // namespace custsim::python
