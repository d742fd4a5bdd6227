#include "custsim/scenario.hpp"

#include "custsim/error.hpp"
#include "custsim/observations.hpp"
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
constexpr std::pair<TieStrength, const char*> tie_strengths[] = {
    {TieStrength::random, "random"}, {TieStrength::embeddedness, "embeddedness"}};
constexpr std::pair<WomPer, const char*> wom_pers[] = {{WomPer::tie, "tie"},
                                                       {WomPer::fraction, "fraction"}};
constexpr std::pair<SeedRule, const char*> seed_rules[] = {{SeedRule::random, "random"},
                                                           {SeedRule::degree, "degree"},
                                                           {SeedRule::pagerank, "pagerank"},
                                                           {SeedRule::core_number, "core_number"}};

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
constexpr std::pair<StrictContact, const char*> strict_contacts[] = {
    {StrictContact::block, "block"}, {StrictContact::risk, "risk"}};
constexpr std::pair<RepeatChoice, const char*> repeat_choices[] = {
    {RepeatChoice::stay, "stay"}, {RepeatChoice::repertoire, "repertoire"}};
constexpr std::pair<EventKind, const char*> event_kinds[] = {
    {EventKind::peak, "peak"}, {EventKind::defect, "defect"}, {EventKind::price, "price"}};
constexpr std::pair<PolicyKind, const char*> policy_kinds[] = {
    {PolicyKind::reallocate, "reallocate"},
    {PolicyKind::bandit, "bandit"},
    {PolicyKind::retarget, "retarget"},
    {PolicyKind::follow_up, "follow_up"},
    {PolicyKind::win_back, "win_back"}};
constexpr std::pair<PolicyMetric, const char*> policy_metrics[] = {
    {PolicyMetric::cpa, "cpa"}, {PolicyMetric::cost_per_sale, "cost_per_sale"}};

/// The names of the flags set in `value`, in the table's order.
template <class Enum, std::size_t N>
std::vector<std::string> flag_names(std::uint8_t value,
                                    const std::pair<Enum, const char*> (&names)[N]) {
    std::vector<std::string> listed;
    for (const auto& [flag, name] : names) {
        if (value & static_cast<std::uint8_t>(flag)) {
            listed.emplace_back(name);
        }
    }
    return listed;
}

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

/// What a number key allows. Declared next to the key in describe(), so one declaration serves
/// the reader (which refuses with file and line), validate() (scenarios built in code) and the
/// key list of `custsim keys` (docs/scenarios.md).
struct Range {
    double least = -forever, most = forever;
    bool above = false;    ///< `least` itself is not allowed
    bool infinite = false; ///< .inf is allowed too (beyond `most`)
    std::string must;      ///< the error: "must be " + this + ", got 3"
    std::string brief;     ///< the docs: "0..1", "> 0"

    bool allows(double value) const {
        if (std::isinf(value) && value > 0 && infinite) {
            return true;
        }
        return std::isfinite(value) && (above ? value > least : value >= least) && value <= most;
    }
    /// "must be between 0 and 1, got 3", or "" if `value` is allowed.
    std::string problem(double value) const {
        return allows(value) ? std::string() : "must be " + must + ", got " + format_number(value);
    }
};

/// Any finite number: utilities and attitudes that may be negative.
Range any_finite() {
    return {-forever, forever, false, false, "a finite number", "any finite number"};
}
/// Durations, prices, levels: a finite number above 0.
Range positive() {
    return {0, forever, true, false, "a finite number > 0", "> 0"};
}
/// Hazards per day (and money per day).
Range rate() {
    return {0, forever, false, false, "a rate per day >= 0", ">= 0"};
}
/// Multipliers, weights, amounts: a finite number from 0 up.
Range non_negative() {
    return {0, forever, false, false, "a finite number >= 0", ">= 0"};
}
/// Probabilities and shares.
Range share() {
    return {0, 1, false, false, "between 0 and 1", "0..1"};
}
/// A closed interval; `note` explains an end ("(-3: never reject)").
Range from_to(double least, double most, const std::string& note = "") {
    return {least,
            most,
            false,
            false,
            "from " + format_number(least) + " to " + format_number(most) + note,
            format_number(least) + ".." + format_number(most)};
}
/// Above 0, or .inf for "no limit"; `note` gives the unit and what .inf means.
Range positive_or_inf(const std::string& note) {
    return {0, forever, true, true, "> 0" + note, "> 0 or .inf"};
}
/// Above 0 and at most `most` (dt).
Range positive_up_to(double most) {
    return {0,
            most,
            true,
            false,
            "a finite number > 0 and <= " + format_number(most),
            "> 0 and <= " + format_number(most)};
}
/// Any number or .inf; what it must be depends on other keys (`until` > `from`), which
/// validate() checks. `brief` says so in the docs.
Range checked_with_others(const std::string& brief) {
    return {-forever, forever, false, true, "a number or .inf", brief};
}

/// "whole number 1..2^32-1": a whole number from `least` to its type's maximum.
template <class Integer> std::string whole_brief(Integer least) {
    return "whole number " + std::to_string(least) + "..2^" +
           std::to_string(std::numeric_limits<Integer>::digits) + "-1";
}

