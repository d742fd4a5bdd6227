#include "custsim/summary.hpp"

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
