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

constexpr std::pair<ChannelKind, const char*> channel_kinds[] = {{ChannelKind::paid, "paid"},
                                                                 {ChannelKind::owned, "owned"},
                                                                 {ChannelKind::earned, "earned"},
                                                                 {ChannelKind::service, "service"}};
constexpr std::pair<Reaches, const char*> reaches_names[] = {
    {Reaches::awareness, "awareness"},
    {Reaches::consideration, "consideration"},
    {Reaches::retention, "retention"}};
constexpr std::pair<Funnel, const char*> funnels[] = {
    {Funnel::automatic, "automatic"}, {Funnel::instant, "instant"}, {Funnel::journey, "journey"}};
constexpr std::pair<PersonalisationLevel, const char*> personalisation_levels[] = {
    {PersonalisationLevel::none, "none"},
    {PersonalisationLevel::segment, "segment"},
    {PersonalisationLevel::individual, "individual"}};
constexpr std::pair<ConsentStrategy, const char*> consent_strategies[] = {
    {ConsentStrategy::ask, "ask"}, {ConsentStrategy::assume, "assume"}};
constexpr std::pair<EventKind, const char*> event_kinds[] = {{EventKind::peak, "peak"},
                                                             {EventKind::defect, "defect"}};

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
    std::string text(buffer, end);
    // YAML 1.1 readers (PyYAML) take 5e-04 for text: write 5.0e-04.
    const auto e = text.find('e');
    if (e != std::string::npos && text.find('.') == std::string::npos) {
        text.insert(e, ".0");
    }
    return text;
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

    /// A whole number from `least` to the type's maximum, written as digits (exact, however
    /// large) or as a number with an exponent (1e5).
    template <class Integer> void whole(std::string_view key, Integer& out, Integer least = 0) {
        if (const auto* value = child(key)) {
            const auto refuse = [&] {
                fail(*value, key_path(key),
                     "must be a whole number from " + std::to_string(least) + " to " +
                         std::to_string(std::numeric_limits<Integer>::max()) + ", got " +
                         describe_value(*value));
            };
            const std::string& s = value->scalar;
            Integer exact = 0;
            const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), exact);
            if (value->kind == YamlNode::Kind::scalar && end == s.data() + s.size() && !s.empty()) {
                if (error != std::errc{} || exact < least) {
                    refuse(); // out of range, or negative for an unsigned type
                }
                out = exact;
                return;
            }
            const double number = to_number(*value, key_path(key));
            // 2^digits is the first value past the maximum that a double holds exactly.
            if (number != std::floor(number) || number < double(least) ||
                number >= std::ldexp(1.0, std::numeric_limits<Integer>::digits)) {
                refuse();
            }
            out = static_cast<Integer>(number);
        }
    }

    void text(std::string_view key, std::string& out) {
        if (const auto* value = child(key)) {
            if (value->kind != YamlNode::Kind::scalar) {
                fail(*value, key_path(key), "must be text, got " + describe_value(*value));
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
                 "must be one of " + allowed + ", got " + describe_value(*value));
        }
    }

    void flag(std::string_view key, bool& out) {
        if (const auto* value = child(key)) {
            if (value->kind == YamlNode::Kind::scalar &&
                (value->scalar == "true" || value->scalar == "yes")) {
                out = true;
            } else if (value->kind == YamlNode::Kind::scalar &&
                       (value->scalar == "false" || value->scalar == "no")) {
                out = false;
            } else {
                fail(*value, key_path(key), "must be true or false, got " + describe_value(*value));
            }
        }
    }

    /// A map of names to numbers, e.g. per-channel affinities.
    void number_map(std::string_view key, std::map<std::string, double>& out) {
        if (const auto* value = child(key)) {
            if (value->kind == YamlNode::Kind::null) {
                return;
            }
            if (value->kind != YamlNode::Kind::map) {
                fail(*value, key_path(key), "must be a map of names to numbers");
            }
            out.clear();
            for (const auto& [name, item] : value->members) {
                places_[key_path(key) + "." + name] = item.where();
                out[name] = to_number(item, key_path(key) + "." + name);
            }
        }
    }

    void text_list(std::string_view key, std::vector<std::string>& out) {
        if (const auto* value = child(key)) {
            if (value->kind == YamlNode::Kind::null) {
                return;
            }
            if (value->kind != YamlNode::Kind::sequence) {
                fail(*value, key_path(key), "must be a list of names");
            }
            out.clear();
            for (const auto& item : value->items) {
                if (item.kind != YamlNode::Kind::scalar) {
                    fail(item, key_path(key), "must be a list of names");
                }
                out.push_back(item.scalar);
            }
        }
    }

    /// A list of flag names, e.g. `works_on: [awareness, consideration]`.
    template <class Enum, std::size_t N>
    void flags(std::string_view key, std::uint8_t& out,
               const std::pair<Enum, const char*> (&names)[N]) {
        std::vector<std::string> listed;
        const auto* value = child(key);
        if (!value) {
            return;
        }
        text_list(key, listed);
        out = 0;
        for (const auto& name : listed) {
            bool found = false;
            std::string allowed;
            for (const auto& [v, n] : names) {
                if (name == n) {
                    out |= static_cast<std::uint8_t>(v);
                    found = true;
                }
                allowed += (allowed.empty() ? "" : ", ") + std::string(n);
            }
            if (!found) {
                fail(*value, key_path(key),
                     "must list some of " + allowed + ", got '" + name + "'");
            }
        }
    }

    /// A nested map read by `read(MapReader&)`.
    template <class Read> void section(std::string_view key, Read&& read) {
        MapReader sub(child(key), key_path(key), places_);
        read(sub);
        sub.finish();
    }

    /// A list of maps, each read into a fresh T by `read(MapReader&, T&)`.
    template <class T, class Read>
    void list(std::string_view key, std::vector<T>& out, Read&& read) {
        const auto* value = child(key);
        if (!value || value->kind == YamlNode::Kind::null) {
            return;
        }
        if (value->kind != YamlNode::Kind::sequence) {
            fail(*value, key_path(key), "must be a list");
        }
        out.clear();
        for (std::size_t i = 0; i < value->items.size(); ++i) {
            MapReader item(&value->items[i], key_path(key) + "[" + std::to_string(i) + "]",
                           places_);
            T t;
            read(item, t);
            item.finish();
            out.push_back(std::move(t));
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
        fail(value, key, "must be a number, got " + describe_value(value));
    }

    const YamlNode* node_;
    std::string path_;
    std::map<std::string, std::string>& places_;
    std::vector<std::string> known_;
};

