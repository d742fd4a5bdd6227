// custsim compare, attribute, response and levers: experiments made of several runs that share a
// seed.
#include "command.hpp"
#include "commands.hpp"

#include "experiment_common.hpp"
#include "plot.hpp"
#include "progress.hpp"

#include "custsim/error.hpp"
#include "custsim/experiment.hpp"
#include "custsim/kpis.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

namespace custsim::cli {

namespace {

/// Whether a KPI is 0 in every replicate of A and of B (a cost the scenarios do not have).
bool zero_in_both(const Comparison& result, const std::string& kpi) {
    const auto zero = [](const std::vector<double>& values) {
        return std::all_of(values.begin(), values.end(), [](double v) { return v == 0; });
    };
    return zero(result.a.final.at(kpi)) && zero(result.b.final.at(kpi));
}

/// A comparison's rows in the chosen KPIs' order, each with its registry entry; without those
/// 0 in both A and B if `drop_zero`.
std::vector<std::pair<const Kpi*, const Comparison::Row*>>
rows_of(const Comparison& result, const std::vector<const Kpi*>& kpis, bool drop_zero = false) {
    std::vector<std::pair<const Kpi*, const Comparison::Row*>> rows;
    for (const Kpi* kpi : kpis) {
        for (const auto& row : result.rows) {
            if (row.kpi == kpi->name && !(drop_zero && zero_in_both(result, row.kpi))) {
                rows.emplace_back(kpi, &row);
            }
        }
    }
    return rows;
}

void print_comparison(const Comparison& result, const Scenario& a, const Scenario& b,
                      const std::vector<const Kpi*>& kpis, bool drop_zero) {
    std::printf("%s vs %s: %u paired replicates (common random numbers), seed %llu\n",
                a.name.c_str(), b.name.c_str(), a.replicates,
                static_cast<unsigned long long>(a.seed));
    std::printf("  %-26s %14s %14s %14s  %-31s %9s %5s %9s\n", "KPI (final)", "A", "B", "B - A",
                "95% interval of B - A", "change", "sure", "var ratio");
    int group = -1;
    for (const auto& [kpi, row] : rows_of(result, kpis, drop_zero)) {
        if (int(kpi->group) != group) {
            group = int(kpi->group);
            std::printf("  %s\n", to_string(kpi->group));
        }
        const int decimals = kpi_decimals(*kpi);
        const Difference& d = row->difference;
        const std::string ratio =
            std::isfinite(row->variance_ratio) ? format_readable(row->variance_ratio, 1) : "-";
        const std::string interval =
            "[" + format_readable(d.low, decimals) + ", " + format_readable(d.high, decimals) + "]";
        std::printf("    %-24s %14s %14s %14s  %-31s %9s %5s %9s\n", row->kpi.c_str(),
                    format_readable(row->a, decimals).c_str(),
                    format_readable(row->b, decimals).c_str(),
                    format_readable(d.mean, decimals).c_str(), interval.c_str(),
                    percent_text(percent_of(d.mean, row->a)).c_str(),
                    d.sign_certain() ? (d.mean > 0 ? "B>A" : "B<A") : "no", ratio.c_str());
    }
    std::string zero;
    for (const Kpi* kpi : kpis) {
        if (drop_zero && zero_in_both(result, kpi->name)) {
            zero += (zero.empty() ? "" : ", ") + std::string(kpi->name);
        }
    }
    if (!zero.empty()) {
        std::printf("  0 in A and B (not shown): %s\n", zero.c_str());
    }
    std::printf(
        "  change: (B - A) / |A|; sure: the interval excludes 0\n"
        "  var ratio: independent seeds would need this many times as many replicates for the "
        "same precision\n");
}

void write_comparison_h5(const Comparison& result, const std::string& output) {
    std::map<std::string, std::vector<double>> datasets;
    for (const auto& row : result.rows) {
        const auto& va = result.a.final.at(row.kpi);
        const auto& vb = result.b.final.at(row.kpi);
        datasets["/a/" + row.kpi] = va;
        datasets["/b/" + row.kpi] = vb;
        std::vector<double> d(va.size());
        for (std::size_t r = 0; r < va.size(); ++r) {
            d[r] = vb[r] - va[r];
        }
        datasets["/difference/" + row.kpi] = d;
        datasets["/summary/" + row.kpi] = {row.a,
                                           row.b,
                                           row.difference.mean,
                                           row.difference.low,
                                           row.difference.high,
                                           row.variance_ratio};
    }
    write_datasets(output, datasets,
                   {{"custsim_version", CUSTSIM_VERSION},
                    {"a_yaml", result.a.scenario_yaml},
                    {"b_yaml", result.b.scenario_yaml},
                    {"summary_columns", "a, b, b_minus_a, low, high, variance_ratio"}});
}

void write_comparison_csv(const Comparison& result, const std::vector<const Kpi*>& kpis,
                          const std::string& output) {
    std::string text = "group,kpi,unit,a,b,difference,low,high,relative_change_percent,"
                       "variance_ratio\n";
    for (const auto& [kpi, row] : rows_of(result, kpis)) {
        const Difference& d = row->difference;
        text.append(to_string(kpi->group)).append(",").append(kpi->name);
        text.append(",").append(kpi->unit);
        for (const double value : {row->a, row->b, d.mean, d.low, d.high,
                                   percent_of(d.mean, row->a), row->variance_ratio}) {
            text.append(",").append(csv_number(value));
        }
        text.push_back('\n');
    }
    write_text(output, text);
}

/// The paired differences as % of A with their intervals, by group.
Json comparison_plot(const Comparison& result, const Scenario& a, const Scenario& b,
                     const std::vector<const Kpi*>& kpis, bool drop_zero) {
    Json groups = Json::array();
    Json rows = Json::array();
    int group = -1;
    for (const auto& [kpi, row] : rows_of(result, kpis, drop_zero)) {
        if (int(kpi->group) != group && group >= 0) {
            groups.push(Json::object().set("name", to_string(KpiGroup(group))).set("rows", rows));
            rows = Json::array();
        }
        group = int(kpi->group);
        const Difference& d = row->difference;
        rows.push(Json::object()
                      .set("label", kpi->name)
                      .set("mean", percent_of(d.mean, row->a))
                      .set("low", percent_of(d.low, row->a))
                      .set("high", percent_of(d.high, row->a)));
    }
    if (group >= 0) {
        groups.push(Json::object().set("name", to_string(KpiGroup(group))).set("rows", rows));
    }
    char subtitle[160];
    std::snprintf(subtitle, sizeof subtitle,
                  "%u paired replicates (common random numbers), seed %llu; blue: the 95%% "
                  "interval excludes 0",
                  a.replicates, static_cast<unsigned long long>(a.seed));
    return Json::object()
        .set("title", b.name + " against " + a.name + ": change of each final KPI")
        .set("subtitle", subtitle)
        .set("xlabel", "(B - A) / |A|, % (n/a: A is 0)")
        .set("groups", groups);
}

/// attribute and elasticity run at the scenario's own values: say so when it has `uncertain:`.
void note_uncertain_ignored(const Scenario& s, const char* command) {
    if (!s.uncertain.empty()) {
        std::printf("note: %s runs at the scenario's own values; its `uncertain:` keys are drawn "
                    "by compare, response and levers only\n",
                    command);
    }
}

} // namespace

int compare(const ExperimentArgs& args) {
    const Scenario a = load_scenario(args.scenarios.at(0), args.overrides);
    const Scenario b = load_scenario(args.scenarios.at(1), args.overrides);
    if (const auto draws = draws_for(args.uncertainty, a); !draws.points.empty()) {
        return compare_over_draws(args, a, b, draws);
    }
    const auto kpis = chosen_kpis(args.kpis, !a.instant());
    preflight(args, a, 2);
    preflight(args, b, 2);
    check_files(args);
    catch_interrupts();
    Comparison result;
    {
        RunsProgress progress(3, a.replicates, a.days, !args.quiet);
        result = custsim::compare(a, b, args.threads, std::ref(progress));
    }
    if (!args.output.empty()) {
        write_comparison_h5(result, args.output);
    }
    if (!args.csv.empty()) {
        write_comparison_csv(result, kpis, args.csv);
    }
    const bool drop_zero = args.kpis.empty(); // KPIs asked for by name are always shown
    print_comparison(result, a, b, kpis, drop_zero);
    if (!args.output.empty()) {
        std::printf("results: %s\n", args.output.c_str());
    }
    if (!args.csv.empty()) {
        std::printf("table: %s\n", args.csv.c_str());
    }
    if (!args.plot.empty()) {
        draw_plot("intervals", comparison_plot(result, a, b, kpis, drop_zero), args.plot);
        std::printf("plot: %s\n", args.plot.c_str());
    }
    return 0;
}

int attribute(const ExperimentArgs& args) {
    const Scenario s = load_scenario(args.scenarios.at(0), args.overrides);
    note_uncertain_ignored(s, "attribute");
    std::uint32_t runs = 1;
    if (!s.brands.empty()) {
        for (const auto& c : s.channels) {
            for (const auto& f : s.brands[0].media) {
                if (f.channel == c.name) {
                    ++runs;
                    break;
                }
            }
        }
    }
    preflight(args, s, runs);
    catch_interrupts();
    std::vector<ChannelAttribution> rows;
    {
        RunsProgress progress(runs, s.replicates, s.days, !args.quiet);
        rows = custsim::attribute(s, args.threads, std::ref(progress));
    }
    std::printf("%s: what each channel adds (run without it, same seed, %u replicates)\n",
                s.name.c_str(), s.replicates);
    std::printf("  %-12s %10s %12s %9s %14s %-24s %14s %-24s %8s\n", "channel", "spend",
                "last-touch", "found by", "+customers", "95% interval", "+profit", "95% interval",
                "ROI");
    std::map<std::string, std::vector<double>> datasets;
    std::string names;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto& row = rows[k];
        std::printf("  %-12s %10.0f %12.0f %9.0f %14.0f %-24s %14.0f %-24s %8.2f\n",
                    row.channel.c_str(), row.spend, row.last_touch, row.found_by,
                    row.customers.mean, interval(row.customers).c_str(), row.profit.mean,
                    interval(row.profit).c_str(), row.roi);
        names += (names.empty() ? "" : ",") + row.channel;
        for (const auto& [name, value] :
             {std::pair{"spend", row.spend}, std::pair{"last_touch_conversions", row.last_touch},
              std::pair{"found_by", row.found_by}, std::pair{"roi", row.roi}}) {
            datasets[std::string("/attribution/") + name].push_back(value);
        }
        put(datasets, "/attribution/incremental_customers", row.customers, k, rows.size());
        put(datasets, "/attribution/incremental_adopted", row.adopted, k, rows.size());
        put(datasets, "/attribution/incremental_purchases", row.purchases, k, rows.size());
        put(datasets, "/attribution/incremental_revenue", row.revenue, k, rows.size());
        put(datasets, "/attribution/incremental_margin", row.margin, k, rows.size());
        put(datasets, "/attribution/incremental_profit", row.profit, k, rows.size());
    }
    std::printf("  ROI: (incremental margin - spend) / spend; last-touch: purchases credited by "
                "last-touch attribution in the same run\n");
    if (!args.output.empty()) {
        write_datasets(args.output, datasets,
                       {{"custsim_version", CUSTSIM_VERSION}, {"channels", names}});
        std::printf("results: %s\n", args.output.c_str());
    }
    return 0;
}

