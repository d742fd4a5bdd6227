// custsim validate: check a scenario (or sweep) file and say what is wrong.
#include "command.hpp"
#include "commands.hpp"

#include "custsim/error.hpp"
#include "custsim/scenario.hpp"
#include "custsim/sweep.hpp"

#include <cstdio>
#include <memory>

namespace custsim::cli {

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

namespace {
const bool registered = register_command(
    {"validate", "Check a scenario file and say what is wrong",
     [](CLI::App& command) {
         auto file = std::make_shared<std::string>();
         auto overrides = std::make_shared<std::vector<std::string>>();
         command.add_option("scenario", *file, "Scenario file (YAML)")->required();
         add_overrides(command, *overrides);
         return std::function<int()>([file, overrides] { return validate(*file, *overrides); });
     },
     20});
} // namespace

} // namespace custsim::cli
