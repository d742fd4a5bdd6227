#include "custsim/sweep.hpp"

#include "custsim/error.hpp"
#include "custsim/rng.hpp"
#include "yaml_tree.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

namespace custsim {

namespace {

[[noreturn]] void fail(const YamlNode& at, const std::string& key, const std::string& message) {
    throw ScenarioError(at.where() + key + ": " + message);
}

double number(const YamlNode& node, const std::string& key) {
    double value = 0;
    if (node.kind == YamlNode::Kind::scalar) {
        const auto& s = node.scalar;
        const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (error == std::errc{} && end == s.data() + s.size() && std::isfinite(value)) {
            return value;
        }
    }
    fail(node, key, "must be a number, got '" + node.scalar + "'");
}

/// A whole number from 0 to 2^64 - 1 written as digits, read exactly (never through a double).
std::uint64_t whole_number(const YamlNode& node, const std::string& key) {
    std::uint64_t value = 0;
    if (node.kind == YamlNode::Kind::scalar) {
        const auto& s = node.scalar;
        const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (error == std::errc{} && end == s.data() + s.size()) {
            return value;
        }
    }
    fail(node, key,
         "must be a whole number from 0 to 18446744073709551615, got '" + node.scalar + "'");
}

std::string text(const YamlNode& node, const std::string& key) {
    if (node.kind != YamlNode::Kind::scalar) {
        fail(node, key, "must be text");
    }
    return node.scalar;
}

void only_keys(const YamlNode& map, const std::string& where,
               std::initializer_list<const char*> known) {
    for (const auto& [key, value] : map.members) {
        if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
            std::string allowed;
            for (const char* k : known) {
                allowed += (allowed.empty() ? "" : ", ") + std::string(k);
            }
            fail(value, where + key, "unknown key (known keys: " + allowed + ")");
        }
    }
}

/// Recursive descent over + - * / ( ), numbers and names.
class Expression {
  public:
    Expression(const std::string& text, const std::map<std::string, double>& names)
        : text_(text), names_(names) {}
    double parse() {
        const double value = sum();
        skip();
        if (at_ != text_.size()) {
            error("unexpected '" + text_.substr(at_) + "'");
        }
        return value;
    }

  private:
    void skip() {
        while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) {
            ++at_;
        }
    }
    bool eat(char c) {
        skip();
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }
    double sum() {
        double value = product();
        for (;;) {
            if (eat('+')) {
                value += product();
            } else if (eat('-')) {
                value -= product();
            } else {
                return value;
            }
        }
    }
    double product() {
        double value = factor();
        for (;;) {
            if (eat('*')) {
                value *= factor();
            } else if (eat('/')) {
                value /= factor();
            } else {
                return value;
            }
        }
    }
    double factor() {
        if (eat('-')) {
            return -factor();
        }
        if (eat('(')) {
            const double value = sum();
            if (!eat(')')) {
                error("missing ')'");
            }
            return value;
        }
        skip();
        const std::size_t start = at_;
        if (at_ < text_.size() &&
            (std::isdigit(static_cast<unsigned char>(text_[at_])) || text_[at_] == '.')) {
            double value = 0;
            const auto [end, err] =
                std::from_chars(text_.data() + at_, text_.data() + text_.size(), value);
            if (err != std::errc{}) {
                error("bad number");
            }
            at_ = std::size_t(end - text_.data());
            return value;
        }
        while (at_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_')) {
            ++at_;
        }
        const std::string name = text_.substr(start, at_ - start);
        if (name.empty()) {
            error("expected a number, a parameter name or '('");
        }
        const auto found = names_.find(name);
        if (found == names_.end()) {
            std::string known;
            for (const auto& [n, v] : names_) {
                known += (known.empty() ? "" : ", ") + n;
            }
            error("'" + name + "' is not a parameter (parameters: " + known + ")");
        }
        return found->second;
    }
    [[noreturn]] void error(const std::string& message) const {
        throw ScenarioError("in '" + text_ + "': " + message);
    }

    const std::string& text_;
    const std::map<std::string, double>& names_;
    std::size_t at_ = 0;
};

} // namespace

double evaluate(const std::string& expression, const std::map<std::string, double>& names) {
    return Expression(expression, names).parse();
}

bool is_sweep_file(const std::filesystem::path& path) {
    const YamlNode root = read_yaml_file(path);
    return root.kind == YamlNode::Kind::map && root.find("base") != nullptr;
}