namespace {

/// One response series: the mean over spends and its interval.
Json response_series(const char* label, const std::vector<ResponsePoint>& points,
                     Difference ResponsePoint::*member) {
    std::vector<double> mean, low, high;
    for (const auto& p : points) {
        mean.push_back((p.*member).mean);
        low.push_back((p.*member).low);
        high.push_back((p.*member).high);
    }
    return Json::object().set("label", label).set("mean", mean).set("low", low).set("high", high);
}

} // namespace

Json response_plot(const Scenario& s, const std::string& channel,
                   const std::vector<ResponsePoint>& points, const std::string& about) {
    std::vector<double> spends, roi;
    for (const auto& p : points) {
        spends.push_back(p.spend_per_day);
        roi.push_back(p.marginal_roi);
    }
    char subtitle[200];
    std::snprintf(subtitle, sizeof subtitle,
                  "against no spend on %s, same seed, %u replicates, %g days; bands: 95%% "
                  "intervals; the simulated customers' figures",
                  channel.c_str(), s.replicates, s.days);
    const std::string note = about.empty() ? std::string(subtitle) : about;
    Json customers = Json::array();
    customers.push(response_series("+adopted", points, &ResponsePoint::adopted));
    Json money = Json::array();
    money.push(response_series("+revenue", points, &ResponsePoint::revenue));
    money.push(response_series("+margin", points, &ResponsePoint::margin));
    money.push(response_series("+profit", points, &ResponsePoint::profit));
    Json marginal = Json::array();
    marginal.push(Json::object()
                      .set("label", "marginal ROI")
                      .set("mean", roi)
                      .set("low", roi)
                      .set("high", roi));
    Json panels = Json::array();
    panels.push(Json::object()
                    .set("title", "new customers")
                    .set("ylabel", "customers")
                    .set("series", customers));
    panels.push(Json::object().set("title", "money").set("ylabel", "money").set("series", money));
    panels.push(Json::object()
                    .set("title", "marginal ROI since the level below")
                    .set("ylabel", "extra margin per extra unit spent, minus 1")
                    .set("series", marginal));
    return Json::object()
        .set("title", s.name + ": response to " + channel + " spend")
        .set("subtitle", note)
        .set("xlabel", channel + " spend per day")
        .set("x", spends)
        .set("panels", panels);
}

