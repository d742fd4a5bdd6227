#include "yaml_tree.hpp"

#include "custsim/error.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace custsim {

namespace {

bool is_null_text(std::string_view text) {
    return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

bool is_decimal_integer(std::string_view text) {
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        text.remove_prefix(1);
    }
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_float_text(std::string_view text) {
    std::string_view unsigned_text = text;
    if (!unsigned_text.empty() && (unsigned_text.front() == '-' || unsigned_text.front() == '+')) {
        unsigned_text.remove_prefix(1);
    }
    for (const char* special : {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"}) {
        if (unsigned_text == special) {
            return true;
        }
    }
    double number = 0;
    const auto [end, error] =
        std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), number);
    return !unsigned_text.empty() && error == std::errc{} &&
           end == unsigned_text.data() + unsigned_text.size();
}

/// Builds the YamlNode tree straight from the parser's events (yaml-cpp's own YAML::Node
/// expands aliases without limit and recurses without a guard), enforcing the limits of
/// parse_yaml() as it goes.
class TreeBuilder : public YAML::EventHandler {
  public:
    explicit TreeBuilder(const std::string& file) : file_(file) {}

    YamlNode take_root() {
        YamlNode root = std::move(root_);
        root.file = file_;
        return root;
    }

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (documents_++ > 0) {
            fail(mark, "a second YAML document (after ---); a file holds one document");
        }
    }
    void OnDocumentEnd() override {}

