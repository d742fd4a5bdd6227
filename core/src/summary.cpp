#include "custsim/summary.hpp"

#include "custsim/kpis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

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

namespace {

/// A KPI's place in the reading order: the registry's order; unregistered names come last.
std::size_t rank(const std::string& name) {
    const Kpi* kpi = find_kpi(name);
    return kpi ? std::size_t(kpi - kpi_registry().data()) : kpi_registry().size();
}

/// Mean over replicates of the last point of a [replicates, points, items] cube.
std::vector<double> final_means(const std::vector<double>& cube, std::size_t replicates,
                                std::size_t points, std::size_t items) {
    std::vector<double> means(items, 0.0);
    for (std::size_t r = 0; r < replicates; ++r) {
        for (std::size_t k = 0; k < items; ++k) {
            means[k] += cube[(r * points + points - 1) * items + k] / double(replicates);
        }
    }
    return means;
}

/// `text` right-aligned in `width` characters.
std::string right(std::string text, int width) {
    if (int(text.size()) < width) {
        text.insert(0, std::size_t(width) - text.size(), ' ');
    }
    return text;
}

/// A value right-aligned in `width` characters, with the KPI's format (or "%.1f").
std::string cell(const Kpi* kpi, double value, int width) {
    if (kpi) {
        return right(format_kpi(*kpi, value), width);
    }
    char plain[64];
    std::snprintf(plain, sizeof plain, "%.1f", value);
    return right(plain, width);
}

/// The final line of every registered KPI of group `per` in the results, one row per item.
std::string breakdown(const Results& results, KpiPer per, const char* title,
                      const std::map<std::string, std::vector<double>>& cubes,
                      const std::vector<std::string>& names) {
    std::vector<const Kpi*> columns;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.per == per && cubes.count(kpi.name)) {
            columns.push_back(&kpi);
        }
    }
    if (columns.empty()) {
        return {};
    }
    const std::size_t R = results.replicates, points = results.points(), items = names.size();
    std::vector<std::vector<double>> means;
    std::string out = "  ";
    out += title;
    out.resize(std::max<std::size_t>(out.size(), 24), ' ');
    std::vector<int> widths;
    for (const Kpi* kpi : columns) {
        widths.push_back(std::max(14, int(std::strlen(kpi->label)) + 2));
        means.push_back(final_means(cubes.at(kpi->name), R, points, items));
        out += ' ';
        out += right(kpi->label, widths.back());
    }
    out += "\n";
    for (std::size_t item = 0; item < items; ++item) {
        std::string line = "  ";
        line += names[item];
        line.resize(std::max<std::size_t>(line.size(), 24), ' ');
        for (std::size_t c = 0; c < columns.size(); ++c) {
            line += ' ';
            line += cell(columns[c], means[c][item], widths[c]);
        }
        out += line + "\n";
    }
    return out;
}

} // namespace

std::string format_summary(const Results& results, const std::string& title) {
    std::string out;
    char line[320];
    std::snprintf(line, sizeof line, "%s: %llu customers, %g days, %u replicate%s, seed %llu\n",
                  title.c_str(), static_cast<unsigned long long>(results.population),
                  results.time.empty() ? 0.0 : results.time.back(), results.replicates,
                  results.replicates == 1 ? "" : "s",
                  static_cast<unsigned long long>(results.seed));
    out += line;
    const bool market = results.represents > 0;
    if (market) {
        std::snprintf(line, sizeof line,
                      "  standing for a market of %.0f people: the last column is the market's "
                      "(x %.4g)\n",
                      results.represents, results.market_scale());
        out += line;
    }
    std::snprintf(line, sizeof line, "  %-22s %14s   %-31s %10s%s\n", "KPI (final)", "mean",
                  "95% interval of the mean", "% of pop.", market ? "         market" : "");
    out += line;
    const double population = double(results.population);
    auto summaries = summarise(results);
    // Registered KPIs in the registry's (reading) order, then anything else alphabetically;
    // costs that are zero in every replicate are left out.
    std::stable_sort(summaries.begin(), summaries.end(),
                     [](const auto& a, const auto& b) { return rank(a.kpi) < rank(b.kpi); });
    for (const auto& summary : summaries) {
        const Kpi* kpi = find_kpi(summary.kpi);
        const bool cost =
            summary.kpi.size() > 5 && summary.kpi.compare(summary.kpi.size() - 5, 5, "_cost") == 0;
        if (cost && summary.mean == 0 && summary.sd == 0) {
            continue;
        }
        const bool percent = kpi ? kpi->counts_customers() : true;
        char share[32] = "";
        if (percent && population > 0) {
            std::snprintf(share, sizeof share, "%9.2f%%", 100.0 * summary.mean / population);
        }
        std::snprintf(line, sizeof line, "  %-22s %s   [%s, %s] %10s", summary.kpi.c_str(),
                      cell(kpi, summary.mean, 14).c_str(), cell(kpi, summary.low, 14).c_str(),
                      cell(kpi, summary.high, 14).c_str(), share);
        out += line;
        if (market && kpi && kpi->scales_with_population()) {
            out += ' ' + cell(kpi, summary.mean * results.market_scale(), 14);
        }
        out += '\n';
    }
    if (!results.channel_names.empty()) {
        out += breakdown(results, KpiPer::channel, "channel (mean, final)", results.channels,
                         results.channel_names);
    }
    if (!results.brand_names.empty()) {
        out += breakdown(results, KpiPer::brand, "brand (mean, final)", results.brands,
                         results.brand_names);
    }
    if (results.market_names.size() > 1) {
        out += breakdown(results, KpiPer::market, "market (focal, final)", results.markets,
                         results.market_names);
    }
    return out;
}

} // namespace custsim