int response(const ExperimentArgs& args) {
    const Scenario s = load_scenario(args.scenarios.at(0), args.overrides);
    if (const auto draws = draws_for(args.uncertainty, s); !draws.points.empty()) {
        return response_over_draws(args, s, draws);
    }
    const auto spends = parse_spends(args.spend);
    with_channel_spend(s, args.channel, 0); // checks the channel before the long runs
    preflight(args, s, double(spends.size() + 1));
    check_files(args);
    catch_interrupts();
    std::vector<ResponsePoint> points;
    {
        RunsProgress progress(std::uint32_t(spends.size() + 1), s.replicates, s.days, !args.quiet);
        points = custsim::response(s, args.channel, spends, args.threads, std::ref(progress));
    }
    std::printf("%s: response to %s spend, against none (same seed, %u replicates, %g days)\n",
                s.name.c_str(), args.channel.c_str(), s.replicates, s.days);
    std::printf("  %10s %14s %-24s %14s %14s %-24s %12s\n", "per day", "+adopted", "95% interval",
                "+revenue", "+profit", "95% interval", "marginal ROI");
    std::map<std::string, std::vector<double>> datasets;
    for (std::size_t k = 0; k < points.size(); ++k) {
        const auto& p = points[k];
        char marginal[32] = "-";
        if (std::isfinite(p.marginal_roi)) {
            std::snprintf(marginal, sizeof marginal, "%.2f", p.marginal_roi);
        }
        std::printf("  %10.4g %14.0f %-24s %14.0f %14.0f %-24s %12s\n", p.spend_per_day,
                    p.adopted.mean, interval(p.adopted).c_str(), p.revenue.mean, p.profit.mean,
                    interval(p.profit).c_str(), marginal);
        datasets["/response/spend_per_day"].push_back(p.spend_per_day);
        datasets["/response/marginal_roi"].push_back(p.marginal_roi);
        put(datasets, "/response/incremental_adopted", p.adopted, k, points.size());
        put(datasets, "/response/incremental_purchases", p.purchases, k, points.size());
        put(datasets, "/response/incremental_revenue", p.revenue, k, points.size());
        put(datasets, "/response/incremental_margin", p.margin, k, points.size());
        put(datasets, "/response/incremental_profit", p.profit, k, points.size());
    }
    std::printf(
        "  marginal ROI: extra margin per extra unit spent since the level above, minus 1\n");
    if (!args.output.empty()) {
        write_datasets(args.output, datasets,
                       {{"custsim_version", CUSTSIM_VERSION}, {"channel", args.channel}});
        std::printf("results: %s\n", args.output.c_str());
    }
    if (!args.plot.empty()) {
        draw_plot("panels", response_plot(s, args.channel, points, ""), args.plot);
        std::printf("plot: %s\n", args.plot.c_str());
    }
    return 0;
}

