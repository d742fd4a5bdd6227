#pragma once
// expose: each brand's planned channels reach the customer at a rate looked up by its reach class
// (market, segment, stage, data usable, targeted) times its media attention; the number of
// exposures is Poisson (MODEL.md 4.1). An exposure adds memory (channel trust x market trust, less
// under strict privacy) and attitude (persuasion); a consideration channel prompts a shopper; a
// retention channel reminds a customer to buy again (Sahni et al. 2018: personalised reminders
// convert better); data channels capture data, and personal data used without consent costs
// attitude and may provoke a complaint (Aguirre et al. 2015). TV sends some viewers to search.
// Reads: flags, brand, awareness, reach, attention. Writes: awareness, attitude, flags (data),
// touch, source, prompts, reach-class tallies, exposures. Draws: Process::exposure (brand b owns
// positions 2b, 2b + 1) and, when exposed, its own stream Process::exposure + 1 + b.
#include "journey/context.hpp"

namespace custsim {

/// `times` exposures of brand b's channel ch.
CUSTSIM_PROCESS void touch_by(const StepContext& x, Customer& c, JourneyTally& t, Draws& draws,
                              std::size_t b, std::size_t ch, std::uint32_t times) {
    const Channel& channel = x.scenario.channels[ch];
    const auto& per = x.scenario.personalisation;
    const JourneyTables& model = x.model;
    const bool data_channel = channel.needs_data || channel.data_targeted;
    const double lift =
        b == 0 && c.personalised && channel.needs_data ? 1 + model.response_lift : 1.0;
    c.recall[b] += float(times * model.effect[c.m * x.channels + ch] * lift);
    c.attitude[b] = clamp_attitude(c.attitude[b] + times * channel.persuasion * lift);
    if (c.has(Flag::in_market) && (channel.works_on & std::uint8_t(Reaches::consideration))) {
        c.prompted[b] = true;
    }
    if (channel.repeat_prompt > 0 && c.active_with(b) &&
        (channel.works_on & std::uint8_t(Reaches::retention))) {
        // A reminder (an e-mail, the pack in hand) prompts a repeat purchase; personalised, it
        // converts better (Sahni et al. 2018: +31 % leads).
        const double conversion =
            channel.repeat_prompt *
            (b == 0 && c.personalised && channel.needs_data ? 1 + model.repeat_lift : 1.0);
        c.repeat_prompted |= draws.uniform() < 1 - std::pow(1 - std::min(conversion, 1.0), times);
    }
    if (b != 0) {
        return;
    }
    t.exposures[ch] += times;
    c.touch = std::uint8_t(ch);
    if (c.memory(0) >= x.threshold && c.source == touch_none) {
        c.source = std::uint8_t(ch); // how the customer found the brand
    }
    if (c.personalised && data_channel && !c.has(Flag::consented)) {
        // Personal data used without consent (Aguirre et al. 2015).
        c.attitude[0] =
            clamp_attitude(c.attitude[0] - times * per.intrusion_attitude *
                                               (1 + 2 * c.segment->privacy_sensitivity));
        c.intrusion_complaint |=
            draws.uniform() < per.intrusion_complaint * c.segment->privacy_sensitivity * times;
    }
    if (channel.data_capture > 0 && !c.has(Flag::known) &&
        draws.uniform() < 1 - std::pow(1 - channel.data_capture, times)) {
        c.flags |= Flag::known;
        if (draws.uniform() < model.consent[c.m * x.segments + c.g]) {
            c.flags |= Flag::consented;
        }
    }
}

/// Brand b's reach class for this customer: stage (prospect, shopper, own customer) x data usable
/// x personally targeted.
CUSTSIM_PROCESS unsigned reach_class(const StepContext& x, const Customer& c, std::size_t b) {
    const bool own = c.active_with(b);
    const unsigned stage_class = own ? 2u : c.has(Flag::in_market) ? 1u : 0u;
    const bool data_ok =
        b == 0
            ? c.has(Flag::known) && (c.has(Flag::consented) ||
                                     x.scenario.personalisation.consent == ConsentStrategy::assume)
            : own;
    const bool targeted = b == 0 && c.personalised && c.has(Flag::in_market);
    return stage_class * 4 + data_ok * 2 + targeted;
}

CUSTSIM_PROCESS void expose(const StepContext& x, Customer& c, JourneyTally& t) {
    const JourneyTables& model = x.model;
    const std::size_t P = model.planned.size();
    Draws exposure(x.key, x.step, Process::exposure, c.id);
    std::array<double, max_channels> rates; // [p - from]: written before read
    for (std::size_t b = 0; b < x.brands; ++b) {
        const std::size_t from = model.planned_from[b], to = model.planned_from[b + 1];
        if (from == to) {
            continue;
        }
        const unsigned k_class = reach_class(x, c, b);
        t.reach_count[(b * x.markets * x.segments + c.m * x.segments + c.g) * reach_classes +
                      k_class] += c.attention;
        const double* class_rate =
            model.class_rate.data() + ((c.m * x.segments + c.g) * reach_classes + k_class) * P;
        double total = 0;
        for (std::size_t p = from; p < to; ++p) {
            rates[p - from] =
                (c.reachable >> model.planned[p].second & 1u) ? class_rate[p] * c.attention : 0.0;
            total += rates[p - from];
        }
        if (total <= 0 || !x.runs(bit::expose)) {
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
        touch_by(x, c, t, draws, b, ch, k);
        const int spill = model.spill_into[ch];
        if (spill >= 0 && model.available[c.m * x.channels + std::size_t(spill)] &&
            draws.uniform() < 1 - std::pow(1 - x.scenario.channels[ch].spill, k)) {
            touch_by(x, c, t, draws, b, std::size_t(spill), 1); // an organic visit: TV -> search
        }
    }
}

} // namespace custsim
