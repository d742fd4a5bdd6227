// custsim export: a results file as tidy CSV files for pandas, R and spreadsheets, one file per
// group of the results file (timeseries, final, channels, brands, markets; a sweep's: points,
// final, timeseries), one row per value.
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
#include <tuple>

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
    std::string text = {};
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

/// Whether a file custsim wrote is a sweep's (it has the sweep_yaml attribute); an InputError
/// that says what it is when it is a comparison's.
bool is_sweep(const std::string& input) {
    try {
        if (!read_text_attribute(input, "sweep_yaml").empty()) {
            return true;
        }
        if (!read_text_attribute(input, "a_yaml").empty()) {
            throw InputError(input + ": a comparison's results file, not a run's or a sweep's: "
                                     "export reads files written by custsim run and sweep");
        }
    } catch (const InputError& error) {
        if (std::string(error.what()).find("a comparison's") != std::string::npos) {
            throw;
        }
    }
    return false;
}

/// A sweep's /points as points.csv (point, done, one column per parameter and derived key),
/// /final as final.csv (point, replicate, kpi, value) and /timeseries, if kept, as
/// timeseries.csv (point, replicate, day, kpi, value); points not done have no rows.
std::vector<Table> sweep_tables(const std::string& input) {
    const auto arrays = read_arrays(input);
    const auto done = arrays.find("/done");
    if (done == arrays.end() || done->second.shape.size() != 1) {
        throw InputError(input + ": a sweep's results file without /done [points]");
    }
    const std::size_t points = done->second.values.size();
    Table parameters{"points.csv"}, final{"final.csv"}, series{"timeseries.csv"};
    parameters.text = "point,done";
    final.text = "point,replicate,kpi,value\n";
    series.text = "point,replicate,day,kpi,value\n";
    const std::vector<double>* time = arrays.count("/time") ? &arrays.at("/time").values : nullptr;
    std::vector<const std::vector<double>*> columns;
    for (const auto& [path, array] : arrays) {
        const std::string group = path.substr(0, path.rfind('/') + 1);
        const std::string name = path.substr(group.size());
        const auto& shape = array.shape;
        if (group == "/points/" && shape == std::vector<std::uint64_t>{points}) {
            parameters.text += ',' + field(name);
            columns.push_back(&array.values);
        } else if (group == "/final/" && shape.size() == 2 && shape[0] == points) {
            for (std::size_t p = 0; p < points; ++p) {
                for (std::size_t r = 0; r < shape[1] && done->second.values[p] != 0; ++r) {
                    final.text += std::to_string(p) + ',' + std::to_string(r) + ',' + field(name);
                    final.text += ',';
                    end_row(final, array.values[p * shape[1] + r], 1, false);
                }
            }
        } else if (group == "/timeseries/" && time && shape.size() == 3 && shape[0] == points &&
                   shape[2] == time->size()) {
            for (std::size_t p = 0; p < points; ++p) {
                for (std::size_t r = 0; r < shape[1] && done->second.values[p] != 0; ++r) {
                    for (std::size_t t = 0; t < shape[2]; ++t) {
                        series.text += std::to_string(p) + ',' + std::to_string(r) + ',';
                        append_number(series.text, (*time)[t]);
                        series.text += ',' + field(name) + ',';
                        end_row(series, array.values[(p * shape[1] + r) * shape[2] + t], 1, false);
                    }
                }
            }
        }
    }
    parameters.text += '\n';
    for (std::size_t p = 0; p < points; ++p) {
        parameters.text += std::to_string(p) + ',' + (done->second.values[p] != 0 ? "1" : "0");
        for (const auto* column : columns) {
            parameters.text += ',';
            append_number(parameters.text, (*column)[p]);
        }
        parameters.text += '\n';
        ++parameters.rows;
    }
    std::vector<Table> tables{parameters, final};
    if (series.rows > 0) {
        tables.push_back(series);
    }
    return tables;
}

/// A run's results as tables: timeseries, final and the breakdowns it has.
std::vector<Table> run_tables(const Results& results) {
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
    return tables;
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
    const bool sweep = is_sweep(args.input);
    Results results;
    std::vector<Table> tables;
    if (sweep) {
        tables = sweep_tables(args.input);
    } else {
        results = read_results(args.input);
        tables = run_tables(results);
    }
    prepare_folder(args.csv);
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
                    "value: the %s simulated customers'\n",
                    format_readable(results.represents, 0).c_str(), results.market_scale(),
                    format_readable(double(results.population), 0).c_str());
    }
    return 0;
}

const bool registered = register_command(
    {"export", "Write a results file as tidy CSV files (pandas, R, spreadsheets)",
     [](CLI::App& command) {
         auto args = std::make_shared<ExportArgs>();
         command.add_option("results", args->input, "Results file of custsim run or sweep (HDF5)")
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
