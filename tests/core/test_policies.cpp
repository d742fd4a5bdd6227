// Self-optimising campaigns (policies:, MODEL.md "Policies"): triggered contacts fire exactly as
// specified on hand-made customers; budget policies keep the plan's total and move budget to the
// channel with the best observed cost per acquisition; the bandit ends within 10 % of the profit
// of custsim::optimise's static optimum; every decision is the same on any thread count.
#include "custsim/error.hpp"
#include "custsim/optimise.hpp"
#include "custsim/simulation.hpp"

#include "journey/trigger.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

namespace custsim {
namespace {

Channel named(const std::string& name) {
    Channel c;
    c.name = name;
    c.trust = 0.4;
    return c;
}

/// search (channel 0) shows intent; display (channel 1) carries the retargeting touches.
struct TriggerRoom : test::Room {
    TriggerRoom(std::vector<Policy> policies, std::uint32_t n = 8)
        : test::Room(n, {named("search"), named("display")},
                     [&](Scenario& s) { s.policies = std::move(policies); }) {
        allocate_trigger_columns(columns, n, model->triggers);
    }
};

Policy retargeting(double within_days, double gap_days, std::uint32_t cap) {
    Policy p;
    p.kind = PolicyKind::retarget;
    p.channel = "display";
    p.intent_channels = {"search"};
    p.within_days = within_days;
    p.gap_days = gap_days;
    p.cap = cap;
    p.cost = 0.5;
    return p;
}

/// A fresh step for the working copy: this step's events are not yet known.
void new_step(Customer& c) {
    c.intent = c.bought_focal = c.resolved = false;
    c.prompted = {};
}

/// The steps at which a prospect who searched at each of `searches` (and bought at `bought`, if
/// any) got a retargeting touch, over `steps` steps.
std::vector<std::uint32_t> touch_steps(TriggerRoom& room, std::uint32_t id,
                                       const std::set<std::uint32_t>& searches,
                                       std::int64_t bought = -1, std::uint32_t steps = 30) {
    std::vector<std::uint32_t> at;
    Customer c = room.customer(id);
    for (std::uint32_t step = 0; step < steps; ++step) {
        const StepContext x = room.context(step);
        new_step(c);
        const auto before = room.tally.retarget_touches;
        trigger(x, c, room.tally);
        if (room.tally.retarget_touches > before) {
            at.push_back(step);
            EXPECT_EQ(c.touch, 1) << "the touch is display's: the last touch for attribution";
        }
        c.intent = searches.count(step) > 0;
        if (std::int64_t(step) == bought) {
            c.bought_focal = true;
            c.flags |= Flag::active | Flag::ever_focal;
            c.brand = 0;
        }
        record_triggers(x, c);
    }
    return at;
}

using Steps = std::vector<std::uint32_t>;

TEST(PoliciesRetarget, OneTouchAStepAfterTheSearchUpToTheCap) {
    TriggerRoom capped({retargeting(7, 1, 3)});
    EXPECT_EQ(touch_steps(capped, 0, {0}), (Steps{1, 2, 3})) << "cap 3";
    TriggerRoom once({retargeting(7, 1, 1)});
    EXPECT_EQ(touch_steps(once, 0, {0}), (Steps{1})) << "cap 1: exactly one touch within 7 days";
    TriggerRoom window({retargeting(7, 1, 10)});
    EXPECT_EQ(touch_steps(window, 0, {0}), (Steps{1, 2, 3, 4, 5, 6, 7})) << "the window ends";
    TriggerRoom spaced({retargeting(7, 3, 10)});
    EXPECT_EQ(touch_steps(spaced, 0, {0}), (Steps{3, 6})) << "every gap_days within the window";
}

TEST(PoliciesRetarget, BuyersAreNotRetargetedAndAPurchaseEndsTheWindow) {
    TriggerRoom room({retargeting(7, 1, 5)});
    EXPECT_EQ(touch_steps(room, 0, {0}, 0), Steps{}) << "searched and bought in the same step";
    EXPECT_EQ(touch_steps(room, 1, {0}, 2), (Steps{1, 2})) << "touched, then bought at step 2";
    EXPECT_EQ(touch_steps(room, 2, {}), Steps{}) << "no search, no touch";
}

TEST(PoliciesRetarget, ASearchInAnOpenWindowDoesNotReopenIt) {
    TriggerRoom room({retargeting(7, 1, 2)});
    // Window from step 0: touches at 1 and 2 (cap), the search at 3 changes nothing; the window
    // is over at step 8, so the search at 9 opens another: touches at 10 and 11.
    EXPECT_EQ(touch_steps(room, 0, {0, 3, 9}), (Steps{1, 2, 10, 11}));
}

TEST(PoliciesRetarget, EverySearcherWhoDidNotBuyGetsExactlyOneTouchWithCapOne) {
    const std::uint32_t n = 50;
    TriggerRoom room({retargeting(5, 1, 1)}, n);
    std::uint32_t touched = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto at = touch_steps(room, i, {0}, i % 5 == 0 ? 0 : -1, 20);
        touched += !at.empty();
        EXPECT_LE(at.size(), 1u);
        for (auto step : at) {
            EXPECT_LE(step, 5u) << "within 5 days";
        }
    }
    EXPECT_EQ(touched, n - n / 5) << "every searcher but the buyers";
    EXPECT_EQ(room.tally.retarget_touches, std::int64_t(n - n / 5));
    EXPECT_EQ(room.tally.exposures[1], double(n - n / 5)) << "each touch an exposure on display";
}

TEST(PoliciesFollowUp, AResolvedComplaintIsFollowedUpAfterDaysIfStillACustomer) {
    Policy p;
    p.kind = PolicyKind::follow_up;
    p.after_days = 3;
    p.satisfaction_gain = 1;
    p.attitude_gain = 0.5;
    TriggerRoom room({p});
    for (std::uint32_t id : {0u, 1u}) {
        Customer c = room.customer(id, Flag::active | Flag::ever_focal);
        c.brand = 0;
        c.satisfaction = 6;
        for (std::uint32_t step = 0; step < 20; ++step) {
            const StepContext x = room.context(step);
            new_step(c);
            const auto before = room.tally.follow_ups;
            trigger(x, c, room.tally);
            if (room.tally.follow_ups > before) {
                EXPECT_EQ(step, 5u) << "resolved at step 2, followed up 3 days later";
                EXPECT_FLOAT_EQ(c.satisfaction, 7.0f);
                EXPECT_FLOAT_EQ(c.attitude[0], 0.5f);
            }
            c.resolved = step == 2;
            if (id == 1 && step == 3) {
                c.flags &= std::uint8_t(~Flag::active); // left before the follow-up
            }
            record_triggers(x, c);
        }
        EXPECT_EQ(room.columns.resolved_step[id], 0) << "nothing left to follow up";
    }
    EXPECT_EQ(room.tally.follow_ups, 1) << "customer 1 left: no follow-up";
}

TEST(PoliciesWinBack, OneOfferPerLapseAfterDaysAndTheResponseComesBackToTheMarket) {
    for (const double response : {0.0, 1.0}) {
        Policy p;
        p.kind = PolicyKind::win_back;
        p.after_days = 10;
        p.response = response;
        p.attitude_gain = 0.25;
        TriggerRoom room({p});
        Customer c = room.customer(0, Flag::ever_focal); // lapsed: bought once, not now
        c.brand = 0;
        c.knowledge[0] = 2;
        std::vector<std::uint32_t> offers;
        for (std::uint32_t step = 0; step < 60; ++step) {
            const StepContext x = room.context(step);
            new_step(c);
            const auto before = room.tally.win_back_offers;
            trigger(x, c, room.tally);
            if (room.tally.win_back_offers > before) {
                offers.push_back(step);
                EXPECT_FLOAT_EQ(c.attitude[0], 0.25f);
                EXPECT_EQ(c.has(Flag::in_market), response == 1);
                EXPECT_EQ(c.prompted[0], response == 1) << "a responder decides at once";
            }
            record_triggers(x, c);
        }
        EXPECT_EQ(offers, (Steps{10})) << "lapsed at step 0, one offer 10 days later";
    }
}

// --- whole runs -------------------------------------------------------------------------------

/// Two channels for the focal brand's 20 a day: `cheap` buys ten times the impressions of `dear`
/// for the same money, so it is clearly the better; `display` carries retargeting touches only.
constexpr const char* market = R"(
name: policies test
seed: 11
days: 120
population:
  customers: 4000
graph:
  type: mean_field
channels:
  - name: cheap
    cpm: 4
  - name: dear
    cpm: 40
  - name: display
    cpm: 10
brands:
  - name: focal
    price: 40
    margin: 0.5
    initial_awareness: 0.02
    service:
      agents: 2
      cost_per_agent_day: 0
    media:
      - channel: cheap
        spend_per_day: 10
      - channel: dear
        spend_per_day: 10
  - name: rival
    initial_share: 0.2
    initial_awareness: 0.6
)";

