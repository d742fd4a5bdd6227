#include "yaml_tree.hpp"

#include "custsim/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace custsim;

namespace {
/// The message of the ScenarioError that `action` throws, or "(no error)".
template <class Action> std::string error_of(Action&& action) {
    try {
        action();
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string parse_error(const std::string& text) {
    return error_of([&] { parse_yaml(text, "t.yaml"); });
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const auto dir = std::filesystem::temp_directory_path() / "custsim_yaml_tree";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
}

std::string nested(int levels) {
    return "x: " + std::string(levels, '[') + std::string(levels, ']') + "\n";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)
} // namespace

TEST(YamlTree, KeepsLinesKeysInOrderAndNulls) {
    const auto root = parse_yaml("b: 1\na:\n  - x\n  - {c: ~}\n", "t.yaml");
    ASSERT_EQ(root.kind, YamlNode::Kind::map);
    ASSERT_EQ(root.members.size(), 2u);
    EXPECT_EQ(root.members[0].first, "b");
    EXPECT_EQ(root.members[1].first, "a");
    const auto* a = root.find("a");
    ASSERT_EQ(a->kind, YamlNode::Kind::sequence);
    EXPECT_EQ(a->items[0].scalar, "x");
    EXPECT_EQ(a->items[0].line, 3);
    EXPECT_EQ(a->items[1].find("c")->kind, YamlNode::Kind::null);
    EXPECT_EQ(a->items[1].where(), "t.yaml:4: ");
    EXPECT_EQ(parse_yaml("", "t.yaml").kind, YamlNode::Kind::null);
}

TEST(YamlTree, AliasesCopyTheAnchoredNode) {
    const auto root = parse_yaml("a: &s {k: 1}\nb: *s\n", "t.yaml");
    ASSERT_EQ(root.find("b")->kind, YamlNode::Kind::map);
    EXPECT_EQ(root.find("b")->find("k")->scalar, "1");
}

TEST(YamlTree, AnAliasInsideItsOwnAnchorIsRefused) {
    // Expanded naively this recursed until the stack overflowed (SIGSEGV).
    EXPECT_CONTAINS(parse_error("a: &a [*a]\n"),
                    "t.yaml:1: the alias *a refers to a node that contains it (a loop)");
    EXPECT_CONTAINS(parse_error("a: &a {b: *a}\n"), "refers to a node that contains it");
}

TEST(YamlTree, BillionLaughsStopAtTheAliasBudget) {
    // Nine levels of nine aliases: 9^9 (387 million) nodes if expanded.
    std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x]\n";
    for (int level = 1; level <= 9; ++level) {
        const auto name = std::to_string(level);
        const auto previous = std::to_string(level - 1);
        text.append("l").append(name).append(": &l").append(name).append(" [");
        for (int i = 0; i < 9; ++i) {
            text.append(i ? ", *l" : "*l").append(previous);
        }
        text += "]\n";
    }
    const auto message = parse_error(text);
    EXPECT_CONTAINS(message, "aliases expand to more than 1 MB of nodes");
    EXPECT_EQ(message.rfind("t.yaml:", 0), 0u) << message;
}

TEST(YamlTree, NestingIsLimitedTo64LevelsAliasesIncluded) {
    // 63 brackets under the top-level map: 64 levels, the most allowed.
    EXPECT_EQ(parse_yaml(nested(max_yaml_depth - 1), "t.yaml").kind, YamlNode::Kind::map);
    EXPECT_CONTAINS(parse_error(nested(max_yaml_depth)),
                    "t.yaml:1: lists and maps nest deeper than 64 levels");
    // Deep enough that yaml-cpp itself used to give up with "bad file".
    EXPECT_CONTAINS(parse_error(nested(20000)), "nest deeper than 64 levels");
    const std::string half = std::string(40, '[') + std::string(40, ']');
    EXPECT_CONTAINS(parse_error("a: &a " + half + "\nb: [" + std::string(30, '[') + "*a" +
                                std::string(31, ']') + "\n"),
                    "t.yaml:2: the alias *a nests deeper than 64 levels");
}

TEST(YamlTree, ManyKeysAreReadInLinearTime) {
    // Four times the keys take about four times as long if lookups are linear, sixteen times if
    // quadratic (which once took over a minute for 100 000 keys). A ratio, not a time limit, so a
    // slow or sanitised build passes as well; the fastest of three runs of each size.
    const auto seconds = [](int keys) {
        std::string text = "m:\n";
        for (int i = 0; i < keys; ++i) {
            text += "  k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
        }
        text += "  k77: again\n";
        double fastest = 1e300;
        for (int run = 0; run < 3; ++run) {
            const auto start = std::chrono::steady_clock::now();
            const auto message = parse_error(text);
            fastest = std::min(
                fastest,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            EXPECT_CONTAINS(message, "t.yaml:" + std::to_string(keys + 2) +
                                         ": k77: appears twice in one map");
        }
        return fastest;
    };
    const double small = seconds(25000), large = seconds(100000);
    EXPECT_LT(large, 9 * small) << "25 000 keys: " << small << " s; 100 000 keys: " << large
                                << " s";
}

TEST(YamlTree, ASecondDocumentIsRefused) {
    EXPECT_CONTAINS(parse_error("days: 3\n---\ndays: 4\n"),
                    "t.yaml:2: a second YAML document (after ---); a file holds one document");
    EXPECT_EQ(parse_yaml("---\ndays: 3\n...\n", "t.yaml").find("days")->scalar, "3");
}

TEST(YamlTree, OnlyStandardTagsThatFitTheirValue) {
    EXPECT_CONTAINS(parse_error("days: !foo 3\n"), "t.yaml:1: the tag '!foo' is not allowed");
    EXPECT_CONTAINS(parse_error("days: !!binary aGk=\n"), "the tag 'tag:yaml.org,2002:binary'");
    EXPECT_CONTAINS(parse_error("a: !!int abc\n"), "the tag !!int does not fit 'abc'");
    EXPECT_CONTAINS(parse_error("a: !!seq {b: 1}\n"), "the tag !!seq does not fit a map");
    EXPECT_CONTAINS(parse_error("a: !!null 3\n"), "the tag !!null does not fit '3'");
    const auto root = parse_yaml(
        "a: !!str 3\nb: !!float 1.5\nc: !!int -2\nd: !!bool true\ne: !!seq [1]\nf: !!null ''\n",
        "t.yaml");
    EXPECT_EQ(root.find("a")->scalar, "3");
    EXPECT_EQ(root.find("e")->kind, YamlNode::Kind::sequence);
    EXPECT_EQ(root.find("f")->kind, YamlNode::Kind::null);
}

TEST(YamlTree, KeysAreNamesOnce) {
    EXPECT_CONTAINS(parse_error("a: 1\na: 2\n"), "t.yaml:2: a: appears twice in one map");
    EXPECT_CONTAINS(parse_error("[a]: 1\n"), "a key must be a name, not a list");
    EXPECT_CONTAINS(parse_error("? {a: 1}\n: 2\n"), "a key must be a name, not a map");
}

TEST(YamlTree, ReadsOnlyRegularTextFilesOfBoundedSize) {
    EXPECT_CONTAINS(error_of([] { read_yaml_file("/dev/zero"); }),
                    "/dev/zero: cannot open the scenario file: it is not a regular file");
    const auto folder = std::filesystem::temp_directory_path();
    EXPECT_CONTAINS(error_of([&] { read_yaml_file(folder); }), "it is a folder, not a file");
    EXPECT_CONTAINS(error_of([] { read_yaml_file("/no/such/file.yaml"); }),
                    "/no/such/file.yaml: cannot open the scenario file: no such file");
    const auto binary = write_temp("binary.yaml", std::string("a: 1\nb: \x00\x01\x02", 10));
    EXPECT_CONTAINS(error_of([&] { read_yaml_file(binary); }),
                    "binary.yaml:2: the control byte \\x00 is not allowed in a YAML text file");
    const auto big = write_temp("big.yaml", "");
    std::filesystem::resize_file(big, max_yaml_file_bytes + 1);
    EXPECT_CONTAINS(error_of([&] { read_yaml_file(big); }),
                    "it has 16 MB; a YAML file here may have at most 16 MB");
    std::filesystem::remove(big);
    // ENAMETOOLONG: a refusal naming the problem, the name shortened.
    const auto long_name = folder / (std::string(5000, 'a') + ".yaml");
    const auto message = error_of([&] { read_yaml_file(long_name); });
    EXPECT_CONTAINS(message, " characters): cannot open the scenario file: File name too long");
    EXPECT_LT(message.size(), 400u);
}

TEST(YamlTree, ControlBytesInMessagesAreEscaped) {
    const auto message = parse_error("\"k\\e[2J\\x01\": 1\n\"k\\e[2J\\x01\": 2\n");
    EXPECT_CONTAINS(message, "k\\x1b[2J\\x01: appears twice");
    EXPECT_EQ(message.find('\x1b'), std::string::npos);
    EXPECT_EQ(printable("a\tb\nc\x7f\xc3\xa9"), "a\\tb\\nc\\x7f\xc3\xa9"); // UTF-8 stays
}

TEST(YamlTree, OverridePathsAreNamesDotsAndDecimalIndices) {
    auto root = parse_yaml("days: 3\nbrands: [{name: a, price: 1}, {name: b, price: 2}]\n", "t");
    apply_override(root, "brands[1].price=5");
    apply_override(root, "brands.a.price=6");
    apply_override(root, "graph.type=ring_lattice");
    EXPECT_EQ(root.find("brands")->items[1].find("price")->scalar, "5");
    EXPECT_EQ(root.find("brands")->items[0].find("price")->scalar, "6");
    EXPECT_EQ(root.find("graph")->find("type")->scalar, "ring_lattice");
    for (const char* bad :
         {"days.=5", ".=1", "..=1", "a..b=1", "brands[0x1].price=1", "brands[-1].price=1",
          "brands[].price=1", "brands[1.price=1", "brands]1[.price=1", "[0]=1", "brands[1]price=1",
          "brands[99999999999999999999999].price=1"}) {
        const auto message = error_of([&] { apply_override(root, bad); });
        EXPECT_CONTAINS(message, "is not a key path");
        EXPECT_EQ(message.rfind("--set " + std::string(bad) + ": ", 0), 0u) << message;
    }
    EXPECT_CONTAINS(error_of([&] { apply_override(root, "extends=other.yaml"); }),
                    "--set extends=other.yaml: extends: cannot be set with --set");
    EXPECT_CONTAINS(error_of([&] { apply_override(root, "brands[2].price=1"); }),
                    "brands: has no item [2]");
    EXPECT_EQ(root.find("days")->scalar, "3"); // nothing changed by the refusals
}

TEST(YamlTree, OverridesAddressFlightsByChannelAndListNamesWhenUnknown) {
    auto root = parse_yaml("brands:\n  - name: focal\n    media:\n"
                           "      - {channel: tv, spend_per_day: 60, market: home}\n"
                           "      - {channel: search, spend_per_day: 40}\n"
                           "      - {channel: tv, spend_per_day: 20, market: abroad}\n",
                           "t");
    apply_override(root, "brands.focal.media.search.spend_per_day=80");
    apply_override(root, "brands[0].media.search.from=7");
    const auto& media = root.find("brands")->items[0].find("media")->items;
    EXPECT_EQ(media[1].find("spend_per_day")->scalar, "80");
    EXPECT_EQ(media[1].find("from")->scalar, "7");
    // Two flights on tv: refused, naming both positions and their markets; nothing changes.
    const auto twice =
        error_of([&] { apply_override(root, "brands.focal.media.tv.spend_per_day=1"); });
    EXPECT_CONTAINS(twice, "--set brands.focal.media.tv.spend_per_day=1: brands.focal.media.tv: 2 "
                           "flights are on channel 'tv'");
    EXPECT_CONTAINS(twice, "brands.focal.media[0] (market home), brands.focal.media[2] (market "
                           "abroad)");
    EXPECT_EQ(media[0].find("spend_per_day")->scalar, "60");
    EXPECT_CONTAINS(error_of([&] { apply_override(root, "brands.focal.media.radio.from=1"); }),
                    "brands.focal.media: has no flight on channel 'radio' (its flights are on: "
                    "tv, search)");
    EXPECT_CONTAINS(error_of([&] { apply_override(root, "brands.rival.price=1"); }),
                    "brands: has no item named 'rival' (names: focal)");
}

TEST(YamlTree, MergeRefusesANameTwiceInOneList) {
    auto base = parse_yaml("channels: [{name: tv, cpm: 1}, {name: search, cpm: 2}]\n", "p");
    const auto over =
        parse_yaml("channels:\n  - {name: tv, cpm: 3}\n  - {name: tv, cpm: 4}\n", "c.yaml");
    EXPECT_CONTAINS(error_of([&] { merge_yaml(base, over); }),
                    "c.yaml:3: channels[1].name: 'tv' names two items of channels");
    const auto good = parse_yaml("channels: [{name: radio}, {name: tv, cpm: 5}]\n", "c.yaml");
    merge_yaml(base, good);
    const auto& channels = base.find("channels")->items;
    ASSERT_EQ(channels.size(), 3u);
    EXPECT_EQ(channels[0].find("cpm")->scalar, "5");
    EXPECT_EQ(channels[2].find("name")->scalar, "radio");
}
