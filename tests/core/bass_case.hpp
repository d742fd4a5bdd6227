#pragma once
// The Bass model's closed form, and a calibration case built on it: the expected adoptions of
// p = 0.03, q = 0.38 in a market of 3 000 over 2-day windows to day 16 (test_calibration.cpp,
// test_emulator.cpp).
#include "custsim/calibration.hpp"
#include "custsim/observations.hpp"
#include "custsim/scenario.hpp"

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

namespace custsim::test {

/// F(t) of Bass (1969): the share adopted by time t.
inline double bass_closed_form(double p, double q, double t) {
    const double e = std::exp(-(p + q) * t);
    return (1 - e) / (1 + (q / p) * e);
}

struct BassCase {
    static constexpr double p = 0.03, q = 0.38, m = 3000;
    Scenario scenario;
    Observations data;
};

/// scenarios/bass.yaml at 3 000 customers, 16 days, dt 0.05, and the closed form's adoptions.
inline BassCase bass_closed_form_case() {
    BassCase out;
    out.scenario = load_scenario(std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios/bass.yaml",
                                 {"population.customers=3000", "days=16", "dt=0.05"});
    std::string csv = "day,kpi,value\n";
    for (int day = 2; day <= 16; day += 2) {
        const double adopted = BassCase::m * (bass_closed_form(BassCase::p, BassCase::q, day) -
                                              bass_closed_form(BassCase::p, BassCase::q, day - 2));
        csv += std::to_string(day) + ",adopted," + std::to_string(adopted) + "\n";
    }
    out.data = parse_observations(csv, "bass.csv", out.scenario);
    return out;
}

/// A calibration small enough to run many times: scenarios/bass.yaml at 500 customers, 8 days,
/// dt 0.1, adoptions observed at days 2 and 4 (and 6 and 8 with `four_rows`), both Bass keys
/// fitted.
struct TinyCase {
    Scenario scenario;
    Observations data;
    std::vector<FitKey> keys = {{"channels.advertising.adoption_rate", 0.005, 0.1},
                                {"word_of_mouth.rate", 0.1, 1.0}};
};
inline TinyCase tiny_bass_case(bool four_rows) {
    TinyCase out;
    out.scenario = load_scenario(std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios/bass.yaml",
                                 {"population.customers=500", "days=8", "dt=0.1"});
    const std::string rows = four_rows ? "2,adopted,40\n4,adopted,90\n6,adopted,110\n8,adopted,80\n"
                                       : "2,adopted,40\n4,adopted,90\n";
    out.data = parse_observations("day,kpi,value\n" + rows, "d.csv", out.scenario);
    return out;
}

} // namespace custsim::test
