#pragma once
// Day 0 of the journey model, the parts tests reuse.
#include "journey/model.hpp"

#include <cstdint>

namespace custsim {

/// Sizes every column for `n` customers and `brands` brands, each at its day-0 default
/// (unaware, no brand, reachable by no channel, average attention).
void allocate_columns(Customers& c, std::uint32_t n, std::size_t brands);
/// Sizes the stamps of the triggered policies that run (none: no memory), all 0.
void allocate_trigger_columns(Customers& c, std::uint32_t n, const Triggers& triggers);

} // namespace custsim
