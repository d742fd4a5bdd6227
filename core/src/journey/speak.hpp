#pragma once
// speak: the voice the neighbours hear next step. Promoters (9-10) talk at the segment's and
// market's talkativeness, detractors (< 7) at `detractor_talk` of it, passives at `passive_talk`;
// talk fades with buzz since the last purchase or churn (buzz_decay_days); ambassadors talk at
// least at their programme's rate and never negatively; former customers only talk about what went
// wrong. Two brands or fewer: the voice is packed in 16-bit lanes, the form neighbours read. Reads:
// flags, brand, satisfaction, buzz. Writes: buzz, next voice, talk tallies. Draws: nothing.
#include "journey/context.hpp"

namespace custsim {

CUSTSIM_PROCESS void speak(const StepContext& x, const Customer& c, JourneyTally& t) {
    Voice voice;
    if (c.brand != no_brand) {
        const auto& wom = x.scenario.word_of_mouth;
        const bool promoter = c.satisfaction >= 9, detractor = c.satisfaction < 7;
        const bool ambassador = c.has(Flag::ambassador) && c.active_with(0);
        double talk = c.segment->talkativeness * c.market->talkativeness;
        talk *= detractor ? wom.detractor_talk : promoter ? 1.0 : wom.passive_talk;
        if (x.fades) {
            x.columns.buzz[c.id] *= x.buzz_decay;
            talk *= x.columns.buzz[c.id];
        }
        if (ambassador) {
            talk = std::max(talk, x.scenario.ambassadors.talk);
            t.ambassadors += 1;
        }
        if (!c.has(Flag::active) && !detractor) {
            talk = 0;
        }
        const double level = std::min(talk * voice_unit, 65535.0);
        voice.level = std::uint16_t(level);
        voice.brand = c.brand;
        voice.negative = detractor && !(c.has(Flag::ambassador) && c.brand == 0);
        t.talk[2 * c.brand + voice.negative] += voice.level;
    }
    if (x.brands <= 2) {
        x.next_lanes[c.id] = std::uint64_t(voice.level)
                             << (16 * (2 * voice.brand + voice.negative));
    } else {
        x.next_voice[c.id] = voice;
    }
}

} // namespace custsim
