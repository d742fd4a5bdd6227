#include "custsim/error.hpp"
#include "custsim/social_graph.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
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

/// A header names its columns: words that start with a letter (`source,target`), never a
/// number in another form (`1.5`, `0x1f`, `-3`, `1e9`), which is a bad edge instead.
bool is_column_name(std::string_view field) {
    if (!field.empty() && (field.front() == '"' || field.front() == '\'')) {
        field.remove_prefix(1);
    }
    return !field.empty() && std::isalpha(static_cast<unsigned char>(field.front())) &&
           field != "inf" && field != "nan" && field != "infinity";
}

constexpr std::size_t max_line_bytes = 1 << 16;
constexpr const char* what_is_allowed =
    "expected two ids (whole numbers from 0 to 2^63 - 1) separated by spaces, tabs or a comma";

using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

/// Refuses a missing path or one that is not a regular file, before zlib sees it.
void check_is_file(const std::filesystem::path& path) {
    std::error_code status_error;
    const auto status = std::filesystem::status(path, status_error);
    if (status.type() == std::filesystem::file_type::not_found) {
        throw InputError(path.string() + ": no such edge list");
    }
    if (status_error || !std::filesystem::is_regular_file(status)) {
        throw InputError(path.string() + ": " +
                         (status_error ? "cannot read the edge list: " + status_error.message()
                                       : std::string("not a regular file")) +
                         "; an edge list is a text or .gz file");
    }
}

/// gzread reads plain files as they are, so one path serves both.
GzFile open_edge_list(const std::filesystem::path& path) {
    GzFile file(gzopen(path.c_str(), "rb"));
    if (!file) {
        throw InputError(path.string() + ": cannot open the edge list");
    }
    gzbuffer(file.get(), 1 << 17);
    return file;
}

/// A gzip stream that stops early or is damaged cuts its last line: say so rather than blame
/// the line.
void check_stream(gzFile file, const std::filesystem::path& path, std::uint64_t line_number) {
    int code = 0;
    const char* message = gzerror(file, &code);
    if (code == Z_BUF_ERROR) {
        throw InputError(path.string() + ":" + std::to_string(line_number) +
                         ": the gzip data ends early (a truncated file?)");
    }
    if (code != Z_OK && code != Z_STREAM_END) {
        std::string_view detail = message; // zlib's message starts with the path
        if (const auto prefix = path.string() + ": "; detail.substr(0, prefix.size()) == prefix) {
            detail.remove_prefix(prefix.size());
        }
        throw InputError(
            path.string() + ": damaged gzip data after line " + std::to_string(line_number) + " (" +
            (code == Z_ERRNO ? std::string(std::strerror(errno)) : std::string(detail)) + ")");
    }
}

/// Reads the next line whole, or stops just past max_line_bytes; false at the end.
bool read_line(gzFile file, std::string& line) {
    char buffer[4096];
    if (!gzgets(file, buffer, sizeof buffer)) {
        return false;
    }
    line.assign(buffer);
    while (!line.empty() && line.back() != '\n' && line.size() <= max_line_bytes &&
           gzgets(file, buffer, sizeof buffer)) {
        line.append(buffer);
    }
    return true;
}

std::string bad_line(const std::filesystem::path& path, std::uint64_t line_number,
                     const std::string& line, bool header_possible) {
    std::string shown = line.substr(0, line.find_last_not_of("\r\n") + 1);
    if (shown.size() > 80) {
        shown = shown.substr(0, 80) + "...";
    }
    return path.string() + ":" + std::to_string(line_number) + ": " + what_is_allowed +
           (header_possible ? " (or a header of column names first)" : "") + ", got '" + shown +
           "'";
}

/// Both ends of every edge, in file order; counts lines and notes a header in the report.
std::vector<std::int64_t> read_ends(gzFile file, const std::filesystem::path& path,
                                    EdgeListReport& r, std::uint64_t& line_number) {
    std::vector<std::int64_t> ends;
    std::string line;
    bool seen_data = false;
    while (read_line(file, line)) {
        ++line_number;
        if (line.size() > max_line_bytes) {
            throw InputError(path.string() + ":" + std::to_string(line_number) +
                             ": a line longer than " + std::to_string(max_line_bytes) + " bytes; " +
                             what_is_allowed);
        }
        std::string_view rest(line);
        auto first = next_field(rest);
        if (first.empty() || first[0] == '#' || first[0] == '%') {
            continue;
        }
        auto second = next_field(rest);
        std::int64_t a = 0, b = 0;
        if (!parse_id(first, a) || !parse_id(second, b)) {
            if (!seen_data && !r.had_header && is_column_name(first) && is_column_name(second)) {
                r.had_header = true;
                continue;
            }
            if (line.back() != '\n') {
                check_stream(file, path, line_number);
            }
            throw InputError(bad_line(path, line_number, line, !seen_data && !r.had_header));
        }
        seen_data = true;
        ++r.lines;
        ends.push_back(a);
        ends.push_back(b);
    }
    check_stream(file, path, line_number);
    return ends;
}

/// The distinct ids, sorted: customer i is the i-th smallest id.
std::vector<std::int64_t> distinct_ids(const std::filesystem::path& path,
                                       const std::vector<std::int64_t>& ends) {
    std::vector<std::int64_t> ids = ends;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw InputError(path.string() + ": more than 2^32 - 1 customers");
    }
    return ids;
}

} // namespace

SocialGraph SocialGraph::load_edge_list(const std::filesystem::path& path, EdgeListReport* report) {
    check_is_file(path);
    const GzFile file = open_edge_list(path);
    EdgeListReport local;
    EdgeListReport& r = report ? *report : local;
    r = EdgeListReport{};
    std::uint64_t line_number = 0;
    std::vector<std::int64_t> ends = read_ends(file.get(), path, r, line_number);
    if (r.lines == 0) {
        throw InputError(path.string() + ": no edges in " + std::to_string(line_number) +
                         (line_number == 1 ? " line" : " lines") +
                         (r.had_header ? " after the header" : "") + "; " + what_is_allowed +
                         ", one tie a line");
    }
    std::vector<std::int64_t> ids = distinct_ids(path, ends);
    std::vector<std::uint32_t> sources(r.lines), targets(r.lines);
    auto remap = [&](std::int64_t id) {
        return static_cast<std::uint32_t>(std::lower_bound(ids.begin(), ids.end(), id) -
                                          ids.begin());
    };
    for (std::uint64_t e = 0; e < r.lines; ++e) {
        sources[e] = remap(ends[2 * e]);
        targets[e] = remap(ends[2 * e + 1]);
    }
    std::vector<std::int64_t>().swap(ends); // the ends are no longer needed: free them early
    const auto customers = static_cast<std::uint32_t>(ids.size());
    r.original_ids = std::move(ids);
    return from_pairs(customers, sources, targets, &r.duplicates_dropped, &r.self_loops_dropped);
}

} // namespace custsim
