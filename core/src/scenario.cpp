#include "custsim/scenario.hpp"

#include "custsim/error.hpp"
#include "yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace custsim {

namespace {

constexpr std::pair<GraphKind, const char*> graph_kinds[] = {
    {GraphKind::mean_field, "mean_field"},
    {GraphKind::ring_lattice, "ring_lattice"},
    {GraphKind::erdos_renyi, "erdos_renyi"},
    {GraphKind::watts_strogatz, "watts_strogatz"},
    {GraphKind::barabasi_albert, "barabasi_albert"},
    {GraphKind::stochastic_block, "stochastic_block"},
    {GraphKind::edge_list, "edge_list"},
};
constexpr std::pair<WomPer, const char*> wom_pers[] = {{WomPer::tie, "tie"},
                                                       {WomPer::fraction, "fraction"}};
constexpr std::pair<SeedRule, const char*> seed_rules[] = {{SeedRule::random, "random"},
                                                           {SeedRule::degree, "degree"},
                                                           {SeedRule::pagerank, "pagerank"},
                                                           {SeedRule::core_number, "core_number"}};

template <class Enum, std::size_t N>
const char* name_of(Enum value, const std::pair<Enum, const char*> (&names)[N]) {
    for (const auto& [v, name] : names) {
        if (v == value) {
            return name;
        }
    }
    return "?";
}

std::string format_number(double value) {
    if (std::isinf(value)) {
        return value > 0 ? ".inf" : "-.inf";
    }
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, end);
}

/// Reads one YAML map against the schema: each key asked for is known; whatever is left when
/// finish() runs is unknown and reported with the nearest known key.
class MapReader {
  public:
    MapReader(const YamlNode* node, std::string path, std::map<std::string, std::string>& places)
        : node_(node), path_(std::move(path)), places_(places) {
        if (node_ && node_->kind != YamlNode::Kind::map && node_->kind != YamlNode::Kind::null) {
            fail(*node_, "must be a map of keys");
        }
    }

    const YamlNode* child(std::string_view key) {
        known_.emplace_back(key);
        if (!node_ || node_->kind != YamlNode::Kind::map) {
            return nullptr;
        }
        const auto* found = node_->find(key);
        if (found) {
            places_[key_path(key)] = found->where();
        }
        return found;
    }

    std::string key_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }

    void number(std::string_view key, double& out) {
        if (const auto* value = child(key)) {
            out = to_number(*value, key_path(key));
        }
    }

    template <class Integer> void whole(std::string_view key, Integer& out) {
        if (const auto* value = child(key)) {
            const double number = to_number(*value, key_path(key));
            if (number != std::floor(number) || number < 0 ||
                number > double(std::numeric_limits<Integer>::max())) {
                fail(*value, key_path(key),
                     "must be a whole number from 0 to " +
                         std::to_string(std::numeric_limits<Integer>::max()) + ", got " +
                         value->scalar);
            }
            out = static_cast<Integer>(number);
        }
    }

    void text(std::string_view key, std::string& out) {
        if (const auto* value = child(key)) {
            if (value->kind != YamlNode::Kind::scalar) {
                fail(*value, key_path(key), "must be text");
            }
            out = value->scalar;
        }
    }

    template <class Enum, std::size_t N>
    void choice(std::string_view key, Enum& out, const std::pair<Enum, const char*> (&names)[N]) {
        if (const auto* value = child(key)) {
            std::string allowed;
            for (const auto& [v, name] : names) {
                if (value->kind == YamlNode::Kind::scalar && value->scalar == name) {
                    out = v;
                    return;
                }
                allowed += (allowed.empty() ? "" : ", ") + std::string(name);
            }
            fail(*value, key_path(key),
                 "must be one of " + allowed + ", got '" + value->scalar + "'");
        }
    }

    /// Reports the first key nobody asked for.
    void finish() const {
        if (!node_ || node_->kind != YamlNode::Kind::map) {
            return;
        }
        for (const auto& [key, value] : node_->members) {
            if (std::find(known_.begin(), known_.end(), key) != known_.end()) {
                continue;
            }
            std::string best;
            std::size_t best_distance = std::string::npos;
            for (const auto& candidate : known_) {
                const auto distance = edit_distance(key, candidate);
                if (distance < best_distance) {
                    best_distance = distance;
                    best = candidate;
                }
            }
            std::string message = "unknown key";
            if (best_distance <= std::max<std::size_t>(2, key.size() / 3)) {
                message += "; did you mean '" + best + "'?";
            }
            std::string allowed;
            for (const auto& candidate : known_) {
                allowed += (allowed.empty() ? "" : ", ") + candidate;
            }
            fail(value, key_path(key), message + " (known keys: " + allowed + ")");
        }
    }

    [[noreturn]] void fail(const YamlNode& at, const std::string& message) const {
        fail(at, path_.empty() ? std::string("(top level)") : path_, message);
    }
    [[noreturn]] static void fail(const YamlNode& at, const std::string& key,
                                  const std::string& message) {
        throw ScenarioError(at.where() + key + ": " + message);
    }

  private:
    static double to_number(const YamlNode& value, const std::string& key) {
        if (value.kind == YamlNode::Kind::scalar) {
            const std::string& s = value.scalar;
            if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "inf") {
                return forever;
            }
            double number = 0;
            const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), number);
            if (error == std::errc{} && end == s.data() + s.size() && std::isfinite(number)) {
                return number;
            }
        }
        fail(value, key, "must be a number, got '" + value.scalar + "'");
    }

    const YamlNode* node_;
    std::string path_;
    std::map<std::string, std::string>& places_;
    std::vector<std::string> known_;
};

