#include "custsim/error.hpp"
#include "custsim/run.hpp"
#include "custsim/simulation.hpp"

#include <gtest/gtest.h>

#include <set>

#include <cmath>
#include <cstring>
#include <filesystem>

using namespace custsim;

namespace {
Scenario small_network(std::uint32_t customers = 20000) {
    Scenario s;
    s.customers = customers;
    s.days = 60;
    s.replicates = 2;
    s.graph.kind = GraphKind::watts_strogatz;
    s.graph.mean_degree = 8;
    s.channels = {Channel{"tv", 0.002}};
    s.word_of_mouth.rate = 0.02;
    s.word_of_mouth.buzz_decay_days = 30;
    s.seeds.count = 20;
    return s;
}

/// FNV-1a over all of a run's numbers, so a one-bit difference anywhere shows.
std::uint64_t fingerprint(const Results& r) {
    std::uint64_t hash = 1469598103934665603ull;
    auto add = [&](const void* data, std::size_t bytes) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < bytes; ++i) {
            hash = (hash ^ p[i]) * 1099511628211ull;
        }
    };
    for (const auto& [name, values] : r.timeseries) {
        add(name.data(), name.size());
        add(values.data(), values.size() * sizeof(double));
    }
    return hash;
}

std::int64_t count_stage(const Simulation& sim, Stage stage) {
    const auto column = sim.column("stage").as<std::uint8_t>();
    return std::count(column.begin(), column.end(), static_cast<std::uint8_t>(stage));
}
} // namespace

TEST(Simulation, IdenticalResultsForOneTwoAndFourThreads) {
    for (auto kind : {GraphKind::watts_strogatz, GraphKind::mean_field}) {
        auto s = small_network();
        s.graph.kind = kind;
        s.seeds.by = SeedRule::random;
        const auto graph = build_graph(s);
        const auto one = run_scenario(s, 1, {}, graph);
        const auto two = run_scenario(s, 2, {}, graph);
        const auto four = run_scenario(s, 4, {}, graph);
        EXPECT_EQ(fingerprint(one), fingerprint(two)) << to_string(kind);
        EXPECT_EQ(fingerprint(one), fingerprint(four)) << to_string(kind);
        EXPECT_GT(one.final.at("adopted")[0], 100) << "the run must do something to compare";
        // And the customers' own columns, bit for bit.
        Simulation a(s, graph, 1, 1), b(s, graph, 1, 4);
        for (int day = 0; day < 40; ++day) {
            a.step();
            b.step();
        }
        const auto stage_a = a.column("stage").as<std::uint8_t>();
        const auto stage_b = b.column("stage").as<std::uint8_t>();
        EXPECT_TRUE(std::equal(stage_a.begin(), stage_a.end(), stage_b.begin()));
        const auto talk_a = a.column("talk").as<float>(), talk_b = b.column("talk").as<float>();
        EXPECT_EQ(0, std::memcmp(talk_a.data(), talk_b.data(), talk_a.size_bytes()));
    }
}

TEST(Simulation, ReplicatesDifferAndSeedsChangeTheRun) {
    auto s = small_network();
    const auto r = run_scenario(s);
    EXPECT_NE(r.final.at("adopted")[0], r.final.at("adopted")[1]);
    s.seed = 2;
    const auto other = run_scenario(s);
    EXPECT_NE(fingerprint(r), fingerprint(other));
}

TEST(Simulation, NoSpendAndNoSeedsGiveNoAdoption) {
    auto s = small_network();
    s.channels[0].adoption_rate = 0;
    s.seeds.count = 0;
    const auto r = run_scenario(s);
    for (double v : r.timeseries.at("adopted")) {
        ASSERT_EQ(v, 0.0);
    }
}

TEST(Simulation, KpisMatchTheCustomerColumns) {
    const auto s = small_network();
    Simulation sim(s, build_graph(s));
    EXPECT_EQ(sim.kpis().customers, 20);
    for (int day = 0; day < 30; ++day) {
        sim.step();
    }
    EXPECT_EQ(sim.kpis().customers, count_stage(sim, Stage::customer));
    EXPECT_EQ(sim.kpis().adopted, sim.kpis().adopted_by_ads + sim.kpis().adopted_by_wom + 20);
    EXPECT_DOUBLE_EQ(sim.day(), 30.0);
}

TEST(Simulation, AttributionFollowsTheSourceOfTheHazard) {
    auto s = small_network();
    s.word_of_mouth.rate = 0;
    auto r = run_scenario(s);
    EXPECT_EQ(r.final.at("adopted_by_wom")[0], 0.0);
    EXPECT_GT(r.final.at("adopted_by_ads")[0], 0.0);
    s = small_network();
    s.channels[0].adoption_rate = 0;
    r = run_scenario(s);
    EXPECT_EQ(r.final.at("adopted_by_ads")[0], 0.0);
    EXPECT_GT(r.final.at("adopted_by_wom")[0], 0.0);
}

TEST(Simulation, BuzzDecaySlowsWordOfMouth) {
    auto s = small_network();
    s.channels[0].adoption_rate = 0.0005;
    s.word_of_mouth.buzz_decay_days = forever;
    const auto lasting = run_scenario(s);
    s.word_of_mouth.buzz_decay_days = 5;
    const auto fading = run_scenario(s);
    // Same seed, same draws: the fading run can only adopt less at every point.
    const auto& a = lasting.timeseries.at("adopted");
    const auto& b = fading.timeseries.at("adopted");
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_LE(b[i], a[i]) << "point " << i;
    }
    EXPECT_LT(fading.final.at("adopted")[0], 0.8 * lasting.final.at("adopted")[0]);
}

