// Issue 13, item 5 ("defaults re-sourced") for exposure, word of mouth and personalisation: each
// mechanism does what its source measured, checked alone on hand-made customers against the
// closed form, and in whole runs where the claim is about the run.
// - Nielsen (2015) trust shares are survey answers: they set only the ratios between sources;
//   memory per touch is the market's `memory_per_touch` times a source's trust.
// - A peer message's attitude is its own parameter (word_of_mouth.persuasion), not trust.
// - Goldfarb & Tucker (2011): strict privacy blunts data-targeted ads' persuasion and purchase
//   prompts (they measured stated purchase intent), not memory.
// - Sahni, Wheeler & Chintagunta (2018): personalised e-mails, +31 % leads (only for the
//   decisions they prompt) and -17 % unsubscribes.
#include "custsim/error.hpp"
#include "custsim/simulation.hpp"

#include "journey/build.hpp"
#include "journey/decide.hpp"
#include "journey/expose.hpp"
#include "journey/hear.hpp"
#include "journey/start.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <numeric>

using namespace custsim;

namespace {

constexpr std::size_t tv = 0, email = 1, social = 2;

/// The three channels: tv; e-mail, an owned data channel; social, data-targeted.
std::vector<Channel> three_channels() {
    const std::uint8_t prospects =
        std::uint8_t(Reaches::awareness) | std::uint8_t(Reaches::consideration);
    Channel a, e, d;
    a.name = "tv";
    a.trust = 0.63;
    a.persuasion = 0.02;
    a.works_on = prospects;
    e.name = "email";
    e.trust = 0.56;
    e.persuasion = 0.05;
    e.needs_data = true;
    e.works_on = std::uint8_t(Reaches::consideration) | std::uint8_t(Reaches::retention);
    d.name = "social";
    d.trust = 0.46;
    d.persuasion = 0.02;
    d.data_targeted = true;
    d.works_on = prospects;
    return {a, e, d};
}

/// A two-brand market of `n` customers with those three channels, one market given explicitly
/// (for `adjust` to change) and no reputation yet.
struct Bench : test::Room {
    explicit Bench(std::uint32_t n, const std::function<void(Scenario&)>& adjust = {})
        : test::Room(n, three_channels(),
                     [&](Scenario& s) {
                         s.markets = {Market{}};
                         if (adjust) {
                             adjust(s);
                         }
                     },
                     {11, 0}) {
        model->reputation.fill(0);
    }
};

/// `times` exposures of the focal brand's channel ch to customer c (its own stream).
bool touch(Bench& bench, const StepContext& x, Customer& c, std::size_t ch, std::uint32_t times,
           std::size_t brand = 0) {
    Draws draws(x.key, x.step, Process(17), c.id);
    return touch_by(x, c, bench.tally, draws, brand, ch, times);
}

using test::expect_share;
using test::mean_final;
using test::small;

} // namespace

TEST(Sources, TrustSharesSetOnlyTheRatiosOfMemoryPerTouch) {
    // Memory per exposure is memory_per_touch x trust x trust_ads, per message memory_per_touch x
    // trust_peers: whatever the scale, a message leaves 0.83 / 0.63 of a TV exposure's memory.
    for (const double scale : {0.25, 1.0}) {
        Bench bench(8, [&](Scenario& s) { s.markets[0].memory_per_touch = scale; });
        auto x = bench.context();
        Customer exposed = bench.customer(0);
        touch(bench, x, exposed, tv, 1);
        const float ad = exposed.recall[0];
        EXPECT_FLOAT_EQ(ad, float(scale * 0.63)) << "scale " << scale;
        x.mean_field_beta = {};
        x.mean_field_beta[0] = 50; // the focal brand, positive: heard for sure within a day
        Customer told = bench.customer(1);
        hear(x, told, bench.tally);
        const float peer = told.recall[0];
        EXPECT_FLOAT_EQ(peer, float(scale * 0.83)) << "scale " << scale;
        EXPECT_NEAR(peer / ad, 0.83 / 0.63, 1e-6) << "scale " << scale;
    }
    // Less trust in ads in a market scales every channel's memory, not the peers'.
    Bench wary(8, [](Scenario& s) { s.markets[0].trust_ads = 0.5; });
    const auto x = wary.context();
    Customer c = wary.customer(0);
    touch(wary, x, c, social, 2);
    EXPECT_FLOAT_EQ(c.recall[0], float(2 * 0.25 * 0.46 * 0.5));
}

