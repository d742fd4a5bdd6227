#include "custsim/summary.hpp"

#include <algorithm>
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

namespace {

struct Row {
    const char* kpi;
    bool share_of_customers; ///< also print as a percentage of the population
    const char* format;      ///< printf format of mean and interval
};

/// The order a strategist reads a run in: the funnel, the experience, the money.
constexpr Row rows_in_order[] = {
    {"aware", true, "%14.0f"},
    {"considering", true, "%14.0f"},
    {"customers", true, "%14.0f"},
    {"adopted", true, "%14.0f"},
    {"adopted_by_ads", true, "%14.0f"},
    {"adopted_by_wom", true, "%14.0f"},
    {"market_share", false, "%14.3f"},
    {"churned", true, "%14.0f"},
    {"known", true, "%14.0f"},
    {"consented", true, "%14.0f"},
    {"nps", false, "%14.1f"},
    {"promoters", true, "%14.0f"},
    {"detractors", true, "%14.0f"},
    {"wom_positive", false, "%14.0f"},
    {"wom_negative", false, "%14.0f"},
    {"complaints_opened", false, "%14.0f"},
    {"complaints_resolved", false, "%14.0f"},
    {"complaints_unresolved", false, "%14.0f"},
    {"purchases", false, "%14.0f"},
    {"lost_sales", false, "%14.0f"},
    {"revenue", false, "%14.0f"},
    {"margin", false, "%14.0f"},
    {"media_cost", false, "%14.0f"},
    {"service_cost", false, "%14.0f"},
    {"it_cost", false, "%14.0f"},
    {"data_cost", false, "%14.0f"},
    {"ambassador_cost", false, "%14.0f"},
    {"profit", false, "%14.0f"},
    {"roi", false, "%14.3f"},
    {"cac", false, "%14.2f"},
    {"annual_margin", false, "%14.2f"},
    {"retention", false, "%14.3f"},
    {"clv", false, "%14.2f"},
};

const Row* row_of(const std::string& kpi) {
    for (const auto& row : rows_in_order) {
        if (kpi == row.kpi) {
            return &row;
        }
    }
    return nullptr;
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
    std::snprintf(line, sizeof line, "  %-22s %14s   %-31s %10s\n", "KPI (final)", "mean",
                  "95% interval of the mean", "% of pop.");
    out += line;
    const double population = double(results.population);
    auto summaries = summarise(results);
    // Known KPIs in reading order, then anything else alphabetically; costs that are zero in
    // every replicate are left out.
    std::stable_sort(summaries.begin(), summaries.end(), [](const auto& a, const auto& b) {
        const Row* ra = row_of(a.kpi);
        const Row* rb = row_of(b.kpi);
        const auto rank = [](const Row* r) {
            return r ? std::size_t(r - rows_in_order) : std::size_t(1000);
        };
        return rank(ra) < rank(rb);
    });
    for (const auto& summary : summaries) {
        const Row* row = row_of(summary.kpi);
        const bool cost =
            summary.kpi.size() > 5 && summary.kpi.compare(summary.kpi.size() - 5, 5, "_cost") == 0;
        if (cost && summary.mean == 0 && summary.sd == 0) {
            continue;
        }
        const char* format = row ? row->format : "%14.1f";
        char mean[64], low[64], high[64];
        std::snprintf(mean, sizeof mean, format, summary.mean);
        std::snprintf(low, sizeof low, format, summary.low);
        std::snprintf(high, sizeof high, format, summary.high);
        const bool percent = row ? row->share_of_customers : true;
        char share[32] = "";
        if (percent && population > 0) {
            std::snprintf(share, sizeof share, "%9.2f%%", 100.0 * summary.mean / population);
        }
        std::snprintf(line, sizeof line, "  %-22s %s   [%s, %s] %10s\n", summary.kpi.c_str(), mean,
                      low, high, share);
        out += line;
    }
    const std::size_t R = results.replicates, points = results.points();
    if (!results.channel_names.empty() && results.channels.count("spend")) {
        const std::size_t C = results.channel_names.size();
        const auto spend = final_means(results.channels.at("spend"), R, points, C);
        const auto exposures = final_means(results.channels.at("exposures"), R, points, C);
        const auto conversions =
            final_means(results.channels.at("last_touch_conversions"), R, points, C);
        const auto acquired = results.channels.count("acquisitions")
                                  ? final_means(results.channels.at("acquisitions"), R, points, C)
                                  : std::vector<double>(C, 0.0);
        std::snprintf(line, sizeof line, "  %-22s %14s %14s %18s %14s\n", "channel (mean, final)",
                      "spend", "exposures", "last-touch sales", "found by");
        out += line;
        for (std::size_t c = 0; c < C; ++c) {
            std::snprintf(line, sizeof line, "  %-22s %14.0f %14.0f %18.0f %14.0f\n",
                          results.channel_names[c].c_str(), spend[c], exposures[c], conversions[c],
                          acquired[c]);
            out += line;
        }
    }
    if (!results.brand_names.empty() && results.brands.count("customers")) {
        const std::size_t B = results.brand_names.size();
        const auto customers = final_means(results.brands.at("customers"), R, points, B);
        const auto aware = final_means(results.brands.at("aware"), R, points, B);
        std::snprintf(line, sizeof line, "  %-22s %14s %14s\n", "brand (mean, final)", "aware",
                      "customers");
        out += line;
        for (std::size_t b = 0; b < B; ++b) {
            std::snprintf(line, sizeof line, "  %-22s %14.0f %14.0f\n",
                          results.brand_names[b].c_str(), aware[b], customers[b]);
            out += line;
        }
    }
    if (results.market_names.size() > 1 && results.markets.count("customers")) {
        const std::size_t M = results.market_names.size();
        const auto customers = final_means(results.markets.at("customers"), R, points, M);
        const auto aware = final_means(results.markets.at("aware"), R, points, M);
        const auto revenue = final_means(results.markets.at("revenue"), R, points, M);
        std::snprintf(line, sizeof line, "  %-22s %14s %14s %14s\n", "market (focal, final)",
                      "aware", "customers", "revenue");
        out += line;
        for (std::size_t m = 0; m < M; ++m) {
            std::snprintf(line, sizeof line, "  %-22s %14.0f %14.0f %14.0f\n",
                          results.market_names[m].c_str(), aware[m], customers[m], revenue[m]);
            out += line;
        }
    }
    return out;
}

} // namespace custsim
