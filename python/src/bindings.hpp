#pragma once
// The pieces of the _core module; module.cpp calls each once.
#include <pybind11/pybind11.h>

#include <chrono>
#include <cstdint>
#include <exception>

namespace custsim::python {
void bind_scenario(pybind11::module_& m);
void bind_simulation(pybind11::module_& m);
void bind_experiment(pybind11::module_& m);
void bind_sensitivity(pybind11::module_& m);
void bind_calibration(pybind11::module_& m);
void bind_optimise(pybind11::module_& m);

/// A run's progress hook (custsim::Progress) for calls that released the GIL. At most every
/// 0.2 s it takes the GIL back, lets Ctrl-C stop the run and calls `callback(run, replicate,
/// day)` unless it is None (`run` counts the runs of an experiment, from 0). What the callback
/// raises (KeyboardInterrupt included) cancels the run; rethrow() raises it again once the GIL is
/// held. Create, rethrow and destroy it with the GIL held; pass it by std::ref.
class PythonProgress {
  public:
    explicit PythonProgress(pybind11::object callback);
    bool operator()(std::uint32_t replicate, double day);
    /// After a run that threw custsim::Cancelled: raises what the callback raised, if anything.
    void rethrow() const;

  private:
    pybind11::object callback_;
    std::exception_ptr error_;
    std::uint32_t run_ = 0, last_replicate_ = 0;
    double last_day_ = 0;
    std::chrono::steady_clock::time_point last_;
};

/// Runs `work` without the GIL, reporting to `progress`: what the callback raised comes out as
/// itself, not as a cancelled run.
template <class Work> auto without_gil(PythonProgress& progress, Work&& work) {
    try {
        pybind11::gil_scoped_release release;
        return work();
    } catch (const std::exception&) {
        progress.rethrow();
        throw;
    }
}
} // namespace custsim::python