template <class Enum, std::size_t N>
std::string choice_brief(const std::pair<Enum, const char*> (&names)[N], const char* between) {
    std::string out;
    for (const auto& [v, name] : names) {
        out += (out.empty() ? "" : between) + std::string(name);
    }
    return out;
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

    void number(std::string_view key, double& out, const Range& range) {
        if (const auto* value = child(key)) {
            out = to_number(*value, key_path(key));
            if (const auto problem = range.problem(out); !problem.empty()) {
                fail(*value, key_path(key), problem);
            }
        }
    }

    /// A key the format no longer has: refused with the reason, so that a file written for an
    /// older custsim does not silently mean something else.
    /// A key that no longer exists: refused with why, and what to do instead.
    void removed(std::string_view key, const std::string& why,
                 const std::string& instead = "delete it") const {
        if (node_ && node_->kind == YamlNode::Kind::map) {
            if (const auto* found = node_->find(key)) {
                fail(*found, key_path(key), "this key was removed because " + why + "; " + instead);
            }
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
    void number_map(std::string_view key, std::map<std::string, double>& out, const Range& range) {
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
                const auto path = key_path(key) + "." + name;
                out[name] = to_number(item, path);
                if (const auto problem = range.problem(out[name]); !problem.empty()) {
                    fail(item, path, problem);
                }
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
    void number(std::string_view key, double value, const Range&) {
        key_(key) << format_number(value);
    }
    void removed(std::string_view, const std::string&, const std::string& = {}) const {}
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
    void number_map(std::string_view key, const std::map<std::string, double>& values,
                    const Range&) {
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
        const std::vector<std::string> listed = flag_names(value, names);
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

/// Walks a scenario built in code (not read from a file) and checks each number against the
/// range describe() declares for it, with the reader's message (validate()).
class RangeChecker {
  public:
    using Fail = std::function<void(std::string_view key, const std::string& message)>;
    RangeChecker(std::string path, const Fail& fail) : path_(std::move(path)), fail_(fail) {}

    void child(std::string_view) {}
    void finish() const {}
    void removed(std::string_view, const std::string&, const std::string& = {}) const {}
    void number(std::string_view key, double value, const Range& range) {
        if (const auto problem = range.problem(value); !problem.empty()) {
            fail_(key_path(key), problem);
        }
    }
    template <class Integer> void whole(std::string_view key, Integer value, Integer least = 0) {
        if (value < least) {
            fail_(key_path(key), "must be a whole number from " + std::to_string(least) + " to " +
                                     std::to_string(std::numeric_limits<Integer>::max()) +
                                     ", got " + std::to_string(value));
        }
    }
    void text(std::string_view, const std::string&) {}
    template <class Enum, std::size_t N>
    void choice(std::string_view, Enum, const std::pair<Enum, const char*> (&)[N]) {}
    void flag(std::string_view, bool) {}
    void number_map(std::string_view key, const std::map<std::string, double>& values,
                    const Range& range) {
        for (const auto& [name, value] : values) {
            if (const auto problem = range.problem(value); !problem.empty()) {
                fail_(key_path(key) + "." + name, problem);
            }
        }
    }
    void text_list(std::string_view, const std::vector<std::string>&) {}
    template <class Enum, std::size_t N>
    void flags(std::string_view, std::uint8_t, const std::pair<Enum, const char*> (&)[N]) {}
    template <class Check> void section(std::string_view key, Check&& check) {
        RangeChecker sub(key_path(key), fail_);
        check(sub);
    }
    template <class T, class Check>
    void list(std::string_view key, std::vector<T>& values, Check&& check) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            RangeChecker item(key_path(key) + "[" + std::to_string(i) + "]", fail_);
            check(item, values[i]);
        }
    }

  private:
    std::string key_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }
    std::string path_;
    const Fail& fail_;
};

/// Lists every key with its type, default and range (`custsim keys`, docs/scenarios.md). List
/// items are described once, at their defaults, under `list[]`.
class Lister {
  public:
    Lister(std::string path, std::vector<ScenarioKey>& keys)
        : path_(std::move(path)), keys_(keys) {}

    void child(std::string_view) {}
    void finish() const {}
    void removed(std::string_view, const std::string&, const std::string& = {}) const {}
    void number(std::string_view key, double value, const Range& range) {
        add(key, "number", format_number(value), range.brief);
    }
    template <class Integer> void whole(std::string_view key, Integer value, Integer least = 0) {
        add(key, "whole number", std::to_string(value), whole_brief(least));
    }
    void text(std::string_view key, const std::string& value) {
        add(key, "text", value.empty() ? "\"\"" : value, "");
    }
    template <class Enum, std::size_t N>
    void choice(std::string_view key, Enum value, const std::pair<Enum, const char*> (&names)[N]) {
        add(key, "choice", name_of(value, names), choice_brief(names, " | "));
    }
    void flag(std::string_view key, bool value) {
        add(key, "flag", value ? "true" : "false", "true | false");
    }
    void number_map(std::string_view key, const std::map<std::string, double>& values,
                    const Range& range) {
        std::string text;
        for (const auto& [name, value] : values) {
            text += (text.empty() ? "" : ", ") + name + ": " + format_number(value);
        }
        add(key, "map of numbers", "{" + text + "}", range.brief);
    }
    void text_list(std::string_view key, const std::vector<std::string>& values) {
        add(key, "list of names", "[" + joined(values) + "]", "");
    }
    template <class Enum, std::size_t N>
    void flags(std::string_view key, std::uint8_t value,
               const std::pair<Enum, const char*> (&names)[N]) {
        const std::vector<std::string> listed = flag_names(value, names);
        add(key, "list of flags", "[" + joined(listed) + "]",
            "any of " + choice_brief(names, ", "));
    }
    template <class List> void section(std::string_view key, List&& list) {
        Lister sub(key_path(key), keys_);
        list(sub);
    }
    template <class T, class List> void list(std::string_view key, std::vector<T>&, List&& list) {
        add(key, "list", "[]", "");
        Lister item(key_path(key) + "[]", keys_);
        T defaults;
        list(item, defaults);
    }

  private:
    static std::string joined(const std::vector<std::string>& names) {
        std::string out;
        for (const auto& name : names) {
            out += (out.empty() ? "" : ", ") + name;
        }
        return out;
    }
    std::string key_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }
    void add(std::string_view key, std::string type, std::string default_value,
             std::string allowed) {
        keys_.push_back(
            {key_path(key), std::move(type), std::move(default_value), std::move(allowed)});
    }
    std::string path_;
    std::vector<ScenarioKey>& keys_;
};

/// One item of `policies:`; which kinds use which key is checked in check_policies.
template <class Io> void describe_policy(Io& io, Policy& p) {
    io.choice("kind", p.kind, policy_kinds);
    io.number("every_days", p.every_days, positive());
    io.choice("metric", p.metric, policy_metrics);
    io.number("move_share", p.move_share, share());
    io.number("floor_share", p.floor_share, from_to(0, 0.5));
    io.number("test_share", p.test_share, share());
    io.whole("draws", p.draws, 1u);
    io.text("channel", p.channel);
    io.text_list("intent_channels", p.intent_channels);
    io.number("within_days", p.within_days, positive());
    io.number("gap_days", p.gap_days, positive());
    io.whole("cap", p.cap, 1u);
    io.number("after_days", p.after_days, non_negative());
    io.number("cost", p.cost, non_negative());
    io.number("satisfaction_gain", p.satisfaction_gain, from_to(0, 10));
    io.number("attitude_gain", p.attitude_gain, from_to(0, 6));
    io.number("response", p.response, share());
}

/// The scenario's schema, once: every key with its type, default (the struct's) and range. The
/// same calls read a file (MapReader), write one (MapWriter), check a scenario built in code
/// (RangeChecker) and list the keys for the docs (Lister).
template <class Io> void describe(Io& top, Scenario& s, std::filesystem::path* base_dir) {
    top.child("extends"); // resolved before this point
    top.text("name", s.name);
    top.text("description", s.description);
    top.whole("seed", s.seed);
    top.whole("replicates", s.replicates, 1u);
    top.number("days", s.days, positive());
    top.number("dt", s.dt, positive_up_to(1));
    top.number("record_every", s.record_every, positive());
    top.text("start_date", s.start_date);
    top.section("population", [&](auto& io) {
        io.whole("customers", s.customers);
        io.number("represents", s.represents, from_to(0, 1e12));
    });
    top.section("graph", [&](auto& io) {
        io.choice("type", s.graph.kind, graph_kinds);
        io.number("mean_degree", s.graph.mean_degree, non_negative());
        io.number("rewire", s.graph.rewire, share());
        io.whole("communities", s.graph.communities, 1);
        io.number("cross_fraction", s.graph.cross_fraction, share());
        io.number("strong_fraction", s.graph.strong_fraction, share());
        io.choice("tie_strength", s.graph.tie_strength, tie_strengths);
        std::string path = s.graph.path.string();
        io.text("path", path);
        if (base_dir && !path.empty()) {
            s.graph.path = (*base_dir / path).lexically_normal();
        }
    });
    top.section("journey", [&](auto& io) {
        auto& j = s.journey;
        io.choice("funnel", j.funnel, funnels);
        io.choice("repeat_choice", j.repeat_choice, repeat_choices);
        io.number("inertia", j.inertia, from_to(0, 20));
        io.number("memory_days", j.memory_days, positive());
        io.number("knowledge_days", j.knowledge_days, positive());
        io.number("knowledge_gain", j.knowledge_gain, from_to(0, 100));
        io.number("initial_spread", j.initial_spread, from_to(0, 100));
        io.number("attitude_days", j.attitude_days, positive());
        io.number("awareness_threshold", j.awareness_threshold, positive());
        io.number("attention_spread", j.attention_spread, from_to(0, 3));
        io.number("need_attitude", j.need_attitude, non_negative());
        io.number("need_window_days", j.need_window_days, positive());
        io.number("decide_rate", j.decide_rate, rate());
        io.number("purchase_intent", j.purchase_intent, any_finite());
        io.number("quality_weight", j.quality_weight, non_negative());
        io.number("attitude_weight", j.attitude_weight, non_negative());
        io.number("reputation_weight", j.reputation_weight, non_negative());
        io.number("reject_attitude", j.reject_attitude, from_to(-3, 3, " (-3: never reject)"));
        io.number("problem_drop", j.problem_drop, non_negative());
        io.number("complaint_share", j.complaint_share, share());
        io.number("silent_scar", j.silent_scar, from_to(0, 10));
        io.number("recovery_bonus", j.recovery_bonus, from_to(0, 10));
        io.number("satisfaction_days", j.satisfaction_days, positive());
        io.number("service_gain", j.service_gain, from_to(0, 10));
        io.number("satisfaction_repurchase", j.satisfaction_repurchase, from_to(0, 2));
        io.number("attitude_repurchase", j.attitude_repurchase, from_to(0, 2));
        io.number("dissatisfied_churn", j.dissatisfied_churn, non_negative());
        io.number("unresolved_churn", j.unresolved_churn, non_negative());
        io.number("attitude_churn", j.attitude_churn, from_to(0, 2));
        io.number("churn_shape", j.churn_shape, positive_or_inf(" (.inf: every customer alike)"));
        io.number("appetite_shape", j.appetite_shape,
                  positive_or_inf(" (.inf: every customer alike)"));
        io.number("switch_share", j.switch_share, share());
        io.number("data_from_purchase", j.data_from_purchase, share());
        io.number("discount_rate", j.discount_rate, non_negative());
    });
    top.list("markets", s.markets, [](auto& io, Market& m) {
        io.text("name", m.name);
        io.number("share", m.share, share());
        io.number("price_level", m.price_level, positive());
        io.number("cost_level", m.cost_level, positive());
        io.number("talkativeness", m.talkativeness, non_negative());
        io.number("memory_per_touch", m.memory_per_touch, non_negative());
        io.number("trust_peers", m.trust_peers, non_negative());
        io.number("trust_ads", m.trust_ads, non_negative());
        io.number("consent_rate", m.consent_rate, share());
        io.flag("strict_privacy", m.strict_privacy);
        io.number("privacy_loss", m.privacy_loss, share());
        io.text_list("channels", m.channels);
        io.section("entry", [&](auto& v) {
            v.number("day", m.entry.day, non_negative());
            v.number("fixed_cost", m.entry.fixed_cost, non_negative());
            v.number("ramp_days", m.entry.ramp_days, non_negative());
        });
    });
    top.list("segments", s.segments, [](auto& io, Segment& g) {
        io.text("name", g.name);
        io.number("share", g.share, share());
        io.number_map("share_in", g.share_in, share());
        io.number_map("affinity", g.affinity, non_negative());
        io.number("need_rate", g.need_rate, rate());
        io.number("repurchase_rate", g.repurchase_rate, rate());
        io.number("churn_rate", g.churn_rate, rate());
        io.number("price_sensitivity", g.price_sensitivity, non_negative());
        io.number("talkativeness", g.talkativeness, non_negative());
        io.number("privacy_sensitivity", g.privacy_sensitivity, share());
        io.number("service_expectation", g.service_expectation, from_to(0, 10));
        io.number("mobile_share", g.mobile_share, share());
    });
    top.list("channels", s.channels, [](auto& io, Channel& c) {
        io.text("name", c.name);
        io.number("adoption_rate", c.adoption_rate, rate());
        io.removed("kind", "it had no effect on the model");
        io.number("cpm", c.cpm, positive());
        io.number("reach", c.reach, share());
        io.flags("works_on", c.works_on, reaches_names);
        io.number("trust", c.trust, non_negative());
        io.number("persuasion", c.persuasion, any_finite());
        io.flag("needs_data", c.needs_data);
        io.flag("data_targeted", c.data_targeted);
        io.flag("mobile", c.mobile);
        io.number("data_capture", c.data_capture, share());
        io.number("prompt", c.prompt, share());
        io.number("repeat_prompt", c.repeat_prompt, share());
        io.flag("shows_reviews", c.shows_reviews);
        io.text("spills_into", c.spills_into);
        io.number("spill", c.spill, share());
        io.number("unsubscribe", c.unsubscribe, share());
    });
    top.list("brands", s.brands, [](auto& io, Brand& b) {
        io.text("name", b.name);
        io.number("price", b.price, positive());
        io.number("margin", b.margin, share());
        io.number("quality", b.quality, share());
        io.number("problem_rate", b.problem_rate, share());
        io.number("initial_share", b.initial_share, share());
        io.number("initial_awareness", b.initial_awareness, share());
        io.number("retarget_rate", b.retarget_rate, rate());
        io.number("retarget_cost_per_day", b.retarget_cost_per_day, rate());
        io.number("conquest_weight", b.conquest_weight, from_to(0, 100));
        io.number("match_share", b.match_share, from_to(0, 10));
        io.number("lag_days", b.lag_days, non_negative());
        io.number("price_answer", b.price_answer, from_to(0, 2));
        io.list("media", b.media, [](auto& f_io, Flight& f) {
            f_io.text("channel", f.channel);
            f_io.text("market", f.market);
            f_io.number("spend_per_day", f.spend_per_day, rate());
            f_io.number("from", f.from, non_negative());
            f_io.number("until", f.until, checked_with_others("> from, or .inf"));
        });
        io.section("service", [&](auto& v) {
            auto& c = b.service;
            v.number("agents", c.agents, non_negative());
            v.removed("handle_rate", "a complaint's workload is now counted in contacts",
                      "give contacts_per_agent_day and contacts_per_complaint instead "
                      "(complaints an agent handles a day = their ratio)");
            v.number("contacts_per_agent_day", c.contacts_per_agent_day, non_negative());
            v.number("contacts_per_complaint", c.contacts_per_complaint, from_to(1, 100));
            v.number("quality", c.quality, share());
            v.number("training", c.training, share());
            v.number("training_cost_per_agent_day", c.training_cost_per_agent_day, rate());
            v.number("cost_per_agent_day", c.cost_per_agent_day, rate());
            v.number("patience_days", c.patience_days, positive());
            v.number("level", c.level, share());
            v.number("level_cost", c.level_cost, from_to(0, 100, " (share of the price)"));
            v.number("logistics", c.logistics, share());
            v.number("logistics_cost_per_day", c.logistics_cost_per_day, rate());
            v.number("it_capacity", c.it_capacity,
                     positive_or_inf(" orders per day (.inf: unlimited)"));
            v.number("it_cost_per_day", c.it_cost_per_day, rate());
        });
        io.section("retention", [&](auto& v) {
            auto& r = b.retention;
            v.number("members", r.members, share());
            v.number("churn_cut", r.churn_cut, share());
            v.number("cost_per_member_day", r.cost_per_member_day, rate());
        });
    });
    top.section("word_of_mouth", [&](auto& io) {
        auto& w = s.word_of_mouth;
        io.number("rate", w.rate, rate());
        io.choice("per", w.per, wom_pers);
        io.number("buzz_decay_days", w.buzz_decay_days,
                  positive_or_inf(" days (.inf: talk for ever)"));
        io.number("negativity", w.negativity, non_negative());
        io.number("strong_tie", w.strong_tie, from_to(0, 16, " (times a weak tie)"));
        io.number("passive_talk", w.passive_talk, non_negative());
        io.number("detractor_talk", w.detractor_talk, non_negative());
        io.number("persuasion", w.persuasion, non_negative());
        io.number("memory", w.memory, non_negative());
        io.number("prompt", w.prompt, share());
        io.removed("attitude_step",
                   "a peer message's attitude is now word_of_mouth.persuasion, not attitude_step "
                   "x trust_peers (the old 0.3 x 0.83 is persuasion 0.25)");
    });
    top.section("reviews", [&](auto& io) {
        auto& r = s.reviews;
        io.flag("enabled", r.enabled);
        io.number("write", r.write, share());
        io.number("extreme", r.extreme, from_to(0, 100));
        io.number("recency_days", r.recency_days, positive_or_inf(" days (.inf: never fade)"));
        io.number("read", r.read, share());
        io.number("weight", r.weight, non_negative());
        io.number("volume_half", r.volume_half, non_negative());
    });
    top.section("seeds", [&](auto& io) {
        io.whole("count", s.seeds.count);
        io.number("fraction", s.seeds.fraction, share());
        io.choice("by", s.seeds.by, seed_rules);
    });
    top.section("personalisation", [&](auto& io) {
        auto& p = s.personalisation;
        io.choice("level", p.level, personalisation_levels);
        io.choice("consent", p.consent, consent_strategies);
        io.choice("strict_contact", p.strict_contact, strict_contacts);
        io.number("fine_chance", p.fine_chance, non_negative());
        io.number("fine_share", p.fine_share, non_negative());
        io.number("target_weight", p.target_weight, non_negative());
        io.number("response_lift", p.response_lift, non_negative());
        io.number("conversion_lift", p.conversion_lift, non_negative());
        io.number("unsubscribe_cut", p.unsubscribe_cut, share());
        io.number("intrusion_attitude", p.intrusion_attitude, non_negative());
        io.number("intrusion_complaint", p.intrusion_complaint, share());
        io.number("intrusion_objection", p.intrusion_objection, share());
        io.number("cost_per_known_per_day", p.cost_per_known_per_day, rate());
        io.number("platform_cost_per_day", p.platform_cost_per_day, rate());
    });
    top.section("ambassadors", [&](auto& io) {
        auto& a = s.ambassadors;
        io.whole("count", a.count);
        io.choice("by", a.by, seed_rules);
        io.number("talk", a.talk, non_negative());
        io.number("reward_per_day", a.reward_per_day, rate());
    });
    top.list("events", s.events, [](auto& io, Event& e) {
        io.choice("kind", e.kind, event_kinds);
        io.text("brand", e.brand);
        io.number("from", e.from, non_negative());
        io.number("until", e.until, checked_with_others("> from, or .inf"));
        io.number("demand", e.demand, non_negative());
        io.number("problem_rate", e.problem_rate, share());
        io.number("problem_hazard", e.problem_hazard, rate());
        io.number("factor", e.factor, from_to(0.01, 100, " (price: times the list price)"));
    });
    top.list("uncertain", s.uncertain, [](auto& io, UncertainKey& u) {
        io.text("key", u.key);
        io.number("low", u.low, checked_with_others("a number"));
        io.number("high", u.high, checked_with_others("> low"));
    });
    top.list("policies", s.policies, [](auto& io, Policy& p) { describe_policy(io, p); });
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
    return in_sample(seeds.count) +
           static_cast<std::uint64_t>(std::llround(seeds.fraction * customers));
}

std::uint64_t Scenario::in_sample(std::uint64_t people) const {
    if (represents <= 0) {
        return people;
    }
    const double in_sample = std::min(double(people) * customers / represents, 1e18);
    return static_cast<std::uint64_t>(std::llround(in_sample));
}

bool Scenario::instant() const {
    return journey.funnel == Funnel::instant ||
           (journey.funnel == Funnel::automatic && brands.empty());
}

namespace {

/// Reports a broken rule at a key (throws): `fail("markets", "shares must add up to 1")`.
using Fail = std::function<void(std::string_view key, const std::string& message)>;

bool whole_multiple(double a, double b) {
    const double ratio = a / b;
    return std::abs(ratio - std::round(ratio)) < 1e-9 * std::max(1.0, ratio);
}

/// days, dt and record_every: whole numbers of steps, fewer than 2^32 of them.
void check_steps(const Scenario& s, const Fail& fail) {
    if (!(s.days / s.dt < double(std::numeric_limits<std::uint32_t>::max()))) {
        fail("days", "days / dt must stay below 2^32 steps, got " + format_number(s.days / s.dt));
    }
    if (!whole_multiple(s.days, s.dt)) {
        fail("days", "must be a whole number of steps of dt = " + format_number(s.dt) + ", got " +
                         format_number(s.days));
    }
    // At least one step between records (so days / record_every <= days / dt < 2^32 records).
    if (s.record_every < s.dt * (1 - 1e-9) || !whole_multiple(s.record_every, s.dt) ||
        s.record_every > s.days || !whole_multiple(s.days, s.record_every)) {
        fail("record_every", "must be a whole number of steps of dt = " + format_number(s.dt) +
                                 " that divides days = " + format_number(s.days) + ", got " +
                                 format_number(s.record_every));
    }
}

/// An edge list's file exists; a generated graph's degree fits its population and its kind.
void check_graph(const Scenario& s, const Fail& fail) {
    const auto& g = s.graph;
    if (s.customers < 1 && g.kind != GraphKind::edge_list) {
        fail("population.customers", "must be at least 1, got 0");
    }
    if (s.represents > 0 && s.represents < 1) {
        fail("population.represents",
             "must be 0 (the sample is the market) or the people in the market, at least 1, got " +
                 format_number(s.represents));
    }
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
        if (!(g.mean_degree < s.customers)) {
            fail("graph.mean_degree",
                 "must be from 0 to customers - 1, got " + format_number(g.mean_degree));
        }
        if ((g.kind == GraphKind::ring_lattice || g.kind == GraphKind::watts_strogatz ||
             g.kind == GraphKind::barabasi_albert) &&
            (g.mean_degree < 2 || g.mean_degree != std::floor(g.mean_degree) ||
             static_cast<std::uint64_t>(g.mean_degree) % 2 != 0)) {
            fail("graph.mean_degree", to_string(g.kind) + " needs an even whole number >= 2, got " +
                                          format_number(g.mean_degree));
        }
    }
}

/// Seeds and ambassadors fit the population (an edge list's: check_graph_size(), once read)
/// and the graph has ties when they are picked by them.
void check_seeds(const Scenario& s, const Fail& fail) {
    const bool sized = s.graph.kind != GraphKind::edge_list;
    if (sized && (s.in_sample(s.seeds.count) > s.customers || s.seed_customers() > s.customers)) {
        fail("seeds.count", "count + fraction x customers must not exceed customers (" +
                                std::to_string(s.customers) + "), got " +
                                std::to_string(s.seeds.count) + " + " +
                                format_number(s.seeds.fraction) + " x customers");
    }
    if (sized && s.in_sample(s.ambassadors.count) > s.customers) {
        fail("ambassadors.count", "must not exceed customers (" + std::to_string(s.customers) +
                                      "), got " + std::to_string(s.ambassadors.count));
    }
    if (s.graph.kind == GraphKind::mean_field && s.seeds.by != SeedRule::random) {
        fail("seeds.by", "a mean_field graph has no ties, so seeds can only be random");
    }
    if (s.ambassadors.count > 0 && s.ambassadors.by != SeedRule::random &&
        s.graph.kind == GraphKind::mean_field) {
        fail("ambassadors.by", "a mean_field graph has no ties, so ambassadors can only be random");
    }
}

/// The names of the journey's lists, each given, unique and within the step loop's tallies.
struct Names {
    std::set<std::string> channels, markets, segments, brands;
};

template <class Item>
std::set<std::string> unique_names(const std::string& list, const std::vector<Item>& items,
                                   std::size_t most, const Fail& fail) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto key = list + "[" + std::to_string(i) + "].name";
        if (items[i].name.empty()) {
            fail(key, "every item of " + list + " needs a name");
        }
        if (!seen.insert(items[i].name).second) {
            fail(key, "'" + items[i].name + "' names two items of " + list);
        }
        if (i >= most) {
            fail(list, "at most " + std::to_string(most) + " items, got " + std::to_string(i + 1));
        }
    }
    return seen;
}

