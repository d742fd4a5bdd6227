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
