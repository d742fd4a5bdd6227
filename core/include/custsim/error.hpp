#pragma once
#include <stdexcept>
#include <string>

namespace custsim {

/// Bad input: a scenario, an override, an edge list. The message names file, line, key and
/// what is allowed, e.g. `baseline.yaml:14: channels[2].cpm: must be > 0, got -3`.
class InputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A scenario file or override that does not fit the schema.
class ScenarioError : public InputError {
  public:
    using InputError::InputError;
};

/// A run that was stopped from outside (Ctrl-C, a cancelled progress callback).
class Cancelled : public std::runtime_error {
  public:
    Cancelled() : std::runtime_error("run cancelled") {}
};

} // namespace custsim
