#include "custsim/observations.hpp"

#include "custsim/error.hpp"
#include "yaml_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <numbers>
#include <numeric>
#include <sstream>

namespace custsim {

namespace {

constexpr const char* known_columns[] = {"day",     "date",  "kpi", "market", "brand",
                                         "channel", "value", "sd",  "n"};

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

/// One line's fields: commas separate, double quotes enclose a field ("" is a quote).
std::vector<std::string> split_csv(std::string_view line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
            fields.back() += '"';
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == ',' && !quoted) {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    for (auto& field : fields) {
        field = trim(field);
    }
    return fields;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "" : ", ") + name;
    }
    return out;
}

/// A count of things (customers, purchases, messages...), not money, a share or a score.
bool is_count(const Kpi& kpi) {
    return kpi.scales_with_population() && std::string_view(kpi.unit) != "money";
}

bool is_share(const Kpi& kpi) {
    return std::string_view(kpi.unit) == "share";
}

bool whole_multiple(double a, double b) {
    const double ratio = a / b;
    return std::abs(ratio - std::round(ratio)) < 1e-9 * std::max(1.0, ratio);
}

/// The reader of one file: where it is (line, column) for messages, and the header's columns.
class Reader {
  public:
    Reader(std::string_view name, const Scenario& scenario) : name_(name), scenario_(scenario) {}

    Observations read(std::string_view csv);

  private:
    [[noreturn]] void fail(const std::string& message) const {
        throw InputError(name_ + ":" + std::to_string(line_) + ": " + message);
    }
    [[noreturn]] void fail_at(const char* column, const std::string& message) const {
        const auto found = columns_.find(column);
        const std::string where =
            found == columns_.end()
                ? std::string(column)
                : "column " + std::to_string(found->second + 1) + " (" + column + ")";
        fail(where + ": " + message);
    }
    void header(const std::vector<std::string>& fields);
    Observation row(const std::vector<std::string>& fields);
    std::string cell(const char* column) const {
        const auto found = columns_.find(column);
        return found == columns_.end() ? std::string() : (*fields_)[found->second];
    }
    double number(const char* column) const;
    double day_of_row() const;
    const Kpi& kpi_of_row(std::string& item, KpiPer& per) const;
    void check_value(Observation& row) const;
    void check_windows(std::vector<Observation>& rows);
    void check_recorded(const std::vector<Observation>& rows);

    std::string name_;
    const Scenario& scenario_;
    std::size_t line_ = 0;
    std::map<std::string, std::size_t> columns_;
    const std::vector<std::string>* fields_ = nullptr;
};

void Reader::header(const std::vector<std::string>& fields) {
    const std::vector<std::string> allowed(std::begin(known_columns), std::end(known_columns));
    for (std::size_t c = 0; c < fields.size(); ++c) {
        const std::string& name = fields[c];
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            fail("column " + std::to_string(c + 1) + ": unknown column '" + name +
                 "'; the columns are " + joined(allowed));
        }
        if (!columns_.emplace(name, c).second) {
            fail("column " + std::to_string(c + 1) + ": column '" + name + "' twice");
        }
    }
    for (const char* required : {"kpi", "value"}) {
        if (!columns_.count(required)) {
            fail(std::string("missing column '") + required + "' (a header needs day or date, " +
                 "kpi and value; market, brand, channel, sd and n are optional)");
        }
    }
    if (columns_.count("day") == columns_.count("date")) {
        fail(columns_.count("day") ? "give day or date, not both"
                                   : "missing column 'day' or 'date' (days since day 0, or an "
                                     "ISO date with the scenario's start_date)");
    }
}

double Reader::number(const char* column) const {
    const std::string text = cell(column);
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size() || !std::isfinite(value)) {
        fail_at(column, "must be a finite number, got '" + text + "'");
    }
    return value;
}

