#pragma once
// The explorer's state and panels; uses custsim's public API only.
#include "custsim/kpis.hpp"
#include "custsim/scenario.hpp"
#include "custsim/simulation.hpp"

#include "custsim/results.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace custsim::viz {

/// What a run recorded, day by day: the KPIs the plots show.
struct History {
    std::vector<double> day;
    std::map<std::string, std::vector<double>> kpi;
    std::vector<std::vector<double>> channel_spend; ///< [channel][point], cumulative
};

/// A sampled neighbourhood of the social graph, laid out once, coloured by stage as it runs.
struct Neighbourhood {
    std::vector<std::uint32_t> customers;
    std::vector<std::pair<int, int>> ties; ///< indices into customers
    std::vector<float> x, y;               ///< layout in [0, 1]
};

class Explorer {
  public:
    ~Explorer();
    void open(const std::string& path);
    void start(); ///< the simulation thread
    void stop();
    void run_now(double days);                    ///< step in this thread (screenshots)
    void run_batch_now(std::uint32_t replicates); ///< a batch, waited for (screenshots)
    /// Writes the last batch's results (HDF5, as custsim run's); false without a batch.
    bool export_batch(const std::string& path);
    void draw(float width, float height);
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
    void spend_sliders();    ///< live: the focal brand's spend per channel and in total
    void scenario_levers();  ///< edits edited_, applied on restart
    void batch_buttons();    ///< run a batch, export it
    void scenario_buttons(); ///< apply edited_, save it
    void controls_panel();
    void plots_panel();
    void network_panel();

    std::string path_;
    Scenario scenario_, edited_;
    std::shared_ptr<const SocialGraph> graph_;
    std::unique_ptr<Simulation> simulation_;
    std::vector<const Kpi*> plotted_; ///< the KPIs of kpi_plots, in order
    std::vector<double> spend_;       ///< focal spend per day per channel (the sliders)
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
    std::mutex lock_;
    std::unique_lock<std::mutex> turn_; ///< the simulation thread's hold on lock_ for one step
    std::uint64_t generation_ = 0;      ///< counts resets: a run loop of an older one ends
    std::chrono::steady_clock::time_point next_{}; ///< when the next step is due (pacing)
    std::thread thread_;
    std::atomic<bool> playing_{false}, quit_{false};
    std::atomic<int> days_per_second_{30};
};

} // namespace custsim::viz
