#include "custsim/error.hpp"
#include "custsim/scenario.hpp"
#include "custsim/sweep.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace custsim;

namespace {
std::filesystem::path scenarios() {
    return std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios";
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const auto dir = std::filesystem::temp_directory_path() / "custsim_scenarios";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name) << text;
    return dir / name;
}

/// The message of the ScenarioError that loading `text` throws.
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        parse_scenario(text, "test.yaml", overrides);
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "(no error)";
}
} // namespace

TEST(Scenario, EveryShippedScenarioLoads) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(scenarios())) {
        if (entry.path().extension() == ".yaml") {
            if (is_sweep_file(entry.path())) {
                EXPECT_NO_THROW(load_sweep(entry.path())) << entry.path();
            } else {
                EXPECT_NO_THROW(load_scenario(entry.path())) << entry.path();
            }
            ++count;
        }
    }
    EXPECT_GE(count, 3);
}

TEST(Scenario, ReadsValuesAndKeepsDefaults) {
    const auto s = parse_scenario("days: 30\ndt: 0.5\ngraph: {type: ring_lattice, mean_degree: 4}\n"
                                  "channels: [{name: tv, adoption_rate: 0.01}]\n",
                                  "test.yaml");
    EXPECT_EQ(s.days, 30);
    EXPECT_EQ(s.dt, 0.5);
    EXPECT_EQ(s.steps(), 60u);
    EXPECT_EQ(s.graph.kind, GraphKind::ring_lattice);
    ASSERT_EQ(s.channels.size(), 1u);
    EXPECT_EQ(s.channels[0].adoption_rate, 0.01);
    EXPECT_EQ(s.customers, 100000u);
    EXPECT_TRUE(std::isinf(s.word_of_mouth.buzz_decay_days));
}

TEST(Scenario, UnknownKeyNamesLineAndSuggestsTheNearest) {
    const auto message = error_of("days: 30\nword_of_mouth:\n  rte: 0.1\n");
    EXPECT_NE(message.find("test.yaml:3: word_of_mouth.rte: unknown key; did you mean 'rate'?"),
              std::string::npos)
        << message;
}

TEST(Scenario, OutOfRangeValueNamesLineKeyAndWhatIsAllowed) {
    const auto message =
        error_of("channels:\n  - name: tv\n    adoption_rate: 0.1\n  - name: search\n"
                 "    adoption_rate: -3\n");
    EXPECT_NE(message.find("test.yaml:5: channels[1].adoption_rate: must be a rate per day >= 0, "
                           "got -3"),
              std::string::npos)
        << message;
}

TEST(Scenario, WrongTypesAndChoicesAreExplained) {
    EXPECT_NE(error_of("days: soon\n").find("test.yaml:1: days: must be a number, got 'soon'"),
              std::string::npos);
    const auto choice = error_of("graph:\n  type: smallworld\n");
    EXPECT_NE(choice.find("test.yaml:2: graph.type: must be one of mean_field, ring_lattice"),
              std::string::npos)
        << choice;
    EXPECT_NE(error_of("population: {customers: 2.5}\n").find("must be a whole number"),
              std::string::npos);
    EXPECT_NE(error_of("dt: 0.3\ndays: 1\n").find("days: must be a whole number of steps"),
              std::string::npos);
    const auto syntax = error_of("days: 30\nname: [1\n");
    EXPECT_EQ(syntax.rfind("test.yaml:", 0), 0u) << syntax;
    EXPECT_NE(syntax.find("not valid YAML"), std::string::npos) << syntax;
    EXPECT_NE(error_of("graph: {type: ring_lattice, mean_degree: 5}\n")
                  .find("graph.mean_degree: ring_lattice needs an even whole number"),
              std::string::npos);
    EXPECT_NE(error_of("graph: {type: mean_field}\nseeds: {count: 3, by: degree}\n")
                  .find("seeds.by: a mean_field graph has no ties"),
              std::string::npos);
}

