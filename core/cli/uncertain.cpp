// compare, response and levers repeated over parameter draws (--posterior, or the scenario's
// `uncertain:` keys): intervals that include parameter uncertainty, split into the part from the
// parameters and the part from simulation noise (docs/uncertainty.md).
#include "experiment_common.hpp"
#include "plot.hpp"

#include "custsim/error.hpp"
#include "custsim/results.hpp"

#include <cmath>
#include <cstdio>

namespace custsim::cli {

namespace {

constexpr std::uint32_t default_draws = 20;

/// The parts of an interval's half-width: t x each part's standard deviation, so their squares
/// add up to the half-width's square.
std::pair<double, double> parts(const UncertainDifference& d) {
    const double sd = std::hypot(d.parameter_sd, d.noise_sd);
    const double half = (d.high - d.low) / 2;
    return sd > 0 ? std::pair{half * d.parameter_sd / sd, half * d.noise_sd / sd}
                  : std::pair{0.0, 0.0};
}

std::string share_text(double share) {
    char text[16] = "-";
    if (std::isfinite(share)) {
        std::snprintf(text, sizeof text, "%.0f %%", 100 * share);
    }
    return text;
}

void put(std::map<std::string, std::vector<double>>& out, const std::string& name,
         const UncertainDifference& d, std::size_t at, std::size_t size) {
    const auto [parameters, noise] = parts(d);
    const std::pair<const char*, double> columns[] = {{"_mean", d.mean},
                                                      {"_low", d.low},
                                                      {"_high", d.high},
                                                      {"_parameters_half_width", parameters},
                                                      {"_noise_half_width", noise},
                                                      {"_above_zero_draws", double(d.above_zero)}};
    for (const auto& [suffix, value] : columns) {
        out[name + suffix].resize(size, 0.0);
        out[name + suffix][at] = value;
    }
}

/// The draws as datasets: /draws/points (draws x keys, flattened by row) and the keys.
void put_draws(std::map<std::string, std::vector<double>>& out, const ParameterDraws& draws) {
    for (const auto& point : draws.points) {
        out["/draws/points"].insert(out["/draws/points"].end(), point.begin(), point.end());
    }
}

std::string keys_text(const ParameterDraws& draws) {
    std::string out;
    for (const auto& key : draws.keys) {
        out += (out.empty() ? "" : ",") + key;
    }
    return out;
}

void print_heading(const ParameterDraws& draws, std::uint32_t replicates, std::uint64_t seed) {
    std::printf("  parameter uncertainty: %zu draws of %s from %s, each run with %u paired "
                "replicates (common random numbers within a draw, a seed of its own), seed %llu\n",
                draws.points.size(), keys_text(draws).c_str(), draws.source.c_str(), replicates,
                static_cast<unsigned long long>(seed));
}

void print_legend(std::uint32_t replicates) {
    std::printf("  95%% interval: where one experiment of %u replicates at a parameter point drawn "
                "from the uncertainty lands;\n  +-params, +-noise: its half-width's parts (their "
                "squares add up to its square); params: the share of the variance from the "
                "parameters (more --replicates shrink the noise, not it); above 0: draws whose "
                "mean difference is above 0\n",
                replicates);
}

std::string readable_interval(const UncertainDifference& d, int decimals) {
    return "[" + format_readable(d.low, decimals) + ", " + format_readable(d.high, decimals) + "]";
}

/// Scenario B must draw the same uncertain keys as A (B usually extends A).
void check_same_uncertain(const Scenario& a, const Scenario& b) {
    const bool same = a.uncertain.size() == b.uncertain.size() &&
                      std::equal(a.uncertain.begin(), a.uncertain.end(), b.uncertain.begin(),
                                 [](const UncertainKey& x, const UncertainKey& y) {
                                     return x.key == y.key && x.low == y.low && x.high == y.high;
                                 });
    if (!same) {
        throw ScenarioError(b.name + ": its `uncertain:` keys differ from " + a.name +
                            "'s; both scenarios of a comparison are drawn at the same points, so "
                            "give them the same `uncertain:` (B may extend A)");
    }
}

void print_comparison(const UncertainComparison& result, const Scenario& a, const Scenario& b,
                      const std::vector<const Kpi*>& kpis) {
    std::printf("%s vs %s\n", a.name.c_str(), b.name.c_str());
    print_heading(result.draws, result.replicates, a.seed);
    std::printf("  %-26s %14s %14s %14s  %-31s %12s %12s %7s %8s\n", "KPI (final)", "A", "B",
                "B - A", "95% interval of B - A", "+-params", "+-noise", "params", "above 0");
    int group = -1;
    for (const Kpi* kpi : kpis) {
        for (const auto& row : result.rows) {
            if (row.kpi != kpi->name) {
                continue;
            }
            if (int(kpi->group) != group) {
                group = int(kpi->group);
                std::printf("  %s\n", to_string(kpi->group));
            }
            const int decimals = kpi_decimals(*kpi);
            const auto& d = row.difference;
            const auto [parameters, noise] = parts(d);
            std::printf(
                "    %-24s %14s %14s %14s  %-31s %12s %12s %7s %5u/%-2u\n", row.kpi.c_str(),
                format_readable(row.a, decimals).c_str(), format_readable(row.b, decimals).c_str(),
                format_readable(d.mean, decimals).c_str(), readable_interval(d, decimals).c_str(),
                format_readable(parameters, decimals).c_str(),
                format_readable(noise, decimals).c_str(), share_text(d.parameter_share()).c_str(),
                d.above_zero, d.draws);
        }
    }
    print_legend(result.replicates);
}

void write_comparison_csv(const UncertainComparison& result, const std::vector<const Kpi*>& kpis,
                          const std::string& output) {
    std::string text = "group,kpi,unit,a,b,difference,low,high,parameters_half_width,"
                       "noise_half_width,parameter_share,above_zero_draws,draws\n";
    for (const Kpi* kpi : kpis) {
        for (const auto& row : result.rows) {
            if (row.kpi != kpi->name) {
                continue;
            }
            const auto& d = row.difference;
            const auto [parameters, noise] = parts(d);
            text.append(to_string(kpi->group)).append(",").append(kpi->name);
            text.append(",").append(kpi->unit);
            for (const double value :
                 {row.a, row.b, d.mean, d.low, d.high, parameters, noise, d.parameter_share(),
                  double(d.above_zero), double(d.draws)}) {
                text.append(",").append(csv_number(value));
            }
            text.push_back('\n');
        }
    }
    write_text(output, text);
}

void write_comparison_h5(const UncertainComparison& result, const Scenario& a, const Scenario& b,
                         const std::string& output) {
    std::map<std::string, std::vector<double>> datasets;
    for (std::size_t k = 0; k < result.rows.size(); ++k) {
        const auto& row = result.rows[k];
        const auto [parameters, noise] = parts(row.difference);
        datasets["/per_draw/" + row.kpi] = result.per_draw[k];
        datasets["/summary/" + row.kpi] = {row.a,
                                           row.b,
                                           row.difference.mean,
                                           row.difference.low,
                                           row.difference.high,
                                           parameters,
                                           noise,
                                           double(row.difference.above_zero)};
    }
    put_draws(datasets, result.draws);
    write_datasets(output, datasets,
                   {{"custsim_version", CUSTSIM_VERSION},
                    {"a_yaml", to_yaml(a)},
                    {"b_yaml", to_yaml(b)},
                    {"draws_source", result.draws.source},
                    {"draws_keys", keys_text(result.draws)},
                    {"summary_columns", "a, b, b_minus_a, low, high, parameters_half_width, "
                                        "noise_half_width, above_zero_draws"}});
}

/// The changes as % of A with their intervals, by group (as compare's plot).
Json comparison_plot(const UncertainComparison& result, const Scenario& a, const Scenario& b,
                     const std::vector<const Kpi*>& kpis) {
    Json groups = Json::array();
    int group = -1;
    Json rows = Json::array();
    for (const Kpi* kpi : kpis) {
        for (const auto& row : result.rows) {
            if (row.kpi != kpi->name) {
                continue;
            }
            if (int(kpi->group) != group && group >= 0) {
                groups.push(
                    Json::object().set("name", to_string(KpiGroup(group))).set("rows", rows));
                rows = Json::array();
            }
            group = int(kpi->group);
            const auto& d = row.difference;
            rows.push(Json::object()
                          .set("label", kpi->name)
                          .set("mean", percent_of(d.mean, row.a))
                          .set("low", percent_of(d.low, row.a))
                          .set("high", percent_of(d.high, row.a)));
        }
    }
    if (group >= 0) {
        groups.push(Json::object().set("name", to_string(KpiGroup(group))).set("rows", rows));
    }
    return Json::object()
        .set("title", b.name + " against " + a.name + ": change of each final KPI")
        .set("subtitle", std::to_string(result.draws.points.size()) + " parameter draws x " +
                             std::to_string(result.replicates) +
                             " paired replicates; intervals include parameter uncertainty")
        .set("xlabel", "(B - A) / |A|, % (n/a: A is 0)")
        .set("groups", groups);
}

/// The points as response_plot draws them: each interval the one over draws.
std::vector<ResponsePoint> as_points(const std::vector<UncertainResponsePoint>& points) {
    const auto plain = [](const UncertainDifference& d) {
        return Difference{d.mean, d.low, d.high};
    };
    std::vector<ResponsePoint> out;
    for (const auto& p : points) {
        out.push_back({p.spend_per_day, plain(p.adopted), plain(p.purchases), plain(p.revenue),
                       plain(p.margin), plain(p.profit), p.marginal_roi.mean});
    }
    return out;
}

std::string plot_note(const Scenario& s, const ParameterDraws& draws) {
    return std::to_string(draws.points.size()) + " parameter draws (" + keys_text(draws) + ") x " +
           std::to_string(s.replicates) + " paired replicates, " + format_readable(s.days, 0) +
           " days; bands: 95 % intervals including parameter uncertainty";
}

} // namespace

void add_uncertainty_options(CLI::App& command, UncertaintyArgs& args,
                             const std::string& posterior_help) {
    command.add_option("--posterior", args.posterior, posterior_help)->check(CLI::ExistingFile);
    command
        .add_option("--draws", args.draws,
                    "Parameter draws with --posterior or the scenario's uncertain: keys "
                    "(default 20)")
        ->check(CLI::PositiveNumber);
}

ParameterDraws draws_for(const UncertaintyArgs& args, const Scenario& scenario) {
    const std::uint32_t count = args.draws > 0 ? args.draws : default_draws;
    ParameterDraws draws = experiment_draws(scenario, args.posterior, count);
    if (draws.points.empty() && args.draws > 0) {
        throw InputError("--draws: needs --posterior FILE or `uncertain:` keys in the scenario "
                         "to draw from");
    }
    return draws;
}

int compare_over_draws(const ExperimentArgs& args, const Scenario& a, const Scenario& b,
                       const ParameterDraws& draws) {
    check_same_uncertain(a, b);
    check_not_compared(a, b, draws);
    const auto kpis = chosen_kpis(args.kpis, !a.instant());
    preflight(args, a, 2.0 * double(draws.points.size()));
    check_files(args);
    catch_interrupts();
    UncertainComparison result;
    {
        RunsProgress progress(std::uint32_t(2 * draws.points.size()), a.replicates, a.days,
                              !args.quiet);
        result = compare_uncertain(a, b, draws, args.threads, std::ref(progress));
    }
    if (!args.output.empty()) {
        write_comparison_h5(result, a, b, args.output);
    }
    if (!args.csv.empty()) {
        write_comparison_csv(result, kpis, args.csv);
    }
    print_comparison(result, a, b, kpis);
    for (const auto& [name, file] : {std::pair{"results", args.output}, {"table", args.csv}}) {
        if (!file.empty()) {
            std::printf("%s: %s\n", name, file.c_str());
        }
    }
    if (!args.plot.empty()) {
        draw_plot("intervals", comparison_plot(result, a, b, kpis), args.plot);
        std::printf("plot: %s\n", args.plot.c_str());
    }
    return 0;
}

int response_over_draws(const ExperimentArgs& args, const Scenario& s,
                        const ParameterDraws& draws) {
    const auto spends = parse_spends(args.spend);
    with_channel_spend(s, args.channel, 0); // checks the channel before the long runs
    preflight(args, s, double((spends.size() + 1) * draws.points.size()));
    check_files(args);
    catch_interrupts();
    std::vector<UncertainResponsePoint> points;
    {
        RunsProgress progress(std::uint32_t((spends.size() + 1) * draws.points.size()),
                              s.replicates, s.days, !args.quiet);
        points =
            response_uncertain(s, args.channel, spends, draws, args.threads, std::ref(progress));
    }
    std::printf("%s: response to %s spend, against none (%g days)\n", s.name.c_str(),
                args.channel.c_str(), s.days);
    print_heading(draws, s.replicates, s.seed);
    std::printf("  %10s %14s %14s %-26s %12s %12s %7s %-24s\n", "per day", "+adopted", "+profit",
                "95% interval", "+-params", "+-noise", "params", "marginal ROI");
    std::map<std::string, std::vector<double>> datasets;
    for (std::size_t k = 0; k < points.size(); ++k) {
        const auto& p = points[k];
        const auto [parameters, noise] = parts(p.profit);
        const std::string roi =
            std::isfinite(p.marginal_roi.mean)
                ? format_readable(p.marginal_roi.mean, 2) + " " + interval(p.marginal_roi)
                : "-";
        std::printf("  %10.4g %14.0f %14.0f %-26s %12.0f %12.0f %7s %-24s\n", p.spend_per_day,
                    p.adopted.mean, p.profit.mean, readable_interval(p.profit, 0).c_str(),
                    parameters, noise, share_text(p.profit.parameter_share()).c_str(), roi.c_str());
        datasets["/response/spend_per_day"].push_back(p.spend_per_day);
        cli::put(datasets, "/response/marginal_roi", p.marginal_roi, k, points.size());
        put(datasets, "/response/incremental_adopted", p.adopted, k, points.size());
        put(datasets, "/response/incremental_purchases", p.purchases, k, points.size());
        put(datasets, "/response/incremental_revenue", p.revenue, k, points.size());
        put(datasets, "/response/incremental_margin", p.margin, k, points.size());
        put(datasets, "/response/incremental_profit", p.profit, k, points.size());
    }
    print_legend(s.replicates);
    std::printf("  marginal ROI: extra margin per extra unit spent since the level above, minus "
                "1; its interval: mean +- t x its spread over the draws\n");
    if (!args.output.empty()) {
        put_draws(datasets, draws);
        write_datasets(args.output, datasets,
                       {{"custsim_version", CUSTSIM_VERSION},
                        {"channel", args.channel},
                        {"draws_source", draws.source},
                        {"draws_keys", keys_text(draws)}});
        std::printf("results: %s\n", args.output.c_str());
    }
    if (!args.plot.empty()) {
        draw_plot("panels", response_plot(s, args.channel, as_points(points), plot_note(s, draws)),
                  args.plot);
        std::printf("plot: %s\n", args.plot.c_str());
    }
    return 0;
}

int levers_over_draws(const ExperimentArgs& args, const Scenario& s, const ParameterDraws& draws,
                      std::uint32_t runs) {
    preflight(args, s, double(runs * draws.points.size()));
    catch_interrupts();
    std::vector<UncertainLever> rows;
    {
        RunsProgress progress(std::uint32_t(runs * draws.points.size()), s.replicates, s.days,
                              !args.quiet);
        rows = levers_uncertain(s, draws, args.threads, std::ref(progress));
    }
    std::printf("%s: the focal brand's levers, each moved a step against the scenario (%g days)\n",
                s.name.c_str(), s.days);
    print_heading(draws, s.replicates, s.seed);
    std::printf("  %-14s %-12s %12s %12s %14s %-22s %10s %10s %7s\n", "lever", "step", "+cost",
                "+profit", "profit per 1", "95% interval", "+-params", "+-noise", "params");
    std::map<std::string, std::vector<double>> datasets;
    std::string names;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto& row = rows[k];
        const auto [parameters, noise] = parts(row.per_unit);
        const bool priced = std::isfinite(row.per_unit.mean);
        std::printf("  %-14s %-12s %12.0f %12.0f %14s %-22s %10s %10s %7s\n", row.lever.c_str(),
                    row.step.c_str(), row.cost.mean, row.profit.mean,
                    priced ? format_readable(row.per_unit.mean, 2).c_str() : "-",
                    priced ? readable_interval(row.per_unit, 2).c_str() : "(no cost in scenario)",
                    priced ? format_readable(parameters, 2).c_str() : "",
                    priced ? format_readable(noise, 2).c_str() : "",
                    share_text(row.per_unit.parameter_share()).c_str());
        names += (names.empty() ? "" : ",") + row.lever;
        put(datasets, "/levers/cost", row.cost, k, rows.size());
        put(datasets, "/levers/profit", row.profit, k, rows.size());
        put(datasets, "/levers/profit_per_unit", row.per_unit, k, rows.size());
    }
    print_legend(s.replicates);
    if (!args.output.empty()) {
        put_draws(datasets, draws);
        write_datasets(args.output, datasets,
                       {{"custsim_version", CUSTSIM_VERSION},
                        {"levers", names},
                        {"draws_source", draws.source},
                        {"draws_keys", keys_text(draws)}});
        std::printf("results: %s\n", args.output.c_str());
    }
    return 0;
}

} // namespace custsim::cli
