// `custsim kpis`: the KPI registry as a table, or as the Markdown table in docs/kpis.md.
#include "commands.hpp"

#include "custsim/kpis.hpp"

#include <cstdio>

namespace custsim::cli {

int kpis(bool markdown) {
    if (markdown) {
        std::printf("%s", kpi_markdown().c_str());
        return 0;
    }
    std::printf("%-32s %-6s %-8s %-24s %s\n", "results file", "kind", "model", "unit",
                "description");
    for (const Kpi& kpi : kpi_registry()) {
        std::printf("%-32s %-6s %-8s %-24s %s\n", kpi.path().c_str(), to_string(kpi.kind),
                    to_string(kpi.model), kpi.unit, kpi.description);
    }
    return 0;
}

} // namespace custsim::cli
