#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
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

    // Defined where YamlNode is complete: clang's C++20 library checks would otherwise reject
    // the vector of pairs holding the type being defined.
    YamlNode();
    YamlNode(const YamlNode&);
    YamlNode(YamlNode&&) noexcept;
    YamlNode& operator=(const YamlNode&);
    YamlNode& operator=(YamlNode&&) noexcept;
    ~YamlNode();

    const YamlNode* find(std::string_view key) const;
    YamlNode* find(std::string_view key);
    /// "file:line: " (or "file: " without a line).
    std::string where() const;
};

/// Limits that keep a hostile file from exhausting the stack or the memory: nesting depth
/// (aliases included), bytes of nodes that aliases may add (counted as sizeof(YamlNode) per node
/// plus its text: a "billion laughs" stops here), bytes of all nodes, and the size of a file.
inline constexpr int max_yaml_depth = 64;
inline constexpr std::size_t max_alias_bytes = std::size_t(1) << 20;
inline constexpr std::size_t max_yaml_node_bytes = std::size_t(64) << 20;
inline constexpr std::uintmax_t max_yaml_file_bytes = std::uintmax_t(16) << 20;

/// One YAML document. Refused, with file and line: a second document, tags other than YAML's
/// standard ones (or one that does not fit its value), an alias to the node that contains it,
/// nesting beyond max_yaml_depth, aliases adding more than max_alias_bytes, keys that are not
/// scalars, a key twice in one map.
YamlNode parse_yaml(std::string_view text, const std::string& file);
/// Why `path` cannot be a scenario file (missing, not a regular file, too large), or "".
std::string yaml_file_problem(const std::filesystem::path& path);
/// parse_yaml() of a regular text file of at most max_yaml_file_bytes.
YamlNode read_yaml_file(const std::filesystem::path& path);
/// Maps merge key by key, recursively; anything else in `over` replaces `base`. Lists whose
/// items all have a `name` merge item by item; a name twice in `over` is refused.
void merge_yaml(YamlNode& base, const YamlNode& over);
/// Applies `a.b[2].c=value` (value is YAML); a sequence of maps can also be indexed by an
/// item's `name` (`channels.tv.adoption_rate=0.1`), and a brand's `media` by a flight's
/// `channel` (`brands.focal.media.tv.spend_per_day=80`; refused, listing the positions, when
/// the brand has several flights on that channel). The path is names joined by dots and
/// decimal indices in brackets; `extends` cannot be set.
void apply_override(YamlNode& root, std::string_view assignment);
/// The value at `key` (a path as apply_override takes it) as text: a scalar's text, or
/// describe_value() of a list or map; nullopt when the path leads nowhere.
std::optional<std::string> value_at(YamlNode root, std::string_view key);
/// How a value is named in a message: 'text', a list, a map, nothing.
std::string describe_value(const YamlNode& value);

/// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace custsim
