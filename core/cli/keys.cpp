// custsim keys (hidden): every scenario key with its type, default and allowed values, walked
// from the schema the reader uses; --markdown prints the table in docs/scenarios.md.
#include "command.hpp"

#include "custsim/scenario.hpp"

#include <cstdio>
#include <memory>

namespace custsim::cli {

namespace {

int keys(bool markdown) {
    if (markdown) {
        std::printf("%s", scenario_keys_markdown().c_str());
        return 0;
    }
    std::printf("%-44s %-14s %-22s %s\n", "key", "type", "default", "allowed");
    for (const ScenarioKey& key : scenario_keys()) {
        std::printf("%-44s %-14s %-22s %s\n", key.path.c_str(), key.type.c_str(),
                    key.default_value.c_str(), key.allowed.c_str());
    }
    return 0;
}

const bool registered = register_command(
    {"keys", "List the scenario keys: path, type, default, allowed values",
     [](CLI::App& command) {
         command.group(""); // hidden from --help: a tool for the docs
         auto markdown = std::make_shared<bool>(false);
         command.add_flag("--markdown", *markdown, "As the Markdown table in docs/scenarios.md");
         return std::function<int()>([markdown] { return keys(*markdown); });
     },
     95});

} // namespace

} // namespace custsim::cli