double Reader::day_of_row() const {
    double day = 0;
    if (columns_.count("day")) {
        day = number("day");
    } else {
        const std::string text = cell("date");
        const auto date = iso_day_number(text);
        if (!date) {
            fail_at("date", "must be an ISO date YYYY-MM-DD, got '" + text + "'");
        }
        if (scenario_.start_date.empty()) {
            fail_at("date", "dates need the scenario's start_date (the date of day 0), e.g. "
                            "--set start_date=2026-01-05; or give days in a 'day' column");
        }
        day = double(*date - *iso_day_number(scenario_.start_date));
    }
    if (day < 0 || day > scenario_.days) {
        fail_at(columns_.count("day") ? "day" : "date", "day " + number_text(day) +
                                                            " is outside the run: days 0.." +
                                                            number_text(scenario_.days));
    }
    return day;
}

/// KPI names that exist in another breakdown, for a message.
std::string breakdowns_of(std::string_view name) {
    std::string out;
    for (const Kpi& kpi : kpi_registry()) {
        if (name == kpi.name) {
            out += std::string(out.empty() ? "" : " or ") +
                   (kpi.per == KpiPer::scalar ? "without market, brand or channel"
                                              : std::string("per ") + to_string(kpi.per));
        }
    }
    return out;
}

std::string close_kpi_names(std::string_view name) {
    std::vector<std::string> close;
    for (const Kpi& kpi : kpi_registry()) {
        const std::string_view candidate = kpi.name;
        const bool near =
            edit_distance(name, candidate) <= std::max<std::size_t>(2, name.size() / 4);
        const bool part = name.size() >= 3 && candidate.find(name) != std::string_view::npos;
        if ((near || part) && std::find(close.begin(), close.end(), kpi.name) == close.end()) {
            close.push_back(kpi.name);
        }
    }
    return close.empty() ? "" : "; close names: " + joined(close);
}

const Kpi& Reader::kpi_of_row(std::string& item, KpiPer& per) const {
    const std::string name = cell("kpi");
    per = KpiPer::scalar;
    int given = 0;
    for (const auto& [column, group] :
         {std::pair{"market", KpiPer::market}, std::pair{"brand", KpiPer::brand},
          std::pair{"channel", KpiPer::channel}}) {
        if (!cell(column).empty()) {
            per = group;
            item = cell(column);
            ++given;
        }
    }
    if (given > 1) {
        fail("a row names at most one of market, brand and channel");
    }
    const Kpi* kpi = find_kpi(name, per);
    if (!kpi) {
        const std::string other = breakdowns_of(name);
        fail_at("kpi", other.empty()
                           ? "unknown KPI '" + name + "'" + close_kpi_names(name) +
                                 " (custsim kpis lists them)"
                           : "KPI '" + name + "' is recorded " + other + "; this row names " +
                                 (per == KpiPer::scalar ? std::string("no market, brand or channel")
                                                        : std::string("a ") + to_string(per)));
    }
    if (!kpi->in(!scenario_.instant())) {
        fail_at("kpi", "KPI '" + name + "' is not recorded by the " +
                           (scenario_.instant() ? "instant funnel (Bass)" : "journey") +
                           " model this scenario runs");
    }
    const auto items = kpi_items(scenario_, per);
    if (per != KpiPer::scalar && std::find(items.begin(), items.end(), item) == items.end()) {
        fail_at(to_string(per), "unknown " + std::string(to_string(per)) + " '" + item +
                                    "'; the scenario's: " + joined(items));
    }
    return *kpi;
}

