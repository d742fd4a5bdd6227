#include "custsim/run.hpp"

#include "custsim/error.hpp"

#include <cmath>

namespace custsim {

const Observer& no_observer() {
    static const Observer none;
    return none;
}

void truncate(Results& results, std::size_t points) {
    const std::size_t before = results.points();
    const std::size_t R = results.replicates;
    results.time.resize(points);
    auto cut = [&](std::vector<double>& values) {
        const std::size_t width = before && R ? values.size() / (R * before) : 0;
        std::vector<double> kept;
        kept.reserve(R * points * width);
        for (std::size_t r = 0; r < R; ++r) {
            const auto from = values.begin() + std::ptrdiff_t(r * before * width);
            kept.insert(kept.end(), from, from + std::ptrdiff_t(points * width));
        }
        values = std::move(kept);
    };
    for (auto* group :
         {&results.timeseries, &results.channels, &results.brands, &results.markets}) {
        for (auto& [name, values] : *group) {
            cut(values);
        }
    }
}

std::size_t run_loop(Simulation& simulation, std::uint32_t replicate, std::uint64_t steps,
                     std::uint64_t record_every, const RunHooks& hooks) {
    const double dt = simulation.scenario().dt;
    const Observer& observer = hooks.observer;
    const std::uint64_t observe_every =
        observer.call && observer.every_days > 0
            ? std::max<std::uint64_t>(1, std::uint64_t(std::llround(observer.every_days / dt)))
            : 0;
    std::size_t points = 0;
    auto record = [&](std::uint64_t step) {
        if (step % record_every == 0) {
            if (hooks.record) {
                hooks.record(step / record_every);
            }
            points = step / record_every + 1;
        }
    };
    std::uint64_t step = simulation.step_index();
    if (step == 0) {
        record(0);
    }
    for (; step < steps; ++step) {
        if (observe_every && step % observe_every == 0 && !observer.call(replicate, simulation)) {
            break;
        }
        simulation.step();
        record(step + 1);
        if (hooks.progress && !hooks.progress(replicate, simulation.day())) {
            throw Cancelled();
        }
    }
    return points;
}

} // namespace custsim
