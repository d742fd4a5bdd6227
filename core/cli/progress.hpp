#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace custsim::cli {

/// A one-line progress bar with an ETA on standard error, drawn only on a terminal.
class ProgressBar {
  public:
    ProgressBar(std::uint32_t replicates, double days, bool enabled);
    ~ProgressBar();
    void update(std::uint32_t replicate, double day);

  private:
    void finish();
    std::uint32_t replicates_;
    double days_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

/// Installs a Ctrl-C handler; interrupted() tells whether it fired.
void catch_interrupts();
bool interrupted();

} // namespace custsim::cli
