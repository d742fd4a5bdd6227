// custsim compare, attribute, response and levers: experiments made of several runs that share a
// seed.
#include "command.hpp"
#include "commands.hpp"

#include "progress.hpp"

#include "custsim/error.hpp"
#include "custsim/experiment.hpp"
#include "custsim/resources.hpp"
#include "custsim/results.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace custsim::cli {

namespace {

/// One progress bar over several runs of `replicates` each: a new run starts when the
/// (replicate, day) a run reports goes back.
class RunsProgress {
  public:
    RunsProgress(std::uint32_t runs, std::uint32_t replicates, double days, bool enabled)
        : bar_(runs * replicates, days, enabled), replicates_(replicates) {}
    bool operator()(std::uint32_t replicate, double day) {
        if (replicate < last_replicate_ || (replicate == last_replicate_ && day < last_day_)) {
            ++run_;
        }
        last_replicate_ = replicate;
        last_day_ = day;
        bar_.update(run_ * replicates_ + replicate, day);
        return !interrupted();
    }

  private:
    ProgressBar bar_;
    std::uint32_t replicates_, run_ = 0, last_replicate_ = 0;
    double last_day_ = 0;
};

std::string interval(const Difference& d) {
    char text[96];
    std::snprintf(text, sizeof text, "[%.4g, %.4g]", d.low, d.high);
    return text;
}

std::vector<double> parse_spends(const std::string& text) {
    double from = 0, to = 0;
    unsigned steps = 0;
    char colon1 = 0, colon2 = 0;
    std::istringstream in(text);
    if (!(in >> from >> colon1 >> to >> colon2 >> steps) || colon1 != ':' || colon2 != ':' ||
        !in.eof() || steps < 2 || from < 0 || to <= from) {
        throw InputError("--spend: expected FROM:TO:STEPS with 0 <= FROM < TO and STEPS >= 2, "
                         "e.g. 0:200:5; got '" +
                         text + "'");
    }
    std::vector<double> spends;
    for (unsigned k = 0; k < steps; ++k) {
        spends.push_back(from + (to - from) * k / (steps - 1));
    }
    return spends;
}

void put(std::map<std::string, std::vector<double>>& out, const std::string& name,
         const Difference& d, std::size_t at, std::size_t size) {
    for (const char* part : {"_mean", "_low", "_high"}) {
        out[name + part].resize(size, 0.0);
    }
    out[name + "_mean"][at] = d.mean;
    out[name + "_low"][at] = d.low;
    out[name + "_high"][at] = d.high;
}

/// Everything that can be refused before the runs: threads, the output file, the size.
void preflight(const ExperimentArgs& args, const Scenario& scenario, double runs) {
    check_threads(args.threads, "--threads");
    if (!args.output.empty()) {
        check_output(args.output, "-o");
    }
    if (!args.force) {
        check_run_size(scenario, runs);
    }
}

} // namespace

int compare(const ExperimentArgs& args) {
    const Scenario a = load_scenario(args.scenarios.at(0), args.overrides);
    const Scenario b = load_scenario(args.scenarios.at(1), args.overrides);
    preflight(args, a, 2);
    preflight(args, b, 2);
    catch_interrupts();
    Comparison result;
    {
        RunsProgress progress(3, a.replicates, a.days, !args.quiet);
        result = custsim::compare(a, b, args.threads, std::ref(progress));
    }
    if (!args.output.empty()) {
        std::map<std::string, std::vector<double>> datasets;
        for (const auto& row : result.rows) {
            datasets["/a/" + row.kpi] = result.a.final.at(row.kpi);
            datasets["/b/" + row.kpi] = result.b.final.at(row.kpi);
            const auto& va = result.a.final.at(row.kpi);
            const auto& vb = result.b.final.at(row.kpi);
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
        write_datasets(args.output, datasets,
                       {{"custsim_version", CUSTSIM_VERSION},
                        {"a_yaml", result.a.scenario_yaml},
                        {"b_yaml", result.b.scenario_yaml},
                        {"summary_columns", "a, b, b_minus_a, low, high, variance_ratio"}});
    }
    std::printf("%s vs %s: %u paired replicates (common random numbers), seed %llu\n",
                a.name.c_str(), b.name.c_str(), a.replicates,
                static_cast<unsigned long long>(a.seed));
    std::printf("  %-22s %13s %13s %13s  %-29s %5s %10s\n", "KPI (final)", "A", "B", "B - A",
                "95% interval of B - A", "sure", "var ratio");
    for (const auto& row : result.rows) {
        char ratio[32] = "-";
        if (std::isfinite(row.variance_ratio)) {
            std::snprintf(ratio, sizeof ratio, "%.1f", row.variance_ratio);
        }
        std::printf("  %-22s %13.5g %13.5g %13.5g  %-29s %5s %10s\n", row.kpi.c_str(), row.a, row.b,
                    row.difference.mean, interval(row.difference).c_str(),
                    row.difference.sign_certain() ? (row.difference.mean > 0 ? "B>A" : "B<A")
                                                  : "no",
                    ratio);
    }
    std::printf("  var ratio: variance of B - A with independent seeds over that with common "
                "random numbers\n");
    if (!args.output.empty()) {
        std::printf("results: %s\n", args.output.c_str());
    }
    return 0;
}

int attribute(const ExperimentArgs& args) {
    const Scenario s = load_scenario(args.scenarios.at(0), args.overrides);
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

int response(const ExperimentArgs& args) {
    const Scenario s = load_scenario(args.scenarios.at(0), args.overrides);
    const auto spends = parse_spends(args.spend);
    with_channel_spend(s, args.channel, 0); // checks the channel before the long runs
    preflight(args, s, double(spends.size() + 1));
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
         auto finish = experiment_options(command, *args);
         return std::function<int()>([args, finish] {
             finish();
             return compare(*args);
         });
     },
     50});

/// The command of an experiment on one scenario with the experiments' options.
std::function<std::function<int()>(CLI::App&)>
one_scenario(int (*experiment)(const ExperimentArgs&)) {
    return [experiment](CLI::App& command) {
        auto args = std::make_shared<ExperimentArgs>();
        command.add_option("scenario", args->scenarios, "Scenario (YAML)")->required()->expected(1);
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
     one_scenario(levers), 75});

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
