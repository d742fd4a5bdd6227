#include "custsim/summary.hpp"

#include <cmath>
#include <cstdio>

namespace custsim {

double t_quantile_95(std::uint32_t df) {
    static constexpr double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                       2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                       2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                       2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df == 0) {
        return 0;
    }
    if (df <= 30) {
        return table[df - 1];
    }
    // Cornish-Fisher expansion around the normal quantile; within 1e-3 beyond 30 df.
    const double z = 1.959964;
    const double d = double(df);
    return z + (z * z * z + z) / (4 * d) +
           (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

std::vector<KpiSummary> summarise(const Results& results) {
    std::vector<KpiSummary> rows;
    for (const auto& [kpi, values] : results.final) {
        KpiSummary row;
        row.kpi = kpi;
        const double n = double(values.size());
        for (double v : values) {
            row.mean += v;
        }
        row.mean /= n;
        double squares = 0;
        for (double v : values) {
            squares += (v - row.mean) * (v - row.mean);
        }
        row.sd = values.size() > 1 ? std::sqrt(squares / (n - 1)) : 0.0;
        const double half =
            t_quantile_95(static_cast<std::uint32_t>(values.size() - 1)) * row.sd / std::sqrt(n);
        row.low = row.mean - half;
        row.high = row.mean + half;
        rows.push_back(row);
    }
    return rows;
}

std::string format_summary(const Results& results, const std::string& title) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "%s: %llu customers, %g days, %u replicate%s, seed %llu\n",
                  title.c_str(), static_cast<unsigned long long>(results.population),
                  results.time.empty() ? 0.0 : results.time.back(), results.replicates,
                  results.replicates == 1 ? "" : "s",
                  static_cast<unsigned long long>(results.seed));
    out += line;
    std::snprintf(line, sizeof line, "  %-16s %14s %29s %12s\n", "KPI (final)", "mean",
                  "95% interval of the mean", "% customers");
    out += line;
    const double population = double(results.population);
    for (const auto& row : summarise(results)) {
        std::snprintf(line, sizeof line, "  %-16s %14.1f   [%12.1f, %12.1f] %11.2f%%\n",
                      row.kpi.c_str(), row.mean, row.low, row.high,
                      population > 0 ? 100.0 * row.mean / population : 0.0);
        out += line;
    }
    return out;
}

} // namespace custsim