    void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        complete(leaf(mark, YamlNode::Kind::null, {}), anchor, mark);
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        auto kind = YamlNode::Kind::scalar;
        check_tag(mark, tag, kind, value);
        complete(leaf(mark, kind, kind == YamlNode::Kind::null ? std::string() : value), anchor,
                 mark);
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        const auto found = anchors_.find(anchor);
        if (found == anchors_.end()) {
            fail(mark, "the alias *" + anchor_name(anchor) +
                           " refers to a node that contains it (a loop)");
        }
        const Built& anchored = found->second;
        if (int(stack_.size()) + anchored.height > max_yaml_depth) {
            fail(mark, "the alias *" + anchor_name(anchor) + " nests deeper than " +
                           std::to_string(max_yaml_depth) + " levels");
        }
        charge(mark, anchored.bytes);
        alias_bytes_ += anchored.bytes;
        if (alias_bytes_ > max_alias_bytes) {
            fail(mark, "aliases expand to more than " + std::to_string(max_alias_bytes >> 20) +
                           " MB of nodes (a \"billion laughs\"?)");
        }
        complete(Built{anchored.node, anchored.bytes, anchored.height}, 0, mark);
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, YamlNode::Kind::sequence);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, YamlNode::Kind::map);
    }
    void OnMapEnd() override { close(); }

  private:
    /// A finished node with its size (for the alias budget) and height (for the depth limit).
    struct Built {
        YamlNode node;
        std::size_t bytes = 0;
        int height = 1;
    };
    /// A sequence or map still open.
    struct Open {
        Built built;
        YAML::anchor_t anchor = 0;
        YAML::Mark mark;
        bool have_key = false;
        std::string key;
        YAML::Mark key_mark;
        std::unordered_set<std::string> keys;
    };

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
        throw ScenarioError(file_ + ":" + std::to_string(mark.line + 1) + ": " + message);
    }

    std::string anchor_name(YAML::anchor_t anchor) const {
        const auto found = anchor_names_.find(anchor);
        return found != anchor_names_.end() ? found->second : std::to_string(anchor);
    }

    /// Counts the bytes of every node made (copies under anchors and aliases too).
    void charge(const YAML::Mark& mark, std::size_t bytes) {
        total_bytes_ += bytes;
        if (total_bytes_ > max_yaml_node_bytes) {
            fail(mark, "more than " + std::to_string(max_yaml_node_bytes >> 20) +
                           " MB of YAML nodes; a scenario is far smaller");
        }
    }

    Built leaf(const YAML::Mark& mark, YamlNode::Kind kind, std::string value) {
        Built built;
        built.node.kind = kind;
        built.node.scalar = std::move(value);
        built.node.file = file_;
        built.node.line = mark.line + 1;
        built.bytes = sizeof(YamlNode) + built.node.scalar.size();
        charge(mark, built.bytes);
        return built;
    }

    /// Only YAML's standard tags, each on a value it fits; `!!null` makes a scalar null.
    void check_tag(const YAML::Mark& mark, const std::string& tag, YamlNode::Kind& kind,
                   const std::string& value) const {
        if (tag.empty() || tag == "?" || tag == "!") {
            return;
        }
        static const std::string standard = "tag:yaml.org,2002:";
        const std::string_view name = std::string_view(tag).substr(
            tag.compare(0, standard.size(), standard) == 0 ? standard.size() : tag.size());
        static constexpr std::string_view known[] = {"str",  "int", "float", "bool",
                                                     "null", "seq", "map"};
        if (std::find(std::begin(known), std::end(known), name) == std::end(known)) {
            fail(mark, "the tag '" + tag +
                           "' is not allowed; only YAML's standard tags !!str, !!int, !!float, "
                           "!!bool, !!null, !!seq, !!map");
        }
        bool fits = false;
        if (kind == YamlNode::Kind::sequence) {
            fits = name == "seq";
        } else if (kind == YamlNode::Kind::map) {
            fits = name == "map";
        } else if (name == "str") {
            fits = true;
        } else if (name == "int") {
            fits = is_decimal_integer(value);
        } else if (name == "float") {
            fits = is_float_text(value);
        } else if (name == "bool") {
            fits = value == "true" || value == "false" || value == "yes" || value == "no";
        } else if (name == "null") {
            fits = is_null_text(value);
            kind = YamlNode::Kind::null;
        }
        if (!fits) {
            const std::string what = kind == YamlNode::Kind::sequence ? "a list"
                                     : kind == YamlNode::Kind::map    ? "a map"
                                                                      : "'" + value + "'";
            fail(mark, "the tag !!" + std::string(name) + " does not fit " + what);
        }
    }

    void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
              YamlNode::Kind kind) {
        if (int(stack_.size()) + 1 > max_yaml_depth) {
            fail(mark,
                 "lists and maps nest deeper than " + std::to_string(max_yaml_depth) + " levels");
        }
        check_tag(mark, tag, kind, {});
        if (anchor != 0) {
            anchor_names_[anchor] = anchor_name_;
        }
        Open open;
        open.built = leaf(mark, kind, {});
        open.anchor = anchor;
        open.mark = mark;
        stack_.push_back(std::move(open));
    }

    void close() {
        Open open = std::move(stack_.back());
        stack_.pop_back();
        complete(std::move(open.built), open.anchor, open.mark);
    }

    /// Files a finished node: under its anchor, then into its parent (or as the root).
    void complete(Built built, YAML::anchor_t anchor, const YAML::Mark& mark) {
        if (anchor != 0) {
            if (built.node.kind == YamlNode::Kind::scalar ||
                built.node.kind == YamlNode::Kind::null) {
                anchor_names_[anchor] = anchor_name_;
            }
            charge(mark, built.bytes);
            anchors_[anchor] = built;
        }
        if (stack_.empty()) {
            root_ = std::move(built.node);
            return;
        }
        Open& parent = stack_.back();
        parent.built.bytes += built.bytes;
        parent.built.height = std::max(parent.built.height, built.height + 1);
        YamlNode& node = parent.built.node;
        if (node.kind == YamlNode::Kind::sequence) {
            node.items.push_back(std::move(built.node));
            return;
        }
        if (!parent.have_key) {
            if (built.node.kind != YamlNode::Kind::scalar) {
                fail(mark, "a key must be a name, not " + describe_value(built.node));
            }
            parent.have_key = true;
            parent.key = std::move(built.node.scalar);
            parent.key_mark = mark;
            return;
        }
        parent.have_key = false;
        if (!parent.keys.insert(parent.key).second) {
            fail(parent.key_mark, parent.key + ": appears twice in one map");
        }
        parent.built.bytes += parent.key.size();
        node.members.emplace_back(std::move(parent.key), std::move(built.node));
    }

    const std::string& file_;
    YamlNode root_;
    int documents_ = 0;
    std::vector<Open> stack_;
    std::unordered_map<YAML::anchor_t, Built> anchors_;
    std::unordered_map<YAML::anchor_t, std::string> anchor_names_;
    std::string anchor_name_;
    std::size_t alias_bytes_ = 0;
    std::size_t total_bytes_ = 0;
};

/// One step of a key path: a name, or an index in brackets.
struct PathStep {
    std::string name;
    bool is_index = false;
    std::size_t index = 0;
};

