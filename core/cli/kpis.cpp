// custsim kpis: the KPI registry as a table, or as the Markdown table in docs/kpis.md.
#include "command.hpp"

#include "custsim/kpis.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace custsim::cli {

namespace {

int kpis(bool markdown) {
    if (markdown) {
        std::printf("%s", kpi_markdown().c_str());
        return 0;
    }
    std::printf("%-32s %-6s %-8s %-14s %-24s %s\n", "results file", "kind", "model", "group",
                "unit", "description");
    for (const Kpi& kpi : kpi_registry()) {
        const std::string group = std::string(to_string(kpi.group)) + (kpi.headline ? " *" : "");
        std::printf("%-32s %-6s %-8s %-14s %-24s %s\n", kpi.path().c_str(), to_string(kpi.kind),
                    to_string(kpi.model), group.c_str(), kpi.unit, kpi.description);
    }
    std::printf("group: what compare groups it under; *: a headline KPI, shown first in its "
                "group\n");
    return 0;
}

const bool registered = register_command(
    {"kpis", "List the KPIs: results path, kind, model, group, unit, meaning",
     [](CLI::App& command) {
         auto markdown = std::make_shared<bool>(false);
         command.add_flag("--markdown", *markdown, "As the Markdown table in docs/kpis.md");
         return std::function<int()>([markdown] { return kpis(*markdown); });
     },
     90});

} // namespace

} // namespace custsim::cli
