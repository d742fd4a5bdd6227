// custsim._core: the engine for Python. Private; the API is the custsim package.
#include "bindings.hpp"

#include "custsim/error.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
    m.doc() = "custsim engine (private: use the custsim package)";
    m.attr("__version__") = CUSTSIM_VERSION;
    // Bad input says what the command line says, as ValueError; an interrupted run as
    // KeyboardInterrupt.
    py::register_exception_translator([](std::exception_ptr error) {
        try {
            if (error) {
                std::rethrow_exception(error);
            }
        } catch (const custsim::InputError& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const custsim::Cancelled& e) {
            PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
        }
    });
    custsim::python::bind_scenario(m);
    custsim::python::bind_simulation(m);
    custsim::python::bind_experiment(m);
    custsim::python::bind_sensitivity(m);
    custsim::python::bind_calibration(m);
    custsim::python::bind_optimise(m);
}