Scenario with(const std::string& policies, const std::vector<std::string>& overrides = {}) {
    return parse_scenario(std::string(market) + policies, "policies test", overrides);
}

const std::string reallocation = R"(
policies:
  - kind: reallocate
    every_days: 7
    move_share: 0.25
    floor_share: 0.05
)";
const std::string bandit = R"(
policies:
  - kind: bandit
    every_days: 7
    test_share: 0.1
)";
const std::string triggers = R"(
  - kind: retarget
    channel: display
    intent_channels: [cheap]
    within_days: 5
    cap: 2
    cost: 0.5
  - kind: follow_up
    after_days: 3
    cost: 0.25
  - kind: win_back
    after_days: 20
    cost: 2
)";

/// Steps a simulation through its days; `each(day, spend)` sees the spend planned for each day.
void run_days(const Scenario& s, const std::function<void(double, std::vector<double>)>& each,
              Simulation* out = nullptr) {
    Simulation sim(s, build_graph(s));
    for (std::uint64_t step = 0; step < s.steps(); ++step) {
        const double day = sim.day();
        sim.step();
        each(day, sim.planned_spend(day)); // what the step spent
    }
    if (out) {
        *out = std::move(sim);
    }
}

TEST(PoliciesReallocate, KeepsTheTotalAndMovesSpendFromTheWorstCpaToTheBestDownToTheFloor) {
    const Scenario s = with(reallocation);
    std::vector<double> previous;
    int to_cheap = 0, to_dear = 0;
    double late_cheap = 0;
    run_days(s, [&](double day, std::vector<double> spend) {
        EXPECT_DOUBLE_EQ(spend[0] + spend[1], 20.0) << "day " << day << ": the plan's total";
        EXPECT_EQ(spend[2], 0.0) << "no flight on display: not the policy's";
        late_cheap += day >= 60 ? spend[0] / 20 / 60 : 0.0;
        if (!previous.empty() && spend[1] != previous[1]) {
            EXPECT_EQ(std::llround(day) % 7, 0) << "decisions every 7 days, day " << day;
            // The giver keeps 75 % of its budget, or the floor (5 % of 20).
            const std::size_t giver = spend[1] < previous[1] ? 1 : 0;
            EXPECT_NEAR(spend[giver], std::max(0.75 * previous[giver], 1.0), 1e-9) << day;
            (giver == 1 ? to_cheap : to_dear) += 1;
        }
        previous = spend;
    });
    // A window's costs are noisy (a week's acquisitions, credited when they buy): the cheap
    // channel is not the best in every window, but in most.
    EXPECT_GE(to_cheap, 2 * to_dear + 4);
    EXPECT_GE(late_cheap, 0.75) << "cheap's mean share over the last 60 days";
    const Results with_policy = run_scenario(s, 1), plan = run_scenario(with(""), 1);
    EXPECT_NEAR(test::mean_final(with_policy, "media_cost"), test::mean_final(plan, "media_cost"),
                1e-9 * test::mean_final(plan, "media_cost"))
        << "the total spend is the plan's";
    std::printf("[ measured ] reallocate: %d moves to cheap, %d to dear, cheap's late share %.3f, "
                "profit %.0f (plan %.0f), acquisitions %.0f (plan %.0f)\n",
                to_cheap, to_dear, late_cheap, test::mean_final(with_policy, "profit"),
                test::mean_final(plan, "profit"), test::mean_final(with_policy, "adopted"),
                test::mean_final(plan, "adopted"));
}

