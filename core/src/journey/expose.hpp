#pragma once
// expose: each brand's planned channels reach the customer at a rate looked up by its reach class
// (market, segment, stage, data usable, targeted) times its media attention; the number of
// exposures is Poisson (MODEL.md 4.1). An exposure adds memory (the market's memory per touch x
// the channel's relative trust, Nielsen 2015 x the market's trust in ads) and attitude
// (persuasion); a consideration channel prompts a shopper's decision; a retention channel reminds
// a customer to buy again. Under strict privacy a data-targeted channel keeps its memory but loses
// `privacy_loss` of its persuasion and of its prompts (Goldfarb & Tucker 2011 measured purchase
// intent). Personalised owned data exposures (e-mail) are opened more, lift the decisions and
// repeat purchases they prompt, and are unsubscribed from less (Sahni, Wheeler & Chintagunta
// 2018: +20 % opens, +31 % leads, -17 % unsubscribes). Data channels capture data, and personal
// data used without consent costs attitude and may provoke a complaint (Aguirre et al. 2015) or
// an objection that drops the customer from the data pool (GDPR art. 21(3)). TV
// sends some viewers to search.
// Reads: flags, brand, awareness, reach, attention. Writes: awareness, attitude, flags (data,
// consent), touch, source, prompts, personal_prompt, reach-class tallies,
// exposures. Draws: Process::exposure (brand b owns positions 2b, 2b + 1) and, when exposed, its
// own stream Process::exposure + 1 + b.
#include "journey/context.hpp"

