#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace custsim::cli {

/// Progress of a long command on standard error, with an ETA. On a terminal: one line redrawn
/// in place at most ten times a second and cleared at the end. Otherwise (a log file, a pipe, a
/// batch job): a line of its own at every 5 % and at least once a minute, and a last one at
/// 100 %. Nothing when disabled (--quiet).
class ProgressBar {
  public:
    /// `items` of `days` each: replicates of a run, or (days 1, item "point") a sweep's points.
    ProgressBar(std::uint32_t items, double days, bool enabled, std::string item = "replicate");
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;
    /// `item` (from 0) has reached `day` of its `days`.
    void update(std::uint32_t item, double day);

  private:
    void draw(double done, std::uint32_t item, double day, double elapsed);
    void log(double done, std::uint32_t item, double day, double elapsed);
    void finish();
    std::uint32_t items_;
    double days_;
    std::string item_;
    bool enabled_, terminal_;
    bool drawn_ = false;
    double next_percent_ = 5; ///< log: the next multiple of 5 % that prints a line
    bool logged_all_ = false; ///< log: the 100 % line is out
    std::chrono::steady_clock::time_point start_, last_;
};

/// Installs a Ctrl-C handler; interrupted() tells whether it fired.
void catch_interrupts();
bool interrupted();

/// One progress bar over several runs of `replicates` each, which report only (replicate, day):
/// a new run starts when that goes back. With groups (sensitivity's evaluations, each of
/// `runs_per_group` runs) the caller also reports the group, and a new group starts its first
/// run. Returns false once Ctrl-C was pressed.
class RunsProgress {
  public:
    RunsProgress(std::uint32_t runs, std::uint32_t replicates, double days, bool enabled,
                 std::uint32_t runs_per_group = 1)
        : bar_(runs * replicates, days, enabled), replicates_(replicates),
          per_group_(runs_per_group) {}
    bool operator()(std::uint32_t replicate, double day) { return (*this)(group_, replicate, day); }
    bool operator()(std::size_t group, std::uint32_t replicate, double day) {
        if (group != group_) {
            group_ = group;
            run_ = 0;
        } else if (replicate < last_replicate_ ||
                   (replicate == last_replicate_ && day < last_day_)) {
            ++run_;
        }
        last_replicate_ = replicate;
        last_day_ = day;
        bar_.update(std::uint32_t((group_ * per_group_ + run_) * replicates_ + replicate), day);
        return !interrupted();
    }

  private:
    ProgressBar bar_;
    std::uint32_t replicates_, per_group_, run_ = 0, last_replicate_ = 0;
    std::size_t group_ = 0;
    double last_day_ = 0;
};

} // namespace custsim::cli
