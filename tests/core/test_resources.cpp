#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/scenario.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

using namespace custsim;

namespace {
Scenario baseline(const std::vector<std::string>& overrides = {}) {
    return load_scenario(std::string(CUSTSIM_SOURCE_DIR) + "/scenarios/baseline.yaml", overrides);
}

std::string refusal(const Scenario& scenario) {
    try {
        check_run_size(scenario);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST(Resources, ThreadCountsFromZeroToTheLimit) {
    EXPECT_NO_THROW(check_threads(0));
    EXPECT_NO_THROW(check_threads(max_threads));
    EXPECT_THROW(check_threads(-1), InputError);
    EXPECT_THROW(check_threads(max_threads + 1), InputError);
    try {
        check_threads(100000, "--threads");
        ADD_FAILURE();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "--threads: must be from 0 (all cores) to 1024, got 100000");
    }
}

TEST(Resources, EstimateFollowsTheDocumentedBytes) {
    // docs/performance.md: the journey's columns, 5.3 bytes per directed tie once built.
    const auto million = estimate_run(baseline({"population.customers=1000000"}));
    EXPECT_EQ(million.customers, 1e6);
    EXPECT_GT(million.memory_bytes, 73e6 + 5.2 * million.ties * 2);
    EXPECT_LT(million.memory_bytes, 1e9);
    const auto twice = estimate_run(baseline({"population.customers=2000000"}));
    EXPECT_NEAR(twice.memory_bytes / million.memory_bytes, 2.0, 0.1);
    EXPECT_EQ(million.customer_steps,
              1e6 * double(baseline().steps()) * double(baseline().replicates));
}

TEST(Resources, ShippedSizesPassAndAbsurdOnesAreRefused) {
    EXPECT_EQ(refusal(baseline()), "");
    const auto huge = refusal(baseline({"population.customers=4294967295"}));
    EXPECT_NE(huge.find("of memory is available"), std::string::npos) << huge;
    EXPECT_NE(huge.find("--force"), std::string::npos) << huge;
    const auto endless = refusal(baseline({"days=1e9", "record_every=1e8"}));
    EXPECT_NE(endless.find("customer-steps allowed without --force"), std::string::npos) << endless;
    const auto replicates = refusal(baseline({"replicates=1000000000"}));
    EXPECT_NE(replicates.find("customer-steps"), std::string::npos) << replicates;
}

TEST(Resources, AvailableMemoryIsReadFromTheKernel) {
    EXPECT_GT(available_memory(), std::uint64_t(1) << 20);
}

TEST(Resources, RunsAtOnceNeedTheirMemoryTogether) {
    // A run that needs 60 % of the available memory fits alone, not two at once, and a single
    // run is one at once however many threads there are.
    const double per_customer =
        estimate_run(baseline({"population.customers=1000000"})).memory_bytes / 1e6;
    const double customers = std::floor(0.6 * double(available_memory()) / per_customer);
    ASSERT_LT(customers, 4e9);
    const auto big =
        baseline({"population.customers=" + std::to_string(std::uint64_t(customers)), "days=1"});
    EXPECT_NO_THROW(check_run_size(big, 1, 1));
    EXPECT_NO_THROW(check_run_size(big, 1, 8));
    EXPECT_NO_THROW(check_run_size(big, 10, 1));
    try {
        check_run_size(big, 10, 2);
        ADD_FAILURE() << "two runs at once of 60 % of the memory each were let through";
    } catch (const InputError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("2 runs at once of"), std::string::npos) << message;
        EXPECT_NE(message.find("fewer --threads"), std::string::npos) << message;
    }
    EXPECT_EQ(team_size(3), 3);
    EXPECT_GE(team_size(0), 1);
}