Names check_names(const Scenario& s, const Fail& fail) {
    Names names{unique_names("channels", s.channels, max_channels, fail),
                unique_names("markets", s.markets, max_markets, fail),
                unique_names("segments", s.segments, max_segments, fail),
                unique_names("brands", s.brands, max_brands, fail)};
    if (s.markets.empty()) {
        names.markets.insert(Market{}.name);
    }
    return names;
}

/// `name`, written at `key`, is one of `names` (the `what`).
void check_known(const std::string& key, const std::string& name,
                 const std::set<std::string>& names, const std::string& what, const Fail& fail) {
    if (!names.count(name)) {
        std::string allowed;
        for (const auto& n : names) {
            allowed += (allowed.empty() ? "" : ", ") + n;
        }
        fail(key, "'" + name + "' is not one of the " + what + " (" + allowed + ")");
    }
}

/// Markets name known channels; their shares add up to 1.
void check_markets(const Scenario& s, const Names& names, const Fail& fail) {
    double total = 0;
    for (std::size_t i = 0; i < s.markets.size(); ++i) {
        total += s.markets[i].share;
        for (const auto& c : s.markets[i].channels) {
            check_known("markets[" + std::to_string(i) + "].channels", c, names.channels,
                        "channels", fail);
        }
    }
    if (!s.markets.empty() && std::abs(total - 1) > 1e-6) {
        fail("markets", "market shares must add up to 1, got " + format_number(total));
    }
}