Scenario from_tree(const YamlNode& root, const std::filesystem::path& base_dir) {
    Scenario s;
    std::map<std::string, std::string> places;
    MapReader top(&root, "", places);
    if (root.kind != YamlNode::Kind::map) {
        top.fail(root, "a scenario must be a map of keys");
    }
    top.child("extends"); // resolved before this point
    top.text("name", s.name);
    top.text("description", s.description);
    top.whole("seed", s.seed);
    top.whole("replicates", s.replicates);
    top.number("days", s.days);
    top.number("dt", s.dt);
    top.number("record_every", s.record_every);

    MapReader population(top.child("population"), "population", places);
    population.whole("customers", s.customers);
    population.finish();

    MapReader graph(top.child("graph"), "graph", places);
    graph.choice("type", s.graph.kind, graph_kinds);
    graph.number("mean_degree", s.graph.mean_degree);
    graph.number("rewire", s.graph.rewire);
    graph.whole("communities", s.graph.communities);
    graph.number("cross_fraction", s.graph.cross_fraction);
    std::string path;
    graph.text("path", path);
    if (!path.empty()) {
        s.graph.path = (base_dir / path).lexically_normal();
    }
    graph.finish();

    if (const auto* channels = top.child("channels")) {
        if (channels->kind != YamlNode::Kind::sequence && channels->kind != YamlNode::Kind::null) {
            top.fail(*channels, "channels", "must be a list of channels");
        }
        for (std::size_t i = 0; i < channels->items.size(); ++i) {
            MapReader item(&channels->items[i], "channels[" + std::to_string(i) + "]", places);
            Channel channel;
            item.text("name", channel.name);
            item.number("adoption_rate", channel.adoption_rate);
            item.finish();
            s.channels.push_back(channel);
        }
    }

    MapReader wom(top.child("word_of_mouth"), "word_of_mouth", places);
    wom.number("rate", s.word_of_mouth.rate);
    wom.choice("per", s.word_of_mouth.per, wom_pers);
    wom.number("buzz_decay_days", s.word_of_mouth.buzz_decay_days);
    wom.finish();

    MapReader seeds(top.child("seeds"), "seeds", places);
    seeds.whole("count", s.seeds.count);
    seeds.number("fraction", s.seeds.fraction);
    seeds.choice("by", s.seeds.by, seed_rules);
    seeds.finish();
    top.finish();

    validate(s, [&](std::string_view key) {
        // The key itself, or the nearest enclosing key that was written down.
        std::string probe(key);
        for (;;) {
            if (auto found = places.find(probe); found != places.end()) {
                return found->second;
            }
            const auto cut = probe.find_last_of(".[");
            if (cut == std::string::npos) {
                return root.where();
            }
            probe.resize(cut);
        }
    });
    return s;
}