TEST(Scenario, OverridesSetScalarsByPathIndexOrName) {
    const std::string text = "channels:\n  - name: tv\n    adoption_rate: 0.1\n";
    auto s = parse_scenario(text, "test.yaml",
                            {"days=10", "channels.tv.adoption_rate=0.5", "graph.type=mean_field"});
    EXPECT_EQ(s.days, 10);
    EXPECT_EQ(s.channels[0].adoption_rate, 0.5);
    EXPECT_EQ(s.graph.kind, GraphKind::mean_field);
    s = parse_scenario(text, "test.yaml", {"channels[0].adoption_rate=0.25"});
    EXPECT_EQ(s.channels[0].adoption_rate, 0.25);
    EXPECT_NE(error_of(text, {"channels.radio.adoption_rate=1"}).find("has no item named 'radio'"),
              std::string::npos);
    EXPECT_NE(error_of(text, {"word_of_mouth.rat=1"})
                  .find("--set word_of_mouth.rat=1: word_of_mouth.rat: unknown key; did you mean "
                        "'rate'?"),
              std::string::npos)
        << error_of(text, {"word_of_mouth.rat=1"});
    EXPECT_NE(error_of(text, {"days"}).find("expected key.path=value"), std::string::npos);
}

TEST(Scenario, ExtendsInheritsAndOverrides) {
    write_temp("parent.yaml", "name: parent\ndays: 100\nseed: 7\ngraph: {type: ring_lattice, "
                              "mean_degree: 4}\n");
    const auto child = write_temp("child.yaml", "extends: parent.yaml\nname: child\ndays: 50\n"
                                                "graph: {mean_degree: 6}\n");
    const auto s = load_scenario(child);
    EXPECT_EQ(s.name, "child");
    EXPECT_EQ(s.days, 50);
    EXPECT_EQ(s.seed, 7u);
    EXPECT_EQ(s.graph.kind, GraphKind::ring_lattice);
    EXPECT_EQ(s.graph.mean_degree, 6);
    const auto bad = write_temp("bad_child.yaml", "extends: parent.yaml\nseeds: {fraction: 2}\n");
    try {
        load_scenario(bad);
        FAIL() << "no error";
    } catch (const ScenarioError& e) {
        EXPECT_NE(std::string(e.what()).find("bad_child.yaml:2: seeds.fraction: must be between 0 "
                                             "and 1, got 2"),
                  std::string::npos)
            << e.what();
    }
    const auto loop = write_temp("loop.yaml", "extends: loop.yaml\n");
    EXPECT_THROW(load_scenario(loop), ScenarioError);
}

TEST(Scenario, YamlRoundTripGivesTheSameScenario) {
    auto s = load_scenario(scenarios() / "baseline.yaml");
    s.graph.kind = GraphKind::stochastic_block;
    s.seeds.by = SeedRule::pagerank;
    s.dt = 0.1;
    const auto text = to_yaml(s);
    const auto back = parse_scenario(text, "roundtrip.yaml");
    EXPECT_EQ(to_yaml(back), text);
    EXPECT_EQ(back.dt, 0.1);
    EXPECT_EQ(back.word_of_mouth.buzz_decay_days, s.word_of_mouth.buzz_decay_days);
    EXPECT_EQ(back.channels[0].adoption_rate, s.channels[0].adoption_rate);
    EXPECT_EQ(back.seeds.by, SeedRule::pagerank);
}

