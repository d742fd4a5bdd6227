#include "yaml_tree.hpp"

#include "custsim/error.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace custsim {

namespace {

YamlNode convert(const YAML::Node& node, const std::string& file) {
    YamlNode out;
    out.file = file;
    out.line = node.Mark().line + 1;
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
        out.kind = YamlNode::Kind::scalar;
        out.scalar = node.Scalar();
        break;
    case YAML::NodeType::Sequence:
        out.kind = YamlNode::Kind::sequence;
        for (const auto& item : node) {
            out.items.push_back(convert(item, file));
        }
        break;
    case YAML::NodeType::Map:
        out.kind = YamlNode::Kind::map;
        for (const auto& member : node) {
            const std::string key = member.first.Scalar();
            if (out.find(key)) {
                throw ScenarioError(file + ":" + std::to_string(member.first.Mark().line + 1) +
                                    ": " + key + ": appears twice in one map");
            }
            out.members.emplace_back(key, convert(member.second, file));
        }
        break;
    default:
        out.kind = YamlNode::Kind::null;
    }
    return out;
}

/// Splits `a.b[2].c` into {"a", "b", "[2]", "c"}.
std::vector<std::string> split_key(std::string_view key) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : key) {
        if (c == '.') {
            if (!current.empty()) {
                parts.push_back(current);
            }
            current.clear();
        } else if (c == '[') {
            if (!current.empty()) {
                parts.push_back(current);
            }
            current = "[";
        } else if (c == ']') {
            current += c;
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) {
        parts.push_back(current);
    }
    return parts;
}

} // namespace

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
        return convert(YAML::Load(std::string(text)), file);
    } catch (const YAML::Exception& error) {
        throw ScenarioError(file + ":" + std::to_string(error.mark.line + 1) +
                            ": not valid YAML: " + error.msg);
    }
}

YamlNode read_yaml_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw ScenarioError(path.string() + ": cannot open the scenario file");
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_yaml(text.str(), path.string());
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
} // namespace

void merge_yaml(YamlNode& base, const YamlNode& over) {
    // Lists of named items (brands, channels, markets, segments) merge item by item, so a file
    // that extends another changes one brand's price without restating the brand.
    if (base.kind == YamlNode::Kind::sequence && over.kind == YamlNode::Kind::sequence &&
        !base.items.empty() && all_named(base) && all_named(over)) {
        for (const auto& item : over.items) {
            auto found = std::find_if(base.items.begin(), base.items.end(), [&](const YamlNode& b) {
                return *item_name(b) == *item_name(item);
            });
            if (found != base.items.end()) {
                merge_yaml(*found, item);
            } else {
                base.items.push_back(item);
            }
        }
        return;
    }
    if (base.kind != YamlNode::Kind::map || over.kind != YamlNode::Kind::map) {
        base = over;
        return;
    }
    for (const auto& [key, value] : over.members) {
        if (auto* existing = base.find(key)) {
            merge_yaml(*existing, value);
        } else {
            base.members.emplace_back(key, value);
        }
    }
}

void apply_override(YamlNode& root, std::string_view assignment) {
    const auto origin = "--set " + std::string(assignment);
    const auto equals = assignment.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        throw ScenarioError(origin + ": expected key.path=value");
    }
    const auto key = assignment.substr(0, equals);
    YamlNode value = parse_yaml(assignment.substr(equals + 1), origin);
    value.line = 0;
    std::string walked;
    YamlNode* node = &root;
    for (const auto& part : split_key(key)) {
        if (part.front() == '[') {
            std::size_t index = 0;
            try {
                index = std::stoul(part.substr(1, part.size() - 2));
            } catch (const std::exception&) {
                throw ScenarioError(origin + ": " + walked + part + ": not a list index");
            }
            if (node->kind != YamlNode::Kind::sequence || index >= node->items.size()) {
                throw ScenarioError(origin + ": " + walked + ": has no item " + part);
            }
            node = &node->items[index];
            walked += part;
            continue;
        }
        if (node->kind == YamlNode::Kind::sequence) {
            auto item = std::find_if(node->items.begin(), node->items.end(), [&](auto& it) {
                const auto* name = it.find("name");
                return name && name->scalar == part;
            });
            if (item == node->items.end()) {
                throw ScenarioError(origin + ": " + walked + ": has no item named '" + part + "'");
            }
            node = &*item;
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