TEST(Sources, APeerMessageMovesAttitudeByItsOwnPersuasionNotByTrust) {
    // Trust in peers sets a message's memory only; its attitude is word_of_mouth.persuasion,
    // times -negativity when negative.
    for (const double trust : {0.83, 0.4}) {
        Bench bench(8, [&](Scenario& s) {
            s.markets[0].trust_peers = trust;
            s.word_of_mouth.persuasion = 0.3;
            s.word_of_mouth.negativity = 1.5;
        });
        auto x = bench.context();
        x.mean_field_beta = {};
        x.mean_field_beta[0] = 50;
        Customer positive = bench.customer(0);
        hear(x, positive, bench.tally);
        EXPECT_FLOAT_EQ(positive.attitude[0], 0.3f) << "trust " << trust;
        EXPECT_FLOAT_EQ(positive.recall[0], float(0.25 * trust));
        x.mean_field_beta = {};
        x.mean_field_beta[1] = 50;
        Customer negative = bench.customer(1);
        hear(x, negative, bench.tally);
        EXPECT_FLOAT_EQ(negative.attitude[0], float(-0.3 * 1.5)) << "trust " << trust;
    }
    // The old key, which multiplied trust, is refused with what replaced it.
    try {
        parse_scenario("word_of_mouth:\n  attitude_step: 0.3\n", "old.yaml");
        ADD_FAILURE() << "attitude_step must be refused";
    } catch (const ScenarioError& e) {
        EXPECT_NE(std::string(e.what()).find("old.yaml:2: word_of_mouth.attitude_step: this key "
                                             "was removed because"),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("word_of_mouth.persuasion"), std::string::npos);
    }
}

TEST(Sources, StrictPrivacyKeepsMemoryAndCutsPersuasionAndPrompts) {
    // A data-targeted exposure in a strict-privacy market: the same memory, (1 - privacy_loss)
    // of the persuasion, and each exposure prompts a shopper with chance 1 - privacy_loss.
    constexpr std::uint32_t n = 40000;
    Bench open(n), strict(n, [](Scenario&s) { s.markets[0].strict_privacy = true; });
    const double keep = 1 - strict.s.markets[0].privacy_loss;
    ASSERT_NEAR(keep, 0.35, 1e-12);
    const auto xo = open.context(), xs = strict.context();
    Customer a = open.customer(0), b = strict.customer(0);
    touch(open, xo, a, social, 1);
    touch(strict, xs, b, social, 1);
    EXPECT_FLOAT_EQ(b.recall[0], a.recall[0]) << "memory is not what the law blunted";
    EXPECT_FLOAT_EQ(b.attitude[0], float(keep * 0.02));
    EXPECT_FLOAT_EQ(a.attitude[0], 0.02f);
    for (const std::uint32_t times : {1u, 2u}) {
        int prompted = 0, prompted_open = 0, prompted_tv = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            Customer shopper = strict.customer(i, Flag::in_market);
            touch(strict, xs, shopper, social, times);
            prompted += shopper.prompted[0];
            Customer free = open.customer(i, Flag::in_market);
            touch(open, xo, free, social, times);
            prompted_open += free.prompted[0];
            Customer viewer = strict.customer(i, Flag::in_market);
            touch(strict, xs, viewer, tv, times);
            prompted_tv += viewer.prompted[0];
        }
        expect_share(prompted, 1 - std::pow(1 - keep, times), n,
                     std::to_string(times) + " exposures");
        EXPECT_EQ(prompted_open, int(n)) << "an open market's exposure always prompts";
        EXPECT_EQ(prompted_tv, int(n)) << "strict privacy leaves channels without data alone";
    }
}

TEST(Sources, EmailUnsubscribesAtTheBaseRateAndSeventeenPercentLessWhenPersonalised) {
    // Each e-mail a consenting focal customer receives withdraws consent with chance
    // `unsubscribe`, times (1 - unsubscribe_cut) when personalised (Sahni et al. 2018: -17 %).
    // The customer stays in the data pool (known). Same draws for both groups: the personalised
    // unsubscribers are a subset of the others.
    constexpr std::uint32_t n = 200000;
    Bench bench(n, [](Scenario& s) {
        s.channels[email].unsubscribe = 0.05;
        s.personalisation.level = PersonalisationLevel::individual;
        s.personalisation.intrusion_objection = 0; // objections: Consent.* in test_journey.cpp
    });
    const auto x = bench.context();
    const std::uint8_t pool = Flag::known | Flag::consented;
    for (const std::uint32_t times : {1u, 3u}) {
        int plain = 0, personal = 0, rival = 0, subset = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            Customer c = bench.customer(i, pool);
            touch(bench, x, c, email, times);
            plain += !c.has(Flag::consented);
            EXPECT_TRUE(c.has(Flag::known));
            Customer p = bench.customer(i, pool);
            p.personalised = true;
            touch(bench, x, p, email, times);
            personal += !p.has(Flag::consented);
            subset += !p.has(Flag::consented) && c.has(Flag::consented);
            Customer r = bench.customer(i, pool);
            touch(bench, x, r, email, times, 1); // a competitor's e-mail: not our data pool
            rival += !r.has(Flag::consented);
        }
        const std::string label = std::to_string(times) + " e-mails";
        expect_share(plain, 1 - std::pow(1 - 0.05, times), n, label);
        expect_share(personal, 1 - std::pow(1 - 0.05 * (1 - 0.17), times), n, label);
        EXPECT_EQ(subset, 0) << label;
        EXPECT_EQ(rival, 0) << label;
    }
    // Without consent there is nothing to withdraw (an objection to intrusive contact aside).
    Customer unasked = bench.customer(1, Flag::known);
    touch(bench, x, unasked, email, 100);
    EXPECT_FALSE(unasked.has(Flag::consented));
    EXPECT_TRUE(unasked.has(Flag::known));
}

