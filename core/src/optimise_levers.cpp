// The levers of `custsim optimise` as money (docs/optimisation.md): the rate card of each lever
// over the horizon, the water-filling that puts a budget (and each market's) exactly between the
// bounds, and the allocation written back into the scenario.
#include "optimise_levers.hpp"

#include "custsim/error.hpp"
#include "custsim/kpis.hpp"
#include "h5_util.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace custsim::optimisation {

namespace {

std::string money_text(double value) {
    return h5::formatted("%.6g", value);
}

/// Days of the run on which a flight spends: the steps whose day is in [from, until), times dt.
double active_days(const Scenario& s, double from, double until) {
    double days = 0;
    const std::uint64_t steps = s.steps();
    for (std::uint64_t k = 0; k < steps; ++k) {
        const double day = double(k) * s.dt;
        days += day >= from && day < until ? s.dt : 0.0;
    }
    return days;
}

/// The focal brand's flights on a channel and their money over the run.
void channel_flights(const Scenario& s, LeverCard& card) {
    const auto& media = s.brands[0].media;
    for (std::size_t k = 0; k < media.size(); ++k) {
        if (media[k].channel == card.channel) {
            card.flights.push_back(k);
            card.current += media[k].spend_per_day * active_days(s, media[k].from, media[k].until);
        }
    }
}

bool is_channel(const Scenario& s, const std::string& name) {
    return std::any_of(s.channels.begin(), s.channels.end(),
                       [&](const Channel& c) { return c.name == name; });
}

std::string lever_names(const Scenario& s) {
    std::string names;
    for (const auto& c : s.channels) {
        names += c.name + ", ";
    }
    return names + "agents, training, logistics, service_level, and CHANNEL@MARKET per market";
}

std::string listed(const std::vector<std::string>& names) {
    return h5::joined(names, ", ");
}

/// The markets in which the scenario sells `channel` (markets[].channels; empty: all).
std::vector<std::string> markets_of(const Scenario& s, const std::string& channel) {
    if (s.markets.empty()) {
        return kpi_items(s, KpiPer::market);
    }
    std::vector<std::string> out;
    for (const Market& m : s.markets) {
        if (m.channels.empty() ||
            std::find(m.channels.begin(), m.channels.end(), channel) != m.channels.end()) {
            out.push_back(m.name);
        }
    }
    return out;
}

/// CHANNEL@MARKET: the focal brand's money on a channel in one market. Its flights are those
/// naming the market (and one for all markets when the channel is sold in that market alone);
/// they spend from the brand's entry into the market on, so the money counts those days only.
LeverCard market_card(const Scenario& s, const std::string& name, std::size_t at) {
    LeverCard card;
    card.name = name;
    card.channel = name.substr(0, at);
    card.market = name.substr(at + 1);
    card.unit = "per day";
    card.high = forever;
    if (!is_channel(s, card.channel)) {
        throw InputError(
            "--levers: " + name + ": '" + card.channel +
            "' is not a channel; allowed before @: " + listed(kpi_items(s, KpiPer::channel)));
    }
    const auto markets = kpi_items(s, KpiPer::market);
    if (std::find(markets.begin(), markets.end(), card.market) == markets.end()) {
        throw InputError("--levers: " + name + ": '" + card.market +
                         "' is not a market of the scenario; allowed after @: " + listed(markets));
    }
    const auto sold = markets_of(s, card.channel);
    if (std::find(sold.begin(), sold.end(), card.market) == sold.end()) {
        throw InputError("--levers: " + name + ": " + card.channel + " is not sold in " +
                         card.market + " (markets." + card.market + ".channels); it is in " +
                         (sold.empty() ? std::string("no market") : listed(sold)));
    }
    double entry = 0;
    for (const Market& m : s.markets) {
        entry = m.name == card.market ? m.entry.day : entry;
    }
    const auto& media = s.brands[0].media;
    for (std::size_t k = 0; k < media.size(); ++k) {
        const Flight& f = media[k];
        if (f.channel != card.channel || (!f.market.empty() && f.market != card.market)) {
            continue;
        }
        if (f.market.empty() && sold.size() > 1) {
            throw InputError("--levers: " + name + ": brands.focal.media[" + std::to_string(k) +
                             "] spends on " + card.channel + " in every market (" + listed(sold) +
                             "); a lever per market needs flights that name their market "
                             "(market: " +
                             card.market + "), or the lever " + card.channel + " for all markets");
        }
        card.flights.push_back(k);
        card.current += f.spend_per_day * active_days(s, std::max(f.from, entry), f.until);
    }
    card.money_per_unit = active_days(s, entry, forever);
    if (!(card.money_per_unit > 0)) {
        throw InputError("--levers: " + name + " costs nothing in this scenario, so a budget " +
                         "cannot buy it: the focal brand enters " + card.market + " on day " +
                         money_text(entry) + ", at or after the horizon's end");
    }
    card.current_setting = card.current / card.money_per_unit;
    return card;
}

/// A card with its rate and current money; bounds from the lever's own limit (1 for a share).
LeverCard card_for(const Scenario& s, const std::string& name, double planned_revenue) {
    if (const auto at = name.find('@'); at != std::string::npos) {
        return market_card(s, name, at);
    }
    const Service& service = s.brands[0].service;
    const double days = s.steps() * s.dt;
    LeverCard card;
    card.name = name;
    card.high = forever;
    if (is_channel(s, name)) {
        card.kind = LeverKind::channel;
        card.unit = "per day";
        card.channel = name;
        card.money_per_unit = active_days(s, 0, forever);
        channel_flights(s, card);
    } else if (name == "agents") {
        card.kind = LeverKind::agents;
        card.unit = "agents";
        card.money_per_unit = service.cost_per_agent_day * days;
        card.current = service.agents * card.money_per_unit;
    } else if (name == "training") {
        card.kind = LeverKind::training;
        card.unit = "0..1";
        card.money_per_unit = service.training_cost_per_agent_day * days; // per agent
        card.current = service.training * card.money_per_unit * service.agents;
    } else if (name == "logistics") {
        card.kind = LeverKind::logistics;
        card.unit = "0..1";
        card.money_per_unit =
            service.logistics > 0 ? service.logistics_cost_per_day / service.logistics * days : 0;
        card.current = service.logistics_cost_per_day * days;
        card.high = card.money_per_unit;
    } else if (name == "service_level") {
        card.kind = LeverKind::service_level;
        card.unit = "0..1";
        card.money_per_unit = service.level_cost * planned_revenue;
        card.current = service.level * card.money_per_unit;
        card.high = card.money_per_unit;
    } else {
        throw InputError("--levers: '" + name +
                         "' is not a lever of the focal brand; allowed: " + lever_names(s));
    }
    if (!(card.money_per_unit > 0)) {
        const char* why =
            card.kind == LeverKind::training
                ? "set brands.focal.service.training_cost_per_agent_day"
            : card.kind == LeverKind::logistics
                ? "set brands.focal.service.logistics (a level above 0) and "
                  "logistics_cost_per_day (its cost per day)"
            : card.kind == LeverKind::service_level
                ? "set brands.focal.service.level_cost above 0 (and the plan must sell)"
                : "the channel or cost per agent-day gives no money per unit";
        throw InputError("--levers: " + name + " costs nothing in this scenario, so a budget " +
                         "cannot buy it: " + why);
    }
    card.current_setting = card.current / card.money_per_unit;
    if (card.kind == LeverKind::training) {
        card.current_setting = service.training;
    }
    return card;
}

/// Applies --min/--max and training's cap (its money is per agent: full training of the fewest
/// agents the bounds allow), then checks the budget fits between the bounds.
void bound(std::vector<LeverCard>& cards, const Scenario& s, const OptimiseOptions& o) {
    const auto set = [&](const char* option, const std::map<std::string, double>& bounds,
                         bool lower) {
        for (const auto& [name, money] : bounds) {
            const auto card = std::find_if(cards.begin(), cards.end(),
                                           [&](const LeverCard& c) { return c.name == name; });
            if (card == cards.end()) {
                throw InputError(std::string(option) + " " + name + ": not one of --levers");
            }
            if (!(money >= 0) || !std::isfinite(money)) {
                throw InputError(std::string(option) + " " + name +
                                 ": must be money >= 0 over the horizon, got " + money_text(money));
            }
            (lower ? card->low : card->high) = lower ? money : std::min(card->high, money);
        }
    };
    set("--min", o.min, true);
    set("--max", o.max, false);
    double fewest_agents = s.brands[0].service.agents;
    for (const auto& c : cards) {
        fewest_agents = c.kind == LeverKind::agents ? c.low / c.money_per_unit : fewest_agents;
    }
    for (auto& c : cards) {
        if (c.kind == LeverKind::training) {
            c.high = std::min(c.high, c.money_per_unit * fewest_agents);
        }
        if (c.low > c.high) {
            throw InputError("--min " + c.name + "=" + money_text(c.low) + " is above its upper " +
                             "bound " + money_text(c.high) +
                             (c.kind == LeverKind::channel ? "" : " (the lever's full setting)"));
        }
    }
}

/// Gives the cards of each budgeted market their market's budget and checks it fits between
/// their bounds; returns what the market budgets leave of the total for the other levers.
double market_budgets(std::vector<LeverCard>& cards, const Scenario& s,
                      const std::map<std::string, double>& budgets, double total) {
    const auto markets = kpi_items(s, KpiPer::market);
    double rest = total, given = 0;
    for (const auto& [market, money] : budgets) {
        const std::string option = "--market-budget " + market;
        if (std::find(markets.begin(), markets.end(), market) == markets.end()) {
            throw InputError(option +
                             ": not a market of the scenario; allowed: " + listed(markets));
        }
        if (!(money >= 0) || !std::isfinite(money)) {
            throw InputError(option + ": must be money >= 0 over the horizon, got " +
                             money_text(money));
        }
        double low = 0, high = 0;
        for (auto& c : cards) {
            if (c.market == market) {
                c.market_budget = money;
                low += c.low;
                high += c.high;
            }
        }
        if (std::none_of(cards.begin(), cards.end(),
                         [&](const LeverCard& c) { return c.market == market; })) {
            throw InputError(option + ": no lever of --levers spends in " + market +
                             "; name them CHANNEL@" + market + " (e.g. " + s.channels[0].name +
                             "@" + market + ")");
        }
        if (!(money >= low && money <= high)) {
            throw InputError(option + "=" + money_text(money) +
                             ": must be between the lower bounds' sum " + money_text(low) +
                             " and the upper bounds' sum " + money_text(high) + " of its levers");
        }
        rest -= money;
        given += money;
    }
    const bool others = std::any_of(cards.begin(), cards.end(),
                                    [](const LeverCard& c) { return std::isnan(c.market_budget); });
    if (rest < -1e-9 * total) {
        throw InputError("--market-budget: the market budgets add up to " + money_text(given) +
                         ", more than --budget " + money_text(total));
    }
    if (!budgets.empty() && !others && rest > 1e-9 * total) {
        throw InputError("--market-budget: the market budgets add up to " + money_text(given) +
                         ", not --budget " + money_text(total) +
                         " (every lever is in a budgeted market, so they must)");
    }
    // Market budgets that add up to the total in their last digits leave nothing, not -1e-12.
    return others && std::abs(rest) > 1e-9 * total ? rest : 0.0;
}

} // namespace

