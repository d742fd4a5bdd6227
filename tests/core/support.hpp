#pragma once
// What the core tests share: the scenario library scaled down, means over replicates, the
// binomial check, and a hand-made market in which journey processes run one customer at a time.
#include "custsim/batch.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include "journey/build.hpp"
#include "journey/context.hpp"
#include "journey/start.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

namespace custsim::test {

inline std::filesystem::path scenarios() {
    return std::filesystem::path(CUSTSIM_SOURCE_DIR) / "scenarios";
}

/// A library scenario scaled down for tests: 20 000 customers, 180 days, 4 replicates, and the
/// sample its own market (`population.represents=0`): the mechanism tests see the scenario's
/// budgets and capacities at full strength. Tests of the market a file stands for set
/// `population.represents` back in `more`.
inline Scenario small(const std::string& file, const std::vector<std::string>& more = {}) {
    std::vector<std::string> overrides = {"population.customers=20000", "days=180", "replicates=4",
                                          "population.represents=0"};
    overrides.insert(overrides.end(), more.begin(), more.end());
    return load_scenario(scenarios() / file, overrides);
}

/// A stand-in for the MPI runner of custsim calibrate and optimise (core/cli/ranks.cpp) in one
/// process: task i belongs to "rank" i % ranks, the ranks run their shares one after another,
/// last rank first, each on `threads` threads, and the numbers are put back in index order.
inline BatchRunner dealt_runner(int ranks, int threads) {
    return [ranks, threads](std::int64_t count, const BatchTask& task) {
        std::vector<std::vector<double>> out(static_cast<std::size_t>(count));
        for (int rank = ranks - 1; rank >= 0; --rank) {
            std::vector<std::int64_t> mine;
            for (std::int64_t i = rank; i < count; i += ranks) {
                mine.push_back(i);
            }
            const auto numbers =
                run_on_threads(std::int64_t(mine.size()), threads, [&](std::int64_t j, int each) {
                    return task(mine[std::size_t(j)], each);
                });
            for (std::size_t j = 0; j < mine.size(); ++j) {
                out[std::size_t(mine[j])] = numbers[j];
            }
        }
        return out;
    };
}

/// A KPI's final value, mean over replicates.
inline double mean_final(const Results& r, const std::string& kpi) {
    const auto& v = r.final.at(kpi);
    return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

/// |observed / n - p| within four binomial standard errors over n trials.
inline void expect_share(double observed, double p, double n, const std::string& what) {
    EXPECT_NEAR(observed / n, p, 4 * std::sqrt(p * (1 - p) / n)) << what;
}

/// A two-brand market of `n` customers on a mean-field graph, with `channels` each reaching
/// everyone: its tables, columns and one step's context. `adjust` changes the scenario before the
/// tables are built.
struct Room {
    Scenario s;
    std::shared_ptr<const SocialGraph> graph;
    std::unique_ptr<JourneyTables> model;
    Customers columns;
    std::vector<std::uint64_t> lanes, next_lanes;
    std::array<float, 2> recall{}, knowledge{}, attitude{};
    JourneyTally tally;
    StreamKey key;
    std::uint16_t reach = 0;

    Room(std::uint32_t n, std::vector<Channel> channels,
         const std::function<void(Scenario&)>& adjust = {}, StreamKey stream = {7, 0})
        : key(stream), reach(std::uint16_t((1u << channels.size()) - 1)) {
        s.customers = n;
        s.graph.kind = GraphKind::mean_field;
        s.channels = std::move(channels);
        Brand focal, rival;
        focal.name = "focal";
        rival.name = "rival";
        s.brands = {focal, rival};
        if (adjust) {
            adjust(s);
        }
        graph = build_graph(s);
        model = build_journey_tables(s, n);
        allocate_columns(columns, n, 2);
        columns.reachable.assign(n, reach);
        lanes.assign(n, 0);
        next_lanes.assign(n, 0);
        tally.reach_count.assign(2 * reach_classes, 0);
    }
    StepContext context(std::uint32_t step = 3) {
        StepContext x = make_context(s, *model, *graph, columns, key, step, all_step_processes);
        x.heard_lanes = lanes.data();
        x.next_lanes = next_lanes.data();
        return x;
    }
    /// Customer i of market 0 and segment 0, aware of nothing, with no brand.
    Customer customer(std::uint32_t i = 0, std::uint8_t flags = 0) {
        Customer c;
        c.id = i;
        c.market = &model->market[0];
        c.segment = &model->segment[0];
        c.reachable = reach;
        c.flags = flags;
        recall = {};
        knowledge = {};
        attitude = {};
        c.recall = recall.data();
        c.knowledge = knowledge.data();
        c.attitude = attitude.data();
        return c;
    }
};

} // namespace custsim::test