/// Splits `a.b[2].c` into a, b, [2], c; refuses anything else (`a.`, `.`, `a..b`, `a[0x1]`).
std::vector<PathStep> split_key(std::string_view key, const std::string& origin) {
    auto refuse = [&](const std::string& what) {
        throw ScenarioError(origin + ": '" + std::string(key) + "' is not a key path: " + what +
                            " (names joined by dots, list items by [index] or by name, e.g. "
                            "channels[0].cpm or brands.focal.price)");
    };
    std::vector<PathStep> steps;
    std::size_t at = 0;
    bool want_name = true;
    while (at < key.size()) {
        if (want_name) {
            const auto end = std::min(key.find_first_of(".[]", at), key.size());
            if (end == at) {
                refuse("an empty name at character " + std::to_string(at + 1));
            }
            steps.push_back({std::string(key.substr(at, end - at))});
            at = end;
            want_name = false;
        } else if (key[at] == '.') {
            ++at;
            want_name = true;
        } else if (key[at] == '[') {
            const auto close = key.find(']', at);
            if (close == std::string_view::npos) {
                refuse("a '[' without its ']'");
            }
            const auto digits = key.substr(at + 1, close - at - 1);
            PathStep step{std::string(key.substr(at, close - at + 1)), true};
            const auto [end, error] =
                std::from_chars(digits.data(), digits.data() + digits.size(), step.index);
            if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
                !std::all_of(digits.begin(), digits.end(),
                             [](char c) { return c >= '0' && c <= '9'; })) {
                refuse("the index " + step.name + " is not a decimal whole number");
            }
            steps.push_back(std::move(step));
            at = close + 1;
        } else {
            refuse("'" + std::string(1, key[at]) + "' at character " + std::to_string(at + 1) +
                   " where '.' or '[' belongs");
        }
    }
    if (want_name) {
        refuse(key.empty() ? "no name" : "it ends with '.'");
    }
    return steps;
}

std::string shortened(const std::string& text) {
    constexpr std::size_t most = 240;
    return text.size() <= most
               ? text
               : text.substr(0, most / 2) + "..." + text.substr(text.size() - most / 2) + " (" +
                     std::to_string(text.size()) + " characters)";
}

} // namespace

std::string describe_value(const YamlNode& value) {
    switch (value.kind) {
    case YamlNode::Kind::null:
        return "nothing";
    case YamlNode::Kind::sequence:
        return "a list";
    case YamlNode::Kind::map:
        return "a map";
    default:
        return "'" + value.scalar + "'";
    }
}

YamlNode::YamlNode() = default;
YamlNode::YamlNode(const YamlNode&) = default;
YamlNode::YamlNode(YamlNode&&) noexcept = default;
YamlNode& YamlNode::operator=(const YamlNode&) = default;
YamlNode& YamlNode::operator=(YamlNode&&) noexcept = default;
YamlNode::~YamlNode() = default;

const YamlNode* YamlNode::find(std::string_view key) const {
    for (const auto& [name, value] : members) {
        if (name == key) {
            return &value;
        }
    }
    return nullptr;
}

YamlNode* YamlNode::find(std::string_view key) {
    return const_cast<YamlNode*>(std::as_const(*this).find(key));
}

std::string YamlNode::where() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
}

YamlNode parse_yaml(std::string_view text, const std::string& file) {
    try {
        std::istringstream in{std::string(text)};
        YAML::Parser parser(in);
        TreeBuilder builder(file);
        if (parser.HandleNextDocument(builder)) {
            parser.HandleNextDocument(builder); // a second document is refused at its start
        }
        return builder.take_root();
    } catch (const YAML::Exception& error) {
        throw ScenarioError(
            file + (error.mark.line >= 0 ? ":" + std::to_string(error.mark.line + 1) : "") +
            ": not valid YAML: " + error.msg);
    }
}

std::string yaml_file_problem(const std::filesystem::path& path) {
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (status.type() == std::filesystem::file_type::not_found) {
        return "no such file";
    }
    if (error) {
        return error.message();
    }
    if (std::filesystem::is_directory(status)) {
        return "it is a folder, not a file";
    }
    if (!std::filesystem::is_regular_file(status)) {
        return "it is not a regular file (a device, a pipe or a socket?)";
    }
    const auto size = std::filesystem::file_size(path, error);
    if (error) {
        return error.message();
    }
    if (size > max_yaml_file_bytes) {
        return "it has " + std::to_string(size >> 20) + " MB; a YAML file here may have at most " +
               std::to_string(max_yaml_file_bytes >> 20) + " MB";
    }
    return {};
}

