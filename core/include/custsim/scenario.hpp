#pragma once
#include "custsim/social_graph.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace custsim {

inline constexpr double forever = std::numeric_limits<double>::infinity();

/// How word of mouth from a customer's ties adds up.
enum class WomPer {
    tie,      ///< hazard `rate` per talking neighbour (network Bass, Goldenberg et al. 2001)
    fraction, ///< hazard `rate` x fraction of neighbours talking (Bass on a graph)
};

/// How initial customers ("seeds") are picked.
enum class SeedRule { random, degree, pagerank, core_number };

/// An always-on channel acting directly on adoption: the Bass special case of a touchpoint.
struct Channel {
    std::string name;
    double adoption_rate = 0; ///< hazard per day that an unaware customer adopts through it (p)
};

/// Peer influence.
struct WordOfMouth {
    double rate = 0; ///< q: hazard per day, per talking tie or times the talking fraction
    WomPer per = WomPer::tie;
    double buzz_decay_days = forever; ///< talk rate fades as exp(-days since adoption / this)
};

/// Initial customers at day 0, drawn per replicate.
struct Seeds {
    std::uint64_t count = 0; ///< absolute number; added to fraction x customers
    double fraction = 0;
    SeedRule by = SeedRule::random;
};

/// Everything a run needs: one plain struct with defaults, validated once.
/// Rates are per day, durations in days.
struct Scenario {
    std::string name = "scenario";
    std::string description;
    std::uint64_t seed = 1;
    std::uint32_t replicates = 1;
    double days = 365;
    double dt = 1;
    double record_every = 1;
    std::uint32_t customers = 100000;
    GraphSpec graph;
    std::vector<Channel> channels;
    WordOfMouth word_of_mouth;
    Seeds seeds;

    std::uint64_t steps() const;            ///< days / dt
    std::uint64_t steps_per_record() const; ///< record_every / dt
    std::uint64_t seed_customers() const;   ///< count + fraction x customers
};

/// Reads a scenario file (YAML), following `extends:` and applying `key.path=value` overrides.
/// Throws ScenarioError naming file, line, key and what is allowed.
Scenario load_scenario(const std::filesystem::path& path,
                       const std::vector<std::string>& overrides = {});
/// The same from text; `name` stands for the file in messages, `base_dir` resolves relative paths.
Scenario parse_scenario(std::string_view yaml, std::string_view name,
                        const std::vector<std::string>& overrides = {},
                        const std::filesystem::path& base_dir = ".");
/// The fully resolved scenario as YAML; parse_scenario(to_yaml(s)) gives s back.
std::string to_yaml(const Scenario& scenario);
/// Checks ranges and consistency; `where(key)` returns a "file:line: " prefix for a key.
void validate(const Scenario& scenario,
              const std::function<std::string(std::string_view key)>& where = {});

} // namespace custsim
