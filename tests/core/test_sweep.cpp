// Sweep designs and derived keys.
#include "custsim/sweep.hpp"

#include "custsim/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

using namespace custsim;

namespace {
Sweep sweep_of(const std::string& body) {
    const auto path = std::filesystem::temp_directory_path() / "custsim_test_sweep.yaml";
    std::ofstream(path) << "base: " << CUSTSIM_SOURCE_DIR << "/scenarios/baseline.yaml\n" << body;
    return load_sweep(path);
}
} // namespace

TEST(Sweep, GridIsEveryCombinationLastParameterFastest) {
    const auto s = sweep_of("design: grid\nparameters:\n"
                            "  - {key: brands.focal.price, values: [10, 12]}\n"
                            "  - {key: seed, values: [1, 2, 3]}\n");
    const auto points = sweep_points(s);
    ASSERT_EQ(points.size(), 6u);
    EXPECT_EQ(points[0], (std::vector<double>{10, 1}));
    EXPECT_EQ(points[2], (std::vector<double>{10, 3}));
    EXPECT_EQ(points[3], (std::vector<double>{12, 1}));
    EXPECT_EQ(point_overrides(s, points[4]),
              (std::vector<std::string>{"brands.focal.price=12", "seed=2"}));
}

TEST(Sweep, ListZipsAndDerivedKeysAreComputed) {
    const auto s = sweep_of("design: list\nset: [days=30]\nparameters:\n"
                            "  - {name: share, values: [0.25, 0.5]}\n"
                            "  - {name: budget, values: [100, 200]}\n"
                            "derived:\n  brands.focal.media[0].spend_per_day: budget * share\n"
                            "  brands.focal.media[1].spend_per_day: budget * (1 - share)\n");
    const auto points = sweep_points(s);
    ASSERT_EQ(points.size(), 2u);
    EXPECT_EQ(point_overrides(s, points[1]),
              (std::vector<std::string>{"days=30", "brands.focal.media[0].spend_per_day=100",
                                        "brands.focal.media[1].spend_per_day=100"}));
    EXPECT_EQ(evaluate("-(a + 2) * 3 / b", {{"a", 1}, {"b", 2}}), -4.5);
    EXPECT_THROW(evaluate("a +", {{"a", 1}}), ScenarioError);
}

TEST(Sweep, LatinHypercubePutsOnePointInEachStratum) {
    const auto s = sweep_of("design: latin_hypercube\npoints: 50\nparameters:\n"
                            "  - {key: brands.focal.price, from: 10, to: 20}\n"
                            "  - {key: brands.focal.quality, from: 0, to: 1}\n");
    const auto points = sweep_points(s);
    ASSERT_EQ(points.size(), 50u);
    for (std::size_t p = 0; p < 2; ++p) {
        const double from = p == 0 ? 10 : 0, to = p == 0 ? 20 : 1;
        std::vector<int> per_stratum(50, 0);
        for (const auto& point : points) {
            const double u = (point[p] - from) / (to - from);
            ASSERT_GE(u, 0);
            ASSERT_LT(u, 1);
            ++per_stratum[std::size_t(u * 50)];
        }
        EXPECT_TRUE(
            std::all_of(per_stratum.begin(), per_stratum.end(), [](int n) { return n == 1; }));
    }
    // The two parameters are not stratified in step (the permutations differ).
    std::size_t same = 0;
    for (const auto& point : points) {
        same += std::size_t((point[0] - 10) / 10 * 50) == std::size_t(point[1] * 50);
    }
    EXPECT_LT(same, 10u);
    EXPECT_EQ(sweep_points(s), points) << "the design is a function of the sweep's seed";
}

TEST(Sweep, ErrorsNameTheFileLineAndKey) {
    try {
        sweep_of("design: cube\nparameters: [{key: seed, values: [1]}]\n");
        FAIL();
    } catch (const ScenarioError& e) {
        EXPECT_NE(std::string(e.what()).find("custsim_test_sweep.yaml:2: design: must be one of "
                                             "grid, list, latin_hypercube"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_THROW(sweep_of("design: list\nparameters:\n  - {key: seed, values: [1, 2]}\n"
                          "  - {key: days, values: [30]}\n"),
                 ScenarioError);
    EXPECT_THROW(sweep_of("design: latin_hypercube\nparameters: [{key: seed, from: 1, to: 5}]\n"),
                 ScenarioError); // no points
}

TEST(Sweep, ParsedFromTextWithItsBaseRelativeToAGivenFolder) {
    const std::filesystem::path scenarios = std::string(CUSTSIM_SOURCE_DIR) + "/scenarios";
    const auto s = parse_sweep("base: baseline.yaml\nparameters:\n"
                               "  - {key: brands.focal.media.search.spend_per_day, values: [7]}\n",
                               "a dict", scenarios);
    EXPECT_EQ(s.base, (scenarios / "baseline.yaml").lexically_normal());
    const auto overrides = point_overrides(s, sweep_points(s).front());
    EXPECT_EQ(overrides, (std::vector<std::string>{"brands.focal.media.search.spend_per_day=7"}));
    const Scenario point = load_scenario(s.base, overrides);
    EXPECT_EQ(point.brands[0].media[1].channel, "search");
    EXPECT_EQ(point.brands[0].media[1].spend_per_day, 7);
    std::string message;
    try {
        parse_sweep("base: baseline.yaml\nparameters:\n  - {key: days, values: [1]}\n", "a dict",
                    "/no/such/folder");
    } catch (const ScenarioError& e) {
        message = e.what();
    }
    EXPECT_EQ(message.rfind("a dict:1: base: no such file /no/such/folder/baseline.yaml", 0), 0u)
        << message;
}
