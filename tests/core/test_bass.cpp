// MODEL.md section 7: the Bass limit, network Bass and the network bound.
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include "bass_case.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

using namespace custsim;
using test::bass_closed_form;

namespace {
std::filesystem::path scenario_file(const char* name) {
    return std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios" / name;
}

} // namespace

TEST(Bass, MeanFieldMatchesTheClosedFormWithinOnePointFive) {
    const auto s = load_scenario(scenario_file("bass.yaml"));
    ASSERT_EQ(s.graph.kind, GraphKind::mean_field);
    const auto r = run_scenario(s);
    const double p = 0.03, q = 0.38, n = double(r.population);
    double worst = 0;
    for (std::size_t i = 0; i < r.points(); ++i) {
        const double error =
            std::abs(r.at("adopted", 0, i) / n - bass_closed_form(p, q, r.time[i]));
        worst = std::max(worst, error);
    }
    EXPECT_LT(worst, 0.015);
    // The peak of adoptions sits at t* = ln(q/p) / (p + q) = 6.19 days.
    std::size_t peak = 1;
    for (std::size_t i = 1; i < r.points(); ++i) {
        const double rise = r.at("adopted", 0, i) - r.at("adopted", 0, i - 1);
        if (rise > r.at("adopted", 0, peak) - r.at("adopted", 0, peak - 1)) {
            peak = i;
        }
    }
    EXPECT_NEAR(r.time[peak] - 0.25, std::log(q / p) / (p + q), 0.75);
}

TEST(Bass, WithoutWordOfMouthAdoptionIsExponential) {
    const auto s = load_scenario(scenario_file("bass.yaml"), {"word_of_mouth.rate=0"});
    const auto r = run_scenario(s);
    for (std::size_t i = 0; i < r.points(); ++i) {
        ASSERT_NEAR(r.at("adopted", 0, i) / double(r.population), 1 - std::exp(-0.03 * r.time[i]),
                    0.015)
            << "t = " << r.time[i];
    }
}

TEST(Bass, WithoutAdsOrSeedsNobodyAdopts) {
    const auto s = load_scenario(scenario_file("bass.yaml"), {"channels[0].adoption_rate=0"});
    const auto r = run_scenario(s);
    EXPECT_EQ(r.final.at("adopted")[0], 0.0);
}

TEST(Bass, PerTieAdoptionProbabilityIsOneMinusProductOfMisses) {
    // 1 - (1-p)(1-q)^k per step of one day, counted customer by customer on a small graph.
    const double p = 0.05, q = 0.1;
    const auto s = load_scenario(scenario_file("bass_network.yaml"),
                                 {"population.customers=20000", "seeds.fraction=0.3",
                                  "channels[0].adoption_rate=" + std::to_string(-std::log1p(-p)),
                                  "word_of_mouth.rate=" + std::to_string(-std::log1p(-q))});
    ASSERT_EQ(s.word_of_mouth.per, WomPer::tie);
    const auto graph = build_graph(s);
    std::map<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>> tried_adopted; // by k
    for (std::uint32_t replicate = 0; replicate < 12; ++replicate) {
        Simulation sim(s, graph, replicate);
        const auto stage = sim.column("stage").as<std::uint8_t>();
        const std::vector<std::uint8_t> before(stage.begin(), stage.end());
        sim.step();
        const auto after = sim.column("stage").as<std::uint8_t>();
        for (std::uint32_t v = 0; v < graph->num_customers(); ++v) {
            if (before[v] == std::uint8_t(Stage::customer)) {
                continue;
            }
            std::uint32_t k = 0;
            for (auto u : graph->neighbours(v)) {
                k += before[u] == std::uint8_t(Stage::customer);
            }
            auto& [tried, adopted] = tried_adopted[k];
            ++tried;
            adopted += after[v] == std::uint8_t(Stage::customer);
        }
    }
    int checked = 0;
    for (const auto& [k, counts] : tried_adopted) {
        const auto [tried, adopted] = counts;
        if (tried < 2000) {
            continue;
        }
        const double expected = 1 - (1 - p) * std::pow(1 - q, k);
        const double sd = std::sqrt(expected * (1 - expected) / double(tried));
        EXPECT_NEAR(double(adopted) / double(tried), expected, 4.5 * sd) << "k = " << k;
        ++checked;
    }
    EXPECT_GE(checked, 5);
}

TEST(Bass, NetworkBoundRingLatticeSlowestMeanFieldFastest) {
    // With q on the fraction of adopted neighbours, no graph adopts faster than mean field and a
    // ring lattice is slowest (Fibich & Gibori 2010).
    auto s = load_scenario(scenario_file("bass_network.yaml"),
                           {"population.customers=50000", "days=40", "word_of_mouth.per=fraction",
                            "word_of_mouth.rate=0.4", "replicates=2"});
    auto adopted_under = [&](GraphKind kind) {
        s.graph.kind = kind;
        const auto r = run_scenario(s);
        std::vector<double> mean(r.points());
        for (std::uint32_t rep = 0; rep < r.replicates; ++rep) {
            for (std::size_t i = 0; i < r.points(); ++i) {
                mean[i] += r.at("adopted", rep, i) / double(r.population) / r.replicates;
            }
        }
        return mean;
    };
    const auto ring = adopted_under(GraphKind::ring_lattice);
    const auto small_world = adopted_under(GraphKind::watts_strogatz);
    const auto mean_field = adopted_under(GraphKind::mean_field);
    for (std::size_t i = 0; i < ring.size(); ++i) {
        EXPECT_LE(ring[i], small_world[i] + 0.003) << "day " << i;
        EXPECT_LE(small_world[i], mean_field[i] + 0.003) << "day " << i;
    }
    // And the gaps are real, not noise: at day 20 each is clearly behind.
    EXPECT_GT(mean_field[20] - ring[20], 0.05);
    EXPECT_GT(small_world[20] - ring[20], 0.01);
}