void Reader::check_value(Observation& row) const {
    const Kpi& kpi = *row.kpi;
    if (!cell("sd").empty()) {
        row.sd = number("sd");
        if (!(row.sd > 0)) {
            fail_at("sd", "must be > 0 (the value's standard error), got " + number_text(row.sd));
        }
    }
    if (!cell("n").empty()) {
        row.n = number("n");
        if (row.sd > 0) {
            fail_at("n", "give sd or n, not both");
        }
        if (!(row.n >= 1)) {
            fail_at("n", "must be >= 1 (the survey's sample size), got " + number_text(row.n));
        }
        const bool surveyable =
            kpi.kind == KpiKind::stock &&
            (is_share(kpi) || (kpi.counts_customers() && kpi.per != KpiPer::market));
        if (!surveyable) {
            fail_at("n", "a sample size is for survey shares: a stock that is a share or a count "
                         "of customers (not per market), such as aware; KPI '" +
                             std::string(kpi.name) + "' is not one: give sd");
        }
    }
    if ((row.n > 0 || is_share(kpi)) && (row.value < 0 || row.value > 1)) {
        fail_at("value", "a share must be from 0 to 1, got " + number_text(row.value));
    }
    if (row.sd == 0 && row.n == 0 && !is_count(kpi)) {
        fail_at("value", "KPI '" + std::string(kpi.name) + "' (" + kpi.unit +
                             ") needs its standard error in an sd column (or, for a survey "
                             "share, n): only counts default to a Poisson variance");
    }
}

Observation Reader::row(const std::vector<std::string>& fields) {
    if (fields.size() != columns_.size()) {
        fail("expected " + std::to_string(columns_.size()) + " fields as in the header, got " +
             std::to_string(fields.size()));
    }
    fields_ = &fields;
    Observation row;
    row.line = line_;
    row.day = day_of_row();
    row.from = row.day;
    KpiPer per = KpiPer::scalar;
    row.kpi = &kpi_of_row(row.item, per);
    const auto items = kpi_items(scenario_, per);
    row.item_index = std::size_t(std::find(items.begin(), items.end(), row.item) - items.begin());
    row.value = number("value");
    check_value(row);
    if (row.kpi->kind == KpiKind::ratio && row.day != scenario_.days) {
        fail_at(columns_.count("day") ? "day" : "date",
                "KPI '" + std::string(row.kpi->name) + "' is a ratio computed at the end of the " +
                    "run only: its day must be " + number_text(scenario_.days) + ", got " +
                    number_text(row.day));
    }
    return row;
}

/// Sorts rows by series and day, refuses two rows of a series on one day, and gives each flow
/// row its window: since the series' previous row; the first as long as the spacing to the next.
void Reader::check_windows(std::vector<Observation>& rows) {
    std::stable_sort(rows.begin(), rows.end(), [](const Observation& a, const Observation& b) {
        return std::tie(a.kpi, a.item_index, a.day) < std::tie(b.kpi, b.item_index, b.day);
    });
    for (std::size_t first = 0, last = 0; first < rows.size(); first = last) {
        while (last < rows.size() && rows[last].kpi == rows[first].kpi &&
               rows[last].item_index == rows[first].item_index) {
            ++last;
        }
        double shortest = std::numeric_limits<double>::infinity();
        for (std::size_t i = first + 1; i < last; ++i) {
            line_ = std::max(rows[i].line, rows[i - 1].line);
            if (rows[i].day == rows[i - 1].day) {
                fail("series " + rows[i].series() + " has two rows for day " +
                     number_text(rows[i].day) + " (lines " +
                     std::to_string(std::min(rows[i].line, rows[i - 1].line)) + " and " +
                     std::to_string(line_) + "): a duplicate or an overlap");
            }
            shortest = std::min(shortest, rows[i].day - rows[i - 1].day);
        }
        if (rows[first].kpi->kind != KpiKind::flow) {
            continue;
        }
        for (std::size_t i = first; i < last; ++i) {
            line_ = rows[i].line;
            if (rows[i].day == 0) {
                fail("series " + rows[i].series() +
                     ": a flow observed at day 0 covers no days "
                     "(a flow row covers the days since the series' previous row)");
            }
            const double spacing = i > first          ? rows[i].day - rows[i - 1].day
                                   : last - first > 1 ? rows[i + 1].day - rows[i].day
                                                      : rows[i].day;
            if (spacing > 1.5 * shortest) {
                fail("series " + rows[i].series() + ": day " + number_text(rows[i].day) +
                     " comes " + number_text(spacing) + " days after the previous row, the " +
                     "series' rows are " + number_text(shortest) +
                     " days apart elsewhere: a gap (a flow row covers the days since the "
                     "previous row; give every period, or one row for the whole window)");
            }
            rows[i].from = rows[i].day - spacing;
            if (rows[i].from < 0 || !(spacing > 0)) {
                fail("series " + rows[i].series() + ": the first row, day " +
                     number_text(rows[i].day) + ", covers the " + number_text(spacing) +
                     " days up to it (the spacing of the series), which starts before day 0; "
                     "start the series later or drop that row");
            }
        }
    }
}

