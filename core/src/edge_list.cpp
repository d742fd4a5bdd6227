#include "custsim/error.hpp"
#include "custsim/social_graph.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <memory>

namespace custsim {

namespace {

struct GzCloser {
    void operator()(gzFile file) const { gzclose(file); }
};

bool is_separator(char c) {
    return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n';
}

/// Splits off the next field; empty when the line has no more.
std::string_view next_field(std::string_view& rest) {
    std::size_t begin = 0;
    while (begin < rest.size() && is_separator(rest[begin])) {
        ++begin;
    }
    std::size_t end = begin;
    while (end < rest.size() && !is_separator(rest[end])) {
        ++end;
    }
    auto field = rest.substr(begin, end - begin);
    rest.remove_prefix(end);
    return field;
}

bool parse_id(std::string_view field, std::int64_t& id) {
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), id);
    return error == std::errc{} && end == field.data() + field.size() && id >= 0;
}

} // namespace

SocialGraph SocialGraph::load_edge_list(const std::filesystem::path& path, EdgeListReport* report) {
    // gzread reads plain files as they are, so one path serves both.
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
    if (!file) {
        throw InputError(path.string() + ": cannot open the edge list");
    }
    gzbuffer(file.get(), 1 << 17);
    EdgeListReport local;
    EdgeListReport& r = report ? *report : local;
    r = EdgeListReport{};
    std::vector<std::int64_t> ends;
    std::string line;
    char buffer[4096];
    std::uint64_t line_number = 0;
    bool seen_data = false;
    while (gzgets(file.get(), buffer, sizeof buffer)) {
        line.assign(buffer);
        while (!line.empty() && line.back() != '\n' && gzgets(file.get(), buffer, sizeof buffer)) {
            line.append(buffer);
        }
        ++line_number;
        std::string_view rest(line);
        auto first = next_field(rest);
        if (first.empty() || first[0] == '#' || first[0] == '%') {
            continue;
        }
        auto second = next_field(rest);
        std::int64_t a = 0, b = 0;
        if (!parse_id(first, a) || !parse_id(second, b)) {
            if (!seen_data && !r.had_header) {
                r.had_header = true;
                continue;
            }
            throw InputError(path.string() + ":" + std::to_string(line_number) +
                             ": expected two non-negative integer ids separated by spaces, tabs "
                             "or a comma, got '" +
                             std::string(line.substr(0, line.find_last_not_of("\r\n") + 1)) + "'");
        }
        seen_data = true;
        ++r.lines;
        ends.push_back(a);
        ends.push_back(b);
    }
    int gz_error = 0;
    gzerror(file.get(), &gz_error);
    if (gz_error != Z_OK && gz_error != Z_STREAM_END) {
        throw InputError(path.string() + ": damaged gzip data after line " +
                         std::to_string(line_number));
    }
    std::vector<std::int64_t> ids = ends;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw InputError(path.string() + ": more than 2^32 - 1 customers");
    }
    std::vector<std::uint32_t> sources(r.lines), targets(r.lines);
    auto remap = [&](std::int64_t id) {
        return static_cast<std::uint32_t>(std::lower_bound(ids.begin(), ids.end(), id) -
                                          ids.begin());
    };
    for (std::uint64_t e = 0; e < r.lines; ++e) {
        sources[e] = remap(ends[2 * e]);
        targets[e] = remap(ends[2 * e + 1]);
    }
    std::vector<std::int64_t>().swap(ends);
    const auto customers = static_cast<std::uint32_t>(ids.size());
    r.original_ids = std::move(ids);
    return from_pairs(customers, sources, targets, &r.duplicates_dropped, &r.self_loops_dropped);
}

} // namespace custsim