namespace custsim {

/// Chance that at least one of `times` tries, each succeeding with chance p, succeeds.
inline double at_least_once(double p, std::uint32_t times) {
    return 1 - std::pow(1 - std::min(p, 1.0), times);
}

/// The focal brand's owned data channel (e-mail) reaches a consenting customer: each exposure
/// may make the customer withdraw consent (unsubscribe), less often when it is personalised. The
/// customer stays in the data pool (known), without consent.
CUSTSIM_PROCESS void unsubscribe(const StepContext& x, Customer& c, Draws& draws,
                                 const Channel& channel, bool personal, std::uint32_t times) {
    if (!channel.needs_data || !(channel.unsubscribe > 0) || !c.has(Flag::consented)) {
        return;
    }
    const double chance = channel.unsubscribe * (personal ? 1 - x.model.unsubscribe_cut : 1.0);
    if (draws.uniform() < at_least_once(chance, times)) {
        c.flags &= std::uint8_t(~Flag::consented);
    }
}

/// `times` exposures of brand b's channel ch. True if they were personalised owned data exposures
/// (e-mail) of the focal brand that prompted a shopper's decision.
CUSTSIM_PROCESS bool touch_by(const StepContext& x, Customer& c, JourneyTally& t, Draws& draws,
                              std::size_t b, std::size_t ch, std::uint32_t times) {
    const Channel& channel = x.scenario.channels[ch];
    const auto& per = x.scenario.personalisation;
    const JourneyTables& model = x.model;
    const std::size_t mc = c.m * x.channels + ch;
    const bool data_channel = channel.needs_data || channel.data_targeted;
    const bool personal = b == 0 && c.personalised && channel.needs_data;
    const double lift = personal ? 1 + model.response_lift : 1.0; // opened more often
    c.recall[b] += float(times * model.effect[mc] * lift);
    c.attitude[b] = clamp_attitude(c.attitude[b] + times * model.persuasion[mc] * lift);
    bool personal_prompt = false;
    if (c.has(Flag::in_market) && (channel.works_on & std::uint8_t(Reaches::consideration)) &&
        (model.prompt[mc] >= 1 || draws.uniform() < at_least_once(model.prompt[mc], times))) {
        c.prompted[b] = true;
        c.read_reviews |= channel.shows_reviews;
        personal_prompt = personal;
    }
    if (channel.repeat_prompt > 0 && c.active_with(b) &&
        (channel.works_on & std::uint8_t(Reaches::retention))) {
        // A reminder (an e-mail, the pack in hand) prompts a repeat purchase; personalised, it
        // leads to one more often (Sahni et al. 2018: +31 % leads).
        const double conversion = channel.repeat_prompt * (personal ? 1 + model.repeat_lift : 1.0);
        c.repeat_prompted |= draws.uniform() < at_least_once(conversion, times);
    }
    if (b != 0) {
        return false;
    }
    t.exposures[ch] += times;
    c.touch = std::uint8_t(ch);
    c.intent |= (model.triggers.intent_mask >> ch) & 1u;
    if (c.memory(0) >= x.threshold && c.source == touch_none) {
        c.source = std::uint8_t(ch); // how the customer found the brand
    }
    if (!c.has(Flag::consented) && ((c.personalised && data_channel) || channel.needs_data)) {
        // Personal data used, or the customer contacted, without consent (Aguirre et al. 2015).
        t.without_consent += times;
        t.unlawful += times * c.market->strict_privacy;
        c.attitude[0] =
            clamp_attitude(c.attitude[0] - times * per.intrusion_attitude *
                                               (1 + 2 * c.segment->privacy_sensitivity));
        c.intrusion_complaint |=
            draws.uniform() < per.intrusion_complaint * c.segment->privacy_sensitivity * times;
        if (per.intrusion_objection > 0 &&
            draws.uniform() <
                at_least_once(per.intrusion_objection * c.segment->privacy_sensitivity, times)) {
            // The customer objects (GDPR art. 21(3), CAN-SPAM opt-out): the brand drops the data.
            c.flags &= std::uint8_t(~(Flag::known | Flag::consented));
            c.personalised = false;
            t.objections += 1;
        }
    }
    if (channel.data_capture > 0 && !c.has(Flag::known) &&
        draws.uniform() < at_least_once(channel.data_capture, times)) {
        c.flags = join_data_pool(c.flags, model, c.m, c.g, draws.uniform());
    }
    unsubscribe(x, c, draws, channel, personal, times);
    return personal_prompt;
}

/// A prospect whose traces show interest in the focal brand, whom competitors may conquest: in
/// the market, aware of the focal brand and touched by it since its last purchase of it, not its
/// customer now.
CUSTSIM_PROCESS bool interested_in_focal(const StepContext& x, const Customer& c) {
    return c.has(Flag::in_market) && c.touch != touch_none && !c.active_with(0) &&
           c.memory(0) >= x.threshold;
}

/// Brand b's reach class for this customer: stage (prospect, shopper, own customer) x data usable
/// x personally targeted.
CUSTSIM_PROCESS unsigned reach_class(const StepContext& x, const Customer& c, std::size_t b) {
    const bool own = c.active_with(b);
    const unsigned stage_class = own ? 2u : c.has(Flag::in_market) ? 1u : 0u;
    const bool data_ok = b == 0 ? focal_data_usable(x, c) : own;
    const bool targeted =
        b == 0 ? c.personalised && c.has(Flag::in_market)
               : x.scenario.brands[b].conquest_weight != 1 && interested_in_focal(x, c);
    return stage_class * 4 + data_ok * 2 + targeted;
}

CUSTSIM_PROCESS void expose(const StepContext& x, Customer& c, JourneyTally& t) {
    const JourneyTables& model = x.model;
    const std::size_t P = model.planned.size();
    Draws exposure = draws_of(x, c, Batched::exposure);
    std::array<double, max_channels> rates; // [p - from]: written before read
    bool personal_prompt = false;
    for (std::size_t b = 0; b < x.brands; ++b) {
        const std::size_t from = model.planned_from[b], to = model.planned_from[b + 1];
        if (from == to) {
            continue;
        }
        const unsigned k_class = reach_class(x, c, b);
        t.reach_count[(b * x.markets * x.segments + c.m * x.segments + c.g) * reach_classes +
                      k_class] += c.attention;
        if (!x.runs(bit::expose)) {
            continue;
        }
        const std::size_t row = (c.m * x.segments + c.g) * reach_classes + k_class;
        // The class's rate summed over all the brand's pairs bounds the customer's (a margin of
        // 1e-9 covers rounding): below it, the draw says no exposure as poisson() would, without
        // adding up the reachable pairs' rates.
        const double most = model.class_total[row * x.brands + b] * c.attention * (1 + 1e-9);
        if (!(most > 0) || exposure.uniform_at(2 * b) <= 1 - most * x.dt - 1e-12) {
            continue;
        }
        const double* class_rate = model.class_rate.data() + row * P;
        double total = 0;
        for (std::size_t p = from; p < to; ++p) {
            rates[p - from] =
                (c.reachable >> model.planned[p].second & 1u) ? class_rate[p] * c.attention : 0.0;
            total += rates[p - from];
        }
        if (total <= 0) {
            continue;
        }
        const std::uint32_t k = poisson(total * x.dt, exposure.uniform_at(2 * b));
        if (k == 0) {
            continue;
        }
        Draws draws(x.key, x.step, Process(std::uint32_t(Process::exposure) + 1 + b), c.id);
        double pick = exposure.uniform_at(2 * b + 1) * total;
        std::size_t p = from;
        while (p + 1 < to && pick >= rates[p - from]) {
            pick -= rates[p - from];
            ++p;
        }
        const std::size_t ch = model.planned[p].second;
        personal_prompt |= touch_by(x, c, t, draws, b, ch, k);
        const int spill = model.spill_into[ch];
        if (spill >= 0 && model.available[c.m * x.channels + std::size_t(spill)] &&
            draws.uniform() < at_least_once(x.scenario.channels[ch].spill, k)) {
            // an organic visit: TV -> search
            t.spill_visits += b == 0;
            personal_prompt |= touch_by(x, c, t, draws, b, std::size_t(spill), 1);
        }
    }
    // What personalising adds to the choice (`relevance`, +31 % leads) belongs to the decisions a
    // personalised e-mail prompted, not to every choice of a personalised customer.
    c.personal_prompt = personal_prompt;
}

} // namespace custsim