Scenario at_horizon(const Scenario& scenario, double horizon) {
    Scenario s = scenario;
    if (horizon > 0) {
        s.days = horizon;
    }
    return s;
}

double total_budget(const OptimiseOptions& o) {
    if (!std::isnan(o.budget)) {
        return o.budget;
    }
    if (o.market_budgets.empty()) {
        throw InputError("--budget: give the money the levers share over the horizon (or "
                         "--market-budget MARKET=MONEY for levers per market, CHANNEL@MARKET)");
    }
    double total = 0;
    for (const auto& [market, money] : o.market_budgets) {
        total += money;
    }
    return total;
}

std::vector<LeverCard> lever_cards(const Scenario& s, const OptimiseOptions& o,
                                   double planned_revenue) {
    if (o.levers.empty()) {
        throw InputError("--levers: name at least one lever; allowed: " + lever_names(s));
    }
    std::vector<LeverCard> cards;
    std::set<std::string> seen;
    for (const auto& name : o.levers) {
        if (!seen.insert(name).second) {
            throw InputError("--levers: " + name + " is named twice");
        }
        cards.push_back(card_for(s, name, planned_revenue));
    }
    for (const auto& c : cards) {
        if (!c.market.empty() && seen.count(c.channel)) {
            throw InputError("--levers: " + c.channel + " and " + c.name + " both spend on " +
                             c.channel + ": name the channel for all markets or per market, " +
                             "not both");
        }
    }
    bound(cards, s, o);
    const double budget = total_budget(o);
    const double rest = market_budgets(cards, s, o.market_budgets, budget);
    double low = 0, high = 0;
    for (const auto& c : cards) {
        low += std::isnan(c.market_budget) ? c.low : 0.0;
        high += std::isnan(c.market_budget) ? c.high : 0.0;
    }
    if (o.market_budgets.empty() &&
        (!(budget >= low && budget <= high) || !std::isfinite(budget))) {
        throw InputError(
            "--budget: must be a finite amount between the levers' lower bounds' sum " +
            money_text(low) + " and their upper bounds' sum " + money_text(high) +
            " (money over the horizon), got " + money_text(budget));
    }
    if (!o.market_budgets.empty() && !(rest >= low && rest <= high)) {
        throw InputError("--budget: what the market budgets leave of it, " + money_text(rest) +
                         " of " + money_text(budget) +
                         ", is for the levers in no budgeted market: it must be between their "
                         "lower bounds' sum " +
                         money_text(low) + " and their upper bounds' sum " + money_text(high));
    }
    return cards;
}

