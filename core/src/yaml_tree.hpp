#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace custsim {

/// A YAML value that remembers where it was written, so that errors found long after parsing
/// (after `extends:` merges and `--set` overrides) still name the file and line.
struct YamlNode {
    enum class Kind { null, scalar, sequence, map };
    Kind kind = Kind::null;
    std::string scalar;
    std::vector<YamlNode> items;                           // sequence
    std::vector<std::pair<std::string, YamlNode>> members; // map, in file order
    std::string file;
    int line = 0; // 1-based; 0 for a value that came from an override

    const YamlNode* find(std::string_view key) const;
    YamlNode* find(std::string_view key);
    /// "file:line: " (or "file: " without a line).
    std::string where() const;
};

YamlNode parse_yaml(std::string_view text, const std::string& file);
YamlNode read_yaml_file(const std::filesystem::path& path);
/// Maps merge key by key, recursively; anything else in `over` replaces `base`.
void merge_yaml(YamlNode& base, const YamlNode& over);
/// Applies `a.b[2].c=value` (value is YAML); a sequence of maps can also be indexed by an
/// item's `name` (`channels.tv.adoption_rate=0.1`).
void apply_override(YamlNode& root, std::string_view assignment);

/// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace custsim