YamlNode read_yaml_file(const std::filesystem::path& path) {
    const std::string name = shortened(path.string());
    if (const auto problem = yaml_file_problem(path); !problem.empty()) {
        throw ScenarioError(name + ": cannot open the scenario file: " + problem);
    }
    std::ifstream in(path, std::ios::binary);
    std::string text;
    if (in) {
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (!in && !in.eof()) {
        throw ScenarioError(name + ": cannot read the file");
    }
    // YAML is text: tabs and line ends, but no other control bytes (a binary file, say).
    const auto bad = std::find_if(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f;
    });
    if (bad != text.end()) {
        const auto line = std::count(text.begin(), bad, '\n') + 1;
        throw ScenarioError(name + ":" + std::to_string(line) + ": the control byte " +
                            printable(std::string(1, *bad)) +
                            " is not allowed in a YAML text file (a binary file?)");
    }
    return parse_yaml(text, name);
}

namespace {
/// The item's `name` if it is a map with a scalar name, else null.
const std::string* item_name(const YamlNode& item) {
    if (item.kind != YamlNode::Kind::map) {
        return nullptr;
    }
    const auto* name = item.find("name");
    return name && name->kind == YamlNode::Kind::scalar ? &name->scalar : nullptr;
}

bool all_named(const YamlNode& list) {
    return std::all_of(list.items.begin(), list.items.end(),
                       [](const YamlNode& item) { return item_name(item) != nullptr; });
}

void merge_at(YamlNode& base, const YamlNode& over, const std::string& path) {
    // Lists of named items (brands, channels, markets, segments) merge item by item, so a file
    // that extends another changes one brand's price without restating the brand.
    if (base.kind == YamlNode::Kind::sequence && over.kind == YamlNode::Kind::sequence &&
        !base.items.empty() && all_named(base) && all_named(over)) {
        std::unordered_map<std::string, std::size_t> position; // first item of each name
        for (std::size_t i = 0; i < base.items.size(); ++i) {
            position.emplace(*item_name(base.items[i]), i);
        }
        std::unordered_set<std::string> seen;
        for (std::size_t j = 0; j < over.items.size(); ++j) {
            const auto& item = over.items[j];
            const auto& name = *item_name(item);
            if (!seen.insert(name).second) {
                const auto list = path.empty() ? std::string("(top level)") : path;
                throw ScenarioError(item.find("name")->where() + list + "[" + std::to_string(j) +
                                    "].name: '" + name + "' names two items of " + list);
            }
            if (const auto found = position.find(name); found != position.end()) {
                merge_at(base.items[found->second], item,
                         path + "[" + std::to_string(found->second) + "]");
            } else {
                position.emplace(name, base.items.size());
                base.items.push_back(item);
            }
        }
        return;
    }
    if (base.kind != YamlNode::Kind::map || over.kind != YamlNode::Kind::map) {
        base = over;
        return;
    }
    std::unordered_map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < base.members.size(); ++i) {
        position.emplace(base.members[i].first, i);
    }
    for (const auto& [key, value] : over.members) {
        if (const auto found = position.find(key); found != position.end()) {
            merge_at(base.members[found->second].second, value,
                     path.empty() ? key : path + "." + key);
        } else {
            position.emplace(key, base.members.size());
            base.members.emplace_back(key, value);
        }
    }
}
} // namespace

void merge_yaml(YamlNode& base, const YamlNode& over) {
    merge_at(base, over, "");
}

namespace {
/// "a, b, c": the listed names, each once, in order.
std::string joined_names(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (std::find(names.begin(), names.begin() + std::ptrdiff_t(i), names[i]) ==
            names.begin() + std::ptrdiff_t(i)) {
            out += (out.empty() ? "" : ", ") + names[i];
        }
    }
    return out.empty() ? "none" : out;
}

/// The scalar value of `key` in a map item, or null.
const std::string* scalar_of(const YamlNode& item, std::string_view key) {
    const auto* value = item.kind == YamlNode::Kind::map ? item.find(key) : nullptr;
    return value && value->kind == YamlNode::Kind::scalar ? &value->scalar : nullptr;
}

