// The instant funnel (the Bass special case, MODEL.md section 2): exposure to always-on
// channels and word of mouth from talking neighbours give one adoption hazard per customer.
#include "models.hpp"
#include "parallel.hpp"

#include <cmath>
#include <limits>

namespace custsim {

namespace {

/// Partial sums of one block of customers; padded so neighbouring blocks do not share a line.
struct alignas(64) BlockTally {
    std::int64_t customers = 0;
    std::int64_t aware = 0;
    std::int64_t new_by_ads = 0;
    std::int64_t new_by_wom = 0;
    std::uint64_t edge_reads = 0;
    double talk = 0;
};

/// Counts one customer (old or new) and the talk it sends.
inline void count_customer(BlockTally& t, double talk) {
    t.customers += 1;
    t.aware += 1;
    t.talk += talk;
}

/// The neighbours' talk is scattered over memory: ask for customer i's a few customers early.
inline void prefetch_talk(const SocialGraph& graph, const float* talk, std::int64_t i) {
    for (const auto j : graph.neighbours(static_cast<std::uint32_t>(i))) {
        __builtin_prefetch(talk + j);
    }
}

/// The talk customer i hears from its ties: summed (per tie) or averaged (per customer).
inline double heard_talk(const SocialGraph& graph, const float* talk, WomPer per, std::int64_t i,
                         BlockTally& t) {
    const auto ties = graph.neighbours(static_cast<std::uint32_t>(i));
    float heard = 0;
    for (const auto j : ties) {
        heard += talk[j];
    }
    t.edge_reads += ties.size();
    return per == WomPer::tie ? double(heard)
           : ties.empty()     ? 0.0
                              : double(heard) / double(ties.size());
}

/// The instant funnel's columns: one index = one customer.
struct BassColumns {
    std::vector<std::uint8_t> stage; ///< Stage: unaware or customer
    std::vector<float> adopted_day;  ///< day of adoption; NaN if none
    std::vector<float> talk;         ///< word-of-mouth weight sent (0..1), read by neighbours
};

class BassModel final : public Model {
  public:
    BassModel(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph, StreamKey key,
              int threads)
        : Model(scenario, std::move(graph), key, threads) {
        const std::size_t n = graph_->num_customers();
        state_.stage.assign(n, static_cast<std::uint8_t>(Stage::unaware));
        state_.adopted_day.assign(n, std::numeric_limits<float>::quiet_NaN());
        state_.talk.assign(n, 0.0f);
        next_talk_.assign(n, 0.0f);
        for (const auto& channel : scenario_.channels) {
            ad_rate_ += channel.adoption_rate;
        }
        seed_customers();
    }
    void step() override;
    std::vector<ColumnView> columns() const override {
        return {column_view("stage", state_.stage, 1, "Stage: 0 unaware, 3 customer"),
                column_view("adopted_day", state_.adopted_day, 1, "day of adoption; NaN if none"),
                column_view("talk", state_.talk, 1, "word-of-mouth weight sent (0..1)"),
                column_view("next_talk", next_talk_, 1, "step buffer: talk being written", false)};
    }

  private:
    void seed_customers();
    void tally(std::span<const BlockTally> blocks);