namespace {

std::string number_or_dash(double value, const char* format) {
    char text[32] = "-";
    if (std::isfinite(value)) {
        std::snprintf(text, sizeof text, format, value);
    }
    return text;
}

void print_levers(const Scenario& s, const std::vector<LeverEffect>& rows) {
    std::printf("%s: the focal brand's levers, each moved a step against the scenario (same seed, "
                "%u replicates, %g days)\n",
                s.name.c_str(), s.replicates, s.days);
    std::printf("  %-14s %-12s %12s %12s %-24s %14s %-20s\n", "lever", "step", "+cost", "+profit",
                "95% interval", "profit per 1", "95% interval");
    for (const auto& row : rows) {
        const bool priced = std::isfinite(row.per_unit.mean);
        std::printf("  %-14s %-12s %12.0f %12.0f %-24s %14s %-20s\n", row.lever.c_str(),
                    row.step.c_str(), row.cost.mean, row.profit.mean, interval(row.profit).c_str(),
                    number_or_dash(row.per_unit.mean, "%.2f").c_str(),
                    priced ? interval(row.per_unit).c_str() : "(no cost in scenario)");
    }
    std::printf("  +cost: money the step puts in (price: revenue given up at the old volume); "
                "profit per 1: profit gained per currency unit put in, net of it (> 0: the step "
                "pays)\n");
}

} // namespace

