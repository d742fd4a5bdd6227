#pragma once
// trigger: the policies' contacts per customer (policies: retarget, follow_up, win_back; MODEL.md
// "Policies"). Each fires on what the firm saw the customer do, stamped by record_triggers at the
// end of the step it happened in:
// - retarget: a prospect (not a focal customer) with a focal exposure on an intent channel
//   (search) who did not buy in that step opens a window of `within_days`; from the next step
//   on, one touch on the policy's channel every `gap_days` while the window lasts, at most `cap`
//   per window; a purchase closes it. An intent exposure in an open window does not reopen it.
// - follow_up: a resolved focal complaint is followed up `after_days` later (the next step at the
//   earliest) if the customer is still a focal customer: satisfaction and attitude rise.
// - win_back: a customer lapsed for `after_days` (stage lapsed since then) is made one offer per
//   lapse: attitude rises, the brand is recalled, and with chance `response` a customer with no
//   current brand comes back into the market and decides at once (a prompt).
// Reads: flags, brand, memory, the policies' stamps. Writes: memory, attitude, satisfaction,
// flags (in_market), touch, prompts, stamps, tallies. Draws: Process::trigger (the touch, as
// expose's), Process::offer (the offer's response).
#include "journey/classify.hpp"
#include "journey/expose.hpp"

namespace custsim {

/// Steps since the step stamped `stamp` (its index + 1).
CUSTSIM_PROCESS std::uint32_t steps_since(const StepContext& x, std::uint16_t stamp) {
    return x.step + 1 - stamp;
}

CUSTSIM_PROCESS void retarget(const StepContext& x, Customer& c, JourneyTally& t) {
    const Triggers& g = x.model.triggers;
    std::uint16_t& from = x.columns.intent_step[c.id];
    if (from == 0) {
        return;
    }
    std::uint8_t& touches = x.columns.retarget_touches[c.id];
    const std::uint32_t since = steps_since(x, from);
    if (since > g.within_steps || c.active_with(0)) {
        from = 0; // the window is over
        touches = 0;
        return;
    }
    if (since % g.gap_steps != 0 || touches >= g.cap ||
        !x.model.available[c.m * x.channels + g.channel]) {
        return;
    }
    touches = std::uint8_t(touches + 1);
    t.retarget_touches += 1;
    Draws draws(x.key, x.step, Process::trigger, c.id);
    touch_by(x, c, t, draws, 0, g.channel, 1);
}

CUSTSIM_PROCESS void follow_up(const StepContext& x, Customer& c, JourneyTally& t) {
    const Triggers& g = x.model.triggers;
    std::uint16_t& at = x.columns.resolved_step[c.id];
    if (at == 0 || steps_since(x, at) < g.follow_after) {
        return;
    }
    at = 0;
    if (!c.active_with(0)) {
        return; // no longer a customer: nobody to follow up
    }
    c.satisfaction = clamp_satisfaction(c.satisfaction + g.follow_satisfaction);
    c.attitude[0] = clamp_attitude(c.attitude[0] + g.follow_attitude);
    t.follow_ups += 1;
}

CUSTSIM_PROCESS void win_back(const StepContext& x, Customer& c, JourneyTally& t) {
    const Triggers& g = x.model.triggers;
    std::uint16_t& at = x.columns.lapsed_step[c.id];
    if (at == 0 || at == offered_stamp || steps_since(x, at) < g.win_after) {
        return;
    }
    at = offered_stamp;
    t.win_back_offers += 1;
    c.attitude[0] = clamp_attitude(c.attitude[0] + g.win_attitude);
    c.recall[0] = std::max(c.recall[0], x.threshold - c.knowledge[0]); // reminded of the brand
    Draws draws(x.key, x.step, Process::offer, c.id);
    if (!c.has(Flag::active) && draws.uniform() < g.win_response) {
        c.flags |= Flag::in_market;
        c.prompted[0] = true;
    }
}

/// The contacts due this step, before the customer decides.
CUSTSIM_PROCESS void trigger(const StepContext& x, Customer& c, JourneyTally& t) {
    if (!x.runs(bit::trigger)) {
        return;
    }
    const Triggers& g = x.model.triggers;
    if (g.retarget) {
        retarget(x, c, t);
    }
    if (g.follow_up) {
        follow_up(x, c, t);
    }
    if (g.win_back) {
        win_back(x, c, t);
    }
}

/// What this step's events start: an intent window, a resolution to follow up, a lapse.
CUSTSIM_PROCESS void record_triggers(const StepContext& x, const Customer& c) {
    if (!x.runs(bit::trigger)) {
        return;
    }
    const Triggers& g = x.model.triggers;
    const auto stamp = std::uint16_t(x.step + 1);
    if (g.retarget) {
        std::uint16_t& from = x.columns.intent_step[c.id];
        if (c.bought_focal || c.active_with(0)) {
            from = 0;
            x.columns.retarget_touches[c.id] = 0;
        } else if (c.intent && from == 0) {
            from = stamp;
            x.columns.retarget_touches[c.id] = 0;
        }
    }
    if (g.follow_up && c.resolved) {
        x.columns.resolved_step[c.id] = stamp;
    }
    if (g.win_back) {
        std::uint16_t& at = x.columns.lapsed_step[c.id];
        if (stage_of(x, c) != Stage::lapsed) {
            at = 0;
        } else if (at == 0) {
            at = stamp;
        }
    }
}

} // namespace custsim