/// Every day a row reads (its day, a flow's window start) must be a recorded day.
void Reader::check_recorded(const std::vector<Observation>& rows) {
    const double every = double(scenario_.steps_per_record()) * scenario_.dt;
    const Observation* bad = nullptr;
    double bad_day = 0;
    bool whole = true;
    long long divisor = std::llround(scenario_.days);
    for (const Observation& row : rows) {
        for (const double day : {row.day, row.from}) {
            if (!whole_multiple(day, every) && !bad) {
                bad = &row;
                bad_day = day;
            }
            whole = whole && day == std::round(day) && scenario_.days == std::round(scenario_.days);
            divisor = std::gcd(divisor, std::llround(day));
        }
    }
    if (bad) {
        line_ = bad->line;
        const double suggestion =
            whole && whole_multiple(double(divisor), scenario_.dt) ? double(divisor) : scenario_.dt;
        fail("series " + bad->series() + " needs day " + number_text(bad_day) +
             ", which the run does not record (record_every = " + number_text(every) +
             "); --set record_every=" + number_text(suggestion) +
             " records every day the data "
             "needs");
    }
}

Observations Reader::read(std::string_view csv) {
    Observations out;
    out.file = name_;
    std::istringstream lines{std::string(csv)};
    std::string text;
    bool seen_header = false;
    while (std::getline(lines, text)) {
        ++line_;
        if (!text.empty() && text.back() == '\r') {
            text.pop_back();
        }
        if (trim(text).empty() || trim(text).front() == '#') {
            continue;
        }
        const auto fields = split_csv(text);
        if (!seen_header) {
            header(fields);
            seen_header = true;
        } else {
            out.rows.push_back(row(fields));
        }
    }
    if (out.rows.empty()) {
        fail("no observations: a header (day or date, kpi, value, ...) and at least one row");
    }
    check_windows(out.rows);
    check_recorded(out.rows);
    return out;
}

/// Index of `day` in results.time, or throws.
std::size_t point_of(const Results& results, double day) {
    const auto& time = results.time;
    const auto found = std::lower_bound(time.begin(), time.end(), day - 1e-9 * std::max(1.0, day));
    if (found == time.end() || std::abs(*found - day) > 1e-9 * std::max(1.0, day)) {
        throw InputError("the results do not record day " + number_text(day) +
                         " (record_every too coarse, or the run shorter than the data)");
    }
    return std::size_t(found - time.begin());
}

/// The sample's value of `row`'s series at `point` in replicate r.
double sample_value(const Results& results, const Observation& row, std::uint32_t r,
                    std::size_t point) {
    const Kpi& kpi = *row.kpi;
    const std::size_t P = results.points();
    auto lookup = [&](const auto& group, const std::string& what) -> const std::vector<double>& {
        const auto found = group.find(kpi.name);
        if (found == group.end()) {
            throw InputError("the results have no " + what + " " + kpi.name);
        }
        return found->second;
    };
    switch (kpi.per) {
    case KpiPer::scalar:
        return kpi.final_only() ? lookup(results.final, "final KPI")[r]
                                : lookup(results.timeseries, "time series")[r * P + point];
    case KpiPer::channel:
        return lookup(
            results.channels,
            "channel KPI")[(r * P + point) * results.channel_names.size() + row.item_index];
    case KpiPer::brand:
        return lookup(results.brands,
                      "brand KPI")[(r * P + point) * results.brand_names.size() + row.item_index];
    case KpiPer::market:
        return lookup(results.markets,
                      "market KPI")[(r * P + point) * results.market_names.size() + row.item_index];
    }
    return 0;
}

} // namespace