int levers(const ExperimentArgs& args) {
    const Scenario s = load_scenario(args.scenarios.at(0), args.overrides);
    if (s.brands.empty()) {
        throw ScenarioError(args.scenarios.at(0) + ": levers: the scenario has no brands (the "
                                                   "Bass case has no levers)");
    }
    std::uint32_t runs = 7; // the scenario, agents, training, logistics, level, retention, price
    for (const auto& c : s.channels) {
        runs += std::any_of(s.brands[0].media.begin(), s.brands[0].media.end(),
                            [&](const Flight& f) { return f.channel == c.name; });
    }
    if (const auto draws = draws_for(args.uncertainty, s); !draws.points.empty()) {
        return levers_over_draws(args, s, draws, runs);
    }
    preflight(args, s, runs);
    catch_interrupts();
    std::vector<LeverEffect> rows;
    {
        RunsProgress progress(runs, s.replicates, s.days, !args.quiet);
        rows = custsim::levers(s, args.threads, std::ref(progress));
    }
    print_levers(s, rows);
    std::map<std::string, std::vector<double>> datasets;
    std::string names;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        names += (names.empty() ? "" : ",") + rows[k].lever;
        put(datasets, "/levers/cost", rows[k].cost, k, rows.size());
        put(datasets, "/levers/profit", rows[k].profit, k, rows.size());
        put(datasets, "/levers/profit_per_unit", rows[k].per_unit, k, rows.size());
    }
    if (!args.output.empty()) {
        write_datasets(args.output, datasets,
                       {{"custsim_version", CUSTSIM_VERSION}, {"levers", names}});
        std::printf("results: %s\n", args.output.c_str());
    }
    return 0;
}