TEST(Scenario, WholeNumbersAreExactAndInRange) {
    const std::string base = "graph: {type: mean_field}\n";
    EXPECT_EQ(parse_scenario(base + "seed: 18446744073709551615\n", "t").seed,
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(parse_scenario(base + "population: {customers: 1e5}\n", "t").customers, 100000u);
    // 2^64 and beyond used to wrap (or be cast from a double that does not fit).
    for (const char* seed : {"18446744073709551616", "1e20", "18446744073709551617"}) {
        EXPECT_NE(error_of(base + "seed: " + seed + "\n")
                      .find("test.yaml:2: seed: must be a whole number from 0 to "
                            "18446744073709551615, got '" +
                            std::string(seed) + "'"),
                  std::string::npos)
            << error_of(base + "seed: " + seed + "\n");
    }
    EXPECT_NE(
        error_of(base + "seeds: {count: 99999999999999999999}\n").find("seeds.count: must be"),
        std::string::npos);
    // The smallest allowed value is the one printed.
    EXPECT_NE(error_of("replicates: 0\n")
                  .find("replicates: must be a whole number from 1 to 4294967295, got '0'"),
              std::string::npos)
        << error_of("replicates: 0\n");
    EXPECT_NE(error_of("graph: {communities: -2}\n")
                  .find("graph.communities: must be a whole number from 1 to"),
              std::string::npos);
}

TEST(Scenario, MessagesNameTheKindOfValueGiven) {
    EXPECT_NE(error_of("days: [1, 2]\n").find("test.yaml:1: days: must be a number, got a list"),
              std::string::npos)
        << error_of("days: [1, 2]\n");
    EXPECT_NE(error_of("days: {a: 1}\n").find("days: must be a number, got a map"),
              std::string::npos);
    EXPECT_NE(error_of("days:\n").find("days: must be a number, got nothing"), std::string::npos);
    EXPECT_NE(error_of("name: [a]\n").find("name: must be text, got a list"), std::string::npos);
    EXPECT_NE(error_of("replicates: [3]\n").find("got a list"), std::string::npos);
    const auto escaped = error_of("days: \"3\\e[31m\"\n");
    EXPECT_NE(escaped.find("got '3\\x1b[31m'"), std::string::npos) << escaped;
}

TEST(Scenario, SeedsAndAmbassadorsCannotOutnumberCustomers) {
    const std::string base = "population: {customers: 10}\ngraph: {type: mean_field}\n";
    EXPECT_NE(error_of(base + "ambassadors: {count: 11, by: random}\n")
                  .find("test.yaml:3: ambassadors.count: must not exceed customers (10), got 11"),
              std::string::npos)
        << error_of(base + "ambassadors: {count: 11, by: random}\n");
    EXPECT_EQ(
        parse_scenario(base + "ambassadors: {count: 10, by: random}\n", "t").ambassadors.count,
        10u);
    // count + fraction x customers used to wrap past 2^64 and pass.
    EXPECT_NE(error_of(base + "seeds: {count: 18446744073709551615, fraction: 1}\n")
                  .find("seeds.count: count + fraction x customers must not exceed customers"),
              std::string::npos);
    // An edge list's size is known once read: checked then.
    Scenario s;
    s.ambassadors.count = 4;
    EXPECT_NO_THROW(check_graph_size(s, 4));
    EXPECT_THROW(check_graph_size(s, 3), ScenarioError);
    s.ambassadors.count = 0;
    s.seeds.count = 2;
    s.seeds.fraction = 0.5;
    EXPECT_NO_THROW(check_graph_size(s, 4));
    EXPECT_THROW(check_graph_size(s, 3), ScenarioError);
}

TEST(Scenario, RecordEveryIsAtLeastOneStep) {
    const std::string base = "graph: {type: mean_field}\ndays: 10\ndt: 0.5\n";
    EXPECT_NE(error_of(base + "record_every: 1e-300\n").find("test.yaml:4: record_every: must be"),
              std::string::npos)
        << error_of(base + "record_every: 1e-300\n");
    EXPECT_NE(error_of(base + "record_every: 0.25\n").find("record_every: must be"),
              std::string::npos);
    EXPECT_EQ(parse_scenario(base + "record_every: 0.5\n", "t").steps_per_record(), 1u);
    EXPECT_NE(error_of("days: 10\ndt: 1e-300\n").find("days: days / dt must stay below 2^32 steps"),
              std::string::npos);
}

TEST(Scenario, ExtendsNamesARegularTextFile) {
    const auto folder = write_temp("extends_folder.yaml", "extends: /tmp\n");
    const auto device = write_temp("extends_device.yaml", "extends: /dev/zero\n");
    write_temp("binary_parent.yaml", std::string("days: 3\n\x00\x01", 10));
    const auto binary = write_temp("extends_binary.yaml", "extends: binary_parent.yaml\n");
    const auto missing = write_temp("extends_missing.yaml", "name: x\nextends: nowhere.yaml\n");
    auto message_of = [](const std::filesystem::path& path) {
        try {
            load_scenario(path);
        } catch (const ScenarioError& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(message_of(folder).find("extends_folder.yaml:1: extends: /tmp: it is a folder"),
              std::string::npos)
        << message_of(folder);
    EXPECT_NE(message_of(device).find("extends: /dev/zero: it is not a regular file"),
              std::string::npos);
    EXPECT_NE(message_of(binary).find("binary_parent.yaml:2: the control byte \\x00"),
              std::string::npos)
        << message_of(binary);
    EXPECT_NE(message_of(missing).find("extends_missing.yaml:2: extends:"), std::string::npos);
    EXPECT_NE(message_of(missing).find("no such file"), std::string::npos);
}

TEST(Scenario, OverridesCannotReplaceTheRootOrSetExtends) {
    EXPECT_NE(error_of("days: 3\n", {".=1"}).find("--set .=1: '.' is not a key path"),
              std::string::npos)
        << error_of("days: 3\n", {".=1"});
    EXPECT_NE(error_of("days: 3\n", {"days.=5"}).find("'days.' is not a key path"),
              std::string::npos);
    EXPECT_NE(error_of("days: 3\n", {"extends=bass.yaml"}).find("extends: cannot be set"),
              std::string::npos);
    const auto child = write_temp("set_extends.yaml", "days: 3\n");
    EXPECT_THROW(load_scenario(child, {"extends=" + (scenarios() / "bass.yaml").string()}),
                 ScenarioError);
}

TEST(Scenario, ExtendsRefusesANameTwiceInOneList) {
    write_temp("dup_parent.yaml", "channels:\n  - {name: tv, adoption_rate: 0.1}\n");
    const auto child = write_temp("dup_child.yaml", "extends: dup_parent.yaml\nchannels:\n"
                                                    "  - {name: tv, adoption_rate: 0.2}\n"
                                                    "  - {name: tv, adoption_rate: 0.3}\n");
    try {
        load_scenario(child);
        FAIL() << "no error";
    } catch (const ScenarioError& e) {
        EXPECT_NE(std::string(e.what()).find(
                      "dup_child.yaml:4: channels[1].name: 'tv' names two items of channels"),
                  std::string::npos)
            << e.what();
    }
    // The same list without extends: refused too.
    EXPECT_NE(error_of("channels:\n  - {name: tv}\n  - {name: tv}\n").find("names two"),
              std::string::npos);
}

TEST(Scenario, EachRangeIsCheckedWhereTheKeyIsReadAndInCode) {
    const std::string journey = "channels: [{name: tv}]\nbrands: [{name: focal}]\n";
    EXPECT_NE(error_of(journey + "journey: {attention_spread: 4}\n")
                  .find("test.yaml:3: journey.attention_spread: must be from 0 to 3, got 4"),
              std::string::npos);
    EXPECT_NE(error_of(journey + "segments: [{name: all, affinity: {tv: -1}}]\n")
                  .find("test.yaml:3: segments[0].affinity.tv: must be a finite number >= 0, "
                        "got -1"),
              std::string::npos);
    // The same range, for a scenario built in code.
    Scenario s = parse_scenario(journey, "test.yaml");
    s.journey.attention_spread = 4;
    try {
        validate(s);
        ADD_FAILURE() << "no error";
    } catch (const ScenarioError& e) {
        EXPECT_STREQ(e.what(), "journey.attention_spread: must be from 0 to 3, got 4");
    }
    // Never checked before: a mean_field graph's degree (unused, but not negative).
    EXPECT_NE(error_of("graph: {type: mean_field, mean_degree: -1}\n")
                  .find("test.yaml:1: graph.mean_degree: must be a finite number >= 0, got -1"),
              std::string::npos);
}

TEST(Scenario, ARemovedKeyIsRefusedWithItsReason) {
    EXPECT_EQ(error_of("channels:\n  - name: tv\n    kind: paid\n"),
              "test.yaml:3: channels[0].kind: this key was removed because it had no effect on "
              "the model; delete it");
    EXPECT_EQ(error_of("brands:\n  - name: focal\n    service:\n      handle_rate: 5\n"),
              "test.yaml:4: brands[0].service.handle_rate: this key was removed because a "
              "complaint's workload is now counted in contacts; give contacts_per_agent_day and "
              "contacts_per_complaint instead (complaints an agent handles a day = their ratio)");
}

TEST(Scenario, KeysListEveryKeyWithItsDefaultAndRange) {
    const auto keys = scenario_keys();
    const auto find = [&](const std::string& path) {
        for (const auto& key : keys) {
            if (key.path == path) {
                return key;
            }
        }
        return ScenarioKey{};
    };
    EXPECT_EQ(find("brands[].service.it_capacity").allowed, "> 0 or .inf");
    EXPECT_EQ(find("brands[].service.it_capacity").default_value, ".inf");
    EXPECT_EQ(find("segments[].service_expectation").allowed, "0..10");
    EXPECT_EQ(find("replicates").allowed, "whole number 1..2^32-1");
    EXPECT_EQ(find("word_of_mouth.per").allowed, "tie | fraction");
    EXPECT_EQ(find("channels[].kind").path, "");
    EXPECT_EQ(find("events[].kind").default_value, "peak");
}
