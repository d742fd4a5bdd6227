#pragma once
// The journey step's schedule: one list that names each process, the bit that switches it off
// for benchmarks, and the random streams it draws from. core/src/journey/<name>.hpp implements
// each; core/src/journey/step.cpp runs them in this order for every customer.
#include "custsim/rng.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace custsim {

/// One process of the journey step.
struct StepProcess {
    std::string_view name;
    /// Bit of Simulation::set_processes; 0 for the skeleton that always runs (voices, stages,
    /// tallies: without them the next step has nothing to read).
    std::uint16_t bit = 0;
    /// The streams it draws from (Process ids, 0 for none). No two processes share a stream, so
    /// a change to one process never shifts another's numbers (common random numbers).
    std::array<Process, 2> streams{};
    std::string_view does;
};

/// Stream id 0: draws nothing.
inline constexpr Process no_stream = Process(0);

/// In schedule order.
inline constexpr std::array<StepProcess, 10> step_processes{{
    {"fade", 1, {no_stream, no_stream}, "memory and attitude fade; a brand in use stays in mind"},
    {"consolidate",
     64,
     {no_stream, no_stream},
     "recall lays down lasting brand knowledge (the long-term effect of advertising)"},
    {"expose",
     2,
     {Process::exposure, no_stream},
     "paid media reach the customer by reach class; memory, attitude, prompts, data capture"},
    {"trigger",
     128,
     {Process::trigger, Process::offer},
     "policies' contacts per customer: retargeting, complaint follow-ups, win-back offers"},
    {"hear",
     4,
     {Process::word_of_mouth, no_stream},
     "word of mouth pulled from the neighbours' voices of the last step"},
    {"decide",
     8,
     {Process::journey, Process::experience},
     "need, brand choice, purchase and its experience, repurchase, churn and switching"},
    {"serve",
     16,
     {Process::service, no_stream},
     "open complaints handled within the call centre's capacity"},
    {"settle",
     32,
     {no_stream, no_stream},
     "satisfaction of a customer without trouble drifts to the experience"},
    {"speak", 0, {no_stream, no_stream}, "the voice the neighbours hear next step"},
    {"classify", 0, {no_stream, no_stream}, "journey stage for the focal brand and the tallies"},
}};

/// The bits of every switchable process.
inline constexpr std::uint16_t all_step_processes = [] {
    std::uint16_t all = 0;
    for (const auto& p : step_processes) {
        all |= p.bit;
    }
    return all;
}();

/// The bit of the process called `name`; 0 when there is none.
constexpr std::uint16_t step_process_bit(std::string_view name) {
    for (const auto& p : step_processes) {
        if (p.name == name) {
            return p.bit;
        }
    }
    return 0;
}

} // namespace custsim