TEST(Sources, ConversionLiftOnlyForDecisionsAPersonalisedEmailPrompted) {
    // Personalised shoppers, prompted either by an e-mail (personalised) or by TV. The one known
    // brand is bought with probability e^u / (1 + e^u): u = v + ln(1.31) after the e-mail, u = v
    // after TV (Sahni et al. measured +31 % leads from e-mails, not a lift of every choice).
    constexpr std::uint32_t n = 40000;
    auto run = [&](std::size_t channel) {
        Bench bench(n, [](Scenario& s) {
            s.personalisation.level = PersonalisationLevel::individual;
            for (auto& c : s.channels) {
                c.persuasion = 0; // attitude stays 0: the choice depends on the lift alone
                c.unsubscribe = 0;
            }
        });
        const std::size_t P = bench.model->planned.size();
        std::fill(bench.model->class_rate.begin(), bench.model->class_rate.end(), 0.0);
        for (std::size_t k = 0; k < reach_classes; ++k) {
            bench.model->class_rate[k * P + channel] = 30; // focal pair p = channel: exposed
        }
        const auto x = bench.context();
        int bought = 0, still_personal = 0; // prompted by a personalised e-mail
        for (std::uint32_t i = 0; i < n; ++i) {
            Customer c = bench.customer(i, Flag::in_market | Flag::known | Flag::consented);
            c.personalised = true;
            c.recall[0] = 1.5f;
            expose(x, c, bench.tally);
            still_personal += c.personal_prompt;
            DecideDraws d(x, c);
            choose(x, c, bench.tally, d); // what decide does for a shopper
            bought += c.active_with(0);
        }
        EXPECT_EQ(still_personal, channel == email ? int(n) : 0) << "channel " << channel;
        return double(bought);
    };
    const double v = 0.5; // purchase_intent, at average quality and price
    const double lift = std::log(1.31);
    expect_share(run(email), std::exp(v + lift) / (1 + std::exp(v + lift)), n, "after an e-mail");
    expect_share(run(tv), std::exp(v) / (1 + std::exp(v)), n, "after TV");
}

TEST(Sources, WithoutAnOwnedDataChannelPersonalisingChangesNoChoice) {
    // The baseline without e-mail and social: personalising known, consenting customers has no
    // exposure to personalise, so no decision changes (common random numbers: exactly the same
    // purchases). When it lifted every choice of a personalised customer, purchases rose.
    const std::string media = "brands.focal.media=[{channel: tv, spend_per_day: 60}, "
                              "{channel: search, spend_per_day: 40}, "
                              "{channel: store, spend_per_day: 30}]";
    const auto plain = run_scenario(small("baseline.yaml", {media, "replicates=2"}));
    const auto personal = run_scenario(
        small("baseline.yaml", {media, "replicates=2", "personalisation.level=individual",
                                "personalisation.platform_cost_per_day=20"}));
    EXPECT_GT(mean_final(personal, "consented"), 1000) << "customers to personalise";
    EXPECT_GT(mean_final(personal, "data_cost"), 0) << "personalising was on";
    for (const char* kpi : {"purchases", "adopted", "revenue", "customers"}) {
        EXPECT_EQ(personal.final.at(kpi), plain.final.at(kpi)) << kpi;
    }
}

TEST(Sources, PersonalisedEmailKeepsMoreConsentsOverAHalfYear) {
    // The consenting pool with and without the -17 % unsubscribes of personalised e-mails, all
    // other draws the same, at the baseline's e-mail pressure per person (the 20 000 customers
    // stand for its market of 100 000). The pool without any unsubscribes shows what there is to
    // lose; the cut must keep a real part of what the e-mails lose (measured: about a sixth).
    auto consented = [](const std::vector<std::string>& more) {
        auto overrides = more;
        overrides.push_back("population.represents=100000");
        return mean_final(run_scenario(small("personalisation_consented.yaml", overrides)),
                          "consented");
    };
    const double kept = consented({}), lost = consented({"personalisation.unsubscribe_cut=0"}),
                 all = consented({"channels.email.unsubscribe=0"});
    EXPECT_LT(lost, 0.9 * all) << "e-mails must lose consents for the check to mean anything";
    EXPECT_GT(kept, lost + 0.1 * (all - lost)) << "kept " << kept << ", without the cut " << lost;
    EXPECT_LT(kept, all);
}
