// Batches of evaluations (batch.hpp): every task's numbers in index order on any thread count,
// the lowest task's error, and the threads shared among few tasks; and the stand-in for MPI
// ranks that the calibration and optimiser tests use (support.hpp's dealt_runner).
#include "custsim/batch.hpp"
#include "custsim/error.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

using namespace custsim;

TEST(Batch, GivesEveryTasksNumbersInIndexOrderOnAnyThreadCount) {
    const auto task = [](std::int64_t i, int) {
        return std::vector<double>(std::size_t(i % 3), double(i) * 0.5);
    };
    const auto one = run_on_threads(50, 1, task);
    ASSERT_EQ(one.size(), 50u);
    for (std::int64_t i = 0; i < 50; ++i) {
        EXPECT_EQ(one[std::size_t(i)], task(i, 1)) << i;
    }
    EXPECT_EQ(run_on_threads(50, 2, task), one);
    EXPECT_EQ(test::dealt_runner(3, 2)(50, task), one);
    EXPECT_TRUE(run_on_threads(0, 2, task).empty());
}

TEST(Batch, RethrowsTheLowestTasksErrorOnceAllHaveRun) {
    std::atomic<int> ran{0};
    const auto task = [&](std::int64_t i, int) -> std::vector<double> {
        ++ran;
        if (i == 7 || i == 3) {
            throw InputError("task " + std::to_string(i));
        }
        return {double(i)};
    };
    try {
        run_on_threads(10, 2, task);
        ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
        EXPECT_STREQ(e.what(), "task 3");
    }
    EXPECT_EQ(ran.load(), 10);
    std::vector<std::exception_ptr> errors;
    const auto numbers = run_on_threads(10, 2, task, &errors);
    ASSERT_EQ(errors.size(), 10u);
    for (std::size_t i = 0; i < 10; ++i) {
        EXPECT_EQ(bool(errors[i]), i == 3 || i == 7) << i;
        EXPECT_EQ(numbers[i], errors[i] ? std::vector<double>{} : std::vector<double>{double(i)});
    }
}

TEST(Batch, SharesTheThreadsAmongFewTasks) {
    const auto threads = [](std::int64_t, int given) { return std::vector<double>{double(given)}; };
    EXPECT_EQ(run_on_threads(1, 4, threads)[0][0], 4);
    EXPECT_EQ(run_on_threads(2, 4, threads), (std::vector<std::vector<double>>{{2}, {2}}));
    EXPECT_EQ(run_on_threads(3, 2, threads)[2][0], 1);
}
