#pragma once
// purchase: an order is taken if the brand's shop or site can serve it (IT capacity, the last
// step's share served); a new customer's experience is drawn around the brand's quality for the
// segment (MODEL.md 4.6); a purchase may bring a product problem (problem rate, less with better
// logistics) that drops satisfaction and may become a complaint (complaint_share); the first focal
// purchase is credited to what made the customer aware (ads or word of mouth) and may bring the
// customer into the data pool. Called by decide.
// Reads: flags, brand, source, touch. Writes: flags, brand, satisfaction, experience, buzz,
// revenue, adopted_day, awareness, and purchase tallies. Draws: Process::journey (served or not),
// Process::experience (experience, problems, complaint, data, consent).
#include "journey/context.hpp"

namespace custsim {

/// The random streams of decide and purchase, in the order the process draws them.
struct DecideDraws {
    Draws journey, experience;
    DecideDraws(const StepContext& x, const Customer& c)
        : journey(draws_of(x, c, Batched::journey)),
          experience(x.key, x.step, Process::experience, c.id) {}
};

/// A product problem with brand b: satisfaction drops below the trouble-free experience. Some
/// customers complain; the others stay silent, and the brand's experience stays lower for them
/// by `silent_scar` (nothing repairs it: TARP's silent dissatisfied).
CUSTSIM_PROCESS void problem(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d,
                             std::size_t b) {
    const auto& j = x.scenario.journey;
    float& experience = x.columns.experience[c.id];
    c.satisfaction = clamp_satisfaction(experience - j.problem_drop);
    if (c.has(Flag::complaint)) {
        return; // already in the call centre's hands
    }
    if (d.experience.uniform() < j.complaint_share) {
        c.flags |= Flag::complaint;
        t.opened[b] += 1;
    } else {
        experience = clamp_satisfaction(experience - j.silent_scar);
    }
}

/// The first focal purchase: adoption day, and credit to what made the customer aware.
CUSTSIM_PROCESS void adopt_focal(const StepContext& x, Customer& c, JourneyTally& t) {
    c.flags |= Flag::ever_focal;
    x.columns.adopted_day[c.id] = float(x.now);
    t.new_focal += 1;
    if (c.source == touch_word_of_mouth) {
        t.new_by_wom += 1;
    } else {
        t.new_by_ads += 1;
        if (c.source < max_channels && c.source < x.channels) {
            t.acquisitions[c.source] += 1;
        }
    }
}

/// The panel's record of a purchase of brand b: a first purchase of b makes the customer one of
/// b's buyers (sole, or no longer sole of another), and every purchase counts towards the
/// category purchases of the brands the customer has bought.
CUSTSIM_PROCESS void enter_in_panel(const StepContext& x, const Customer& c, Panel& p,
                                    std::size_t b) {
    const std::uint8_t had = x.columns.bought[c.id], bit = std::uint8_t(1u << b);
    float& occasions = x.columns.occasions[c.id];
    occasions += 1;
    for (std::size_t a = 0; a < x.brands; ++a) {
        p.category[a] += (had >> a) & 1u;
    }
    if (had & bit) {
        return;
    }
    x.columns.bought[c.id] = had | bit;
    p.buyers[b] += 1;
    p.category[b] += std::int64_t(occasions);
    if (had == 0) {
        p.sole[b] += 1;
    } else if ((had & (had - 1)) == 0) {
        p.sole[std::size_t(__builtin_ctz(had))] -= 1; // the other brand's sole buyer no more
    }
    if (b == 0) {
        p.with_focal[0] += 1;
        for (std::size_t a = 1; a < x.brands; ++a) {
            p.with_focal[a] += (had >> a) & 1u;
        }
    } else {
        p.with_focal[b] += had & 1u;
    }
}

/// A new customer of brand b may write an online review of the experience: stars from the
/// satisfaction (1 + satisfaction / 2, at most 5), 1 or 5 stars `extreme` times more often.
CUSTSIM_PROCESS void review(const StepContext& x, const Customer& c, JourneyTally& t,
                            DecideDraws& d, std::size_t b) {
    const auto& r = x.scenario.reviews;
    const int stars = std::min(5, 1 + int(c.satisfaction / 2));
    const bool extreme = stars == 1 || stars == 5;
    if (!(d.experience.uniform() < r.write * (extreme ? r.extreme : 1.0))) {
        return;
    }
    t.reviews[b] += 1;
    t.stars[b] += stars;
    if (b == 0) {
        t.five_star += stars == 5;
        t.one_star += stars == 1;
    }
}

CUSTSIM_PROCESS void purchase(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d,
                              std::size_t b) {
    const Brand& brand = x.scenario.brands[b];
    const Columns& col = x.columns;
    const bool new_customer = !c.active_with(b);
    if (new_customer) { // a new customer of b: no trouble yet, a fresh experience
        c.flags &= std::uint8_t(~(Flag::complaint | Flag::unresolved));
        col.experience[c.id] = first_experience(x.model, b, c.g, d.experience.uniform());
        c.satisfaction = col.experience[c.id];
    }
    if (b == 0 && !c.has(Flag::ever_focal)) {
        adopt_focal(x, c, t);
    }
    if (b == 0 && c.touch < max_channels && c.touch < x.channels) {
        t.conversions[c.touch] += 1;
    }
    if (b == 0) {
        c.touch = touch_none;
        c.bought_focal = true;
    }
    c.flags = std::uint8_t((c.flags | Flag::active) & ~Flag::in_market);
    c.brand = std::uint8_t(b);
    col.buzz[c.id] = 1.0f;
    const double list_price = brand.price * c.market->price_level;
    const double price = list_price * x.model.price_factor[b];
    col.revenue[c.id] += float(price);
    t.revenue[b] += price;
    t.list_revenue[b] += list_price;
    if (b == 0) {
        t.market_revenue[c.m] += price;
    }
    t.purchases[b] += 1;
    enter_in_panel(x, c, t.panel, b);
    c.knowledge[b] = std::max(c.knowledge[b], 2 * x.threshold);
    const double problems =
        brand.problem_rate * (1 - 0.5 * brand.service.logistics) + x.model.problem_extra[b];
    if (d.experience.uniform() < problems) {
        problem(x, c, t, d, b);
    }
    if (new_customer && x.scenario.reviews.enabled) {
        review(x, c, t, d, b);
    }
    if (b == 0 && !c.has(Flag::known) &&
        d.experience.uniform() < x.scenario.journey.data_from_purchase) {
        c.flags = join_data_pool(c.flags, x.model, c.m, c.g, d.experience.uniform());
    }
}

/// An order for brand b, taken if the shop or site can serve it; false if it could not.
CUSTSIM_PROCESS bool attempt(const StepContext& x, Customer& c, JourneyTally& t, DecideDraws& d,
                             std::size_t b) {
    t.attempts[b] += 1;
    // The focal brand is stocked in a share `distribution` of the market (markets[].entry).
    const double stocked = b == 0 ? x.model.distribution[c.m] : 1.0;
    if (d.journey.uniform() < x.model.served[b] * stocked) {
        purchase(x, c, t, d, b);
        return true;
    }
    t.lost[b] += 1;
    return false;
}

} // namespace custsim