namespace {

std::string read_sweep_text(const std::filesystem::path& path) {
    if (const auto problem = yaml_file_problem(path); !problem.empty()) {
        throw InputError(path.string() + ": cannot read the sweep file: " + problem);
    }
    std::ifstream in(path);
    if (!in) {
        throw InputError(path.string() + ": cannot read the sweep file");
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

/// The base scenario file, relative to `folder` (the sweep file's); it must exist.
std::filesystem::path read_base(const YamlNode& root, const std::filesystem::path& folder) {
    const auto* base = root.find("base");
    if (!base) {
        fail(root, "base", "a sweep needs the base scenario file");
    }
    const auto file = (folder / text(*base, "base")).lexically_normal();
    if (!std::filesystem::exists(file)) {
        fail(*base, "base", "no such file " + file.string());
    }
    return file;
}

void read_set(const YamlNode& root, Sweep& sweep) {
    if (const auto* set = root.find("set")) {
        if (set->kind != YamlNode::Kind::sequence) {
            fail(*set, "set", "must be a list of key=value overrides");
        }
        for (const auto& item : set->items) {
            sweep.set.push_back(text(item, "set"));
        }
    }
}

void read_design(const YamlNode& root, Sweep& sweep) {
    if (const auto* design = root.find("design")) {
        const auto name = text(*design, "design");
        if (name == "grid") {
            sweep.design = Design::grid;
        } else if (name == "list") {
            sweep.design = Design::list;
        } else if (name == "latin_hypercube") {
            sweep.design = Design::latin_hypercube;
        } else {
            fail(*design, "design",
                 "must be one of grid, list, latin_hypercube, got '" + name + "'");
        }
    }
}

/// `points`, `seed` and `timeseries`: each optional.
void read_scalars(const YamlNode& root, Sweep& sweep) {
    if (const auto* points = root.find("points")) {
        const double n = number(*points, "points");
        if (n < 1 || n != std::floor(n) || n > 1e7) {
            fail(*points, "points", "must be a whole number from 1, got " + points->scalar);
        }
        sweep.points = static_cast<std::uint32_t>(n);
    }
    if (const auto* seed = root.find("seed")) {
        sweep.seed = whole_number(*seed, "seed");
    }
    if (const auto* timeseries = root.find("timeseries")) {
        const auto value = text(*timeseries, "timeseries");
        if (value != "true" && value != "false") {
            fail(*timeseries, "timeseries", "must be true or false, got '" + value + "'");
        }
        sweep.timeseries = value == "true";
    }
}

/// A parameter's range: `from` and `to` for a latin hypercube, else its `values`.
void read_range(const YamlNode& item, const std::string& where, Design design, SweepParameter& p) {
    if (const auto* values = item.find("values")) {
        if (values->kind != YamlNode::Kind::sequence || values->items.empty()) {
            fail(*values, where + "values", "must be a list of numbers");
        }
        for (const auto& v : values->items) {
            p.values.push_back(number(v, where + "values"));
        }
    }
    const auto* from = item.find("from");
    const auto* to = item.find("to");
    if (design == Design::latin_hypercube) {
        if (!from || !to) {
            fail(item, where + "from", "a latin_hypercube parameter needs from and to");
        }
        p.from = number(*from, where + "from");
        p.to = number(*to, where + "to");
        if (!(p.to > p.from)) {
            fail(*to, where + "to", "must be greater than from");
        }
    } else if (p.values.empty()) {
        fail(item, where + "values", "a grid or list parameter needs values");
    }
}

SweepParameter read_parameter(const YamlNode& item, std::size_t i, Design design) {
    const std::string where = "parameters[" + std::to_string(i) + "].";
    if (item.kind != YamlNode::Kind::map) {
        fail(item, where.substr(0, where.size() - 1), "must be a map");
    }
    only_keys(item, where, {"name", "key", "values", "from", "to"});
    SweepParameter p;
    if (const auto* key = item.find("key")) {
        p.key = text(*key, where + "key");
    }
    if (const auto* name = item.find("name")) {
        p.name = text(*name, where + "name");
    }
    if (p.name.empty()) {
        p.name = p.key;
    }
    if (p.name.empty()) {
        fail(item, where + "name", "a parameter needs a key or a name");
    }
    read_range(item, where, design, p);
    return p;
}

/// A list design pairs the i-th values of every parameter, so all lists are as long.
void check_list_lengths(const YamlNode& parameters, const Sweep& sweep) {
    for (const auto& p : sweep.parameters) {
        if (p.values.size() != sweep.parameters[0].values.size()) {
            fail(parameters, "parameters",
                 "a list design needs equally many values for every parameter ('" + p.name +
                     "' has " + std::to_string(p.values.size()) + ", '" + sweep.parameters[0].name +
                     "' has " + std::to_string(sweep.parameters[0].values.size()) + ")");
        }
    }
}

void read_parameters(const YamlNode& root, Sweep& sweep) {
    const auto* parameters = root.find("parameters");
    if (!parameters || parameters->kind != YamlNode::Kind::sequence || parameters->items.empty()) {
        fail(parameters ? *parameters : root, "parameters", "a sweep needs a list of parameters");
    }
    for (std::size_t i = 0; i < parameters->items.size(); ++i) {
        const auto& item = parameters->items[i];
        SweepParameter p = read_parameter(item, i, sweep.design);
        for (const auto& other : sweep.parameters) {
            if (other.name == p.name) {
                fail(item, "parameters[" + std::to_string(i) + "].name",
                     "'" + p.name + "' names two parameters");
            }
        }
        sweep.parameters.push_back(p);
    }
    if (sweep.design == Design::list) {
        check_list_lengths(*parameters, sweep);
    }
}

/// Derived keys: each expression is tried once with every parameter at 1, to catch typos now.
void read_derived(const YamlNode& root, Sweep& sweep) {
    if (const auto* derived = root.find("derived")) {
        if (derived->kind != YamlNode::Kind::map) {
            fail(*derived, "derived", "must map scenario keys to expressions of parameters");
        }
        std::map<std::string, double> probe;
        for (const auto& p : sweep.parameters) {
            probe[p.name] = 1;
        }
        for (const auto& [key, expression] : derived->members) {
            const auto formula = text(expression, "derived." + key);
            try {
                evaluate(formula, probe);
            } catch (const ScenarioError& e) {
                fail(expression, "derived." + key, e.what());
            }
            sweep.derived.emplace_back(key, formula);
        }
    }
}

} // namespace

Sweep load_sweep(const std::filesystem::path& path) {
    return parse_sweep(read_sweep_text(path), path.string(), path.parent_path());
}

Sweep parse_sweep(std::string_view yaml, const std::string& name,
                  const std::filesystem::path& base_dir) {
    Sweep sweep;
    sweep.text = std::string(yaml);
    const YamlNode root = parse_yaml(sweep.text, name);
    if (root.kind != YamlNode::Kind::map) {
        fail(root, "(top level)", "a sweep must be a map of keys");
    }
    only_keys(root, "",
              {"base", "set", "parameters", "derived", "design", "points", "seed", "timeseries"});
    sweep.base = read_base(root, base_dir);
    read_set(root, sweep);
    read_design(root, sweep);
    read_scalars(root, sweep);
    read_parameters(root, sweep);
    if (sweep.design == Design::latin_hypercube && sweep.points == 0) {
        fail(root, "points", "a latin_hypercube design needs the number of points");
    }
    read_derived(root, sweep);
    // Every point must make a valid scenario: check the first now, before any long run.
    const auto first = point_overrides(sweep, sweep_points(sweep).front());
    load_scenario(sweep.base, first);
    return sweep;
}

std::vector<std::vector<double>> sweep_points(const Sweep& sweep) {
    const std::size_t P = sweep.parameters.size();
    std::vector<std::vector<double>> points;
    switch (sweep.design) {
    case Design::grid: {
        std::vector<std::size_t> index(P, 0);
        for (;;) {
            std::vector<double> point(P);
            for (std::size_t p = 0; p < P; ++p) {
                point[p] = sweep.parameters[p].values[index[p]];
            }
            points.push_back(point);
            std::size_t p = P;
            while (p > 0) { // the last parameter varies fastest
                --p;
                if (++index[p] < sweep.parameters[p].values.size()) {
                    break;
                }
                index[p] = 0;
                if (p == 0) {
                    return points;
                }
            }
        }
    }
    case Design::list:
        for (std::size_t i = 0; i < sweep.parameters[0].values.size(); ++i) {
            std::vector<double> point(P);
            for (std::size_t p = 0; p < P; ++p) {
                point[p] = sweep.parameters[p].values[i];
            }
            points.push_back(point);
        }
        return points;
    case Design::latin_hypercube: {
        // Each parameter: a random permutation of the N strata, a uniform position inside each.
        const std::uint32_t n = sweep.points;
        points.assign(n, std::vector<double>(P));
        const StreamKey key{sweep.seed, 0};
        for (std::size_t p = 0; p < P; ++p) {
            std::vector<std::uint32_t> strata(n);
            std::iota(strata.begin(), strata.end(), 0u);
            Draws shuffle(key, std::uint32_t(p), Process::sweep, 0);
            for (std::uint32_t i = n; i > 1; --i) { // Fisher-Yates
                const auto j = static_cast<std::uint32_t>(shuffle.uniform() * i);
                std::swap(strata[i - 1], strata[std::min(j, i - 1)]);
            }
            Draws inside(key, std::uint32_t(p), Process::sweep, 1);
            const auto& range = sweep.parameters[p];
            for (std::uint32_t i = 0; i < n; ++i) {
                const double u = (strata[i] + inside.uniform()) / n;
                points[i][p] = range.from + (range.to - range.from) * u;
            }
        }
        return points;
    }
    }
    return points;
}

std::vector<std::string> point_overrides(const Sweep& sweep, const std::vector<double>& values) {
    std::vector<std::string> overrides = sweep.set;
    std::map<std::string, double> names;
    auto format = [](double v) {
        char buffer[64];
        const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, v);
        return std::string(buffer, end);
    };
    for (std::size_t p = 0; p < sweep.parameters.size(); ++p) {
        names[sweep.parameters[p].name] = values[p];
        if (!sweep.parameters[p].key.empty()) {
            overrides.push_back(sweep.parameters[p].key + "=" + format(values[p]));
        }
    }
    for (const auto& [key, expression] : sweep.derived) {
        overrides.push_back(key + "=" + format(evaluate(expression, names)));
    }
    return overrides;
}

} // namespace custsim
