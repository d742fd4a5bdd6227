// Progress from runs that released the GIL: the engine's hook, throttled, calling Python.
#include "bindings.hpp"

namespace py = pybind11;

namespace custsim::python {

// The first step reports at once (last_ is the clock's epoch), then every 0.2 s.
PythonProgress::PythonProgress(py::object callback) : callback_(std::move(callback)) {}

bool PythonProgress::operator()(std::uint32_t replicate, double day) {
    // Every step comes here, so a new run (the day or replicate going back) is never missed.
    if (replicate < last_replicate_ || (replicate == last_replicate_ && day < last_day_)) {
        ++run_;
    }
    last_replicate_ = replicate;
    last_day_ = day;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) {
        return true;
    }
    last_ = now;
    py::gil_scoped_acquire gil;
    try {
        if (PyErr_CheckSignals() != 0) {
            throw py::error_already_set();
        }
        if (!callback_.is_none()) {
            callback_(run_, replicate, day);
        }
    } catch (...) {
        error_ = std::current_exception();
        return false;
    }
    return true;
}

void PythonProgress::rethrow() const {
    if (error_) {
        std::rethrow_exception(error_);
    }
}

} // namespace custsim::python
