#include "commands.hpp"

#include "progress.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"
#include "custsim/social_graph.hpp"
#include "custsim/summary.hpp"
#include "custsim/sweep.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace custsim::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_memory_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;
}

bool is_scenario_file(const std::string& path) {
    const auto extension = std::filesystem::path(path).extension();
    return extension == ".yaml" || extension == ".yml";
}

} // namespace

void check_output(const std::string& output, const std::string& option) {
    namespace fs = std::filesystem;
    if (output.empty()) {
        throw InputError(option + ": the results file name is empty; give one, e.g. " + option +
                         " results.h5");
    }
    const fs::path path(output);
    std::error_code error;
    if (!path.has_filename() || fs::is_directory(path, error)) {
        throw InputError(option + " " + output + ": is a folder; give a file name in it, e.g. " +
                         (path / "results.h5").lexically_normal().string());
    }
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (!fs::is_directory(folder, error)) {
        throw InputError(option + " " + output + ": there is no folder " + folder.string() +
                         "; create it first");
    }
    // Try it: permissions, read-only mounts and full quotas all show up as a failed create.
    const fs::path probe = folder / (".custsim-probe." + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw InputError(option + " " + output + ": cannot write in the folder " + folder.string() +
                         ": " + std::strerror(errno));
    }
    ::close(fd);
    fs::remove(probe, error);
}

int run(const RunArgs& args) {
    check_threads(args.threads, "--threads");
    const Scenario scenario = load_scenario(args.scenario, args.overrides);
    const std::string output = args.output.empty()
                                   ? std::filesystem::path(args.scenario).stem().string() + ".h5"
                                   : args.output;
    check_output(output, "-o");
    if (!args.force) {
        check_run_size(scenario);
    }
    catch_interrupts();
    const auto start = std::chrono::steady_clock::now();
    Results results;
    {
        ProgressBar bar(scenario.replicates, scenario.days, !args.quiet);
        results = run_scenario(scenario, args.threads, [&](std::uint32_t replicate, double day) {
            bar.update(replicate, day);
            return !interrupted();
        });
    }
    write_results(results, output);
    if (!args.quiet) {
        std::printf("%s", format_summary(results, scenario.name).c_str());
        const auto rows = summarise(results);
        double by_ads = 0, by_wom = 0;
        for (const auto& row : rows) {
            by_ads = row.kpi == "adopted_by_ads" ? row.mean : by_ads;
            by_wom = row.kpi == "adopted_by_wom" ? row.mean : by_wom;
        }
        if (by_ads + by_wom > 0) {
            std::printf(
                "  new customers who found the brand through channels %.1f%%, through word of "
                "mouth %.1f%%\n",
                100 * by_ads / (by_ads + by_wom), 100 * by_wom / (by_ads + by_wom));
        }
        std::printf("results: %s (%.1f s)\n", output.c_str(), seconds_since(start));
    }
    return 0;
}

int validate(const std::string& path, const std::vector<std::string>& overrides) {
    if (is_sweep_file(path)) {
        if (!overrides.empty()) {
            throw InputError("--set does not apply to a sweep file; put overrides in its `set:`");
        }
        const Sweep sweep = load_sweep(path);
        std::printf("%s: valid sweep of %s (%zu points, %zu parameters)\n", path.c_str(),
                    sweep.base.filename().c_str(), sweep_points(sweep).size(),
                    sweep.parameters.size());
        return 0;
    }
    const Scenario scenario = load_scenario(path, overrides);
    std::printf("%s: valid scenario '%s' (%u customers, %g days, dt %g, %s graph)\n", path.c_str(),
                scenario.name.c_str(), scenario.customers, scenario.days, scenario.dt,
                to_string(scenario.graph.kind).c_str());
    return 0;
}

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

} // namespace custsim::cli