int elasticity(const ExperimentArgs& args) {
    const Scenario s = load_scenario(args.scenarios.at(0), args.overrides);
    note_uncertain_ignored(s, "elasticity");
    const double from = args.from >= 0 ? args.from : std::floor(s.days / 4);
    preflight(args, s, 2);
    catch_interrupts();
    Elasticity e;
    {
        RunsProgress progress(2, s.replicates, s.days, !args.quiet);
        e = custsim::advertising_elasticity(s, from, args.weeks, args.step, args.threads,
                                            std::ref(progress));
    }
    std::printf("%s: the focal brand's advertising elasticity of sales: every flight %+.0f %% for "
                "%g weeks from day %g (same seed, %u replicates, %g days)\n",
                s.name.c_str(), 100 * args.step, args.weeks, from, s.replicates, s.days);
    std::printf("  short run   %8.3f %-22s extra sales in the pulse's weeks / their sales / step\n",
                e.short_run.mean, interval(e.short_run).c_str());
    std::printf("  long run    %8.3f %-22s extra sales to day %g / the pulse weeks' sales / step\n",
                e.long_run.mean, interval(e.long_run).c_str(), s.days);
    std::printf("  long / short %7.2f\n", e.ratio);
    std::printf("  carry-over  %7.0f %% of the extra sales came after the pulse; half by week "
                "%.1f, 90 %% by week %.1f from its start\n",
                100 * e.carried, e.half_weeks, e.ninety_weeks);
    std::printf("  extra sales per week:");
    for (std::size_t w = 0; w < e.extra_sales.size(); ++w) {
        std::printf("%s%.0f", w % 13 == 0 ? "\n    " : " ", e.extra_sales[w]);
    }
    std::printf("\n  published: short run 0.12 on average (Sethuraman, Tellis & Briesch 2011; "
                "higher early in the life cycle), long run 0.24\n");
    if (!args.output.empty()) {
        std::map<std::string, std::vector<double>> datasets;
        put(datasets, "/elasticity/short_run", e.short_run, 0, 1);
        put(datasets, "/elasticity/long_run", e.long_run, 0, 1);
        datasets["/elasticity/extra_sales_per_week"] = e.extra_sales;
        datasets["/elasticity/pulse"] = {e.from, e.weeks, e.step};
        write_datasets(args.output, datasets, {{"custsim_version", CUSTSIM_VERSION}});
        std::printf("results: %s\n", args.output.c_str());
    }
    return 0;
}