    BassColumns state_;
    std::vector<float> next_talk_;
    double ad_rate_ = 0;  ///< sum of the channels' adoption rates (Bass p)
    double talk_sum_ = 0; ///< sum of talk over customers, for mean field
};

} // namespace

void BassModel::seed_customers() {
    for (auto v : pick_seeds(scenario_.seed_customers(), scenario_.seeds.by, Process::seeding)) {
        state_.stage[v] = static_cast<std::uint8_t>(Stage::customer);
        state_.adopted_day[v] = 0.0f;
        state_.talk[v] = 1.0f;
    }
    std::vector<BlockTally> blocks;
    for_each_block(graph_->num_customers(), threads_, blocks,
                   [&](std::int64_t first, std::int64_t last, BlockTally& t) {
                       for (std::int64_t i = first; i < last; ++i) {
                           const bool adopted = state_.stage[i] == std::uint8_t(Stage::customer);
                           t.customers += adopted;
                           t.aware += state_.stage[i] != std::uint8_t(Stage::unaware);
                           t.talk += state_.talk[i];
                       }
                   });
    tally(blocks);
    kpis_.adopted = kpis_.customers;
}

// One step of dt days, in MODEL.md's order as far as the Bass special case has processes:
// exposure to the always-on channels and word of mouth give one adoption hazard
// h = p + q x (talk pulled from neighbours); the customer adopts with probability 1 - exp(-h dt).
// The draw that decides also attributes the adoption: u below the channels' share of that
// probability counts for the channels, the rest for word of mouth.
void BassModel::step() {
    const double dt = scenario_.dt;
    const double day_after = double(step_ + 1) * dt;
    const auto& wom = scenario_.word_of_mouth;
    const bool mean_field = graph_->is_mean_field();
    const double n = double(graph_->num_customers());
    const double mean_field_talk = mean_field ? talk_sum_ / n : 0.0;
    const bool fades = std::isfinite(wom.buzz_decay_days);
    const auto step = static_cast<std::uint32_t>(step_);
    const std::uint8_t customer = static_cast<std::uint8_t>(Stage::customer);
    const float* talk = state_.talk.data();
    std::uint8_t* stage = state_.stage.data();
    float* adopted_day = state_.adopted_day.data();
    float* next_talk = next_talk_.data();
    const SocialGraph& graph = *graph_;

    const double ads = ad_rate_;
    const double adopt_by_ads_only = -std::expm1(-ads * dt);
    std::vector<BlockTally> blocks;
    for_each_block(
        graph.num_customers(), threads_, blocks,
        [&](std::int64_t first, std::int64_t last, BlockTally& out) {
            BlockTally t; // local, so the compiler keeps it in registers
            constexpr std::int64_t lookahead = 16;
            for (std::int64_t i = first; i < last; ++i) {
                if (!mean_field && i + lookahead < last) {
                    prefetch_talk(graph, talk, i + lookahead);
                }
                if (stage[i] == customer) {
                    const float weight =
                        fades ? float(std::exp(-(day_after - adopted_day[i]) / wom.buzz_decay_days))
                              : 1.0f;
                    next_talk[i] = weight;
                    count_customer(t, weight);
                    continue;
                }
                const double peers =
                    mean_field ? mean_field_talk : heard_talk(graph, talk, wom.per, i, t);
                const double hazard = ads + wom.rate * peers;
                // Most undecided customers hear nothing: their probability is known in advance.
                const double adopt = peers > 0 ? -std::expm1(-hazard * dt) : adopt_by_ads_only;
                const double u =
                    Draws(key_, step, Process::adoption, static_cast<std::uint32_t>(i)).uniform();
                if (u < adopt) {
                    stage[i] = customer;
                    adopted_day[i] = float(day_after);
                    next_talk[i] = 1.0f;
                    const bool by_ads = u < adopt * (ads / hazard);
                    t.new_by_ads += by_ads;
                    t.new_by_wom += !by_ads;
                    count_customer(t, 1.0);
                } else {
                    next_talk[i] = 0.0f;
                }
            }
            out = t;
        });
    std::swap(state_.talk, next_talk_);
    ++step_;
    kpis_.day = day();
    tally(blocks);
}

void BassModel::tally(std::span<const BlockTally> blocks) {
    BlockTally total;
    for (const auto& block : blocks) { // block order: the same sums on any thread count
        total.customers += block.customers;
        total.aware += block.aware;
        total.new_by_ads += block.new_by_ads;
        total.new_by_wom += block.new_by_wom;
        total.edge_reads += block.edge_reads;
        total.talk += block.talk;
    }
    kpis_.customers = total.customers;
    kpis_.aware = total.aware;
    kpis_.adopted_by_ads += total.new_by_ads;
    kpis_.adopted_by_wom += total.new_by_wom;
    kpis_.adopted += total.new_by_ads + total.new_by_wom;
    talk_sum_ = total.talk;
    work_.edge_reads += total.edge_reads;
    work_.agent_steps += graph_->num_customers();
}

std::unique_ptr<Model> make_bass_model(const Scenario& scenario,
                                       std::shared_ptr<const SocialGraph> graph, StreamKey key,
                                       int threads) {
    return std::make_unique<BassModel>(scenario, std::move(graph), key, threads);
}

} // namespace custsim
