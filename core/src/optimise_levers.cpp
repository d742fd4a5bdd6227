// The levers of `custsim optimise` as money (docs/optimisation.md): the rate card of each lever
// over the horizon, the water-filling that puts a budget exactly between the bounds, and the
// allocation written back into the scenario.
#include "optimise_levers.hpp"

#include "custsim/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

namespace custsim::optimisation {

namespace {

std::string money_text(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
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

/// The focal brand's money on a channel over the run, from its flights.
double channel_money(const Scenario& s, const std::string& channel) {
    double money = 0;
    for (const auto& flight : s.brands[0].media) {
        if (flight.channel == channel) {
            money += flight.spend_per_day * active_days(s, flight.from, flight.until);
        }
    }
    return money;
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
    return names + "agents, training, logistics, service_level";
}

/// A card with its rate and current money; bounds from the lever's own limit (1 for a share).
LeverCard card_for(const Scenario& s, const std::string& name, double planned_revenue) {
    const Service& service = s.brands[0].service;
    const double days = s.steps() * s.dt;
    LeverCard card;
    card.name = name;
    card.high = forever;
    if (is_channel(s, name)) {
        card.kind = LeverKind::channel;
        card.unit = "per day";
        card.money_per_unit = active_days(s, 0, forever);
        card.current = channel_money(s, name);
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

} // namespace

Scenario at_horizon(const Scenario& scenario, double horizon) {
    Scenario s = scenario;
    if (horizon > 0) {
        s.days = horizon;
    }
    return s;
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
    bound(cards, s, o);
    double low = 0, high = 0;
    for (const auto& c : cards) {
        low += c.low;
        high += c.high;
    }
    if (!(o.budget >= low && o.budget <= high) || !std::isfinite(o.budget)) {
        throw InputError(
            "--budget: must be a finite amount between the levers' lower bounds' sum " +
            money_text(low) + " and their upper bounds' sum " + money_text(high) +
            " (money over the horizon), got " + money_text(o.budget));
    }
    return cards;
}

std::vector<double> water_fill(const std::vector<double>& weights,
                               const std::vector<LeverCard>& cards, double budget) {
    const std::size_t n = cards.size();
    std::vector<double> w(n), out(n);
    for (std::size_t i = 0; i < n; ++i) {
        w[i] = std::max(weights[i], 1e-6);
    }
    const auto fill = [&](double lambda) {
        double sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = std::clamp(lambda * w[i], cards[i].low, cards[i].high);
            sum += out[i];
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
        const double rest = budget - std::accumulate(out.begin(), out.end(), 0.0);
        std::size_t best = 0;
        double room = -1;
        for (std::size_t i = 0; i < n; ++i) {
            const double r = rest > 0 ? cards[i].high - out[i] : out[i] - cards[i].low;
            if (r > room) {
                room = r;
                best = i;
            }
        }
        out[best] += rest > 0 ? std::min(rest, room) : -std::min(-rest, room);
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
                for (auto& flight : focal.media) {
                    flight.spend_per_day *= flight.channel == c.name ? money / c.current : 1.0;
                }
            } else if (money > 0) {
                Flight flight;
                flight.channel = c.name;
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
