#include "progress.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace custsim::cli {

namespace {
std::atomic<bool> interrupt_flag{false};
extern "C" void on_interrupt(int) {
    interrupt_flag = true;
}
} // namespace

void catch_interrupts() {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
}

bool interrupted() {
    return interrupt_flag;
}

ProgressBar::ProgressBar(std::uint32_t replicates, double days, bool enabled)
    : replicates_(replicates), days_(days), enabled_(enabled && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() {
    finish();
}

void ProgressBar::update(std::uint32_t replicate, double day) {
    if (!enabled_) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) {
        return;
    }
    last_ = now;
    const double done = (replicate + day / days_) / replicates_;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done > 0 ? elapsed * (1 - done) / done : 0;
    constexpr int width = 30;
    const int filled = static_cast<int>(done * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r[%s] %5.1f%%  replicate %u/%u  day %6.1f  ETA %5.0f s ", bar.c_str(),
                 100 * done, replicate + 1, replicates_, day, eta);
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::finish() {
    if (drawn_) {
        std::fprintf(stderr, "\r%80s\r", "");
        std::fflush(stderr);
        drawn_ = false;
    }
}

} // namespace custsim::cli
