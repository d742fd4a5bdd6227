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
