// The journey model's step (MODEL.md sections 3 to 6): today's constants, the schedule of
// processes run for every customer in one fused pass, and the merge of the block tallies into
// the KPIs and into what the next step needs. Each process lives in its own header here.
#include "custsim/simulation.hpp"

#include "journey/classify.hpp"
#include "journey/consolidate.hpp"
#include "journey/context.hpp"
#include "journey/decide.hpp"
#include "journey/expose.hpp"
#include "journey/fade.hpp"
#include "journey/hear.hpp"
#include "journey/journey_model.hpp"
#include "journey/serve.hpp"
#include "journey/settle.hpp"
#include "journey/speak.hpp"
#include "journey/trigger.hpp"
#include "parallel.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>

namespace custsim {

template <class T> T* or_null(std::vector<T>& column) {
    return column.empty() ? nullptr : column.data();
}

StepContext make_context(const Scenario& s, JourneyTables& x, const SocialGraph& graph,
                         Customers& c, StreamKey key, std::uint32_t step, std::uint16_t on) {
    StepContext ctx{s, x, graph,
                    Columns{c.market.data(),
                            c.segment.data(),
                            c.brand.data(),
                            c.flags.data(),
                            c.last_touch.data(),
                            c.source.data(),
                            c.stage.data(),
                            c.recall.data(),
                            c.knowledge.data(),
                            c.attitude.data(),
                            c.satisfaction.data(),
                            c.experience.data(),
                            c.buzz.data(),
                            c.revenue.data(),
                            c.adopted_day.data(),
                            c.propensity.data(),
                            c.reachable.data(),
                            c.attention.data(),
                            c.bought.data(),
                            c.occasions.data(),
                            c.appetite.empty() ? nullptr : c.appetite.data(),
                            or_null(c.intent_step),
                            or_null(c.resolved_step),
                            or_null(c.lapsed_step),
                            or_null(c.retarget_touches)},
                    key};
    const auto& j = s.journey;
    const auto& wom = s.word_of_mouth;
    const double dt = s.dt;
    ctx.step = step;
    ctx.on = on;
    ctx.brands = x.brands;
    ctx.channels = x.channels;
    ctx.markets = x.markets;
    ctx.segments = x.segments;
    ctx.dt = dt;
    ctx.now = double(step) * dt + dt;
    ctx.threshold = float(j.awareness_threshold);
    ctx.memory_decay = float(std::exp(-dt / j.memory_days));
    ctx.knowledge_decay = float(std::exp(-dt / j.knowledge_days));
    ctx.consolidation = float(j.knowledge_gain / j.knowledge_days * dt);
    ctx.attitude_decay = float(std::exp(-dt / j.attitude_days));
    ctx.repurchase_bound = std::exp(2 * j.satisfaction_repurchase + 3 * j.attitude_repurchase);
    ctx.churn_bound = std::exp(3 * j.attitude_churn);
    ctx.buzz_decay = float(std::exp(-dt / wom.buzz_decay_days));
    ctx.relax = -std::expm1(-dt / j.satisfaction_days);
    ctx.leave_market = -std::expm1(-dt / j.need_window_days);
    ctx.decide = -std::expm1(-j.decide_rate * dt);
    ctx.wom_scale = wom.rate / voice_unit;
    ctx.fades = std::isfinite(wom.buzz_decay_days);
    ctx.mean_field = graph.is_mean_field();
    ctx.personalising = s.personalisation.level != PersonalisationLevel::none;
    ctx.triggers = x.triggers.any();
    ctx.tie_weight = {
        std::uint64_t(tie_unit),
        std::uint64_t(std::clamp<long long>(std::llround(wom.strong_tie * tie_unit), 0, 64))};
    const std::size_t P = x.planned.size();
    x.class_total.assign(x.markets * x.segments * reach_classes * x.brands, 0);
    for (std::size_t k = 0; k < x.markets * x.segments * reach_classes; ++k) {
        for (std::size_t b = 0; b < x.brands; ++b) {
            for (std::size_t p = x.planned_from[b]; p < x.planned_from[b + 1]; ++p) {
                x.class_total[k * x.brands + b] += std::max(x.class_rate[k * P + p], 0.0);
            }
        }
    }
    const double n = double(graph.num_customers());
    for (std::size_t k = 0; k < 2 * x.brands; ++k) {
        ctx.mean_field_beta[k] = ctx.wom_scale * x.talk[k] / n;
    }
    return ctx;
}

/// Asks for the columns and graph rows of customers [i, end) a few customers before their step
/// (end - i is at most 8: one cache line of the widest column): with some twenty streams in flight
/// the hardware prefetchers fall behind.
CUSTSIM_PROCESS void prefetch_columns(const StepContext& x, std::uint32_t i, std::uint32_t end) {
    const auto ahead = [](const void* p, std::size_t bytes) {
        const auto at = reinterpret_cast<std::uintptr_t>(p);
        for (std::uintptr_t line = at & ~std::uintptr_t(63); line < at + bytes; line += 64) {
            __builtin_prefetch(reinterpret_cast<const void*>(line));
        }
    };
    if (!x.mean_field) {
        const auto first = x.graph.neighbours(i), last = x.graph.neighbours(end - 1);
        ahead(first.data(), std::size_t(last.data() + last.size() - first.data()) * 4);
        const auto strong = x.graph.strong_ties(i);
        ahead(strong.data(), std::size_t(last.data() + last.size() - first.data()));
    }
    const Columns& col = x.columns;
    for (const void* p :
         {col.market, col.segment, col.brand, col.flags, col.last_touch, col.source, col.stage}) {
        __builtin_prefetch(static_cast<const std::uint8_t*>(p) + i);
    }
    const std::size_t n = end - i, per = x.brands * n * sizeof(float);
    for (const float* p : {col.recall, col.knowledge, col.attitude}) {
        ahead(p + std::size_t(i) * x.brands, per);
    }
    for (const float* p : std::initializer_list<const float*>{
             col.satisfaction, col.experience, col.buzz, col.propensity, col.attention}) {
        __builtin_prefetch(p + i);
    }
    __builtin_prefetch(col.reachable + i);
    if (x.brands <= 2) {
        ahead(x.heard_lanes + i, n * 8);
        ahead(x.next_lanes + i, n * 8);
    } else {
        __builtin_prefetch(x.heard_voice + i);
        __builtin_prefetch(x.next_voice + i);
    }
}

/// One customer's step: the schedule (step_processes, in order).
CUSTSIM_PROCESS void step_customer(const StepContext& x, std::uint32_t i, JourneyTally& t,
                                   const FirstBlocks& first, std::uint32_t lane) {
    Customer c = load(x, i);
    c.first = &first;
    c.lane = lane;
    fade(x, c);
    consolidate(x, c);
    expose(x, c, t);
    if (x.triggers) {
        trigger(x, c, t);
    }
    hear(x, c, t);
    decide(x, c, t);
    serve(x, c, t);
    settle(x, c);
    if (x.triggers) {
        record_triggers(x, c);
    }
    speak(x, c, t);
    classify(x, c, t);
    store(x, c);
}

// One step of dt days in MODEL.md's order. Policy and the last step's aggregates are set
// serially (plan_step); then every customer, on any thread, reads the state the last step left
// (its own columns and its neighbours' voices) and writes only its own columns. Each process
// draws from its own counter-based stream, so a policy that changes one process leaves the
// others' numbers alone (common random numbers). Block tallies are merged in block order.
void JourneyModel::step_journey(bool dry) {
    const double day = double(step_) * scenario_.dt;
    plan_step(day);
    // Which processes run: all of them, none on the dry pass of day 0, or what a benchmark chose.
    StepContext context = make_context(scenario_, *model_, *graph_, state_, key_,
                                       static_cast<std::uint32_t>(step_), dry ? 0 : processes_);
    context.heard_voice = state_.voice.data();
    context.heard_lanes = lanes_.data();
    context.next_voice = next_voice_.data();
    context.next_lanes = next_lanes_.data();
    const std::size_t reach_counts =
        model_->brands * model_->markets * model_->segments * reach_classes;
    std::vector<JourneyTally> blocks;
    for_each_block(
        graph_->num_customers(), threads_, blocks,
        [&](std::int64_t first, std::int64_t last, JourneyTally& out) {
            // Locals: the compiler keeps them apart from the columns (no aliasing
            // reloads).
            const StepContext x = context;
            JourneyTally t;
            t.reach_count.assign(reach_counts, 0);
            constexpr std::int64_t lookahead = 8, stream_ahead = 32, group = FirstBlocks::customers;
            FirstBlocks blocks;
            for (std::int64_t v = first; v < last; ++v) {
                if ((v - first) % group == 0) {
                    blocks.fill(x.key, x.step, batched_streams, static_cast<std::uint32_t>(v));
                    if (v + stream_ahead < last) {
                        prefetch_columns(
                            x, static_cast<std::uint32_t>(v + stream_ahead),
                            static_cast<std::uint32_t>(std::min(v + stream_ahead + group, last)));
                    }
                }
                if (!x.mean_field && v + lookahead < last) {
                    prefetch_voices(x, static_cast<std::uint32_t>(v + lookahead));
                }
                step_customer(x, static_cast<std::uint32_t>(v), t, blocks,
                              static_cast<std::uint32_t>((v - first) % group));
            }
            out = t;
        });
    std::swap(state_.voice, next_voice_);
    std::swap(lanes_, next_lanes_);
    if (!dry) {
        ++step_;
    }
    kpis_.day = Model::day();
    tally(blocks, dry);
}

} // namespace custsim