/// Writes a scenario with the same calls MapReader reads it with, so the two never disagree.
class MapWriter {
  public:
    explicit MapWriter(YAML::Emitter& out) : out_(out) {}

    void child(std::string_view) {}
    void finish() const {}
    void number(std::string_view key, double value) { key_(key) << format_number(value); }
    template <class Integer> void whole(std::string_view key, Integer value, Integer = 0) {
        key_(key) << static_cast<std::uint64_t>(value);
    }
    void text(std::string_view key, const std::string& value) {
        if (!value.empty()) {
            key_(key) << value;
        }
    }
    template <class Enum, std::size_t N>
    void choice(std::string_view key, Enum value, const std::pair<Enum, const char*> (&names)[N]) {
        key_(key) << name_of(value, names);
    }
    void flag(std::string_view key, bool value) { key_(key) << (value ? "true" : "false"); }
    void number_map(std::string_view key, const std::map<std::string, double>& values) {
        key_(key) << YAML::Flow << YAML::BeginMap;
        for (const auto& [name, value] : values) {
            out_ << YAML::Key << name << YAML::Value << format_number(value);
        }
        out_ << YAML::EndMap;
    }
    void text_list(std::string_view key, const std::vector<std::string>& values) {
        key_(key) << YAML::Flow << YAML::BeginSeq;
        for (const auto& value : values) {
            out_ << value;
        }
        out_ << YAML::EndSeq;
    }
    template <class Enum, std::size_t N>
    void flags(std::string_view key, std::uint8_t value,
               const std::pair<Enum, const char*> (&names)[N]) {
        std::vector<std::string> listed;
        for (const auto& [v, name] : names) {
            if (value & static_cast<std::uint8_t>(v)) {
                listed.emplace_back(name);
            }
        }
        text_list(key, listed);
    }
    template <class Write> void section(std::string_view key, Write&& write) {
        key_(key) << YAML::BeginMap;
        write(*this);
        out_ << YAML::EndMap;
    }
    template <class T, class Write>
    void list(std::string_view key, std::vector<T>& values, Write&& write) {
        key_(key) << YAML::BeginSeq;
        for (auto& value : values) {
            out_ << YAML::BeginMap;
            write(*this, value);
            out_ << YAML::EndMap;
        }
        out_ << YAML::EndSeq;
    }