namespace {

/// Fills the levers `which` to exactly `budget` (water_fill, one budget).
void fill_group(const std::vector<double>& weights, const std::vector<LeverCard>& cards,
                const std::vector<std::size_t>& which, double budget, std::vector<double>& out) {
    const std::size_t n = which.size();
    std::vector<double> w(n);
    for (std::size_t k = 0; k < n; ++k) {
        w[k] = std::max(weights[which[k]], 1e-6);
    }
    const auto fill = [&](double lambda) {
        double sum = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const LeverCard& c = cards[which[k]];
            out[which[k]] = std::clamp(lambda * w[k], c.low, c.high);
            sum += out[which[k]];
        }
        return sum;
    };
    double below = 0, above = std::max(budget, 1.0);
    for (int k = 0; k < 2000 && fill(above) < budget; ++k) {
        above *= 2;
    }
    for (int k = 0; k < 200; ++k) {
        const double middle = 0.5 * (below + above);
        (fill(middle) < budget ? below : above) = middle;
    }
    fill(above);
    // The rounding left over goes to the lever with the most room for it.
    for (int pass = 0; pass < 2; ++pass) {
        double sum = 0;
        for (const std::size_t i : which) {
            sum += out[i];
        }
        const double rest = budget - sum;
        std::size_t best = which[0];
        double room = -1;
        for (const std::size_t i : which) {
            const double r = rest > 0 ? cards[i].high - out[i] : out[i] - cards[i].low;
            if (r > room) {
                room = r;
                best = i;
            }
        }
        out[best] += rest > 0 ? std::min(rest, room) : -std::min(-rest, room);
    }
}

} // namespace

