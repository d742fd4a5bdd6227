#pragma once
#include "journey/model.hpp"

#include <memory>

namespace custsim {

/// The journey model's tables for `s` with `customers` customers, before day 0.
std::unique_ptr<JourneyTables> build_journey_tables(const Scenario& s, std::uint32_t customers);

} // namespace custsim