/// In every market the segments' shares add up to 1; `share_in` and `affinity` name known
/// markets and channels.
void check_segments(const Scenario& s, const Names& names, const Fail& fail) {
    for (const auto& market : s.segments.empty() ? std::set<std::string>{} : names.markets) {
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
        const auto key = "segments[" + std::to_string(i) + "]";
        for (const auto& [market, value] : s.segments[i].share_in) {
            check_known(key + ".share_in." + market, market, names.markets, "markets", fail);
        }
        for (const auto& [channel, value] : s.segments[i].affinity) {
            check_known(key + ".affinity." + channel, channel, names.channels, "channels", fail);
        }
    }
}

/// A channel spills into another known channel.
void check_channels(const Scenario& s, const Names& names, const Fail& fail) {
    for (std::size_t i = 0; i < s.channels.size(); ++i) {
        const auto& c = s.channels[i];
        const auto key = "channels[" + std::to_string(i) + "].spills_into";
        if (!c.spills_into.empty()) {
            check_known(key, c.spills_into, names.channels, "channels", fail);
            if (c.spills_into == c.name) {
                fail(key, "a channel cannot spill into itself");
            }
        }
    }
}

/// Flights name known channels and markets and end after they start; the brands' initial
/// shares add up to at most 1.
void check_brands(const Scenario& s, const Names& names, const Fail& fail) {
    double installed = 0;
    for (std::size_t i = 0; i < s.brands.size(); ++i) {
        installed += s.brands[i].initial_share;
        const auto& media = s.brands[i].media;
        for (std::size_t f = 0; f < media.size(); ++f) {
            const auto& flight = media[f];
            const auto key = "brands[" + std::to_string(i) + "].media[" + std::to_string(f) + "]";
            check_known(key + ".channel", flight.channel, names.channels, "channels", fail);
            if (!flight.market.empty()) {
                check_known(key + ".market", flight.market, names.markets, "markets", fail);
            }
            if (!(flight.from >= 0) || !(flight.until > flight.from)) {
                fail(key + ".until", "a flight needs 0 <= from < until, got from " +
                                         format_number(flight.from) + ", until " +
                                         format_number(flight.until));
            }
        }
    }
    if (installed > 1 + 1e-9) {
        fail("brands", "initial shares add up to more than 1: " + format_number(installed));
    }
}