TEST(Simulation, SeedsByDegreeAreTheHubs) {
    Scenario s;
    s.customers = 5000;
    s.graph.kind = GraphKind::barabasi_albert;
    s.graph.mean_degree = 4;
    s.seeds.count = 10;
    s.seeds.by = SeedRule::degree;
    const auto graph = build_graph(s);
    Simulation sim(s, graph);
    std::vector<std::uint32_t> degrees;
    std::uint32_t smallest_seed_degree = ~0u;
    for (std::uint32_t v = 0; v < graph->num_customers(); ++v) {
        degrees.push_back(graph->degree(v));
        if (sim.column("stage").as<std::uint8_t>()[v] == std::uint8_t(Stage::customer)) {
            smallest_seed_degree = std::min(smallest_seed_degree, graph->degree(v));
        }
    }
    std::sort(degrees.rbegin(), degrees.rend());
    EXPECT_EQ(count_stage(sim, Stage::customer), 10);
    EXPECT_EQ(smallest_seed_degree, degrees[9]);
    for (auto rule : {SeedRule::pagerank, SeedRule::core_number, SeedRule::random}) {
        s.seeds.by = rule;
        EXPECT_EQ(count_stage(Simulation(s, graph), Stage::customer), 10);
    }
}

TEST(Simulation, EdgeListScenarioUsesTheFileForThePopulation) {
    Scenario s;
    s.graph.kind = GraphKind::edge_list;
    s.graph.path = std::filesystem::path(CUSTSIM_SOURCE_DIR) / "data/facebook_combined.txt.gz";
    s.days = 10;
    s.channels = {Channel{"tv", 0.01}};
    const auto r = run_scenario(s);
    EXPECT_EQ(r.population, 4039u);
    EXPECT_GT(r.final.at("adopted")[0], 0);
}

TEST(Simulation, ColumnRegistryNamesTypesAndMemory) {
    const auto s = small_network();
    Simulation bass(s, build_graph(s));
    std::uint64_t bytes = 0;
    std::set<std::string_view> names;
    for (const auto& column : bass.columns()) {
        bytes += column.bytes;
        EXPECT_TRUE(names.insert(column.name).second) << column.name;
        EXPECT_EQ(column.customers, s.customers) << column.name;
    }
    EXPECT_EQ(bass.memory_bytes(), bytes);
    EXPECT_EQ(names, (std::set<std::string_view>{"stage", "adopted_day", "talk", "next_talk"}))
        << "the instant funnel holds no journey columns";
    EXPECT_EQ(bass.column("talk").as<float>().size(), s.customers);
    EXPECT_THROW(bass.column("talk").as<std::uint8_t>(), std::invalid_argument);
    try {
        bass.column("recall");
        ADD_FAILURE() << "no recall in the instant funnel";
    } catch (const std::out_of_range& e) {
        EXPECT_NE(std::string(e.what()).find("stage, adopted_day, talk"), std::string::npos)
            << e.what();
    }
}

TEST(RunLoop, AnObserverSeesTheRunEveryNDaysAndCanStopIt) {
    auto s = small_network(4000);
    s.replicates = 2;
    const auto graph = build_graph(s);
    std::vector<double> seen;
    Observer watch{7, [&](std::uint32_t replicate, Simulation& sim) {
                       if (replicate == 0) {
                           seen.push_back(sim.day());
                       }
                       return true;
                   }};
    const auto watched = run_scenario(s, 2, {}, graph, watch);
    EXPECT_EQ(seen, (std::vector<double>{0, 7, 14, 21, 28, 35, 42, 49, 56}));
    const auto plain = run_scenario(s, 2, {}, graph);
    EXPECT_EQ(watched.timeseries, plain.timeseries) << "watching changes nothing";

    Observer stop{1, [](std::uint32_t, Simulation& sim) { return sim.day() < 10; }};
    const auto stopped = run_scenario(s, 2, {}, graph, stop);
    ASSERT_EQ(stopped.points(), 11u) << "days 0..10 recorded, then stopped";
    EXPECT_EQ(stopped.time.back(), 10);
    for (std::uint32_t r = 0; r < 2; ++r) {
        for (std::size_t p = 0; p < 11; ++p) {
            EXPECT_EQ(stopped.at("adopted", r, p), plain.at("adopted", r, p));
        }
        EXPECT_EQ(stopped.final.at("adopted")[r], plain.at("adopted", r, 10));
    }
}

TEST(Simulation, GraphTieStrengthPicksHowStrongTiesAreChosen) {
    const auto scenario = [](const std::string& rule) {
        return load_scenario(std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios/baseline.yaml",
                             {"population.customers=5000", "graph.tie_strength=" + rule});
    };
    const auto flags = [](const SocialGraph& g) {
        std::vector<std::uint8_t> out;
        for (std::uint32_t v = 0; v < g.num_customers(); ++v) {
            const auto s = g.strong_ties(v);
            out.insert(out.end(), s.begin(), s.end());
        }
        return out;
    };
    const Scenario random = scenario("random"), by_overlap = scenario("embeddedness");
    EXPECT_EQ(random.graph.tie_strength, TieStrength::random);
    EXPECT_EQ(by_overlap.graph.tie_strength, TieStrength::embeddedness);
    auto expected = SocialGraph::generate(by_overlap.graph, 5000, by_overlap.seed);
    expected.set_strong_ties_by_overlap(by_overlap.graph.strong_fraction, by_overlap.seed);
    EXPECT_EQ(flags(*build_graph(by_overlap)), flags(expected));
    expected.set_strong_ties(random.graph.strong_fraction, random.seed);
    EXPECT_EQ(flags(*build_graph(random)), flags(expected));
    EXPECT_NE(flags(*build_graph(random)), flags(*build_graph(by_overlap)));
    EXPECT_THROW(scenario("closeness"), ScenarioError);
}