namespace {
/// The options compare, attribute and response share; `finish` adds --replicates and --seed
/// to the overrides once parsed.
std::function<void()> experiment_options(CLI::App& command, ExperimentArgs& args) {
    auto replicates = std::make_shared<std::uint32_t>(0);
    auto seed = std::make_shared<std::uint64_t>(0);
    add_output(command, args.output, "Also write the results as HDF5");
    command.add_option("--replicates", *replicates, "Replicates of every run")
        ->check(CLI::PositiveNumber);
    auto* seeded = command.add_option("--seed", *seed, "Random seed shared by every run");
    add_threads(command, args.threads);
    add_force(command, args.force);
    add_overrides(command, args.overrides, "Override a key of every scenario: key.path=value");
    add_quiet(command, args.quiet);
    return [&args, replicates, seed, seeded] {
        if (*replicates > 0) {
            args.overrides.push_back("replicates=" + std::to_string(*replicates));
        }
        if (seeded->count() > 0) {
            args.overrides.push_back("seed=" + std::to_string(*seed));
        }
    };
}

const bool compare_registered = register_command(
    {"compare",
     "Is B better than A, and by how much? Paired differences of every KPI under common random "
     "numbers",
     [](CLI::App& command) {
         auto args = std::make_shared<ExperimentArgs>();
         command.add_option("a", args->scenarios, "Scenario A and scenario B (YAML)")
             ->required()
             ->expected(2);
         command
             .add_option("--kpis", args->kpis,
                         "Only these KPIs, comma-separated (custsim kpis lists them), e.g. "
                         "customers,profit,nps")
             ->each([](const std::string& given) {
                 if (given.empty()) {
                     throw InputError(
                         "--kpis: empty; give KPI names, e.g. --kpis customers,profit");
                 }
             });
         command
             .add_option("--csv", args->csv,
                         "Also write the table as CSV: group, kpi, unit, a, b, difference, low, "
                         "high, relative_change_percent, variance_ratio")
             ->each([](const std::string& given) {
                 if (given.empty()) {
                     check_output(given, "--csv");
                 }
             });
         add_plot(command, args->plot, "Also draw the changes with their intervals (PNG)");
         add_uncertainty_options(command, args->uncertainty);
         auto finish = experiment_options(command, *args);
         return std::function<int()>([args, finish] {
             finish();
             return compare(*args);
         });
     },
     50});

/// The command of an experiment on one scenario with the experiments' options.
std::function<std::function<int()>(CLI::App&)>
one_scenario(int (*experiment)(const ExperimentArgs&), bool uncertain = false) {
    return [experiment, uncertain](CLI::App& command) {
        auto args = std::make_shared<ExperimentArgs>();
        command.add_option("scenario", args->scenarios, "Scenario (YAML)")->required()->expected(1);
        if (uncertain) {
            add_uncertainty_options(command, args->uncertainty);
        }
        auto finish = experiment_options(command, *args);
        return std::function<int()>([args, finish, experiment] {
            finish();
            return experiment(*args);
        });
    };
}

const bool attribute_registered = register_command(
    {"attribute",
     "What each channel really adds: the run without it, beside last-touch attribution",
     one_scenario(attribute), 60});

const bool response_registered = register_command(
    {"response", "Response curve: incremental KPIs against one channel's daily spend",
     [](CLI::App& command) {
         auto args = std::make_shared<ExperimentArgs>();
         command.add_option("scenario", args->scenarios, "Scenario (YAML)")
             ->required()
             ->expected(1);
         command.add_option("--channel", args->channel, "The focal brand's channel")->required();
         command.add_option("--spend", args->spend, "Spend per day FROM:TO:STEPS, e.g. 0:200:5")
             ->required();
         add_plot(command, args->plot, "Also draw the response curves with their intervals (PNG)");
         add_uncertainty_options(command, args->uncertainty);
         auto finish = experiment_options(command, *args);
         return std::function<int()>([args, finish] {
             finish();
             return response(*args);
         });
     },
     70});

const bool levers_registered = register_command(
    {"levers",
     "Marginal profit per currency unit of each lever: channels, agents, training, logistics, "
     "service level, retention, price",
     one_scenario(levers, true), 75});

const bool elasticity_registered = register_command(
    {"elasticity",
     "Advertising elasticity of sales, short and long run: a pulse of every flight against the "
     "scenario",
     [](CLI::App& command) {
         auto args = std::make_shared<ExperimentArgs>();
         command.add_option("scenario", args->scenarios, "Scenario (YAML)")
             ->required()
             ->expected(1);
         command.add_option("--from", args->from, "The pulse's first day (default: a quarter in)")
             ->check(CLI::NonNegativeNumber);
         command.add_option("--weeks", args->weeks, "The pulse's length in weeks (default 4)")
             ->check(CLI::PositiveNumber);
         command
             .add_option("--step", args->step,
                         "Spend increase of every flight during the pulse (default 0.5: +50 %)")
             ->check(CLI::PositiveNumber);
         auto finish = experiment_options(command, *args);
         return std::function<int()>([args, finish] {
             finish();
             return elasticity(*args);
         });
     },
     78});
} // namespace

} // namespace custsim::cli