TEST(PoliciesBandit, StartsEvenAndPutsMostOfTheBudgetOnTheClearlyBestChannel) {
    const Scenario s = with(bandit);
    std::vector<double> first, last;
    run_days(s, [&](double, std::vector<double> spend) {
        EXPECT_DOUBLE_EQ(spend[0] + spend[1], 20.0);
        if (first.empty()) {
            first = spend;
        }
        last = spend;
    });
    EXPECT_DOUBLE_EQ(first[0], 10.0) << "an even split before anything is observed";
    // test_share 0.1 spread evenly: at most 0.95 of the budget on one channel of two.
    EXPECT_GE(last[0] / 20.0, 0.85) << "cheap gets most of the budget";
    EXPECT_LE(last[0] / 20.0, 0.95 + 1e-12);
    std::printf("[ measured ] bandit: cheap's share at the end %.3f\n", last[0] / 20.0);
}

/// Profit over the last half of the run and over the whole run, mean over replicates.
struct Profit {
    double late = 0, whole = 0;
};
Profit profit(const Results& r) {
    Profit out;
    const std::size_t end = r.points() - 1, half = end / 2;
    for (std::uint32_t k = 0; k < r.replicates; ++k) {
        out.late += (r.at("profit", k, end) - r.at("profit", k, half)) / r.replicates;
        out.whole += r.at("profit", k, end) / r.replicates;
    }
    return out;
}

