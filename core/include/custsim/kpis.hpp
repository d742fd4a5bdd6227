#pragma once
// The one list of KPIs. Every face (the results file, the CLI summary, Python, the explorer and
// docs/kpis.md) reads its names, units and formats from here, so a KPI added here appears in
// all of them; tests/core/test_kpis.cpp fails when one of them lacks a registered KPI.
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace custsim {

/// How a KPI moves in time.
enum class KpiKind : std::uint8_t {
    stock, ///< a level now: current customers, NPS
    flow,  ///< cumulative since day 0: revenue, purchases
    ratio  ///< derived from stocks and flows at the end of a run: in /final only
};

/// What a KPI is broken down by; also its group in the results file.
enum class KpiPer : std::uint8_t { scalar, channel, brand, market };

/// Which model computes a KPI: the instant funnel (Bass) or the journey.
enum class KpiModel : std::uint8_t { instant = 1, journey = 2, both = 3 };

/// What part of the business a KPI speaks of: how `compare` (and reports) group them, in this
/// order.
enum class KpiGroup : std::uint8_t { customers, money, service, word_of_mouth, data };

/// A policy kind as a bit of Kpi::policies.
constexpr std::uint8_t policy_bit(PolicyKind kind) {
    return std::uint8_t(1u << unsigned(kind));
}

/// One KPI: what it is, where it is recorded and how to read it from Kpis.
struct Kpi {
    const char* name; ///< dataset name in its group: /timeseries/<name>, /channels/<name>, ...
    const char* key;  ///< Kpis member and Python's Simulation.kpis key (ratios: ratios() key)
    KpiKind kind;
    KpiPer per;
    KpiModel model;
    KpiGroup group;
    bool headline; ///< business-relevant: shown first in its group
    const char* unit;
    const char* format;                     ///< printf format of one value, e.g. "%.0f"
    const char* label;                      ///< short heading for tables and plot legends
    const char* description;                ///< one line for docs/kpis.md
    double (*value)(const Kpis&) = nullptr; ///< per scalar, stock or flow
    const std::vector<double> Kpis::*values = nullptr;       ///< per channel, brand or market
    double (*ratio)(const Kpis&, const Scenario&) = nullptr; ///< kind ratio
    /// The policies that alone move it (policy_bit of each; 0: none). It is recorded in every
    /// run, 0 without one of them; the explorer plots it only for a scenario with one.
    std::uint8_t policies = 0;

    bool final_only() const { return kind == KpiKind::ratio; }
    /// Whether it can move in `scenario`: a KPI of policies needs one of them there.
    bool moves_in(const Scenario& scenario) const;
    /// Whether the model (journey or instant funnel) computes and records it.
    bool in(bool journey) const {
        return (std::uint8_t(model) &
                std::uint8_t(journey ? KpiModel::journey : KpiModel::instant)) != 0;
    }
    /// Customers counted: the summary also shows it as a share of the population.
    bool counts_customers() const { return std::string_view(unit) == "customers"; }
    /// A count or an amount of money, which grows with the population (not a share, a score or
    /// money per customer; an end-of-run ratio only when it is money, clv_total): the market's
    /// figure is the sample's times Results::market_scale().
    bool scales_with_population() const {
        const std::string_view u = unit;
        return (kind != KpiKind::ratio || u == "money") &&
               (u == "customers" || u == "messages" || u == "complaints" || u == "purchases" ||
                u == "orders" || u == "money" || u == "exposures" || u == "reviews" ||
                u == "visits" || u == "contacts");
    }
    /// Where the results file keeps it, e.g. "/timeseries/aware" or "/channels/spend".
    std::string path() const;
};

/// Every KPI, in the order a strategist reads a run: the funnel, the experience, the money, the
/// end-of-run ratios, then the breakdowns per channel, brand and market.
std::span<const Kpi> kpi_registry();
/// The KPI called `name` in group `per`, or nullptr.
const Kpi* find_kpi(std::string_view name, KpiPer per = KpiPer::scalar);
/// The items a breakdown is over, in scenario order: channel, brand or market names (a scenario
/// without markets has one, the default market); empty for scalar.
std::vector<std::string> kpi_items(const Scenario& scenario, KpiPer per);
/// `value` printed with the KPI's format.
std::string format_kpi(const Kpi& kpi, double value);
/// Digits after the point in the KPI's format ("%.3f": 3).
int kpi_decimals(const Kpi& kpi);
/// `value` in fixed point with `decimals` digits and thousands separators, never in scientific
/// notation: "-1,234,567.50"; "-0" is "0"; inf and NaN as "inf" and "nan".
std::string format_readable(double value, int decimals);
/// The scalar KPIs (ratios included) for people: by group in KpiGroup's order, headline KPIs
/// first within a group, then in the registry's order.
std::vector<const Kpi*> kpis_by_group();

const char* to_string(KpiKind kind);
const char* to_string(KpiPer per);
const char* to_string(KpiModel model);
/// "customers", "money", "service", "word of mouth", "data".
const char* to_string(KpiGroup group);
/// The registry as a Markdown table (docs/kpis.md holds a copy; a test compares them).
std::string kpi_markdown();

} // namespace custsim
