// After the customer loop: the block tallies merged in block order (the same sums on any thread
// count), what the next step needs from this one (reach weights, talk, service capacity,
// reputation), and the KPIs booked (stocks now, flows added).
#include "custsim/simulation.hpp"

#include "journey/journey_model.hpp"

#include <algorithm>
#include <cmath>

namespace custsim {

void Panel::add(const Panel& p) {
    for (std::size_t b = 0; b < max_brands; ++b) {
        buyers[b] += p.buyers[b];
        category[b] += p.category[b];
        sole[b] += p.sole[b];
        with_focal[b] += p.with_focal[b];
    }
}

void JourneyTally::add(const JourneyTally& t) {
    panel.add(t.panel);
    for (std::size_t k = 0; k < reach_count.size(); ++k) {
        reach_count[k] += t.reach_count[k];
    }
    auto add_all = [](auto& into, const auto& from) {
        for (std::size_t k = 0; k < into.size(); ++k) {
            into[k] += from[k];
        }
    };
    add_all(exposures, t.exposures);
    add_all(conversions, t.conversions);
    add_all(acquisitions, t.acquisitions);
    for (auto member : {&JourneyTally::aware, &JourneyTally::customers, &JourneyTally::attempts,
                        &JourneyTally::lost, &JourneyTally::purchases, &JourneyTally::opened,
                        &JourneyTally::resolved, &JourneyTally::unresolved, &JourneyTally::churned,
                        &JourneyTally::open, &JourneyTally::members, &JourneyTally::reviews,
                        &JourneyTally::stars}) {
        add_all(this->*member, t.*member);
    }
    add_all(revenue, t.revenue);
    add_all(list_revenue, t.list_revenue);
    add_all(satisfaction, t.satisfaction);
    add_all(talk, t.talk);
    add_all(market_aware, t.market_aware);
    add_all(market_customers, t.market_customers);
    add_all(market_revenue, t.market_revenue);
    for (auto member : {&JourneyTally::considering,  &JourneyTally::promoters,
                        &JourneyTally::detractors,   &JourneyTally::wom_positive,
                        &JourneyTally::wom_negative, &JourneyTally::consented,
                        &JourneyTally::known,        &JourneyTally::new_focal,
                        &JourneyTally::new_by_ads,   &JourneyTally::new_by_wom,
                        &JourneyTally::ambassadors,  &JourneyTally::without_consent,
                        &JourneyTally::unlawful,     &JourneyTally::spill_visits,
                        &JourneyTally::objections,   &JourneyTally::five_star,
                        &JourneyTally::one_star,     &JourneyTally::retarget_touches,
                        &JourneyTally::follow_ups,   &JourneyTally::win_back_offers}) {
        this->*member += t.*member;
    }
    edge_reads += t.edge_reads;
}

/// What the next step needs from this one. Weight reachable per pair and market: customers per
/// reach class times the class's weight, times the share of customers the channel reaches
/// (expected, not counted). Service: the share of orders the site serves and of complaints the
/// call centre handles. Reputation: customers' mean satisfaction, centred on 7, over 3.
void carry_over(JourneyTables& x, const Scenario& s, const JourneyTally& total) {
    const std::size_t M = x.markets, G = x.segments, P = x.planned.size();
    for (std::size_t p = 0; p < P; ++p) {
        const auto [b, ch] = x.planned[p];
        for (std::size_t m = 0; m < M; ++m) {
            double weight = 0;
            for (std::size_t g = 0; g < G; ++g) {
                for (std::size_t k = 0; k < reach_classes; ++k) {
                    weight += total.reach_count[(b * M * G + m * G + g) * reach_classes + k] *
                              x.class_weight[((m * G + g) * reach_classes + k) * P + p];
                }
            }
            x.weight_sum[p * M + m] = weight * s.channels[ch].reach;
        }
    }
    std::copy(total.talk.begin(), total.talk.end(), x.talk.begin());
    const double dt = s.dt;
    for (std::size_t b = 0; b < x.brands; ++b) {
        const auto& service = s.brands[b].service;
        const double orders = service.it_capacity * dt * x.sample_share;
        x.served[b] = double(total.attempts[b]) > orders ? orders / double(total.attempts[b]) : 1.0;
        const double capacity = service.agents * service.contacts_per_agent_day /
                                service.contacts_per_complaint * dt * x.sample_share;
        x.handle[b] = total.open[b] > 0 ? std::min(1.0, capacity / double(total.open[b])) : 1.0;
        x.reputation[b] = total.customers[b] > 0
                              ? (total.satisfaction[b] / double(total.customers[b]) - 7) / 3
                              : 0.0;
        const auto& r = s.reviews;
        const double fade = std::exp(-dt / r.recency_days);
        x.review_weight[b] = x.review_weight[b] * fade + double(total.reviews[b]);
        x.review_stars[b] = x.review_stars[b] * fade + double(total.stars[b]);
        x.rating[b] = x.review_weight[b] > 0 ? x.review_stars[b] / x.review_weight[b] : 0.0;
        const double volume = x.review_weight[b] / x.sample_share;
        x.review_trust[b] = volume > 0 ? volume / (volume + r.volume_half) : 0.0;
    }
}

/// The stocks of this moment.
void book_stocks(Kpis& k, const JourneyTables& x, const JourneyTally& total) {
    std::int64_t all_customers = 0;
    for (std::size_t b = 0; b < x.brands; ++b) {
        k.brand_aware[b] = double(total.aware[b]);
        k.brand_customers[b] = double(total.customers[b]);
        all_customers += total.customers[b];
    }
    for (std::size_t b = 0; b < x.brands; ++b) {
        k.brand_share[b] =
            all_customers > 0 ? double(total.customers[b]) / double(all_customers) : 0.0;
        k.brand_satisfaction[b] =
            total.customers[b] > 0 ? total.satisfaction[b] / double(total.customers[b]) : 0.0;
        k.brand_rating[b] = x.rating[b];
    }
    for (std::size_t m = 0; m < x.markets; ++m) {
        k.market_aware[m] = double(total.market_aware[m]);
        k.market_customers[m] = double(total.market_customers[m]);
    }
    k.customers = total.customers[0];
    k.aware = total.aware[0];
    k.considering = double(total.considering);
    k.market_share = all_customers > 0 ? double(total.customers[0]) / double(all_customers) : 0.0;
    k.promoters = double(total.promoters);
    k.detractors = double(total.detractors);
    k.nps = total.customers[0] > 0
                ? 100.0 * double(total.promoters - total.detractors) / double(total.customers[0])
                : 0.0;
    k.complaints_open = double(total.open[0]);
    k.consented = double(total.consented);
    k.known = double(total.known);
    k.rating = x.rating[0];
}

/// Policies' triggered contacts: a retargeting touch is media bought on its channel (channel
/// spend and media cost); follow-ups and win-back offers are the trigger cost. Costs per contact
/// are the sample's own, like the retention programme's per member.
void book_triggers(Kpis& k, const Triggers& t, const JourneyTally& total) {
    if (!t.any()) {
        return;
    }
    k.retarget_touches += double(total.retarget_touches);
    k.follow_ups += double(total.follow_ups);
    k.win_back_offers += double(total.win_back_offers);
    const double touches = double(total.retarget_touches) * t.touch_cost;
    k.channel_spend[t.channel] += touches;
    k.media_cost += touches;
    k.trigger_cost +=
        double(total.follow_ups) * t.follow_cost + double(total.win_back_offers) * t.win_cost;
}

/// The flows of one step, added; costs booked by category; profit. Everything is the sample's:
/// the market's costs times the sample's share (costs per customer are the sample's own).
void book_flows(Kpis& k, const JourneyTables& x, const Scenario& s, const JourneyTally& total) {
    const double dt = s.dt;
    const double share = x.sample_share;
    for (std::size_t m = 0; m < x.markets; ++m) {
        k.market_revenue[m] += total.market_revenue[m];
    }
    for (std::size_t b = 0; b < x.brands; ++b) {
        k.brand_purchases[b] += double(total.purchases[b]);
        k.brand_revenue[b] += total.revenue[b];
        k.brand_churned[b] += double(total.churned[b]);
        k.brand_reviews[b] += double(total.reviews[b]);
    }
    k.adopted += total.new_focal;
    k.adopted_by_ads += total.new_by_ads;
    k.adopted_by_wom += total.new_by_wom;
    k.purchases += double(total.purchases[0]);
    k.lost_sales += double(total.lost[0]);
    k.revenue += total.revenue[0];
    // A price cut leaves the unit cost: the margin is the revenue less the cost of goods at list.
    k.margin += x.prices_move ? total.revenue[0] - total.list_revenue[0] * (1 - s.brands[0].margin)
                              : total.revenue[0] * s.brands[0].margin;
    k.wom_positive += double(total.wom_positive);
    k.wom_negative += double(total.wom_negative);
    k.complaints_opened += double(total.opened[0]);
    k.complaints_resolved += double(total.resolved[0]);
    k.complaints_unresolved += double(total.unresolved[0]);
    k.churned += double(total.churned[0]);
    k.customer_days += double(total.customers[0]) * dt;
    for (std::size_t ch = 0; ch < x.channels; ++ch) {
        k.channel_exposures[ch] += total.exposures[ch];
        k.channel_conversions[ch] += total.conversions[ch];
        k.channel_acquisitions[ch] += total.acquisitions[ch];
    }
    for (std::size_t p = 0; p < x.planned.size(); ++p) {
        const auto [b, ch] = x.planned[p];
        for (std::size_t m = 0; m < x.markets && b == 0; ++m) {
            const double money = x.spend[p * x.markets + m] * dt * share;
            k.channel_spend[ch] += money;
            k.media_cost += money;
            k.market_spend[m] += money;
        }
    }
    const auto& focal = s.brands[0];
    const auto& service = focal.service;
    const double agent_day =
        service.cost_per_agent_day + service.training * service.training_cost_per_agent_day;
    k.service_cost += (service.agents * agent_day + service.logistics_cost_per_day) * dt * share +
                      service.level * service.level_cost * total.revenue[0];
    k.retention_cost += focal.retention.cost_per_member_day * double(total.members[0]) * dt;
    k.it_cost += service.it_cost_per_day * dt * share;
    if (s.personalisation.level != PersonalisationLevel::none) {
        k.data_cost += (s.personalisation.platform_cost_per_day * share +
                        s.personalisation.cost_per_known_per_day * double(total.known)) *
                       dt;
    }
    k.ambassador_cost += s.ambassadors.reward_per_day * double(total.ambassadors) * dt;
    k.contacts_without_consent += double(total.without_consent);
    k.spill_visits += double(total.spill_visits);
    k.objections += double(total.objections);
    k.reviews += double(total.reviews[0]);
    k.five_star_reviews += double(total.five_star);
    k.one_star_reviews += double(total.one_star);
    k.entry_cost += x.entry_cost;
    book_triggers(k, x.triggers, total);
    k.profit = k.margin - k.media_cost - k.service_cost - k.retention_cost - k.it_cost -
               k.data_cost - k.ambassador_cost - k.regulatory_cost - k.entry_cost - k.trigger_cost;
}

/// The panel's measures (Ehrenberg 1988): penetration, purchases per buyer, share of category
/// requirements, sole buyers, and the focal brand's buyers who also bought each brand.
void book_panel(Kpis& k, const JourneyTables& x, const Panel& p, std::uint32_t population) {
    const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    for (std::size_t b = 0; b < x.brands; ++b) {
        const double buyers = double(p.buyers[b]);
        k.brand_penetration[b] = ratio(buyers, double(population));
        k.brand_frequency[b] = ratio(k.brand_purchases[b], buyers);
        k.brand_requirements[b] = ratio(k.brand_purchases[b], double(p.category[b]));
        k.brand_sole[b] = ratio(double(p.sole[b]), buyers);
        k.brand_duplication[b] = ratio(double(p.with_focal[b]), double(p.buyers[0]));
    }
}

// A regulator may fine contact without consent in a strict-privacy market (consent assumed there
// with strict_contact: risk): at `fine_chance` a year while such contact goes on, `fine_share` of
// a year's revenue (the revenue so far, per year). One draw a step, from its own stream.
double JourneyModel::fine(const JourneyTally& total) const {
    const auto& per = scenario_.personalisation;
    if (total.unlawful == 0 || !(per.fine_chance > 0)) {
        return 0;
    }
    Draws draws(key_, static_cast<std::uint32_t>(step_), Process::regulation, 0);
    if (!(draws.uniform() < -std::expm1(-per.fine_chance * scenario_.dt / 365))) {
        return 0;
    }
    const double revenue = kpis_.revenue + total.revenue[0];
    return per.fine_share * revenue * 365 / std::max(kpis_.day, scenario_.dt);
}

// KPIs: stocks now, flows added (the first call only fills the state of day 0).
void JourneyModel::tally(std::span<const JourneyTally> blocks, bool first) {
    JourneyTables& x = *model_;
    JourneyTally total;
    total.reach_count.assign(x.brands * x.markets * x.segments * reach_classes, 0);
    for (const auto& t : blocks) {
        total.add(t);
    }
    carry_over(x, scenario_, total);
    book_stocks(kpis_, x, total);
    if (first) {
        kpis_.adopted = 0;
        for (std::uint32_t i = 0; i < graph_->num_customers(); ++i) {
            kpis_.adopted += (state_.flags[i] & Flag::ever_focal) != 0;
        }
        return;
    }
    kpis_.regulatory_cost += fine(total);
    book_flows(kpis_, x, scenario_, total);
    panel_.add(total.panel);
    book_panel(kpis_, x, panel_, graph_->num_customers());
    work_.edge_reads += total.edge_reads;
    work_.agent_steps += graph_->num_customers();
}

} // namespace custsim
