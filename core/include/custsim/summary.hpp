#pragma once
#include "custsim/results.hpp"

#include <string>
#include <vector>

namespace custsim {

/// A KPI's final value over replicates: mean and the 95 % interval of the mean (Student t).
struct KpiSummary {
    std::string kpi;
    double mean = 0;
    double low = 0; ///< 95 % interval of the mean; equals the mean with one replicate
    double high = 0;
    double sd = 0; ///< standard deviation over replicates
};

std::vector<KpiSummary> summarise(const Results& results);
/// The table printed at the end of `custsim run`.
std::string format_summary(const Results& results, const std::string& title);
/// Two-sided 95 % Student t quantile for `df` degrees of freedom.
double t_quantile_95(std::uint32_t df);

} // namespace custsim