/// The item of a list that `name` addresses: the one whose `name` it is or, in a brand's
/// `media` (flights have no name), the one flight on that channel. A channel with several
/// flights (one per market, say) is refused with their positions rather than guessed.
YamlNode& named_item(YamlNode& list, const std::string& name, const std::string& walked,
                     const std::string& origin) {
    const bool flights = walked == "media" || (walked.size() > 6 && walked.ends_with(".media"));
    const char* naming = flights ? "channel" : "name";
    std::vector<std::size_t> found;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        if (const auto* item_name = scalar_of(list.items[i], naming)) {
            names.push_back(*item_name);
            if (*item_name == name) {
                found.push_back(i);
            }
        }
    }
    if (found.empty() && flights) {
        throw ScenarioError(origin + ": " + walked + ": has no flight on channel '" + name +
                            "' (its flights are on: " + joined_names(names) +
                            "); to add one, set the whole list: " + walked +
                            "=[{channel: ..., spend_per_day: ...}, ...]");
    }
    if (found.empty()) {
        throw ScenarioError(origin + ": " + walked + ": has no item named '" + name +
                            "' (names: " + joined_names(names) + ")");
    }
    if (found.size() > 1 && flights) {
        std::string positions;
        for (const auto i : found) {
            const auto* market = scalar_of(list.items[i], "market");
            positions += (positions.empty() ? "" : ", ") + walked + "[" + std::to_string(i) + "]" +
                         (market ? " (market " + *market + ")" : std::string());
        }
        throw ScenarioError(
            origin + ": " + walked + "." + name + ": " + std::to_string(found.size()) +
            " flights are on channel '" + name +
            "', so the name does not say which; address one by position: " + positions);
    }
    return list.items[found.front()];
}
} // namespace

void apply_override(YamlNode& root, std::string_view assignment) {
    const auto origin = "--set " + std::string(assignment);
    const auto equals = assignment.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        throw ScenarioError(origin + ": expected key.path=value");
    }
    const auto key = assignment.substr(0, equals);
    const auto steps = split_key(key, origin);
    if (steps.front().name == "extends") {
        throw ScenarioError(origin + ": extends: cannot be set with --set; the files a scenario "
                                     "extends are read before overrides apply, so write "
                                     "`extends:` in the file");
    }
    YamlNode value = parse_yaml(assignment.substr(equals + 1), origin);
    value.line = 0;
    std::string walked;
    YamlNode* node = &root;
    for (const auto& step : steps) {
        const auto& part = step.name;
        if (step.is_index) {
            if (node->kind != YamlNode::Kind::sequence || step.index >= node->items.size()) {
                throw ScenarioError(origin + ": " + walked + ": has no item " + part);
            }
            node = &node->items[step.index];
            walked += part;
            continue;
        }
        if (node->kind == YamlNode::Kind::sequence) {
            node = &named_item(*node, part, walked, origin);
        } else {
            if (node->kind != YamlNode::Kind::map) {
                node->kind = YamlNode::Kind::map;
                node->scalar.clear();
            }
            auto* child = node->find(part);
            if (!child) {
                YamlNode fresh;
                fresh.file = origin;
                node->members.emplace_back(part, fresh);
                child = &node->members.back().second;
            }
            node = child;
        }
        walked += (walked.empty() ? "" : ".") + part;
    }
    *node = value;
}

std::optional<std::string> value_at(YamlNode root, std::string_view key) {
    const std::string origin(key);
    std::string walked;
    YamlNode* node = &root;
    try {
        for (const auto& step : split_key(key, origin)) {
            const auto& part = step.name;
            if (step.is_index) {
                if (node->kind != YamlNode::Kind::sequence || step.index >= node->items.size()) {
                    return std::nullopt;
                }
                node = &node->items[step.index];
            } else if (node->kind == YamlNode::Kind::sequence) {
                node = &named_item(*node, part, walked, origin);
            } else if (auto* child =
                           node->kind == YamlNode::Kind::map ? node->find(part) : nullptr) {
                node = child;
            } else {
                return std::nullopt;
            }
            walked += (walked.empty() || step.is_index ? "" : ".") + part;
        }
    } catch (const ScenarioError&) {
        return std::nullopt; // no item of that name
    }
    return node->kind == YamlNode::Kind::scalar ? node->scalar : describe_value(*node);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

} // namespace custsim
