#include "custsim/error.hpp"
#include "custsim/social_graph.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

using namespace custsim;

namespace {
std::filesystem::path data(const char* name) {
    return std::filesystem::path(CUSTSIM_SOURCE_DIR) / "data" / name;
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("custsim_test_" + name);
    std::ofstream(path) << text;
    return path;
}
} // namespace

TEST(EdgeList, FacebookHasItsPublishedSize) {
    EdgeListReport report;
    const auto g = SocialGraph::load_edge_list(data("facebook_combined.txt.gz"), &report);
    // SNAP ego-Facebook: 4,039 nodes, 88,234 edges, connected.
    EXPECT_EQ(g.num_customers(), 4039u);
    EXPECT_EQ(g.num_ties(), 88234u);
    EXPECT_EQ(report.self_loops_dropped, 0u);
    EXPECT_EQ(report.duplicates_dropped, 0u);
    EXPECT_EQ(g.stats().components, 1u);
}

TEST(EdgeList, EmailEuCoreDropsLoopsAndReverseDuplicates) {
    EdgeListReport report;
    const auto g = SocialGraph::load_edge_list(data("email-Eu-core.txt.gz"), &report);
    // 25,571 directed lines = 16,706 undirected pairs, 642 of them self-loops.
    EXPECT_EQ(report.lines, 25571u);
    EXPECT_EQ(g.num_customers(), 1005u);
    EXPECT_EQ(g.num_ties(), 16706u - 642u);
    EXPECT_EQ(report.self_loops_dropped + report.duplicates_dropped, 25571u - (16706u - 642u));
    EXPECT_EQ(g.stats().largest_component, 986u);
}

TEST(EdgeList, CommaSeparatedWithHeaderCommentsAndSparseIds) {
    const auto path = write_temp("commas.csv", "# a comment\nsource,target\r\n10,30\r\n"
                                               "30,20\n% another\n\n20,10\n10,10\n30,10\n");
    EdgeListReport report;
    const auto g = SocialGraph::load_edge_list(path, &report);
    EXPECT_TRUE(report.had_header);
    EXPECT_EQ(report.lines, 5u);
    EXPECT_EQ(g.num_customers(), 3u);
    EXPECT_EQ(g.num_ties(), 3u);
    EXPECT_EQ(report.self_loops_dropped, 1u);
    EXPECT_EQ(report.duplicates_dropped, 1u);
    EXPECT_EQ(report.original_ids, (std::vector<std::int64_t>{10, 20, 30}));
}

TEST(EdgeList, ReadsGzip) {
    const auto path = std::filesystem::temp_directory_path() / "custsim_test_small.txt.gz";
    gzFile out = gzopen(path.c_str(), "wb");
    const std::string text = "0 1\n1 2\n2 0\n";
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
    EXPECT_EQ(SocialGraph::load_edge_list(path).num_ties(), 3u);
}

TEST(EdgeList, BadLineNamesFileAndLine) {
    const auto path = write_temp("bad.txt", "0 1\n1 2\n2 x\n");
    try {
        SocialGraph::load_edge_list(path);
        FAIL() << "no error for a bad line";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("custsim_test_bad.txt:3:"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(SocialGraph::load_edge_list("/nonexistent/graph.txt"), InputError);
}

namespace {
std::string edge_list_error(const std::filesystem::path& path) {
    try {
        SocialGraph::load_edge_list(path);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}
} // namespace

TEST(EdgeList, NothingToReadIsRefused) {
    for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
             {"empty.txt", ""}, {"comments.txt", "# a\n% b\n\n"}, {"header.csv", "from,to\n"}}) {
        const auto message = edge_list_error(write_temp(name, text));
        EXPECT_NE(message.find("custsim_test_" + name + ": no edges in"), std::string::npos)
            << message;
        EXPECT_NE(message.find("expected two ids"), std::string::npos) << message;
    }
    const auto gz = std::filesystem::temp_directory_path() / "custsim_test_zero.txt.gz";
    std::ofstream(gz).close(); // 0 bytes
    EXPECT_NE(edge_list_error(gz).find("no edges in 0 lines"), std::string::npos);
}

TEST(EdgeList, ABadFirstLineIsNotTakenForAHeader) {
    for (const auto& [name, line] :
         std::vector<std::pair<std::string, std::string>>{{"word.txt", "1 two"},
                                                          {"float.txt", "1.5 2"},
                                                          {"hex.txt", "0x1 0x2"},
                                                          {"huge.txt", "18446744073709551616 1"},
                                                          {"negative.txt", "-1 2"},
                                                          {"one.txt", "7"}}) {
        const auto message = edge_list_error(write_temp(name, line + "\n3 4\n"));
        EXPECT_NE(message.find("custsim_test_" + name +
                               ":1: expected two ids (whole numbers "
                               "from 0 to 2^63 - 1)"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find("got '" + line + "'"), std::string::npos) << message;
    }
    // Large ids that fit are remapped like any other.
    EdgeListReport report;
    const auto g = SocialGraph::load_edge_list(
        write_temp("big_ids.txt", "4294967296 9223372036854775807\n"), &report);
    EXPECT_EQ(g.num_customers(), 2u);
    EXPECT_EQ(report.original_ids.back(), std::numeric_limits<std::int64_t>::max());
}

TEST(EdgeList, TruncatedGzipIsReportedAsTruncated) {
    std::string text;
    for (int i = 0; i < 20000; ++i) {
        text += std::to_string(i) + " " + std::to_string((i * 7919) % 20000) + "\n";
    }
    const auto whole = std::filesystem::temp_directory_path() / "custsim_test_whole.txt.gz";
    gzFile out = gzopen(whole.c_str(), "wb");
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
    const auto size = std::filesystem::file_size(whole);
    const auto cut = std::filesystem::temp_directory_path() / "custsim_test_cut.txt.gz";
    std::filesystem::copy_file(whole, cut, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(cut, size / 2);
    const auto message = edge_list_error(cut);
    EXPECT_NE(message.find("the gzip data ends early (a truncated file?)"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("expected two ids"), std::string::npos) << message;
    // An invalid deflate block type right at the start: damaged, not truncated.
    std::string bytes(size, '\0');
    std::ifstream(whole, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
    bytes[10] = '\xff';
    const auto damaged = write_temp("damaged.txt.gz", bytes);
    EXPECT_NE(edge_list_error(damaged).find("damaged gzip data after line 0 (invalid block type)"),
              std::string::npos)
        << edge_list_error(damaged);
}

TEST(EdgeList, OnlyRegularFilesAreRead) {
    EXPECT_NE(edge_list_error("/dev/zero").find("/dev/zero: not a regular file"),
              std::string::npos);
    EXPECT_NE(edge_list_error(std::filesystem::temp_directory_path()).find("not a regular file"),
              std::string::npos);
    const auto long_line = write_temp("long_line.txt", std::string(100000, '1') + " 2\n");
    EXPECT_NE(edge_list_error(long_line).find(":1: a line longer than 65536 bytes"),
              std::string::npos);
}