TEST(PoliciesBandit, EndsWithinTenPercentOfTheOptimisersStaticOptimum) {
    // The issue's check. custsim::optimise (docs/optimisation.md) splits the plan's 20 a day over
    // the 120 days (2 400) between cheap and dear to maximise profit; the bandit starts from an
    // even split of the same 20 a day. Both are then run with the same seed and 8 replicates.
    // The issue asks where the bandit *ends*: its profit over the run's second half, once it has
    // learnt, against the optimum's over the same days. Its first weeks are its price of
    // learning (an even split, then a test share, while acquisitions lag spend through memory),
    // which a static split known in advance does not pay; the whole run, learning included, is
    // held to the same 10 %. Measured on seeds 11 to 15 (docs/model.md, "Policies").
    const Scenario plan = with("", {"replicates=8"});
    OptimiseOptions o;
    o.budget = 20 * plan.days;
    o.levers = {"cheap", "dear"};
    o.evaluations = 8;
    o.max_replicates = 4;
    o.polish = 0;
    const Optimum best = optimise(plan, o);
    EXPECT_GT(best.allocation[0], 0.8 * o.budget) << "cheap is clearly the best";
    const Profit optimum = profit(run_scenario(with_allocation(plan, best, best.allocation)));
    const Profit learnt = profit(run_scenario(with(bandit, {"replicates=8"})));
    std::printf("[ measured ] optimum: cheap %.0f of %.0f; profit over the second half: bandit "
                "%.0f, optimum %.0f (%.3f); whole run: bandit %.0f, optimum %.0f (%.3f)\n",
                best.allocation[0], o.budget, learnt.late, optimum.late, learnt.late / optimum.late,
                learnt.whole, optimum.whole, learnt.whole / optimum.whole);
    ASSERT_GT(optimum.late, 0);
    EXPECT_GE(learnt.late, 0.9 * optimum.late);
    EXPECT_GE(learnt.whole, 0.9 * optimum.whole);
}

