// What compare, response and levers share (experiment_common.hpp).
#include "experiment_common.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

namespace custsim::cli {

std::string interval(const Difference& d) {
    char text[96];
    std::snprintf(text, sizeof text, "[%.4g, %.4g]", d.low, d.high);
    return text;
}

std::vector<double> parse_spends(const std::string& text) {
    double from = 0, to = 0;
    unsigned steps = 0;
    char colon1 = 0, colon2 = 0;
    std::istringstream in(text);
    if (!(in >> from >> colon1 >> to >> colon2 >> steps) || colon1 != ':' || colon2 != ':' ||
        !in.eof() || steps < 2 || from < 0 || to <= from) {
        throw InputError("--spend: expected FROM:TO:STEPS with 0 <= FROM < TO and STEPS >= 2, "
                         "e.g. 0:200:5; got '" +
                         text + "'");
    }
    std::vector<double> spends;
    for (unsigned k = 0; k < steps; ++k) {
        spends.push_back(from + (to - from) * k / (steps - 1));
    }
    return spends;
}

void put(std::map<std::string, std::vector<double>>& out, const std::string& name,
         const Difference& d, std::size_t at, std::size_t size) {
    for (const char* part : {"_mean", "_low", "_high"}) {
        out[name + part].resize(size, 0.0);
    }
    out[name + "_mean"][at] = d.mean;
    out[name + "_low"][at] = d.low;
    out[name + "_high"][at] = d.high;
}

/// Everything that can be refused before the runs: threads, the output file, the size.
void preflight(const ExperimentArgs& args, const Scenario& scenario, double runs) {
    check_threads(args.threads, "--threads");
    if (!args.output.empty()) {
        check_output(args.output, "-o");
    }
    if (!args.force) {
        check_run_size(scenario, runs);
    }
}

/// The table and plot files, refused before the runs if they cannot be written (--plot: nor
/// drawn).
void check_files(const ExperimentArgs& args) {
    if (!args.csv.empty()) {
        check_output(args.csv, "--csv");
    }
    if (!args.plot.empty()) {
        check_plot(args.plot, "--plot");
    }
}

/// The KPIs compare reports, by group (kpis_by_group): all the model computes, or those
/// `--kpis` names (comma-separated); an unknown name is refused with the list.
std::vector<const Kpi*> chosen_kpis(const std::string& names, bool journey) {
    std::vector<const Kpi*> known;
    std::string list;
    for (const Kpi* kpi : kpis_by_group()) {
        if (kpi->in(journey)) {
            known.push_back(kpi);
            list += (list.empty() ? "" : ", ") + std::string(kpi->name);
        }
    }
    if (names.empty()) {
        return known;
    }
    std::set<std::string> wanted;
    std::istringstream in(names);
    for (std::string name; std::getline(in, name, ',');) {
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        const bool found = std::any_of(known.begin(), known.end(),
                                       [&](const Kpi* kpi) { return name == kpi->name; });
        if (!found) {
            throw InputError("--kpis: unknown KPI '" + name + "'" +
                             (journey ? "" : " for the instant funnel (Bass)") +
                             "; compare reports: " + list);
        }
        wanted.insert(name);
    }
    std::erase_if(known, [&](const Kpi* kpi) { return !wanted.count(kpi->name); });
    return known;
}

/// (B - A) / |A| in %, so that its sign is that of B - A; NaN when A is 0.
double percent_of(double difference, double a) {
    return a != 0 ? 100 * difference / std::fabs(a) : std::numeric_limits<double>::quiet_NaN();
}

std::string percent_text(double percent) {
    char text[32] = "-";
    if (std::isfinite(percent)) {
        std::snprintf(text, sizeof text, "%+.1f %%", percent);
    }
    return text;
}

/// The shortest text that reads back as the same double; empty for NaN and inf.
std::string csv_number(double value) {
    if (!std::isfinite(value)) {
        return "";
    }
    char text[32];
    return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
}

} // namespace custsim::cli