  private:
    YAML::Emitter& key_(std::string_view key) {
        return out_ << YAML::Key << std::string(key) << YAML::Value;
    }
    YAML::Emitter& out_;
};

/// The scenario's schema, once, for reading (MapReader) and writing (MapWriter).
template <class Io> void describe(Io& top, Scenario& s, std::filesystem::path* base_dir) {
    top.child("extends"); // resolved before this point
    top.text("name", s.name);
    top.text("description", s.description);
    top.whole("seed", s.seed);
    top.whole("replicates", s.replicates, 1u);
    top.number("days", s.days);
    top.number("dt", s.dt);
    top.number("record_every", s.record_every);
    top.section("population", [&](auto& io) { io.whole("customers", s.customers); });
    top.section("graph", [&](auto& io) {
        io.choice("type", s.graph.kind, graph_kinds);
        io.number("mean_degree", s.graph.mean_degree);
        io.number("rewire", s.graph.rewire);
        io.whole("communities", s.graph.communities, 1);
        io.number("cross_fraction", s.graph.cross_fraction);
        io.number("strong_fraction", s.graph.strong_fraction);
        std::string path = s.graph.path.string();
        io.text("path", path);
        if (base_dir && !path.empty()) {
            s.graph.path = (*base_dir / path).lexically_normal();
        }
    });
    top.section("journey", [&](auto& io) {
        auto& j = s.journey;
        io.choice("funnel", j.funnel, funnels);
        io.number("memory_days", j.memory_days);
        io.number("knowledge_days", j.knowledge_days);
        io.number("knowledge_gain", j.knowledge_gain);
        io.number("initial_spread", j.initial_spread);
        io.number("attitude_days", j.attitude_days);
        io.number("awareness_threshold", j.awareness_threshold);
        io.number("attention_spread", j.attention_spread);
        io.number("need_attitude", j.need_attitude);
        io.number("need_window_days", j.need_window_days);
        io.number("decide_rate", j.decide_rate);
        io.number("purchase_intent", j.purchase_intent);
        io.number("quality_weight", j.quality_weight);
        io.number("attitude_weight", j.attitude_weight);
        io.number("reputation_weight", j.reputation_weight);
        io.number("reject_attitude", j.reject_attitude);
        io.number("problem_drop", j.problem_drop);
        io.number("complaint_share", j.complaint_share);
        io.number("satisfaction_days", j.satisfaction_days);
        io.number("dissatisfied_churn", j.dissatisfied_churn);
        io.number("unresolved_churn", j.unresolved_churn);
        io.number("switch_share", j.switch_share);
        io.number("data_from_purchase", j.data_from_purchase);
        io.number("discount_rate", j.discount_rate);
    });
    top.list("markets", s.markets, [](auto& io, Market& m) {
        io.text("name", m.name);
        io.number("share", m.share);
        io.number("price_level", m.price_level);
        io.number("cost_level", m.cost_level);
        io.number("talkativeness", m.talkativeness);
        io.number("trust_peers", m.trust_peers);
        io.number("trust_ads", m.trust_ads);
        io.number("consent_rate", m.consent_rate);
        io.flag("strict_privacy", m.strict_privacy);
        io.number("privacy_loss", m.privacy_loss);
        io.text_list("channels", m.channels);
    });
    top.list("segments", s.segments, [](auto& io, Segment& g) {
        io.text("name", g.name);
        io.number("share", g.share);
        io.number_map("share_in", g.share_in);
        io.number_map("affinity", g.affinity);
        io.number("need_rate", g.need_rate);
        io.number("repurchase_rate", g.repurchase_rate);
        io.number("churn_rate", g.churn_rate);
        io.number("price_sensitivity", g.price_sensitivity);
        io.number("talkativeness", g.talkativeness);
        io.number("privacy_sensitivity", g.privacy_sensitivity);
        io.number("service_expectation", g.service_expectation);
        io.number("mobile_share", g.mobile_share);
    });
    top.list("channels", s.channels, [](auto& io, Channel& c) {
        io.text("name", c.name);
        io.number("adoption_rate", c.adoption_rate);
        io.choice("kind", c.kind, channel_kinds);
        io.number("cpm", c.cpm);
        io.number("reach", c.reach);
        io.flags("works_on", c.works_on, reaches_names);
        io.number("trust", c.trust);
        io.number("persuasion", c.persuasion);
        io.flag("needs_data", c.needs_data);
        io.flag("data_targeted", c.data_targeted);
        io.flag("mobile", c.mobile);
        io.number("data_capture", c.data_capture);
        io.number("repeat_prompt", c.repeat_prompt);
        io.text("spills_into", c.spills_into);
        io.number("spill", c.spill);
    });
    top.list("brands", s.brands, [](auto& io, Brand& b) {
        io.text("name", b.name);
        io.number("price", b.price);
        io.number("margin", b.margin);
        io.number("quality", b.quality);
        io.number("problem_rate", b.problem_rate);
        io.number("initial_share", b.initial_share);
        io.number("initial_awareness", b.initial_awareness);
        io.number("retarget_rate", b.retarget_rate);
        io.number("retarget_cost_per_day", b.retarget_cost_per_day);
        io.list("media", b.media, [](auto& f_io, Flight& f) {
            f_io.text("channel", f.channel);
            f_io.text("market", f.market);
            f_io.number("spend_per_day", f.spend_per_day);
            f_io.number("from", f.from);
            f_io.number("until", f.until);
        });
        io.section("service", [&](auto& v) {
            auto& c = b.service;
            v.number("agents", c.agents);
            v.number("handle_rate", c.handle_rate);
            v.number("quality", c.quality);
            v.number("cost_per_agent_day", c.cost_per_agent_day);
            v.number("patience_days", c.patience_days);
            v.number("logistics", c.logistics);
            v.number("logistics_cost_per_day", c.logistics_cost_per_day);
            v.number("it_capacity", c.it_capacity);
            v.number("it_cost_per_day", c.it_cost_per_day);
        });
    });
    top.section("word_of_mouth", [&](auto& io) {
        auto& w = s.word_of_mouth;
        io.number("rate", w.rate);
        io.choice("per", w.per, wom_pers);
        io.number("buzz_decay_days", w.buzz_decay_days);
        io.number("negativity", w.negativity);
        io.number("strong_tie", w.strong_tie);
        io.number("passive_talk", w.passive_talk);
        io.number("attitude_step", w.attitude_step);
    });
    top.section("seeds", [&](auto& io) {
        io.whole("count", s.seeds.count);
        io.number("fraction", s.seeds.fraction);
        io.choice("by", s.seeds.by, seed_rules);
    });
    top.section("personalisation", [&](auto& io) {
        auto& p = s.personalisation;
        io.choice("level", p.level, personalisation_levels);
        io.choice("consent", p.consent, consent_strategies);
        io.number("target_weight", p.target_weight);
        io.number("response_lift", p.response_lift);
        io.number("conversion_lift", p.conversion_lift);
        io.number("intrusion_attitude", p.intrusion_attitude);
        io.number("intrusion_complaint", p.intrusion_complaint);
        io.number("cost_per_known_per_day", p.cost_per_known_per_day);
        io.number("platform_cost_per_day", p.platform_cost_per_day);
    });
    top.section("ambassadors", [&](auto& io) {
        auto& a = s.ambassadors;
        io.whole("count", a.count);
        io.choice("by", a.by, seed_rules);
        io.number("talk", a.talk);
        io.number("reward_per_day", a.reward_per_day);
    });
    top.list("events", s.events, [](auto& io, Event& e) {
        io.choice("kind", e.kind, event_kinds);
        io.text("brand", e.brand);
        io.number("from", e.from);
        io.number("until", e.until);
        io.number("demand", e.demand);
        io.number("problem_rate", e.problem_rate);
        io.number("problem_hazard", e.problem_hazard);
    });
    top.finish();
}

