#include "custsim/summary.hpp"

#include "custsim/kpis.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace custsim;

TEST(Summary, StudentQuantiles) {
    EXPECT_NEAR(t_quantile_95(1), 12.706, 1e-3);
    EXPECT_NEAR(t_quantile_95(10), 2.228, 1e-3);
    EXPECT_NEAR(t_quantile_95(60), 2.000, 2e-3);
    EXPECT_NEAR(t_quantile_95(120), 1.980, 2e-3);
    EXPECT_NEAR(t_quantile_95(100000), 1.960, 1e-3);
}

TEST(Summary, MeanAndIntervalOfTheMean) {
    Results r;
    r.replicates = 3;
    r.population = 10;
    r.time = {0};
    r.final["adopted"] = {1, 2, 3};
    const auto rows = summarise(r);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_DOUBLE_EQ(rows[0].mean, 2);
    EXPECT_DOUBLE_EQ(rows[0].sd, 1);
    EXPECT_NEAR(rows[0].high - rows[0].mean, 4.303 / std::sqrt(3.0), 1e-9);
    EXPECT_NE(format_summary(r, "t").find("adopted"), std::string::npos);
}

TEST(Summary, OneReplicateHasNoWidth) {
    Results r;
    r.replicates = 1;
    r.final["adopted"] = {5};
    const auto rows = summarise(r);
    EXPECT_EQ(rows[0].low, 5);
    EXPECT_EQ(rows[0].high, 5);
}

TEST(Summary, ShowsEveryRegisteredKpiInTheRegistrysOrder) {
    Results r;
    r.replicates = 2;
    r.population = 100;
    r.time = {0, 1};
    r.channel_names = {"tv", "search"};
    r.brand_names = {"focal", "rival"};
    r.market_names = {"home", "abroad"};
    auto cubes = [&](KpiPer per) -> std::map<std::string, std::vector<double>>& {
        return per == KpiPer::channel ? r.channels : per == KpiPer::brand ? r.brands : r.markets;
    };
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.per == KpiPer::scalar) {
            r.final[kpi.name] = {1, 3}; // costs of zero would be left out
        } else {
            cubes(kpi.per)[kpi.name].assign(2 * 2 * 2, 7);
        }
    }
    const std::string text = format_summary(r, "t");
    std::size_t last = 0;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.per != KpiPer::scalar) {
            EXPECT_NE(text.find(kpi.label), std::string::npos) << kpi.label;
            continue;
        }
        const auto at = text.find("\n  " + std::string(kpi.name) + " ");
        ASSERT_NE(at, std::string::npos) << kpi.name;
        EXPECT_GT(at, last) << kpi.name << " out of the registry's order";
        last = at;
        // Customers counted show their share of the population, others do not.
        const auto end = text.find('\n', at + 1);
        EXPECT_EQ(text.substr(at, end - at).find("2.00%") != std::string::npos,
                  kpi.counts_customers())
            << kpi.name;
    }
    for (const char* item : {"tv", "search", "focal", "rival", "home", "abroad"}) {
        EXPECT_NE(text.find("\n  " + std::string(item) + " "), std::string::npos) << item;
    }
}