std::vector<double> water_fill(const std::vector<double>& weights,
                               const std::vector<LeverCard>& cards, double budget) {
    std::vector<double> out(cards.size());
    std::map<std::string, std::vector<std::size_t>> markets;
    std::vector<std::size_t> others;
    for (std::size_t i = 0; i < cards.size(); ++i) {
        (std::isnan(cards[i].market_budget) ? others : markets[cards[i].market]).push_back(i);
    }
    double rest = budget;
    for (const auto& [market, which] : markets) {
        fill_group(weights, cards, which, cards[which[0]].market_budget, out);
        rest -= cards[which[0]].market_budget;
    }
    if (!others.empty()) {
        fill_group(weights, cards, others, rest, out);
    }
    return out;
}

std::vector<double> settings(const Scenario& scenario, const std::vector<LeverCard>& cards,
                             const std::vector<double>& allocation) {
    const Scenario s = apply_allocation(scenario, cards, allocation);
    const Service& service = s.brands[0].service;
    std::vector<double> out(cards.size());
    for (std::size_t i = 0; i < cards.size(); ++i) {
        switch (cards[i].kind) {
        case LeverKind::channel:
            out[i] = allocation[i] / cards[i].money_per_unit;
            break;
        case LeverKind::agents:
            out[i] = service.agents;
            break;
        case LeverKind::training:
            out[i] = service.training;
            break;
        case LeverKind::logistics:
            out[i] = service.logistics;
            break;
        case LeverKind::service_level:
            out[i] = service.level;
            break;
        }
    }
    return out;
}

Scenario apply_allocation(const Scenario& scenario, const std::vector<LeverCard>& cards,
                          const std::vector<double>& allocation) {
    Scenario s = scenario;
    Brand& focal = s.brands[0];
    double agents = focal.service.agents;
    const double days = s.steps() * s.dt;
    for (std::size_t i = 0; i < cards.size(); ++i) {
        agents =
            cards[i].kind == LeverKind::agents ? allocation[i] / cards[i].money_per_unit : agents;
    }
    for (std::size_t i = 0; i < cards.size(); ++i) {
        const LeverCard& c = cards[i];
        const double money = allocation[i];
        switch (c.kind) {
        case LeverKind::channel:
            if (c.current > 0) {
                for (const std::size_t k : c.flights) {
                    focal.media[k].spend_per_day *= money / c.current;
                }
            } else if (money > 0) {
                Flight flight;
                flight.channel = c.channel;
                flight.market = c.market;
                flight.spend_per_day = money / c.money_per_unit;
                focal.media.push_back(flight);
            }
            break;
        case LeverKind::agents:
            focal.service.agents = agents;
            break;
        case LeverKind::training:
            focal.service.training =
                agents > 0 ? std::min(1.0, money / (c.money_per_unit * agents)) : 0.0;
            break;
        case LeverKind::logistics:
            focal.service.logistics = std::min(1.0, money / c.money_per_unit);
            focal.service.logistics_cost_per_day = money / days;
            break;
        case LeverKind::service_level:
            focal.service.level = std::min(1.0, money / c.money_per_unit);
            break;
        }
    }
    return s;
}

} // namespace custsim::optimisation
