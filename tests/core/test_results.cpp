#include "custsim/error.hpp"
#include "custsim/results.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

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

TEST(Results, DamagedFilesAreRefusedBeforeHdf5ReadsThem) {
    const auto path = temp("damaged.h5");
    write_results(example(), path);
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_EQ(bytes.rfind("custsim-crc32 ", 0), 0u);
    const auto damaged = temp("damaged_copy.h5");
    for (const std::size_t at : {std::size_t(600), bytes.size() / 2, bytes.size() - 1}) {
        std::string copy = bytes;
        copy[at] = char(copy[at] ^ 0x10);
        std::ofstream(damaged, std::ios::binary) << copy;
        try {
            read_results(damaged);
            ADD_FAILURE() << "a flipped byte at " << at << " was not noticed";
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find("do not match the check line"), std::string::npos)
                << e.what();
        }
    }
    std::ofstream(damaged, std::ios::binary) << bytes.substr(0, bytes.size() - 100);
    EXPECT_THROW(read_results(damaged), InputError);
}

TEST(Results, ArraysThatDoNotFitTheirShapeAreNotWritten) {
    auto wrong = example();
    wrong.final["adopted"] = {1, 2, 3}; // 2 replicates
    EXPECT_THROW(write_results(wrong, temp("wrong.h5")), std::invalid_argument);
    wrong = example();
    wrong.timeseries["aware"].pop_back();
    EXPECT_THROW(write_results(wrong, temp("wrong.h5")), std::invalid_argument);
}

TEST(Results, ExtraAttributesAreWrittenAndRead) {
    const auto path = temp("attributes.h5");
    write_results(example(), path, {{"point_fingerprint", "12345"}});
    EXPECT_EQ(read_text_attribute(path, "point_fingerprint"), "12345");
    EXPECT_EQ(read_text_attribute(path, "absent"), "");
    EXPECT_EQ(read_results(path).final, example().final);
}

TEST(Results, ChecksumSeesEveryValueAndName) {
    const auto reference = checksum(example());
    EXPECT_EQ(checksum(example()), reference);
    auto changed = example();
    changed.final["aware"][1] = std::nextafter(6.0, 7.0);
    EXPECT_NE(checksum(changed), reference);
    changed = example();
    changed.final.erase("aware");
    EXPECT_NE(checksum(changed), reference);
    changed = example();
    changed.scenario_yaml += " ";
    EXPECT_NE(checksum(changed), reference);
    changed = example();
    changed.time[2] = 3;
    EXPECT_NE(checksum(changed), reference);
}

TEST(Results, NonFiniteValuesAreNamedWithTheirKpiReplicateAndDay) {
    auto r = example();
    EXPECT_NO_THROW(check_finite(r, 0));
    EXPECT_NO_THROW(check_finite(r, 1));
    r.timeseries["aware"][1 * 3 + 1] = std::numeric_limits<double>::infinity();
    r.timeseries["aware"][1 * 3 + 2] = std::numeric_limits<double>::quiet_NaN();
    EXPECT_NO_THROW(check_finite(r, 0));
    try {
        check_finite(r, 1);
        ADD_FAILURE() << "inf was not noticed";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("scenario example: KPI 'aware' became inf on day 1 "
                                             "of replicate 1"),
                  std::string::npos)
            << e.what();
    }
    r = example();
    r.final["adopted"][0] = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(check_finite(r, 0), InputError);
    EXPECT_NO_THROW(check_finite(r, 1));
}