/// Events end after they start and name known brands.
void check_events(const Scenario& s, const Names& names, const Fail& fail) {
    for (std::size_t i = 0; i < s.events.size(); ++i) {
        const auto& e = s.events[i];
        const auto key = "events[" + std::to_string(i) + "]";
        if (!(e.from >= 0) || !(e.until > e.from)) {
            fail(key + ".until", "an event needs 0 <= from < until, got from " +
                                     format_number(e.from) + ", until " + format_number(e.until));
        }
        if (!e.brand.empty()) {
            check_known(key + ".brand", e.brand, names.brands, "brands", fail);
        }
    }
}

/// Uncertain keys: each named once, not a key that sets the run's shape or its randomness, with
/// low < high. Whether the key exists and takes both ends is checked where the draws are made
/// (uncertain_draws), which parses the scenario with each end set.
void check_uncertain(const Scenario& s, const Fail& fail) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < s.uncertain.size(); ++i) {
        const auto& u = s.uncertain[i];
        const auto key = "uncertain[" + std::to_string(i) + "]";
        if (u.key.empty()) {
            fail(key + ".key", "needs the key whose value is uncertain, e.g. journey.decide_rate");
        }
        if (u.key == "seed" || u.key == "replicates" || u.key.rfind("uncertain", 0) == 0) {
            fail(key + ".key", "'" + u.key + "' cannot be uncertain: give a model key");
        }
        if (!seen.insert(u.key).second) {
            fail(key + ".key", "'" + u.key + "' is named twice");
        }
        if (!std::isfinite(u.low) || !std::isfinite(u.high) || !(u.high > u.low)) {
            fail(key + ".high", "needs finite low < high, got low " + format_number(u.low) +
                                    ", high " + format_number(u.high));
        }
    }
}

