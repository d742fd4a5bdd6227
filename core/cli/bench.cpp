// custsim bench: time the step loop, agent-steps and edge reads per second per thread count.
#include "command.hpp"
#include "commands.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace custsim::cli {

namespace {
double peak_memory_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;
}
} // namespace

int bench(const BenchArgs& args) {
    Scenario scenario;
    if (!args.scenario.empty()) {
        scenario = load_scenario(args.scenario, args.overrides);
    } else {
        // Per-tie Bass with rates so small that nearly every customer is still undecided, and
        // so reads all its ties, on every step: the step loop's worst case.
        scenario.name = "per-tie Bass benchmark";
        scenario.customers = args.customers;
        scenario.graph.kind = GraphKind::watts_strogatz;
        scenario.graph.mean_degree = args.mean_degree;
        scenario.days = args.days;
        scenario.channels = {Channel{"ads", 1e-4}};
        scenario.word_of_mouth.rate = 1e-4;
        scenario.word_of_mouth.per = WomPer::tie;
        validate(scenario);
    }
    for (int threads : args.threads) {
        check_threads(threads, "--threads");
    }
    if (!args.force) {
        check_run_size(scenario, double(args.threads.size()) / double(scenario.replicates));
    }
    std::printf("%s: %u customers, %s graph, mean degree %g, %g days of dt %g\n",
                scenario.name.c_str(), scenario.customers, to_string(scenario.graph.kind).c_str(),
                scenario.graph.mean_degree, scenario.days, scenario.dt);
    auto start = std::chrono::steady_clock::now();
    const auto graph = build_graph(scenario);
    const double graph_seconds = seconds_since(start);
    const double directed_edges = 2.0 * double(graph->num_ties());
    std::printf("  graph build    %.2f s, %llu ties, %.1f MB (%.2f bytes per directed edge, "
                "row starts included)\n",
                graph_seconds, static_cast<unsigned long long>(graph->num_ties()),
                double(graph->memory_bytes()) / 1e6,
                directed_edges > 0 ? double(graph->memory_bytes()) / directed_edges : 0.0);
    std::printf("  %7s %10s %18s %18s %10s\n", "threads", "seconds", "agent-steps/s",
                "edge-reads/s", "adopted");
    double customer_bytes = 0;
    for (int threads : args.threads) {
        Simulation simulation(scenario, graph, 0, threads);
        start = std::chrono::steady_clock::now();
        for (std::uint64_t s = 0; s < scenario.steps(); ++s) {
            simulation.step();
        }
        const double seconds = seconds_since(start);
        const auto& work = simulation.work();
        std::printf("  %7d %10.3f %18.4g %18.4g %9.2f%%\n", threads, seconds,
                    double(work.agent_steps) / seconds, double(work.edge_reads) / seconds,
                    100.0 * double(simulation.kpis().adopted) / graph->num_customers());
        customer_bytes = double(simulation.memory_bytes()) / graph->num_customers();
    }
    std::printf("  customers      %.1f bytes per customer (columns and step buffers)\n",
                customer_bytes);
    std::printf("  peak memory    %.0f MB\n", peak_memory_mb());
    return 0;
}

namespace {
const bool registered = register_command(
    {"bench", "Time the step loop: agent-steps and edge reads per second per thread count",
     [](CLI::App& command) {
         auto args = std::make_shared<BenchArgs>();
         command.add_option("scenario", args->scenario,
                            "Scenario to time (default: per-tie Bass on a Watts-Strogatz graph)");
         command.add_option("--customers", args->customers, "Customers (built-in benchmark)");
         command.add_option("--degree", args->mean_degree, "Mean degree (built-in benchmark)");
         command.add_option("--days", args->days, "Days to simulate (built-in benchmark)");
         command.add_option("--threads", args->threads, "Thread counts to time, e.g. 1,2")
             ->delimiter(',');
         add_overrides(command, args->overrides);
         add_force(command, args->force);
         return std::function<int()>([args] { return bench(*args); });
     },
     40});
} // namespace

} // namespace custsim::cli
