#include "custsim/resources.hpp"

#include "custsim/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <omp.h>
#include <sstream>
#include <string>

namespace custsim {

namespace {

std::string format_bytes(double bytes) {
    char text[64];
    if (bytes >= 1e9) {
        std::snprintf(text, sizeof text, "%.3g GB", bytes / 1e9);
    } else {
        std::snprintf(text, sizeof text, "%.3g MB", bytes / 1e6);
    }
    return text;
}

std::string format_count(double count) {
    char text[64];
    std::snprintf(text, sizeof text, "%.3g", count);
    return text;
}

} // namespace

void check_threads(int threads, const std::string& what) {
    if (threads < 0 || threads > max_threads) {
        throw InputError(what + ": must be from 0 (all cores) to " + std::to_string(max_threads) +
                         ", got " + std::to_string(threads));
    }
}

int team_size(int threads) {
    return threads > 0 ? threads : omp_get_max_threads();
}

RunSize estimate_run(const Scenario& s) {
    RunSize size;
    const double n = s.customers;
    size.customers = n;
    const bool journey = !s.instant();
    const double brands = double(std::max<std::size_t>(s.brands.size(), 1));
    const double per_customer = (journey ? 33 + 8 * brands + 16 : 13) + 20;
    const bool has_ties =
        s.graph.kind != GraphKind::mean_field && s.graph.kind != GraphKind::edge_list;
    size.ties = has_ties ? n * s.graph.mean_degree / 2 : 0;
    const double graph_building = 18 * size.ties + 8 * n;
    const double graph_built = 10.6 * size.ties + 4 * n;
    const double steps = double(s.steps());
    const double points =
        std::floor(steps / double(std::max<std::uint64_t>(s.steps_per_record(), 1))) + 1;
    const double channels = double(s.channels.size()),
                 markets = double(std::max<std::size_t>(s.markets.size(), 1));
    const double values_per_point = 30 + (journey ? 4 * channels + 2 * brands + 3 * markets : 0);
    const double results = double(s.replicates) * points * values_per_point * 8;
    size.memory_bytes = std::max(graph_building, graph_built + n * per_customer) + results;
    size.customer_steps = n * steps * double(s.replicates);
    return size;
}

std::uint64_t available_memory() {
    std::ifstream meminfo("/proc/meminfo");
    std::string line;
    while (std::getline(meminfo, line)) {
        if (line.rfind("MemAvailable:", 0) == 0) {
            std::istringstream fields(line.substr(13));
            std::uint64_t kilobytes = 0;
            fields >> kilobytes;
            return kilobytes * 1024;
        }
    }
    return 0;
}

void check_run_size(const Scenario& scenario, double runs, int concurrent) {
    const RunSize size = estimate_run(scenario);
    const double available = double(available_memory());
    const double work = size.customer_steps * runs;
    const int at_once = std::max(1, std::min(concurrent, int(std::ceil(std::max(runs, 1.0)))));
    const double memory = size.memory_bytes * at_once;
    const std::string estimate = "about " + format_bytes(memory) + " of memory (" +
                                 (at_once > 1 ? std::to_string(at_once) + " runs at once of " +
                                                    format_bytes(size.memory_bytes) + ", "
                                              : std::string()) +
                                 format_count(size.customers) + " customers, " +
                                 format_count(size.ties) + " ties) and " + format_count(work) +
                                 " customer-steps (" + format_count(work / 1e7 / 3600) +
                                 " core-hours at 10 million a second)";
    if (available > 0 && memory > available) {
        throw InputError("scenario '" + scenario.name + "' needs " + estimate + ", but only " +
                         format_bytes(available) + " of memory is available; make it smaller" +
                         (at_once > 1 && size.memory_bytes <= available
                              ? std::string(" or use fewer --threads")
                              : std::string()) +
                         ", or use --force to try anyway");
    }
    if (work > max_customer_steps) {
        throw InputError("scenario '" + scenario.name + "' needs " + estimate + ", more than the " +
                         format_count(max_customer_steps) +
                         " customer-steps allowed without --force; make it smaller (customers, "
                         "days, dt, replicates), or use --force to run it anyway");
    }
}

} // namespace custsim
