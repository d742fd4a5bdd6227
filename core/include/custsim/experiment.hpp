#pragma once
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include <map>
#include <string>
#include <vector>

namespace custsim {

/// The mean of paired differences over replicates with its 95 % interval (Student t).
struct Difference {
    double mean = 0, low = 0, high = 0;
    /// The interval excludes zero: B is surely above (or below) A.
    bool sign_certain() const { return low > 0 || high < 0; }
};
Difference paired_difference(const std::vector<double>& a, const std::vector<double>& b);

/// "Is B better than A, and by how much?": both run with the same seed, so every draw their
/// policies do not change is shared (common random numbers) and the differences per replicate
/// measure the policy. B is run again with another seed to measure what that buys.
struct Comparison {
    struct Row {
        std::string kpi;
        double a = 0, b = 0; ///< means over replicates
        Difference difference;
        /// Variance of B - A with independent seeds over that with common random numbers;
        /// NaN when the paired variance is zero.
        double variance_ratio = 0;
    };
    std::vector<Row> rows;
    Results a, b, b_independent;
};
Comparison compare(const Scenario& a, const Scenario& b, int threads = 0,
                   const Progress& progress = {});

/// What each of the focal brand's channels really adds: the run without the channel (same seed)
/// against the run with it, beside what last-touch attribution credits it with.
struct ChannelAttribution {
    std::string channel;
    double spend = 0;      ///< over the run, mean over replicates
    double last_touch = 0; ///< purchases whose last touch was the channel
    double found_by = 0;   ///< new customers who found the brand through it
    Difference customers, adopted, purchases, revenue, margin, profit; ///< with - without
    double roi = 0; ///< (incremental margin - spend) / spend; NaN without spend
};
std::vector<ChannelAttribution> attribute(const Scenario& scenario, int threads = 0,
                                          const Progress& progress = {});

/// Incremental KPIs of one channel's daily spend against no spend on it, at several levels.
struct ResponsePoint {
    double spend_per_day = 0;
    Difference adopted, purchases, revenue, margin, profit; ///< against spend 0
    double marginal_roi = 0; ///< extra margin per extra unit spent since the last level, minus 1
};
std::vector<ResponsePoint> response(const Scenario& scenario, const std::string& channel,
                                    const std::vector<double>& spends_per_day, int threads = 0,
                                    const Progress& progress = {});

/// One of the focal brand's levers moved by a small step, against the scenario as it is (same
/// seed, so the difference measures the step).
struct LeverEffect {
    std::string lever; ///< a channel's name, "agents", "training", "logistics", "service level",
                       ///< "retention", "price"
    std::string step;  ///< what moved, e.g. "+10 % spend", "+0.1"
    Difference cost;   ///< money the step puts in over the run (price: revenue given up)
    Difference profit; ///< profit with the step minus without (its own cost included)
    /// Profit gained per currency unit put in, net of that unit (0: breaks even), from the
    /// replicates' ratios; NaN where the scenario gives the lever no cost.
    Difference per_unit;
};
/// The marginal effect of each lever: every channel the focal brand buys (+10 % spend), agents
/// (+10 %), training, logistics, service level and retention programme members (+0.1 each,
/// -0.1 above 0.9) and price (-1 %). A lever whose cost the scenario leaves at 0 still shows its
/// profit effect. Throws ScenarioError without a journey brand or with fewer than 2 replicates.
std::vector<LeverEffect> levers(const Scenario& scenario, int threads = 0,
                                const Progress& progress = {});

/// The focal brand's advertising elasticity of sales, measured as the literature defines it
/// (Sethuraman, Tellis & Briesch 2011): every flight of the focal brand raised by `step` (0.5:
/// +50 %) for `weeks` weeks from day `from`, against the scenario with the same seed. Short run:
/// the relative change of sales (purchases) in those weeks over the relative change of spend.
/// Long run: the extra sales from the pulse's start to the run's end over the window's sales and
/// the step (the current period's sales as the unit, as a Koyck model's SR / (1 - lambda)).
struct Elasticity {
    double from = 0, weeks = 0, step = 0;
    Difference short_run, long_run;
    double ratio = 0;                ///< long run over short run, of the means
    std::vector<double> extra_sales; ///< mean extra purchases per week from `from` to the end
    double carried = 0;              ///< share of the extra sales after the pulse's weeks
    double half_weeks = 0;   ///< weeks from the pulse's start until half the extra sales came
    double ninety_weeks = 0; ///< ... until 90 % came (Leone 1995's duration interval)
};
/// Throws ScenarioError without a focal brand, without media, with fewer than 2 replicates, or
/// when the window does not end at least a week before the run.
Elasticity advertising_elasticity(const Scenario& scenario, double from, double weeks, double step,
                                  int threads = 0, const Progress& progress = {});

/// The scenario with the focal brand's flights on `channel` replaced by one always-on flight of
/// `spend_per_day` (none at 0). Throws ScenarioError if the channel does not exist.
Scenario with_channel_spend(const Scenario& scenario, const std::string& channel,
                            double spend_per_day);

} // namespace custsim
