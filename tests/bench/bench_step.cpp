// Google Benchmark of the step loop: the journey baseline, per-tie Bass on a Watts-Strogatz
// graph, and mean field.
#include "custsim/rng.hpp"
#include "custsim/simulation.hpp"

#include <benchmark/benchmark.h>

#include <array>

using namespace custsim;

namespace {
Scenario bench_scenario(std::uint32_t customers, GraphKind kind) {
    Scenario s;
    s.customers = customers;
    s.days = 1000000; // stepped by the benchmark, never run to the end
    s.record_every = 1;
    s.graph.kind = kind;
    s.graph.mean_degree = 10;
    s.channels = {Channel{"ads", 1e-5}};
    s.word_of_mouth.rate = 1e-5;
    return s;
}

/// Steps one replicate of `s` on range(1) threads; counts agent-steps and edge reads per second.
void time_steps(benchmark::State& state, const Scenario& s,
                std::uint16_t processes = all_step_processes) {
    const auto graph = build_graph(s);
    Simulation sim(s, graph, 0, static_cast<int>(state.range(1)));
    sim.set_processes(processes);
    for (auto _ : state) {
        sim.step();
    }
    state.counters["agent_steps/s"] =
        benchmark::Counter(double(sim.work().agent_steps), benchmark::Counter::kIsRate);
    state.counters["edge_reads/s"] =
        benchmark::Counter(double(sim.work().edge_reads), benchmark::Counter::kIsRate);
}

void step_loop(benchmark::State& state, GraphKind kind) {
    time_steps(state, bench_scenario(static_cast<std::uint32_t>(state.range(0)), kind));
}

/// scenarios/baseline.yaml (the journey model) at range(0) customers, mean degree 20.
void journey_step(benchmark::State& state) {
    time_steps(state, load_scenario(std::string(CUSTSIM_SOURCE_DIR) + "/scenarios/baseline.yaml",
                                    {"population.customers=" + std::to_string(state.range(0)),
                                     "graph.mean_degree=20", "days=1000000", "replicates=1"}));
}

/// The journey step without the processes in range(2) (step_processes bits, 0 for none): what a
/// process costs is the whole step's time minus the time without it.
void journey_without(benchmark::State& state) {
    const auto s = load_scenario(std::string(CUSTSIM_SOURCE_DIR) + "/scenarios/baseline.yaml",
                                 {"population.customers=" + std::to_string(state.range(0)),
                                  "graph.mean_degree=20", "days=1000000", "replicates=1"});
    const auto left_out = static_cast<std::uint16_t>(state.range(2));
    time_steps(state, s, std::uint16_t(all_step_processes & ~left_out));
}

/// journey_without for nothing, each switchable process in the schedule, and all of them (what
/// remains then is the skeleton: reach classes, voices, stages and tallies).
void journey_without_arguments(benchmark::internal::Benchmark* b) {
    b->Args({1000000, 2, 0});
    for (const auto& process : step_processes) {
        if (process.bit) {
            b->Args({1000000, 2, process.bit});
        }
    }
    b->Args({1000000, 2, all_step_processes});
}

/// The counter-based draws every process takes: a fresh stream per customer, two uniforms.
void philox_draws(benchmark::State& state) {
    std::uint32_t customer = 0;
    double sum = 0;
    for (auto _ : state) {
        Draws draws({1, 0}, 7, Process::journey, customer++);
        sum += draws.uniform() + draws.uniform();
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations());
}

/// The step's batched first blocks: three streams of eight customers per fill (items: blocks).
void philox_first_blocks(benchmark::State& state) {
    const std::array<Process, 3> streams{Process::exposure, Process::word_of_mouth,
                                         Process::journey};
    std::uint32_t customer = 0;
    std::uint32_t sum = 0;
    FirstBlocks blocks;
    for (auto _ : state) {
        blocks.fill({1, 0}, 7, streams, customer);
        customer += FirstBlocks::customers;
        sum += blocks.block(2, 7).v[3];
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations() * streams.size() * FirstBlocks::customers);
}

void graph_build(benchmark::State& state) {
    const auto s =
        bench_scenario(static_cast<std::uint32_t>(state.range(0)), GraphKind::watts_strogatz);
    for (auto _ : state) {
        benchmark::DoNotOptimize(build_graph(s));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
} // namespace

BENCHMARK_CAPTURE(step_loop, per_tie_watts_strogatz, GraphKind::watts_strogatz)
    ->ArgsProduct({{100000, 1000000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(step_loop, mean_field, GraphKind::mean_field)
    ->ArgsProduct({{1000000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(journey_step)
    ->ArgsProduct({{1000000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(journey_without)
    ->Apply(journey_without_arguments)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(philox_draws);
BENCHMARK(philox_first_blocks);
BENCHMARK(graph_build)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