YamlNode resolve_extends(const std::filesystem::path& path, std::vector<std::string>& chain) {
    const auto canonical = std::filesystem::weakly_canonical(path).string();
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
        throw ScenarioError(path.string() + ": extends: forms a cycle through " + chain.front());
    }
    chain.push_back(canonical);
    YamlNode node = read_yaml_file(path);
    // A relative graph.path means relative to the file that wrote it, whoever extends it.
    if (auto* graph = node.kind == YamlNode::Kind::map ? node.find("graph") : nullptr) {
        auto* graph_path = graph->kind == YamlNode::Kind::map ? graph->find("path") : nullptr;
        if (graph_path && graph_path->kind == YamlNode::Kind::scalar &&
            std::filesystem::path(graph_path->scalar).is_relative()) {
            graph_path->scalar =
                (path.parent_path() / graph_path->scalar).lexically_normal().string();
        }
    }
    if (node.kind == YamlNode::Kind::map) {
        if (const auto* parent = node.find("extends")) {
            if (parent->kind != YamlNode::Kind::scalar) {
                throw ScenarioError(parent->where() + "extends: must be a file name");
            }
            const auto parent_path = path.parent_path() / parent->scalar;
            if (!std::filesystem::exists(parent_path)) {
                throw ScenarioError(parent->where() + "extends: no such file " +
                                    parent_path.string());
            }
            YamlNode merged = resolve_extends(parent_path, chain);
            merge_yaml(merged, node);
            return merged;
        }
    }
    return node;
}

} // namespace

std::uint64_t Scenario::steps() const {
    return static_cast<std::uint64_t>(std::llround(days / dt));
}

std::uint64_t Scenario::steps_per_record() const {
    return static_cast<std::uint64_t>(std::llround(record_every / dt));
}

std::uint64_t Scenario::seed_customers() const {
    return seeds.count + static_cast<std::uint64_t>(std::llround(seeds.fraction * customers));
}

void validate(const Scenario& s, const std::function<std::string(std::string_view key)>& where) {
    auto fail = [&](std::string_view key, const std::string& message) {
        throw ScenarioError((where ? where(key) : std::string()) + std::string(key) + ": " +
                            message);
    };
    auto positive = [&](std::string_view key, double value) {
        if (!(value > 0) || !std::isfinite(value)) {
            fail(key, "must be a finite number > 0, got " + format_number(value));
        }
    };
    auto rate = [&](std::string_view key, double value) {
        if (!(value >= 0) || !std::isfinite(value)) {
            fail(key, "must be a rate per day >= 0, got " + format_number(value));
        }
    };
    auto share = [&](std::string_view key, double value) {
        if (!(value >= 0 && value <= 1)) {
            fail(key, "must be between 0 and 1, got " + format_number(value));
        }
    };
    auto whole_multiple = [](double a, double b) {
        const double ratio = a / b;
        return std::abs(ratio - std::round(ratio)) < 1e-9 * std::max(1.0, ratio);
    };
    positive("days", s.days);
    positive("dt", s.dt);
    if (s.dt > 1) {
        fail("dt", "must be at most 1 day, got " + format_number(s.dt));
    }
    if (!whole_multiple(s.days, s.dt)) {
        fail("days", "must be a whole number of steps of dt = " + format_number(s.dt) + ", got " +
                         format_number(s.days));
    }
    if (s.steps() > std::numeric_limits<std::uint32_t>::max()) {
        fail("days", "days / dt must stay below 2^32 steps");
    }
    positive("record_every", s.record_every);
    if (!whole_multiple(s.record_every, s.dt) || s.record_every > s.days ||
        !whole_multiple(s.days, s.record_every)) {
        fail("record_every", "must be a whole number of steps of dt = " + format_number(s.dt) +
                                 " that divides days = " + format_number(s.days) + ", got " +
                                 format_number(s.record_every));
    }
    if (s.replicates < 1) {
        fail("replicates", "must be at least 1, got 0");
    }
    if (s.customers < 1 && s.graph.kind != GraphKind::edge_list) {
        fail("population.customers", "must be at least 1, got 0");
    }
    const auto& g = s.graph;
    if (g.kind == GraphKind::edge_list) {
        if (g.path.empty()) {
            fail("graph.path", "an edge_list graph needs the path of its file");
        }
        if (!std::filesystem::exists(g.path)) {
            fail("graph.path", "no such file " + g.path.string());
        }
    } else if (g.kind != GraphKind::mean_field) {
        if (!(g.mean_degree >= 0) || !(g.mean_degree < s.customers)) {
            fail("graph.mean_degree",
                 "must be from 0 to customers - 1, got " + format_number(g.mean_degree));
        }
        if (g.kind == GraphKind::ring_lattice || g.kind == GraphKind::watts_strogatz ||
            g.kind == GraphKind::barabasi_albert) {
            if (g.mean_degree < 2 || g.mean_degree != std::floor(g.mean_degree) ||
                static_cast<std::uint64_t>(g.mean_degree) % 2 != 0) {
                fail("graph.mean_degree", to_string(g.kind) +
                                              " needs an even whole number >= 2, got " +
                                              format_number(g.mean_degree));
            }
        }
    }
    share("graph.rewire", g.rewire);
    share("graph.cross_fraction", g.cross_fraction);
    if (g.communities < 1) {
        fail("graph.communities", "must be at least 1, got 0");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < s.channels.size(); ++i) {
        const auto key = "channels[" + std::to_string(i) + "]";
        if (s.channels[i].name.empty()) {
            fail(key + ".name", "every channel needs a name");
        }
        if (!names.insert(s.channels[i].name).second) {
            fail(key + ".name", "'" + s.channels[i].name + "' names two channels");
        }
        rate(key + ".adoption_rate", s.channels[i].adoption_rate);
    }
    rate("word_of_mouth.rate", s.word_of_mouth.rate);
    if (!(s.word_of_mouth.buzz_decay_days > 0)) {
        fail("word_of_mouth.buzz_decay_days", "must be > 0 days (.inf: talk for ever), got " +
                                                  format_number(s.word_of_mouth.buzz_decay_days));
    }
    share("seeds.fraction", s.seeds.fraction);
    if (s.graph.kind != GraphKind::edge_list && s.seed_customers() > s.customers) {
        fail("seeds.count", "count + fraction x customers must not exceed customers");
    }
    if (s.graph.kind == GraphKind::mean_field && s.seeds.by != SeedRule::random) {
        fail("seeds.by", "a mean_field graph has no ties, so seeds can only be random");
    }
}

