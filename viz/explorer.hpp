#pragma once
// The explorer's state and panels; uses custsim's public API only.
#include "custsim/experiment.hpp"
#include "custsim/kpis.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include "custsim/results.hpp"

#include "plot.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace custsim::viz {

/// What a run recorded, day by day: the KPIs the plots show.
struct History {
    std::vector<double> day;
    std::map<std::string, std::vector<double>> kpi;
    std::vector<std::vector<double>> channel_spend; ///< [channel][point], cumulative
    /// Per-brand KPIs: [name][brand][point].
    std::map<std::string, std::vector<std::vector<double>>> brand;
};

/// A sampled neighbourhood of the social graph, laid out once, coloured by stage as it runs.
struct Neighbourhood {
    std::vector<std::uint32_t> customers;
    std::vector<std::pair<int, int>> ties; ///< indices into customers
    std::vector<float> x, y;               ///< layout in [0, 1]
};
/// Up to `count` customers reached breadth-first from the middle of the population, with their
/// ties, laid out by Boost.Graph's Fruchterman-Reingold layout from a seeded random start.
Neighbourhood sample_neighbourhood(const SocialGraph& graph, std::size_t count);

/// The panels, in tab order; their names are the command line's --panel values.
enum class Panel { funnel, service, brands, policies, levers, network };
inline constexpr const char* panel_names[] = {"funnel",   "service", "brands",
                                              "policies", "levers",  "network"};

/// A choice key of the scenario schema (custsim keys) offered as a combo box of its allowed
/// values and applied, on restart, as `--set key=value` would be.
struct ChoiceLever {
    std::string key; ///< as --set takes it, e.g. "markets.home.strict_privacy"
    std::string label;
    std::vector<std::string> allowed;
    int current = 0;
};

/// A plot of a panel: a title and the registered KPIs drawn in it, which share a unit.
struct KpiGroupPlot {
    std::string title;
    std::vector<const Kpi*> kpis;
};

class Explorer {
  public:
    ~Explorer();
    void open(const std::string& path, const std::vector<std::string>& overrides = {});
    void start(); ///< the simulation thread
    void stop();
    void run_now(double days);                    ///< step in this thread (screenshots)
    void run_batch_now(std::uint32_t replicates); ///< a batch, waited for (screenshots)
    /// Writes the last batch's results (HDF5, as custsim run's); false without a batch.
    bool export_batch(const std::string& path);
    /// The levers' marginal returns over `days` with `replicates`, waited for (screenshots).
    void run_levers_now(double days, std::uint32_t replicates);
    /// Reads a `custsim optimise` file to show in the levers panel; throws InputError naming
    /// the file when it is not one.
    void load_optimum(const std::string& path);
    void draw(float width, float height);
    /// Opens with the panel called `name` (panel_names); false if there is none.
    bool select_panel(const std::string& name);
    /// Writes what the current panel shows as CSV (plots: plot,series,unit,day,value; levers:
    /// one row per lever; network: the layout); false if it cannot.
    bool export_csv(const std::string& path) const;
    /// The panel's rectangle in the last frame, in pixels from the top left: x, y, w, h.
    ImVec4 panel_rect() const { return panel_rect_; }
    /// A PNG of the panel asked for by its button, taken once (empty: none asked for).
    std::string take_png_request() { return std::exchange(png_request_, {}); }
    void say(const std::string& message) { message_ = message; }
    void play(bool on) { playing_ = on; }
    void set_days_per_second(int rate) { days_per_second_ = rate; }
    double day(); ///< the simulation's day (takes the lock)