/// The keys each policy kind uses (besides `kind`).
bool policy_uses(PolicyKind kind, std::string_view key) {
    static const std::map<std::string_view, std::vector<PolicyKind>> users = {
        {"every_days", {PolicyKind::reallocate, PolicyKind::bandit}},
        {"metric", {PolicyKind::reallocate, PolicyKind::bandit}},
        {"move_share", {PolicyKind::reallocate}},
        {"floor_share", {PolicyKind::reallocate}},
        {"test_share", {PolicyKind::bandit}},
        {"draws", {PolicyKind::bandit}},
        {"channel", {PolicyKind::retarget}},
        {"intent_channels", {PolicyKind::retarget}},
        {"within_days", {PolicyKind::retarget}},
        {"gap_days", {PolicyKind::retarget}},
        {"cap", {PolicyKind::retarget}},
        {"after_days", {PolicyKind::follow_up, PolicyKind::win_back}},
        {"cost", {PolicyKind::retarget, PolicyKind::follow_up, PolicyKind::win_back}},
        {"satisfaction_gain", {PolicyKind::follow_up}},
        {"attitude_gain", {PolicyKind::follow_up, PolicyKind::win_back}},
        {"response", {PolicyKind::win_back}}};
    const auto& kinds = users.at(key);
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

/// A key set away from its default on a policy whose kind does not use it is an error.
void check_policy_keys(const Policy& p, const std::string& key, const Fail& fail) {
    const Policy d;
    const std::pair<const char*, bool> changed[] = {
        {"every_days", p.every_days != d.every_days},
        {"metric", p.metric != d.metric},
        {"move_share", p.move_share != d.move_share},
        {"floor_share", p.floor_share != d.floor_share},
        {"test_share", p.test_share != d.test_share},
        {"draws", p.draws != d.draws},
        {"channel", p.channel != d.channel},
        {"intent_channels", p.intent_channels != d.intent_channels},
        {"within_days", p.within_days != d.within_days},
        {"gap_days", p.gap_days != d.gap_days},
        {"cap", p.cap != d.cap},
        {"after_days", p.after_days != d.after_days},
        {"cost", p.cost != d.cost},
        {"satisfaction_gain", p.satisfaction_gain != d.satisfaction_gain},
        {"attitude_gain", p.attitude_gain != d.attitude_gain},
        {"response", p.response != d.response}};
    for (const auto& [name, set] : changed) {
        if (set && !policy_uses(p.kind, name)) {
            std::string kinds;
            for (const auto& [kind, kind_name] : policy_kinds) {
                if (policy_uses(kind, name)) {
                    kinds += (kinds.empty() ? "" : ", ") + std::string(kind_name);
                }
            }
            fail(key + "." + name, std::string("is not a key of kind ") +
                                       name_of(p.kind, policy_kinds) + " (used by " + kinds + ")");
        }
    }
}

/// Policies: the journey only; at most one budget policy (reallocate or bandit) and one of each
/// triggered kind; a retargeting policy names known channels; step counts fit the per-customer
/// day stamps (16 bits).
void check_policies(const Scenario& s, const Names& names, const Fail& fail) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < s.policies.size(); ++i) {
        const Policy& p = s.policies[i];
        const auto key = "policies[" + std::to_string(i) + "]";
        if (s.instant()) {
            fail(key + ".kind", "policies need the journey funnel (brands)");
        }
        check_policy_keys(p, key, fail);
        const bool budget = p.kind == PolicyKind::reallocate || p.kind == PolicyKind::bandit;
        if (!seen.insert(budget ? "budget" : name_of(p.kind, policy_kinds)).second) {
            fail(key + ".kind", budget ? "only one budget policy (reallocate or bandit) may run"
                                       : std::string("only one policy of kind ") +
                                             name_of(p.kind, policy_kinds) + " may run");
        }
        if (!budget && s.days / s.dt > 65000) {
            fail(key + ".kind", "triggered policies need days / dt <= 65000 steps");
        }
        if (p.kind == PolicyKind::retarget) {
            if (p.channel.empty()) {
                fail(key + ".channel", "retarget needs the channel of its touches");
            }
            check_known(key + ".channel", p.channel, names.channels, "channels", fail);
            if (p.cap > 255) {
                fail(key + ".cap",
                     "must be at most 255 touches a window, got " + std::to_string(p.cap));
            }
            if (p.intent_channels.empty()) {
                fail(key + ".intent_channels",
                     "retarget needs the channels whose exposures show intent, e.g. [search]");
            }
            for (const auto& c : p.intent_channels) {
                check_known(key + ".intent_channels", c, names.channels, "channels", fail);
                if (c == p.channel) {
                    fail(key + ".intent_channels",
                         "the retargeting channel '" + c + "' cannot also show intent");
                }
            }
        }
    }
}