Scenario parse_scenario(std::string_view yaml, std::string_view name,
                        const std::vector<std::string>& overrides,
                        const std::filesystem::path& base_dir) {
    YamlNode root = parse_yaml(yaml, std::string(name));
    if (root.find("extends")) {
        throw ScenarioError(root.find("extends")->where() +
                            "extends: only a scenario read from a file can extend another");
    }
    for (const auto& assignment : overrides) {
        apply_override(root, assignment);
    }
    return from_tree(root, base_dir);
}

Scenario load_scenario(const std::filesystem::path& path,
                       const std::vector<std::string>& overrides) {
    std::vector<std::string> chain;
    YamlNode root = resolve_extends(path, chain);
    for (const auto& assignment : overrides) {
        apply_override(root, assignment);
    }
    return from_tree(root, {}); // file paths were made relative to here while reading
}

std::string to_yaml(const Scenario& s) {
    YAML::Emitter out;
    auto number = [&](const char* key, double value) {
        out << YAML::Key << key << YAML::Value << format_number(value);
    };
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << s.name;
    if (!s.description.empty()) {
        out << YAML::Key << "description" << YAML::Value << s.description;
    }
    out << YAML::Key << "seed" << YAML::Value << s.seed;
    out << YAML::Key << "replicates" << YAML::Value << s.replicates;
    number("days", s.days);
    number("dt", s.dt);
    number("record_every", s.record_every);
    out << YAML::Key << "population" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "customers" << YAML::Value << s.customers << YAML::EndMap;
    out << YAML::Key << "graph" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "type" << YAML::Value << name_of(s.graph.kind, graph_kinds);
    number("mean_degree", s.graph.mean_degree);
    number("rewire", s.graph.rewire);
    out << YAML::Key << "communities" << YAML::Value << s.graph.communities;
    number("cross_fraction", s.graph.cross_fraction);
    if (!s.graph.path.empty()) {
        out << YAML::Key << "path" << YAML::Value << s.graph.path.string();
    }
    out << YAML::EndMap;
    out << YAML::Key << "channels" << YAML::Value << YAML::BeginSeq;
    for (const auto& channel : s.channels) {
        out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << channel.name;
        number("adoption_rate", channel.adoption_rate);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "word_of_mouth" << YAML::Value << YAML::BeginMap;
    number("rate", s.word_of_mouth.rate);
    out << YAML::Key << "per" << YAML::Value << name_of(s.word_of_mouth.per, wom_pers);
    number("buzz_decay_days", s.word_of_mouth.buzz_decay_days);
    out << YAML::EndMap;
    out << YAML::Key << "seeds" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "count" << YAML::Value << s.seeds.count;
    number("fraction", s.seeds.fraction);
    out << YAML::Key << "by" << YAML::Value << name_of(s.seeds.by, seed_rules);
    out << YAML::EndMap << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace custsim
