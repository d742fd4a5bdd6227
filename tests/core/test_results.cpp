#include "custsim/error.hpp"
#include "custsim/results.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace custsim;

namespace {
Results example() {
    Results r;
    r.scenario_yaml = "name: example\ndays: 2\n";
    r.seed = 1234567890123ull;
    r.replicates = 2;
    r.population = 1000;
    r.time = {0, 1, 2};
    r.timeseries["adopted"] = {0, 10, 20, 0, 11, 21};
    r.timeseries["aware"] = {1, 2, 3, 4, 5, 6};
    r.final["adopted"] = {20, 21};
    r.final["aware"] = {3, 6};
    return r;
}

std::filesystem::path temp(const char* name) {
    const auto dir = std::filesystem::temp_directory_path() / "custsim_results_test";
    std::filesystem::create_directories(dir);
    return dir / name;
}

bool leftovers(const std::filesystem::path& path) {
    for (const auto& entry : std::filesystem::directory_iterator(path.parent_path())) {
        if (entry.path().filename().string().rfind(path.filename().string() + ".tmp", 0) == 0) {
            return true;
        }
    }
    return false;
}
} // namespace

TEST(Results, RoundTripThroughHdf5) {
    const auto path = temp("roundtrip.h5");
    const auto written = example();
    write_results(written, path);
    const auto read = read_results(path);
    EXPECT_EQ(read.custsim_version, written.custsim_version);
    EXPECT_EQ(read.scenario_yaml, written.scenario_yaml);
    EXPECT_EQ(read.seed, written.seed);
    EXPECT_EQ(read.replicates, 2u);
    EXPECT_EQ(read.population, 1000u);
    EXPECT_EQ(read.time, written.time);
    EXPECT_EQ(read.timeseries, written.timeseries);
    EXPECT_EQ(read.final, written.final);
    EXPECT_EQ(read.at("adopted", 1, 2), 21);
    EXPECT_FALSE(leftovers(path));
}

TEST(Results, FailedWriteLeavesTheOldFileAndNoTemporary) {
    const auto path = temp("kept.h5");
    write_results(example(), path);
    const auto size_before = std::filesystem::file_size(path);
    auto broken = example();
    broken.timeseries["no/such/group"] = {1, 2, 3, 4, 5, 6}; // HDF5 refuses the missing groups
    EXPECT_THROW(write_results(broken, path), std::runtime_error);
    EXPECT_EQ(std::filesystem::file_size(path), size_before);
    EXPECT_EQ(read_results(path).timeseries, example().timeseries);
    EXPECT_FALSE(leftovers(path));
}

TEST(Results, ReadingSomethingElseIsAClearError) {
    EXPECT_THROW(read_results(temp("missing.h5")), InputError);
    const auto text = temp("not_hdf5.h5");
    std::ofstream(text) << "hello";
    EXPECT_THROW(read_results(text), std::runtime_error);
}
