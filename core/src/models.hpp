#pragma once
// Private to the engine: what the public Simulation runs. A model owns its customers' columns
// and step buffers; Simulation forwards to it. Two models exist: the instant funnel
// (core/src/bass/, the Bass special case) and the customer journey (core/src/journey/).
#include "custsim/simulation.hpp"

#include <memory>
#include <vector>

namespace custsim {

class Model {
  public:
    Model(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph, StreamKey key,
          int threads)
        : scenario_(scenario), graph_(std::move(graph)), key_(key), threads_(threads) {}
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;
    virtual ~Model() = default;

    virtual void step() = 0;
    /// Every column and step buffer, in the model's order.
    virtual std::vector<ColumnView> columns() const = 0;
    virtual void set_focal_spend(const std::vector<double>& spend_per_day);
    virtual void set_processes(std::uint16_t) {}
    /// The focal brand's spend per day by channel on `day`; empty without a media plan.
    virtual std::vector<double> planned_spend(double) const { return {}; }

    std::uint64_t step_index() const { return step_; }
    double day() const { return double(step_) * scenario_.dt; }
    const Kpis& kpis() const { return kpis_; }
    const Work& work() const { return work_; }
    const Scenario& scenario() const { return scenario_; }
    const SocialGraph& graph() const { return *graph_; }

  protected:
    /// The `count` customers ranked first by `rule` (ties broken by a draw of `process`).
    std::vector<std::uint32_t> pick_seeds(std::uint64_t count, SeedRule rule,
                                          Process process) const;

    Scenario scenario_;
    std::shared_ptr<const SocialGraph> graph_;
    StreamKey key_;
    int threads_;
    std::uint64_t step_ = 0;
    Kpis kpis_;
    Work work_;
};

/// A registry entry for `column`, with its element type worked out.
template <class T>
ColumnView column_view(std::string_view name, const std::vector<T>& column, std::size_t width,
                       std::string_view description, bool state = true) {
    ColumnView view;
    view.name = name;
    view.type = column_type<T>();
    view.data = column.data();
    view.width = width;
    view.customers = width ? column.size() / width : 0;
    view.bytes = column.capacity() * sizeof(T);
    view.state = state;
    view.description = description;
    return view;
}

std::unique_ptr<Model> make_bass_model(const Scenario& scenario,
                                       std::shared_ptr<const SocialGraph> graph, StreamKey key,
                                       int threads);
std::unique_ptr<Model> make_journey_model(const Scenario& scenario,
                                          std::shared_ptr<const SocialGraph> graph, StreamKey key,
                                          int threads);

} // namespace custsim