std::string Observation::series() const {
    std::string out = kpi->per == KpiPer::scalar
                          ? std::string(kpi->name)
                          : std::string(to_string(kpi->per)) + "s/" + kpi->name + "[" + item + "]";
    return out;
}

bool Observation::share_of_population() const {
    return n > 0 && kpi->counts_customers();
}

std::optional<std::int64_t> iso_day_number(std::string_view date) {
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') {
        return std::nullopt;
    }
    for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (date[i] < '0' || date[i] > '9') {
            return std::nullopt;
        }
    }
    auto digits = [&](std::size_t from, std::size_t count) {
        return std::stoi(std::string(date.substr(from, count)));
    };
    const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
    constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > month_days[m - 1] + (m == 2 && leap)) {
        return std::nullopt;
    }
    // Howard Hinnant's days_from_civil.
    const int year = y - (m <= 2);
    const int era = year / 400;
    const int year_of_era = year - era * 400;
    const int day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return std::int64_t(era) * 146097 + day_of_era - 719468;
}

Observations parse_observations(std::string_view csv, std::string_view name,
                                const Scenario& scenario) {
    return Reader(name, scenario).read(csv);
}

Observations read_observations(const std::filesystem::path& path, const Scenario& scenario) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InputError(path.string() + ": cannot read the observations file");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_observations(text.str(), path.string(), scenario);
}

double observation_variance(const Observation& row) {
    if (row.sd > 0) {
        return row.sd * row.sd;
    }
    if (row.n > 0) {
        const double p = (row.value * row.n + 1) / (row.n + 2);
        return p * (1 - p) / row.n;
    }
    return std::max(std::abs(row.value), 1.0);
}

Counterparts counterparts(const Observations& observations, const Results& results) {
    const std::size_t N = observations.rows.size();
    const std::uint32_t R = results.replicates;
    Counterparts out;
    out.replicates = R;
    out.values.resize(std::size_t(R) * N);
    out.mean.assign(N, 0);
    out.variance.assign(N, 0);
    const double scale = results.market_scale();
    const double population = double(std::max<std::uint64_t>(1, results.population));
    for (std::size_t i = 0; i < N; ++i) {
        const Observation& row = observations.rows[i];
        const std::size_t to = point_of(results, row.day);
        const std::size_t from = row.kpi->kind == KpiKind::flow ? point_of(results, row.from) : to;
        const double factor = row.share_of_population()           ? 1 / population
                              : row.kpi->scales_with_population() ? scale
                                                                  : 1.0;
        double sum = 0;
        for (std::uint32_t r = 0; r < R; ++r) {
            double v = sample_value(results, row, r, to);
            if (from != to) {
                v -= sample_value(results, row, r, from);
            }
            out.values[r * N + i] = v * factor;
            sum += v * factor;
        }
        const double mean = R ? sum / R : 0;
        out.mean[i] = mean;
        if (R >= 2) {
            double squares = 0;
            for (std::uint32_t r = 0; r < R; ++r) {
                squares += (out.values[r * N + i] - mean) * (out.values[r * N + i] - mean);
            }
            out.variance[i] = squares / (R - 1) / R;
        } else if (row.share_of_population() || (row.n > 0 && is_share(*row.kpi))) {
            out.variance[i] =
                std::clamp(mean, 0.0, 1.0) * (1 - std::clamp(mean, 0.0, 1.0)) / population;
        } else if (is_count(*row.kpi)) {
            out.variance[i] = scale * scale * std::max(std::abs(mean) / scale, 1.0);
        }
    }
    return out;
}

double log_likelihood(const Observations& observations, const Counterparts& simulated) {
    double sum = 0;
    for (std::size_t i = 0; i < observations.rows.size(); ++i) {
        const Observation& row = observations.rows[i];
        const double v = observation_variance(row) + simulated.variance[i];
        const double residual = row.value - simulated.mean[i];
        sum -= 0.5 * (residual * residual / v + std::log(2 * std::numbers::pi * v));
    }
    return sum;
}

} // namespace custsim