  private:
    void reset(const Scenario& s); ///< under the lock
    void record();                 ///< under the lock
    void loop();
    bool take_turn(std::uint64_t generation); ///< waits for play; true: holds the lock to step
    void end_turn();                          ///< records and lets the lock go
    void step_locked();
    void levers_panel();
    void choice_levers();    ///< privacy, consent and personalisation: edits edited_
    void read_choices();     ///< the choice levers' current values, from edited_
    void spend_sliders();    ///< live: the focal brand's spend per channel and in total
    void scenario_levers();  ///< edits edited_, applied on restart
    void batch_buttons();    ///< run a batch, export it
    void scenario_buttons(); ///< apply edited_, save it
    void controls_panel();
    void panels(float width, float height); ///< the tab bar of panels, right of the controls
    void export_buttons(Panel panel);
    void plots_panel();
    void difference_table(ImVec2 size);
    void service_panel();
    void brands_panel();
    void policies_panel();
    void daily_spend(); ///< daily_spend_ from shown_'s cumulative spend
    void lever_returns_panel();
    void lever_returns_buttons();
    void network_panel();
    bool write_levers_csv(const std::string& path) const;
    bool write_network_csv(const std::string& path) const;
    std::vector<Series> kpi_series(const std::vector<const Kpi*>& kpis);

    std::string path_;
    Scenario scenario_, edited_;
    std::shared_ptr<const SocialGraph> graph_;
    std::unique_ptr<Simulation> simulation_;
    std::vector<const Kpi*> plotted_; ///< every scalar KPI a panel plots, recorded each step
    std::vector<KpiGroupPlot> funnel_plots_, service_plots_;
    std::vector<KpiGroupPlot> policy_plots_; ///< the KPIs of the scenario's policies
    /// The focal brand's spend per day per channel, from the cumulative spend shown: the budget
    /// policies' decisions (or the plan's flights). [channel][point], at the day a step began.
    std::vector<std::vector<double>> daily_spend_;
    std::vector<double> daily_spend_day_;
    std::vector<const Kpi*> brand_kpis_; ///< the per-brand KPIs of brand_plot_kpis
    std::vector<ChoiceLever> choices_;
    Panel panel_ = Panel::funnel;
    bool select_pending_ = false;
    bool log_funnel_ = true; ///< the funnel on a log scale: "considering" is far below "aware"
    std::vector<ShownPlot> shown_plots_; ///< what the current panel's plots showed last frame
    ImVec4 panel_rect_{0, 0, 0, 0};
    std::string png_request_;
    std::vector<double> spend_; ///< focal spend per day per channel (the sliders)
    bool spend_changed_ = false;
    History history_, pinned_;
    History shown_; ///< the interface's copy, taken once per frame
    std::vector<std::uint8_t> shown_stage_;
    std::vector<double> shown_spend_;
    double shown_day_ = 0;
    bool has_pin_ = false;
    Neighbourhood sample_;
    std::vector<std::uint8_t> sample_stage_;
    std::string message_;
    /// A batch of replicates of the current scenario, run beside the interface.
    std::future<Results> batch_future_;
    std::optional<Results> batch_;
    History band_mean_, band_low_, band_high_;
    void take_batch();
    /// The levers' marginal returns (custsim::levers), computed beside the interface.
    std::future<std::vector<LeverEffect>> levers_future_;
    std::optional<std::vector<LeverEffect>> levers_;
    std::string levers_about_; ///< the scenario, days and replicates they were computed on
    std::atomic<bool> levers_cancel_{false};
    std::atomic<std::uint32_t> levers_steps_{0}; ///< replicate-days done, for the progress bar
    std::uint32_t levers_total_ = 1;
    int levers_days_ = 90, levers_replicates_ = 2;
    /// A `custsim optimise` result: the allocation against the current plan, per lever.
    struct OptimumView {
        std::string path, objective;
        std::vector<std::string> levers;
        std::vector<double> current, best, marginal, marginal_low, marginal_high;
        double budget = 0, gain = 0, gain_low = 0, gain_high = 0;
    };
    std::optional<OptimumView> optimum_;
    char optimum_path_[512] = "";
    void optimum_view(float height); ///< the optimum's table, or the field to load one
    void start_levers(double days, std::uint32_t replicates);
    void take_levers();
    std::mutex lock_;
    std::unique_lock<std::mutex> turn_; ///< the simulation thread's hold on lock_ for one step
    std::uint64_t generation_ = 0;      ///< counts resets: a run loop of an older one ends
    std::chrono::steady_clock::time_point next_{}; ///< when the next step is due (pacing)
    std::thread thread_;
    std::atomic<bool> playing_{false}, quit_{false};
    std::atomic<int> days_per_second_{30};
};

} // namespace custsim::viz
