// custsim graph-stats: size, degrees, components and clustering of a social graph.
#include "command.hpp"
#include "commands.hpp"

#include "custsim/error.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"
#include "custsim/social_graph.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace custsim::cli {

namespace {
bool is_scenario_file(const std::string& path) {
    const auto extension = std::filesystem::path(path).extension();
    return extension == ".yaml" || extension == ".yml";
}
} // namespace

int graph_stats(const std::string& input, const std::vector<std::string>& overrides) {
    const auto start = std::chrono::steady_clock::now();
    std::shared_ptr<const SocialGraph> graph;
    EdgeListReport report;
    bool from_file = !is_scenario_file(input);
    if (from_file) {
        graph = std::make_shared<SocialGraph>(SocialGraph::load_edge_list(input, &report));
    } else {
        const Scenario scenario = load_scenario(input, overrides);
        from_file = scenario.graph.kind == GraphKind::edge_list;
        graph = from_file ? std::make_shared<SocialGraph>(
                                SocialGraph::load_edge_list(scenario.graph.path, &report))
                          : build_graph(scenario);
    }
    const double build_seconds = seconds_since(start);
    const GraphStats s = graph->stats();
    std::printf("%s\n", input.c_str());
    if (from_file) {
        std::printf("  read           %llu edge lines%s; dropped %llu self-loops, %llu duplicate "
                    "ties\n",
                    static_cast<unsigned long long>(report.lines),
                    report.had_header ? " after a header" : "",
                    static_cast<unsigned long long>(report.self_loops_dropped),
                    static_cast<unsigned long long>(report.duplicates_dropped));
    }
    std::printf("  customers      %u\n", s.customers);
    if (s.mean_field) {
        std::printf("  ties           none: mean field, every customer's peers are everybody\n");
        return 0;
    }
    std::printf("  ties           %llu\n", static_cast<unsigned long long>(s.ties));
    std::printf("  degree         min %u, median %u, mean %.2f, max %u; %u isolated\n",
                s.min_degree, s.median_degree, s.mean_degree, s.max_degree, s.isolated);
    std::printf("  components     %u; largest %u (%.1f%% of customers)\n", s.components,
                s.largest_component, 100.0 * s.largest_component / std::max(1u, s.customers));
    std::printf("  clustering     %.4f (mean local coefficient)\n", s.mean_clustering);
    std::printf("  built in       %.2f s, %.1f MB of graph arrays\n", build_seconds,
                double(graph->memory_bytes()) / 1e6);
    return 0;
}

namespace {
const bool registered = register_command(
    {"graph-stats",
     "Size, degrees, components and clustering of an edge list or a scenario's graph",
     [](CLI::App& command) {
         auto input = std::make_shared<std::string>();
         auto overrides = std::make_shared<std::vector<std::string>>();
         command.add_option("input", *input, "Edge list (.txt, .csv, .gz) or scenario (.yaml)")
             ->required();
         add_overrides(command, *overrides);
         return std::function<int()>(
             [input, overrides] { return graph_stats(*input, *overrides); });
     },
     30});
} // namespace

} // namespace custsim::cli
