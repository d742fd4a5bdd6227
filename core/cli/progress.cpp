#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace custsim::cli {

namespace {
std::atomic<bool> interrupt_flag{false};
extern "C" void on_interrupt(int) {
    interrupt_flag = true;
}

constexpr auto redraw_every = std::chrono::milliseconds(100);
constexpr auto log_at_least_every = std::chrono::seconds(60);
constexpr double log_step_percent = 5;
} // namespace

void catch_interrupts() {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
}

bool interrupted() {
    return interrupt_flag;
}

ProgressBar::ProgressBar(std::uint32_t items, double days, bool enabled, std::string item)
    : items_(std::max<std::uint32_t>(items, 1)), days_(days > 0 ? days : 1), item_(std::move(item)),
      enabled_(enabled), terminal_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() {
    finish();
}

void ProgressBar::update(std::uint32_t item, double day) {
    if (!enabled_) {
        return;
    }
    const double done = std::clamp((item + day / days_) / items_, 0.0, 1.0);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (terminal_) {
        if (now - last_ >= redraw_every) {
            last_ = now;
            draw(done, item, day, elapsed);
        }
        return;
    }
    // Whole percent, so a run's last step (done a hair below 1 in floating point) logs 100 %.
    const double percent = std::floor(100 * done + 1e-6);
    if (!logged_all_ && (percent >= next_percent_ || now - last_ >= log_at_least_every)) {
        last_ = now;
        log(done, item, day, elapsed);
        next_percent_ = (std::floor(percent / log_step_percent) + 1) * log_step_percent;
        logged_all_ = percent >= 100;
    }
}

void ProgressBar::draw(double done, std::uint32_t item, double day, double elapsed) {
    const double eta = done > 0 ? elapsed * (1 - done) / done : 0;
    constexpr int width = 30;
    const int filled = static_cast<int>(done * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    const std::string where = days_ > 1 ? "  day " + std::to_string(int(day)) : std::string();
    std::fprintf(stderr, "\r[%s] %5.1f%%  %s %u/%u%s  ETA %5.0f s ", bar.c_str(), 100 * done,
                 item_.c_str(), std::min(item + 1, items_), items_, where.c_str(), eta);
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressBar::log(double done, std::uint32_t item, double day, double elapsed) {
    const double percent = std::floor(100 * done + 1e-6);
    const std::string where = days_ > 1 ? ", day " + std::to_string(int(day)) : std::string();
    char time[64];
    if (percent >= 100) {
        std::snprintf(time, sizeof time, " in %.1f s", elapsed);
    } else {
        std::snprintf(time, sizeof time, ", %.0f s so far, about %.0f s left", elapsed,
                      done > 0 ? elapsed * (1 - done) / done : 0.0);
    }
    std::fprintf(stderr, "custsim: %3.0f %% done (%s %u of %u%s)%s\n", percent, item_.c_str(),
                 std::min(item + 1, items_), items_, where.c_str(), time);
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (drawn_) {
        std::fprintf(stderr, "\r%90s\r", "");
        std::fflush(stderr);
        drawn_ = false;
    }
}

} // namespace custsim::cli