/// The journey needs brands; the instant funnel has none.
void check_funnel(const Scenario& s, const Fail& fail) {
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
    const Fail fail = [&](std::string_view key, const std::string& message) {
        throw ScenarioError((where ? where(key) : std::string()) + std::string(key) + ": " +
                            message);
    };
    // Each key's own range, as describe() declares it (the reader has checked those of a file).
    Scenario ranges_of = s;
    RangeChecker ranges("", fail);
    describe(ranges, ranges_of, nullptr);
    check_steps(s, fail);
    if (!s.start_date.empty() && !iso_day_number(s.start_date)) {
        fail("start_date",
             "must be an ISO date YYYY-MM-DD (the date of day 0), got '" + s.start_date + "'");
    }
    check_graph(s, fail);
    const Names names = check_names(s, fail);
    check_markets(s, names, fail);
    check_segments(s, names, fail);
    check_channels(s, names, fail);
    check_brands(s, names, fail);
    check_events(s, names, fail);
    check_uncertain(s, fail);
    check_funnel(s, fail);
    check_policies(s, names, fail);
    check_seeds(s, fail);
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
    if (s.in_sample(s.ambassadors.count) > customers) {
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

std::vector<ScenarioKey> scenario_keys() {
    std::vector<ScenarioKey> keys;
    Scenario defaults;
    Lister lister("", keys);
    describe(lister, defaults, nullptr);
    return keys;
}

std::string scenario_keys_markdown() {
    // A | inside a cell would end it, even in a code span.
    const auto cell = [](const std::string& text) {
        std::string out;
        for (const char c : text) {
            out += c == '|' ? std::string("\\|") : std::string(1, c);
        }
        return out;
    };
    std::string out = "| key | type | default | allowed |\n|---|---|---|---|\n";
    for (const auto& key : scenario_keys()) {
        out += "| `" + key.path + "` | " + key.type + " | `" + cell(key.default_value) + "` | " +
               cell(key.allowed) + " |\n";
    }
    return out;
}

} // namespace custsim
