// custsim export: a results file as tidy CSV files for pandas, R and spreadsheets, one file per
// group of the results file (timeseries, final, channels, brands, markets), one row per value.
#include "command.hpp"
#include "commands.hpp"

#include "custsim/error.hpp"
#include "custsim/kpis.hpp"
#include "custsim/results.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace custsim::cli {

namespace {

namespace fs = std::filesystem;

/// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (const char c : text) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

/// The shortest decimal text that reads back as the same double; empty for NaN (pandas reads
/// NaN, R NA).
void append_number(std::string& out, double value) {
    if (std::isnan(value)) {
        return;
    }
    char text[32];
    out.append(text, std::to_chars(text, text + sizeof text, value).ptr);
}

/// A KPI's names in the registry's (reading) order; unregistered names last, alphabetically.
std::vector<std::string> ordered(const std::map<std::string, std::vector<double>>& group,
                                 KpiPer per) {
    std::vector<std::string> names;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.per == per && group.count(kpi.name)) {
            names.push_back(kpi.name);
        }
    }
    for (const auto& [name, values] : group) {
        if (!find_kpi(name, per)) {
            names.push_back(name);
        }
    }
    return names;
}

struct Table {
    std::string name; ///< file name in the folder
    std::string text;
    std::size_t rows = 0;
};

/// market_value: the market's figure, for counts and money (Kpi::scales_with_population).
double scale_of(const Results& results, const std::string& kpi, KpiPer per) {
    const Kpi* registered = find_kpi(kpi, per);
    return registered && registered->scales_with_population() ? results.market_scale() : 1.0;
}

void end_row(Table& table, double value, double scale, bool market) {
    append_number(table.text, value);
    if (market) {
        table.text += ',';
        append_number(table.text, value * scale);
    }
    table.text += '\n';
    ++table.rows;
}

/// /timeseries (with days) or /final (without), one row per replicate, day and KPI.
Table scalars(const Results& results, bool final) {
    const bool market = results.represents > 0;
    Table table;
    table.name = final ? "final.csv" : "timeseries.csv";
    table.text = final ? "replicate,kpi,value" : "replicate,day,kpi,value";
    table.text += market ? ",market_value\n" : "\n";
    const auto& group = final ? results.final : results.timeseries;
    const std::size_t points = final ? 1 : results.points();
    for (const std::string& kpi : ordered(group, KpiPer::scalar)) {
        const double scale = scale_of(results, kpi, KpiPer::scalar);
        const auto& values = group.at(kpi);
        for (std::size_t r = 0; r < results.replicates; ++r) {
            for (std::size_t p = 0; p < points; ++p) {
                table.text += std::to_string(r) + ',';
                if (!final) {
                    append_number(table.text, results.time[p]);
                    table.text += ',';
                }
                table.text += field(kpi) + ',';
                end_row(table, values[r * points + p], scale, market);
            }
        }
    }
    return table;
}

/// /channels, /brands or /markets: one row per replicate, day, KPI and item.
Table breakdown(const Results& results, KpiPer per,
                const std::map<std::string, std::vector<double>>& group,
                const std::vector<std::string>& items) {
    const bool market = results.represents > 0;
    const std::string column = to_string(per);
    Table table;
    table.name = column + "s.csv";
    table.text = "replicate,day,kpi," + column + ",value" + (market ? ",market_value\n" : "\n");
    const std::size_t points = results.points(), width = items.size();
    for (const std::string& kpi : ordered(group, per)) {
        const double scale = scale_of(results, kpi, per);
        const auto& values = group.at(kpi);
        for (std::size_t r = 0; r < results.replicates; ++r) {
            for (std::size_t p = 0; p < points; ++p) {
                std::string start = std::to_string(r) + ',';
                append_number(start, results.time[p]);
                start += ',' + field(kpi) + ',';
                for (std::size_t k = 0; k < width; ++k) {
                    table.text += start + field(items[k]) + ',';
                    end_row(table, values[(r * points + p) * width + k], scale, market);
                }
            }
        }
    }
    return table;
}

/// The results file, or an InputError that says what the file is when it is another custsim
/// file (a sweep's, an experiment's).
Results read_for_export(const std::string& input) {
    try {
        return read_results(input);
    } catch (const InputError& error) {
        std::string kind;
        try {
            kind = !read_text_attribute(input, "sweep_yaml").empty() ? "a sweep's results"
                   : !read_text_attribute(input, "a_yaml").empty()   ? "a comparison's results"
                                                                     : "";
        } catch (const InputError&) {
        }
        if (kind.empty()) {
            throw;
        }
        throw InputError(input + ": " + kind +
                         " file, not a run's: export reads files written by custsim run (a "
                         "sweep's: custsim.read_sweep(path).to_csv(...) in Python)");
    }
}

/// The folder to write in: created if missing (its parent must exist), and writable.
void prepare_folder(const std::string& folder) {
    if (folder.empty()) {
        throw InputError("--csv: the folder name is empty; give one, e.g. --csv results_csv");
    }
    const fs::path path(folder);
    std::error_code error;
    if (fs::exists(path, error) && !fs::is_directory(path, error)) {
        throw InputError("--csv " + folder +
                         ": is a file, not a folder; give a folder to write the CSV files in");
    }
    if (!fs::exists(path, error)) {
        const fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
        if (!fs::is_directory(parent, error)) {
            throw InputError("--csv " + folder + ": there is no folder " + parent.string() +
                             "; create it first");
        }
        if (!fs::create_directory(path, error) && error) {
            throw InputError("--csv " + folder + ": cannot create the folder: " + error.message());
        }
    }
    check_output((path / "timeseries.csv").string(), "--csv");
}

struct ExportArgs {
    std::string input, csv;
    bool quiet = false;
};

int export_results(const ExportArgs& args) {
    const Results results = read_for_export(args.input);
    prepare_folder(args.csv);
    std::vector<Table> tables;
    tables.push_back(scalars(results, false));
    tables.push_back(scalars(results, true));
    for (const auto& [per, group, items] :
         {std::tuple{KpiPer::channel, &results.channels, &results.channel_names},
          std::tuple{KpiPer::brand, &results.brands, &results.brand_names},
          std::tuple{KpiPer::market, &results.markets, &results.market_names}}) {
        if (!group->empty()) {
            tables.push_back(breakdown(results, per, *group, *items));
        }
    }
    for (const Table& table : tables) {
        const fs::path path = fs::path(args.csv) / table.name;
        write_text(path, table.text);
        if (!args.quiet) {
            std::printf("%s: %s rows\n", path.string().c_str(),
                        format_readable(double(table.rows), 0).c_str());
        }
    }
    if (!args.quiet && results.represents > 0) {
        std::printf("market_value: counts and money for the market of %s people (value x %g); "
                    "value: the %llu simulated customers'\n",
                    format_readable(results.represents, 0).c_str(), results.market_scale(),
                    static_cast<unsigned long long>(results.population));
    }
    return 0;
}

const bool registered = register_command(
    {"export", "Write a results file as tidy CSV files (pandas, R, spreadsheets)",
     [](CLI::App& command) {
         auto args = std::make_shared<ExportArgs>();
         command.add_option("results", args->input, "Results file of custsim run (HDF5)")
             ->required();
         command
             .add_option("--csv", args->csv,
                         "Folder for timeseries.csv, final.csv, channels.csv, brands.csv, "
                         "markets.csv (created if missing)")
             ->required();
         add_quiet(command, args->quiet, "Print nothing");
         return std::function<int()>([args] { return export_results(*args); });
     },
     15});

} // namespace

} // namespace custsim::cli