TEST(PoliciesTriggers, CostsAreBookedAndNoCustomerGetsMoreThanTheCap) {
    Scenario s = with(bandit + triggers);
    Simulation sim(s, build_graph(s));
    for (std::uint64_t step = 0; step < s.steps(); ++step) {
        sim.step();
        for (auto touches : sim.column("retarget_touches").as<std::uint8_t>()) {
            ASSERT_LE(touches, 2);
        }
    }
    const Kpis& k = sim.kpis();
    EXPECT_GT(k.retarget_touches, 0);
    EXPECT_GT(k.win_back_offers, 0);
    EXPECT_EQ(k.channel_spend[2], 0.5 * k.retarget_touches) << "display: the touches' cost only";
    EXPECT_EQ(k.trigger_cost, 0.25 * k.follow_ups + 2 * k.win_back_offers);
    EXPECT_NEAR(k.media_cost, k.channel_spend[0] + k.channel_spend[1] + k.channel_spend[2],
                1e-12 * k.media_cost);
    std::printf("[ measured ] triggers: %.0f retargeting touches, %.0f follow-ups, %.0f win-back "
                "offers, trigger cost %.2f\n",
                k.retarget_touches, k.follow_ups, k.win_back_offers, k.trigger_cost);
}

TEST(PoliciesDeterminism, OneAndTwoThreadsGiveIdenticalResults) {
    for (const std::string& budget : {bandit, reallocation}) {
        const Scenario s = with(budget + triggers, {"days=60"});
        const Results one = run_scenario(s, 1), two = run_scenario(s, 2);
        EXPECT_EQ(one.timeseries, two.timeseries);
        EXPECT_EQ(one.channels, two.channels);
        EXPECT_EQ(one.final, two.final);
    }
}

TEST(PoliciesDeterminism, NoPoliciesNoStampsAndNoMemory) {
    const Scenario s = with("");
    Simulation sim(s, build_graph(s));
    for (const char* name : {"intent_step", "retarget_touches", "resolved_step", "lapsed_step"}) {
        EXPECT_EQ(sim.column(name).bytes, 0u) << name;
    }
    const Scenario all = with(bandit + triggers);
    Simulation on(all, build_graph(all));
    EXPECT_EQ(on.memory_bytes() - sim.memory_bytes(), 7u * 4000) << "7 bytes a customer";
}

TEST(PoliciesScenario, ErrorsNameTheKeyAndWhatIsAllowed) {
    const auto error = [](const std::string& policies) {
        try {
            with(policies);
        } catch (const ScenarioError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(error("policies:\n  - kind: bandits\n")
                  .find("policies[0].kind: must be one of reallocate, bandit, retarget, follow_up, "
                        "win_back"),
              std::string::npos)
        << error("policies:\n  - kind: bandits\n");
    EXPECT_NE(error("policies:\n  - kind: bandit\n    cap: 2\n")
                  .find("policies[0].cap: is not a key of kind bandit (used by retarget)"),
              std::string::npos);
    EXPECT_NE(error(bandit + "  - kind: reallocate\n")
                  .find("policies[1].kind: only one budget policy (reallocate or bandit)"),
              std::string::npos);
    EXPECT_NE(error("policies:\n  - kind: retarget\n    intent_channels: [cheap]\n")
                  .find("policies[0].channel: retarget needs the channel"),
              std::string::npos);
    EXPECT_NE(error("policies:\n  - kind: retarget\n    channel: tv\n    intent_channels: "
                    "[cheap]\n")
                  .find("policies[0].channel: 'tv' is not one of the channels"),
              std::string::npos);
    EXPECT_NE(error("policies:\n  - kind: bandit\n    test_share: 2\n")
                  .find("policies[0].test_share: must be"),
              std::string::npos);
}

} // namespace
} // namespace custsim
