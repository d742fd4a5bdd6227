#pragma once
#include <chrono>
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

} // namespace custsim::cli