Scenario from_tree(const YamlNode& root, std::filesystem::path base_dir) {
    Scenario s;
    std::map<std::string, std::string> places;
    MapReader top(&root, "", places);
    if (root.kind != YamlNode::Kind::map) {
        top.fail(root, "a scenario must be a map of keys");
    }
    describe(top, s, &base_dir);
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
    YamlNode node = read_yaml_file(path); // refuses what is not a readable text file
    std::error_code error;
    auto canonical = std::filesystem::weakly_canonical(path, error).string();
    if (error) {
        canonical = path.lexically_normal().string();
    }
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
        throw ScenarioError(path.string() + ": extends: forms a cycle through " + chain.front());
    }
    if (chain.size() >= max_yaml_depth) {
        throw ScenarioError(path.string() + ": extends: a chain of more than " +
                            std::to_string(max_yaml_depth) + " files");
    }
    chain.push_back(canonical);
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
            if (const auto problem = yaml_file_problem(parent_path); !problem.empty()) {
                throw ScenarioError(parent->where() + "extends: " + parent_path.string() + ": " +
                                    problem);
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

bool Scenario::instant() const {
    return journey.funnel == Funnel::instant ||
           (journey.funnel == Funnel::automatic && brands.empty());
}

namespace {

/// The journey model's sections: names unique and known where referred to, numbers in range.
template <class Fail, class Positive, class Rate, class Share>
void validate_journey(const Scenario& s, Fail&& fail, Positive&& positive, Rate&& rate,
                      Share&& share) {
    const auto& j = s.journey;
    positive("journey.memory_days", j.memory_days);
    positive("journey.knowledge_days", j.knowledge_days);
    if (!(j.knowledge_gain >= 0 && j.knowledge_gain <= 100)) {
        fail("journey.knowledge_gain",
             "must be from 0 to 100, got " + format_number(j.knowledge_gain));
    }
    if (!(j.initial_spread >= 0 && j.initial_spread <= 100)) {
        fail("journey.initial_spread",
             "must be from 0 to 100, got " + format_number(j.initial_spread));
    }
    positive("journey.attitude_days", j.attitude_days);
    positive("journey.awareness_threshold", j.awareness_threshold);
    if (!(j.attention_spread >= 0 && j.attention_spread <= 3)) {
        fail("journey.attention_spread",
             "must be from 0 to 3, got " + format_number(j.attention_spread));
    }
    rate("journey.need_attitude", j.need_attitude);
    positive("journey.need_window_days", j.need_window_days);
    rate("journey.decide_rate", j.decide_rate);
    rate("journey.quality_weight", j.quality_weight);
    rate("journey.attitude_weight", j.attitude_weight);
    rate("journey.reputation_weight", j.reputation_weight);
    if (!(j.reject_attitude >= -3 && j.reject_attitude <= 3)) {
        fail("journey.reject_attitude",
             "must be from -3 to 3 (-3: never reject), got " + format_number(j.reject_attitude));
    }
    rate("journey.problem_drop", j.problem_drop);
    share("journey.complaint_share", j.complaint_share);
    positive("journey.satisfaction_days", j.satisfaction_days);
    rate("journey.dissatisfied_churn", j.dissatisfied_churn);
    rate("journey.unresolved_churn", j.unresolved_churn);
    share("journey.switch_share", j.switch_share);
    share("journey.data_from_purchase", j.data_from_purchase);
    rate("journey.discount_rate", j.discount_rate);
    if (!std::isfinite(j.purchase_intent)) {
        fail("journey.purchase_intent", "must be a finite number");
    }
    auto unique = [&](const std::string& list, std::size_t i, const std::string& name,
                      std::set<std::string>& seen, std::size_t most) {
        const auto key = list + "[" + std::to_string(i) + "].name";
        if (name.empty()) {
            fail(key, "every item of " + list + " needs a name");
        }
        if (!seen.insert(name).second) {
            fail(key, "'" + name + "' names two items of " + list);
        }
        if (i >= most) {
            fail(list, "at most " + std::to_string(most) + " items, got " + std::to_string(i + 1));
        }
    };
    auto known = [&](const std::string& key, const std::string& name,
                     const std::set<std::string>& names, const std::string& what) {
        if (!names.count(name)) {
            std::string allowed;
            for (const auto& n : names) {
                allowed += (allowed.empty() ? "" : ", ") + n;
            }
            fail(key, "'" + name + "' is not one of the " + what + " (" + allowed + ")");
        }
    };
    std::set<std::string> channels, markets, segments, brands;
    for (std::size_t i = 0; i < s.channels.size(); ++i) {
        unique("channels", i, s.channels[i].name, channels, max_channels);
    }
    for (std::size_t i = 0; i < s.markets.size(); ++i) {
        unique("markets", i, s.markets[i].name, markets, max_markets);
    }
    if (s.markets.empty()) {
        markets.insert(Market{}.name);
    }
    for (std::size_t i = 0; i < s.segments.size(); ++i) {
        unique("segments", i, s.segments[i].name, segments, max_segments);
    }
    for (std::size_t i = 0; i < s.brands.size(); ++i) {
        unique("brands", i, s.brands[i].name, brands, max_brands);
    }
    double market_total = 0;
    for (std::size_t i = 0; i < s.markets.size(); ++i) {
        const auto& m = s.markets[i];
        const auto key = "markets[" + std::to_string(i) + "]";
        share(key + ".share", m.share);
        market_total += m.share;
        positive(key + ".price_level", m.price_level);
        positive(key + ".cost_level", m.cost_level);
        rate(key + ".talkativeness", m.talkativeness);
        rate(key + ".trust_peers", m.trust_peers);
        rate(key + ".trust_ads", m.trust_ads);
        share(key + ".consent_rate", m.consent_rate);
        share(key + ".privacy_loss", m.privacy_loss);
        for (const auto& c : m.channels) {
            known(key + ".channels", c, channels, "channels");
        }
    }
    if (!s.markets.empty() && std::abs(market_total - 1) > 1e-6) {
        fail("markets", "market shares must add up to 1, got " + format_number(market_total));
    }
    for (const auto& market : markets) {
        if (s.segments.empty()) {
            break;
        }
        double total = 0;
        for (const auto& g : s.segments) {
            const auto found = g.share_in.find(market);
            total += found != g.share_in.end() ? found->second : g.share;
        }
        if (std::abs(total - 1) > 1e-6) {
            fail("segments", "segment shares in market '" + market + "' must add up to 1, got " +
                                 format_number(total));
        }
    }
    for (std::size_t i = 0; i < s.segments.size(); ++i) {
        const auto& g = s.segments[i];
        const auto key = "segments[" + std::to_string(i) + "]";
        share(key + ".share", g.share);
        for (const auto& [market, value] : g.share_in) {
            known(key + ".share_in." + market, market, markets, "markets");
            share(key + ".share_in." + market, value);
        }
        for (const auto& [channel, value] : g.affinity) {
            known(key + ".affinity." + channel, channel, channels, "channels");
            rate(key + ".affinity." + channel, value);
        }
        rate(key + ".need_rate", g.need_rate);
        rate(key + ".repurchase_rate", g.repurchase_rate);
        rate(key + ".churn_rate", g.churn_rate);
        rate(key + ".price_sensitivity", g.price_sensitivity);
        rate(key + ".talkativeness", g.talkativeness);
        share(key + ".privacy_sensitivity", g.privacy_sensitivity);
        if (!(g.service_expectation >= 0 && g.service_expectation <= 10)) {
            fail(key + ".service_expectation",
                 "must be from 0 to 10, got " + format_number(g.service_expectation));
        }
        share(key + ".mobile_share", g.mobile_share);
    }
    for (std::size_t i = 0; i < s.channels.size(); ++i) {
        const auto& c = s.channels[i];
        const auto key = "channels[" + std::to_string(i) + "]";
        positive(key + ".cpm", c.cpm);
        share(key + ".reach", c.reach);
        rate(key + ".trust", c.trust);
        if (!std::isfinite(c.persuasion)) {
            fail(key + ".persuasion", "must be a finite number");
        }
        share(key + ".data_capture", c.data_capture);
        share(key + ".repeat_prompt", c.repeat_prompt);
        share(key + ".spill", c.spill);
        if (!c.spills_into.empty()) {
            known(key + ".spills_into", c.spills_into, channels, "channels");
            if (c.spills_into == c.name) {
                fail(key + ".spills_into", "a channel cannot spill into itself");
            }
        }
    }
    double installed = 0;
    for (std::size_t i = 0; i < s.brands.size(); ++i) {
        const auto& b = s.brands[i];
        const auto key = "brands[" + std::to_string(i) + "]";
        positive(key + ".price", b.price);
        share(key + ".margin", b.margin);
        share(key + ".quality", b.quality);
        share(key + ".problem_rate", b.problem_rate);
        share(key + ".initial_share", b.initial_share);
        installed += b.initial_share;
        share(key + ".initial_awareness", b.initial_awareness);
        rate(key + ".retarget_rate", b.retarget_rate);
        rate(key + ".retarget_cost_per_day", b.retarget_cost_per_day);
        for (std::size_t f = 0; f < b.media.size(); ++f) {
            const auto& flight = b.media[f];
            const auto fkey = key + ".media[" + std::to_string(f) + "]";
            known(fkey + ".channel", flight.channel, channels, "channels");
            if (!flight.market.empty()) {
                known(fkey + ".market", flight.market, markets, "markets");
            }
            rate(fkey + ".spend_per_day", flight.spend_per_day);
            if (!(flight.from >= 0) || !(flight.until > flight.from)) {
                fail(fkey + ".until", "a flight needs 0 <= from < until, got from " +
                                          format_number(flight.from) + ", until " +
                                          format_number(flight.until));
            }
        }
        const auto& v = b.service;
        rate(key + ".service.agents", v.agents);
        rate(key + ".service.handle_rate", v.handle_rate);
        share(key + ".service.quality", v.quality);
        rate(key + ".service.cost_per_agent_day", v.cost_per_agent_day);
        positive(key + ".service.patience_days", v.patience_days);
        share(key + ".service.logistics", v.logistics);
        rate(key + ".service.logistics_cost_per_day", v.logistics_cost_per_day);
        if (!(v.it_capacity > 0)) {
            fail(key + ".service.it_capacity",
                 "must be > 0 orders per day (.inf: unlimited), got " +
                     format_number(v.it_capacity));
        }
        rate(key + ".service.it_cost_per_day", v.it_cost_per_day);
    }
    if (installed > 1 + 1e-9) {
        fail("brands", "initial shares add up to more than 1: " + format_number(installed));
    }
    const auto& p = s.personalisation;
    rate("personalisation.target_weight", p.target_weight);
    rate("personalisation.response_lift", p.response_lift);
    rate("personalisation.conversion_lift", p.conversion_lift);
    rate("personalisation.intrusion_attitude", p.intrusion_attitude);
    share("personalisation.intrusion_complaint", p.intrusion_complaint);
    rate("personalisation.cost_per_known_per_day", p.cost_per_known_per_day);
    rate("personalisation.platform_cost_per_day", p.platform_cost_per_day);
    rate("ambassadors.talk", s.ambassadors.talk);
    rate("ambassadors.reward_per_day", s.ambassadors.reward_per_day);
    if (s.ambassadors.count > 0 && s.ambassadors.by != SeedRule::random &&
        s.graph.kind == GraphKind::mean_field) {
        fail("ambassadors.by", "a mean_field graph has no ties, so ambassadors can only be random");
    }
    for (std::size_t i = 0; i < s.events.size(); ++i) {
        const auto& e = s.events[i];
        const auto key = "events[" + std::to_string(i) + "]";
        if (!(e.from >= 0) || !(e.until > e.from)) {
            fail(key + ".until", "an event needs 0 <= from < until, got from " +
                                     format_number(e.from) + ", until " + format_number(e.until));
        }
        rate(key + ".demand", e.demand);
        share(key + ".problem_rate", e.problem_rate);
        rate(key + ".problem_hazard", e.problem_hazard);
        if (!e.brand.empty()) {
            known(key + ".brand", e.brand, brands, "brands");
        }
    }
    if (!s.instant()) {
        if (s.brands.empty()) {
            fail("brands", "the journey funnel needs at least one brand (the focal brand first)");
        }
    } else if (!s.brands.empty() && s.journey.funnel == Funnel::instant) {
        fail("journey.funnel", "the instant funnel is the one-brand Bass case; remove `brands`");
    }
}

} // namespace

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
    if (!(s.days / s.dt < double(std::numeric_limits<std::uint32_t>::max()))) {
        fail("days", "days / dt must stay below 2^32 steps, got " + format_number(s.days / s.dt));
    }
    if (!whole_multiple(s.days, s.dt)) {
        fail("days", "must be a whole number of steps of dt = " + format_number(s.dt) + ", got " +
                         format_number(s.days));
    }
    positive("record_every", s.record_every);
    // At least one step between records (so days / record_every <= days / dt < 2^32 records).
    if (s.record_every < s.dt * (1 - 1e-9) || !whole_multiple(s.record_every, s.dt) ||
        s.record_every > s.days || !whole_multiple(s.days, s.record_every)) {
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
        std::error_code error;
        const auto status = std::filesystem::status(g.path, error);
        if (status.type() == std::filesystem::file_type::not_found) {
            fail("graph.path", "no such file " + g.path.string());
        }
        if (error || !std::filesystem::is_regular_file(status)) {
            fail("graph.path", g.path.string() + ": " +
                                   (error ? "cannot read it: " + error.message()
                                          : std::string("not a regular file")) +
                                   "; an edge list is a text or .gz file");
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
    share("graph.strong_fraction", g.strong_fraction);
    rate("word_of_mouth.negativity", s.word_of_mouth.negativity);
    if (!(s.word_of_mouth.strong_tie >= 0 && s.word_of_mouth.strong_tie <= 16)) {
        fail("word_of_mouth.strong_tie", "must be from 0 to 16 (times a weak tie), got " +
                                             format_number(s.word_of_mouth.strong_tie));
    }
    rate("word_of_mouth.passive_talk", s.word_of_mouth.passive_talk);
    rate("word_of_mouth.attitude_step", s.word_of_mouth.attitude_step);
    validate_journey(s, fail, positive, rate, share);
    share("seeds.fraction", s.seeds.fraction);
    // An edge list's customers are known once it is read: check_graph_size() then.
    if (s.graph.kind != GraphKind::edge_list &&
        (s.seeds.count > s.customers || s.seed_customers() > s.customers)) {
        fail("seeds.count", "count + fraction x customers must not exceed customers (" +
                                std::to_string(s.customers) + "), got " +
                                std::to_string(s.seeds.count) + " + " +
                                format_number(s.seeds.fraction) + " x customers");
    }
    if (s.graph.kind != GraphKind::edge_list && s.ambassadors.count > s.customers) {
        fail("ambassadors.count", "must not exceed customers (" + std::to_string(s.customers) +
                                      "), got " + std::to_string(s.ambassadors.count));
    }
    if (s.graph.kind == GraphKind::mean_field && s.seeds.by != SeedRule::random) {
        fail("seeds.by", "a mean_field graph has no ties, so seeds can only be random");
    }
}

void check_graph_size(const Scenario& s, std::uint64_t customers) {
    if (s.seeds.count > customers || s.seeds.count + static_cast<std::uint64_t>(std::llround(
                                                         s.seeds.fraction * double(customers))) >
                                         customers) {
        throw ScenarioError("seeds.count: count + fraction x customers must not exceed the " +
                            std::to_string(customers) + " customers of the graph " +
                            s.graph.path.string() + ", got " + std::to_string(s.seeds.count) +
                            " + " + format_number(s.seeds.fraction) + " x customers");
    }
    if (s.ambassadors.count > customers) {
        throw ScenarioError("ambassadors.count: must not exceed the " + std::to_string(customers) +
                            " customers of the graph " + s.graph.path.string() + ", got " +
                            std::to_string(s.ambassadors.count));
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

std::string to_yaml(const Scenario& scenario) {
    Scenario s = scenario;
    YAML::Emitter out;
    out << YAML::BeginMap;
    MapWriter writer(out);
    describe(writer, s, nullptr);
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace custsim
