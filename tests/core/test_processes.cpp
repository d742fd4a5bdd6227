// Each journey process alone, on a hand-made customer, against the number MODEL.md gives.
#include "custsim/simulation.hpp"

#include "journey/build.hpp"
#include "journey/classify.hpp"
#include "journey/consolidate.hpp"
#include "journey/decide.hpp"
#include "journey/expose.hpp"
#include "journey/fade.hpp"
#include "journey/hear.hpp"
#include "journey/serve.hpp"
#include "journey/settle.hpp"
#include "journey/speak.hpp"
#include "journey/start.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace custsim;

namespace {

/// A tv channel.
Channel tv_channel() {
    Channel tv;
    tv.name = "tv";
    tv.trust = 0.4;
    tv.persuasion = 0.05;
    return tv;
}

/// The two-brand, one-channel market of `n` customers these tests run processes in.
struct Room : test::Room {
    explicit Room(std::uint32_t n = 64) : test::Room(n, {tv_channel()}) {}

    /// Every customer a current customer of the rival, at this satisfaction and attitude to it,
    /// through one decide step; how many left.
    int decide_everyone(float satisfaction, float attitude = 0) {
        const auto x = context();
        int left = 0;
        for (std::uint32_t i = 0; i < s.customers; ++i) {
            Customer c = customer(i);
            c.flags = Flag::active;
            c.brand = 1;
            c.satisfaction = satisfaction;
            c.attitude[1] = attitude;
            decide(x, c, tally);
            left += !c.has(Flag::active);
        }
        return left;
    }
};

TEST(StepProcesses, NamesBitsAndStreamsAreUnique) {
    std::set<std::string_view> names;
    std::set<std::uint16_t> bits;
    std::set<std::uint32_t> streams;
    for (const auto& p : step_processes) {
        EXPECT_TRUE(names.insert(p.name).second) << p.name;
        if (p.bit) {
            EXPECT_EQ(p.bit & (p.bit - 1), 0) << p.name << ": one bit";
            EXPECT_TRUE(bits.insert(p.bit).second) << p.name;
        }
        for (auto stream : p.streams) {
            if (stream != no_stream) {
                EXPECT_TRUE(streams.insert(std::uint32_t(stream)).second) << p.name;
            }
        }
    }
    EXPECT_EQ(step_process_bit("decide"), 8);
    EXPECT_EQ(step_process_bit("no such"), 0);
}

TEST(Fade, RecallKnowledgeAndAttitudeDecayAsAdstock) {
    Room room;
    const auto x = room.context();
    Customer c = room.customer();
    c.recall[1] = 2.0f;
    c.knowledge[1] = 3.0f;
    c.attitude[1] = 1.0f;
    fade(x, c);
    const auto& j = room.s.journey;
    EXPECT_FLOAT_EQ(c.recall[1], 2.0f * float(std::exp(-1.0 / j.memory_days)));
    EXPECT_FLOAT_EQ(c.knowledge[1], 3.0f * float(std::exp(-1.0 / j.knowledge_days)));
    EXPECT_FLOAT_EQ(c.attitude[1], float(std::exp(-1.0 / j.attitude_days)));
}

TEST(Fade, TheBrandInUseStaysKnown) {
    Room room;
    const auto x = room.context();
    Customer c = room.customer();
    c.flags = Flag::active;
    c.brand = 1;
    fade(x, c);
    EXPECT_FLOAT_EQ(c.knowledge[1], 2.0f * float(room.s.journey.awareness_threshold));
    EXPECT_FLOAT_EQ(c.memory(0), 0.0f);
}

TEST(Consolidate, RecallLaysDownKnowledgeAtGainOverKnowledgeDays) {
    Room room;
    room.s.journey.knowledge_gain = 1.5;
    room.s.journey.knowledge_days = 500;
    const auto x = room.context();
    Customer c = room.customer();
    c.recall[0] = 2.0f;
    c.knowledge[0] = 0.5f;
    consolidate(x, c);
    EXPECT_FLOAT_EQ(c.knowledge[0], 0.5f + float(1.5 / 500) * 2.0f);
    EXPECT_FLOAT_EQ(c.recall[0], 2.0f) << "recall is not used up";
    EXPECT_FLOAT_EQ(c.knowledge[1], 0.0f);
}

TEST(Consolidate, OneExposuresLastingTraceIsGainTimesItsRecall) {
    // Summed over their lives, an exposure's knowledge is knowledge_gain times its recall: the
    // long-run effect on memory is (1 + gain) times the short-run one (2 by default, the ratio of
    // long- to short-run elasticities in Sethuraman, Tellis & Briesch 2011). Day by day, with
    // fade and consolidate in the step's order, over 40 years. In steps of a day the sums are
    // geometric series: recall sums to 1 / (1 - e^-1/m) and knowledge gains g/k e^-1/m of each
    // day's recall, kept 1 / (1 - e^-1/k) days, so their ratio is g e^-1/m (1/k) / (1 - e^-1/k):
    // the continuous g, less the first day's fade (3 % at m = 30).
    Room room;
    const auto& j = room.s.journey;
    const auto x = room.context();
    Customer c = room.customer();
    c.recall[0] = 1.0f;
    double recall_days = 0, knowledge_days = 0;
    for (int day = 0; day < 40 * 365; ++day) {
        recall_days += c.recall[0];
        knowledge_days += c.knowledge[0];
        if (day == 180) {
            EXPECT_LT(c.recall[0], c.knowledge[0]) << "after half a year, knowledge is most left";
        }
        fade(x, c);
        consolidate(x, c);
    }
    const double discrete = j.knowledge_gain * std::exp(-1 / j.memory_days) / j.knowledge_days /
                            -std::expm1(-1 / j.knowledge_days);
    EXPECT_NEAR(knowledge_days / recall_days, discrete, 1e-3 * discrete);
    EXPECT_NEAR(discrete, j.knowledge_gain, 0.04 * j.knowledge_gain);
    EXPECT_LT(c.knowledge[0], 1e-6f) << "forgotten in the end";
}

TEST(Expose, EachExposureAddsTrustToMemoryAndPersuasionToAttitude) {
    // Memory per exposure: the market's memory per touch (0.25) x the channel's trust (0.4).
    Room room;
    const auto x = room.context();
    Customer c = room.customer();
    Draws draws(x.key, x.step, Process(17), c.id);
    touch_by(x, c, room.tally, draws, 0, 0, 12);
    EXPECT_FLOAT_EQ(c.recall[0], float(12 * 0.25 * 0.4));
    EXPECT_FLOAT_EQ(c.attitude[0], float(12 * 0.05));
    EXPECT_EQ(room.tally.exposures[0], 12);
    EXPECT_EQ(c.touch, 0) << "the last touch is the channel";
    EXPECT_EQ(c.source, 0) << "1.2 is above the threshold: found through the channel";
}

TEST(Expose, ExposuresArePoissonWithTheClassRate) {
    // One exposure a day per customer on average: the share exposed at least once is 1 - e^-1.
    Room room(20000);
    const std::size_t P = room.model->planned.size();
    for (auto& rate : room.model->class_rate) {
        rate = 0;
    }
    for (std::size_t k = 0; k < reach_classes; ++k) {
        room.model->class_rate[k * P + 0] = 1.0; // the focal brand's tv, every reach class
    }
    const auto x = room.context();
    int exposed = 0;
    for (std::uint32_t i = 0; i < 20000; ++i) {
        Customer c = room.customer(i);
        expose(x, c, room.tally);
        exposed += c.recall[0] > 0;
    }
    test::expect_share(exposed, 1 - std::exp(-1.0), 20000, "exposed");
    EXPECT_DOUBLE_EQ(room.tally.reach_count[0], 20000) << "every prospect counted with attention 1";
}

TEST(Hear, AMessageAddsMemoryPerTouchTimesPeerTrustAndMovesAttitudeByPersuasion) {
    Room room;
    auto x = room.context();
    x.mean_field_beta = {};
    x.mean_field_beta[1] = 50; // focal brand, negative: heard for sure within a day
    Customer c = room.customer();
    hear(x, c, room.tally);
    const auto& wom = room.s.word_of_mouth;
    const Market& market = room.model->market[0];
    EXPECT_FLOAT_EQ(c.recall[0], float(market.memory_per_touch * market.trust_peers));
    EXPECT_FLOAT_EQ(c.attitude[0], float(-wom.persuasion * wom.negativity));
    EXPECT_EQ(room.tally.wom_negative, 1);
    EXPECT_EQ(c.touch, touch_none) << "a negative message is not a touch";
}

TEST(Decide, AShopperChoosesByLogitAgainstNotBuying) {
    // One acceptable brand with utility v, prompted: it is bought with probability e^v/(1+e^v).
    Room room(40000);
    const auto x = room.context();
    const double v = room.model->quality_utility[0] + room.s.journey.reputation_weight * 0.0;
    room.model->reputation.fill(0);
    int bought = 0;
    for (std::uint32_t i = 0; i < 40000; ++i) {
        Customer c = room.customer(i);
        c.flags = Flag::in_market;
        c.recall[0] = 1.5f;
        c.prompted[0] = true;
        decide(x, c, room.tally);
        bought += c.active_with(0);
    }
    test::expect_share(bought, std::exp(v) / (1 + std::exp(v)), 40000, "bought");
    EXPECT_EQ(room.tally.purchases[0], bought);
}

TEST(Decide, ChurnFollowsTheHazard) {
    // Satisfied (8), neutral attitude, no complaint: leaves with probability 1 - e^-(churn dt).
    Room room(100000);
    room.model->segment[0].churn_rate = 0.01;
    room.model->segment[0].repurchase_rate = 0;
    const int left = room.decide_everyone(8);
    test::expect_share(left, -std::expm1(-0.01), 100000, "left");
    EXPECT_EQ(room.tally.churned[1], left);
}

TEST(Purchase, AFirstFocalPurchaseMakesACustomerAndBooksRevenue) {
    Room room;
    const auto x = room.context();
    Customer c = room.customer(5);
    c.source = touch_word_of_mouth;
    room.model->served.fill(1);
    room.s.brands[0].problem_rate = 0;
    DecideDraws d(x, c);
    ASSERT_TRUE(attempt(x, c, room.tally, d, 0));
    EXPECT_TRUE(c.active_with(0));
    EXPECT_TRUE(c.has(Flag::ever_focal));
    EXPECT_FLOAT_EQ(room.columns.adopted_day[5], float(x.now));
    EXPECT_FLOAT_EQ(room.columns.revenue[5], float(room.s.brands[0].price));
    EXPECT_EQ(room.tally.new_by_wom, 1);
    EXPECT_FLOAT_EQ(c.knowledge[0], 2 * x.threshold) << "a customer knows the brand";
    EXPECT_EQ(c.satisfaction, room.columns.experience[5]);
    EXPECT_NEAR(c.satisfaction, room.model->experience[0], 1.5) << "experience +-1.5";
}

TEST(Serve, RecoveryRestoresTheTroubleFreeExperienceNoHigher) {
    Room room;
    room.s.brands[0].service.quality = 1;
    const auto x = room.context();
    Customer c = room.customer(2);
    c.flags = Flag::active | Flag::complaint;
    c.brand = 0;
    c.satisfaction = 4;
    room.columns.experience[2] = 8.5f;
    serve(x, c, room.tally);
    EXPECT_FLOAT_EQ(c.satisfaction, 8.5f);
    EXPECT_FALSE(c.has(Flag::complaint));
    EXPECT_EQ(room.tally.resolved[0], 1);
}

TEST(Serve, AFailedComplaintLeavesSatisfactionAtThreeAtMost) {
    Room room;
    room.s.brands[0].service.quality = 0;
    const auto x = room.context();
    Customer c = room.customer(2);
    c.flags = Flag::active | Flag::complaint;
    c.brand = 0;
    c.satisfaction = 6;
    serve(x, c, room.tally);
    EXPECT_FLOAT_EQ(c.satisfaction, 3.0f);
    EXPECT_TRUE(c.has(Flag::unresolved));
    EXPECT_EQ(room.tally.unresolved[0], 1);
}

TEST(Settle, SatisfactionDriftsToTheExperience) {
    Room room;
    const auto x = room.context();
    Customer c = room.customer(1);
    c.flags = Flag::active;
    c.brand = 0;
    c.satisfaction = 5;
    room.columns.experience[1] = 9;
    settle(x, c);
    EXPECT_FLOAT_EQ(c.satisfaction, float(5 + 4 * -std::expm1(-1.0 / 60)));
}

TEST(Speak, APromoterTalksAtTheSegmentsRateInItsBrandsLane) {
    Room room;
    const auto x = room.context();
    Customer c = room.customer(3);
    c.flags = Flag::active;
    c.brand = 1;
    c.satisfaction = 9.5f;
    speak(x, c, room.tally);
    EXPECT_EQ(room.next_lanes[3], std::uint64_t(4096) << 32) << "level 4096 in lane 2 x 1 + 0";
    c.satisfaction = 5; // a detractor: the negative lane
    speak(x, c, room.tally);
    EXPECT_EQ(room.next_lanes[3], std::uint64_t(4096) << 48);
}

TEST(Classify, StagesFollowTheFocalBrand) {
    Room room;
    const auto x = room.context();
    Customer c = room.customer();
    EXPECT_EQ(stage_of(x, c), Stage::unaware);
    c.knowledge[0] = 1;
    EXPECT_EQ(stage_of(x, c), Stage::aware);
    c.flags = Flag::in_market;
    EXPECT_EQ(stage_of(x, c), Stage::considering);
    c.flags = Flag::active | Flag::ever_focal;
    c.brand = 0;
    EXPECT_EQ(stage_of(x, c), Stage::customer);
    c.brand = 1;
    EXPECT_EQ(stage_of(x, c), Stage::lapsed);
    classify(x, c, room.tally);
    EXPECT_EQ(room.tally.customers[1], 1);
    EXPECT_EQ(room.tally.aware[0], 1);
}

} // namespace

TEST(Purchase, ASilentProblemScarsTheExperienceAComplaintDoesNot) {
    // TARP's silent dissatisfied: a problem nobody complains about leaves the brand's experience
    // lower by silent_scar for good; a complaint leaves it to the call centre.
    Room room;
    room.s.journey.problem_drop = 4;
    room.s.journey.silent_scar = 2;
    for (double share : {0.0, 1.0}) {
        room.s.journey.complaint_share = share;
        const auto x = room.context();
        Customer c = room.customer(4);
        c.flags = Flag::active;
        c.brand = 0;
        room.columns.experience[4] = 8.5f;
        DecideDraws d(x, c);
        problem(x, c, room.tally, d, 0);
        EXPECT_FLOAT_EQ(c.satisfaction, 4.5f) << "complaint share " << share;
        EXPECT_EQ(c.has(Flag::complaint), share == 1.0);
        EXPECT_FLOAT_EQ(room.columns.experience[4], share == 1.0 ? 8.5f : 6.5f);
        settle(x, c);
        EXPECT_LT(c.satisfaction, room.columns.experience[4]);
    }
}

TEST(Serve, TrainingHalvesTheFailedResolutionsAtMost) {
    // Resolution chance quality + training (1 - quality) / 2, counted over 40 000 complaints.
    const std::uint32_t n = 40000;
    for (double training : {0.0, 0.5, 1.0}) {
        Room room(n);
        room.s.brands[0].service.quality = 0.6;
        room.s.brands[0].service.training = training;
        room.model->handle.fill(1);
        const auto x = room.context();
        for (std::uint32_t i = 0; i < n; ++i) {
            Customer c = room.customer(i);
            c.flags = Flag::active | Flag::complaint;
            c.brand = 0;
            room.columns.experience[i] = 8;
            serve(x, c, room.tally);
        }
        test::expect_share(double(room.tally.resolved[0]), 0.6 + 0.5 * training * 0.4, n,
                           "training " + std::to_string(training));
        EXPECT_EQ(room.tally.resolved[0] + room.tally.unresolved[0], n);
    }
}

TEST(Serve, RecoveryBonusLiftsSatisfactionAboveTheExperience) {
    Room room;
    room.s.brands[0].service.quality = 1;
    room.s.journey.recovery_bonus = 0.75;
    const auto x = room.context();
    Customer c = room.customer(2);
    c.flags = Flag::active | Flag::complaint;
    c.brand = 0;
    c.satisfaction = 4;
    room.columns.experience[2] = 8.5f;
    serve(x, c, room.tally);
    EXPECT_FLOAT_EQ(c.satisfaction, 9.25f);
}

TEST(Speak, DetractorsTalkAtDetractorTalkTimesAPromotersRate) {
    Room room;
    room.s.word_of_mouth.detractor_talk = 0.5;
    const auto x = room.context();
    Customer c = room.customer(3);
    c.flags = Flag::active;
    c.brand = 1;
    c.satisfaction = 5;
    speak(x, c, room.tally);
    EXPECT_EQ(room.next_lanes[3], std::uint64_t(2048) << 48) << "half of 4096, negative lane";
}

TEST(Decide, SatisfactionAndAttitudeScaleTheRepurchaseRate) {
    // Repurchase hazard rate x e^(0.1 (s - 8) + 0.1 a): at satisfaction 10 and attitude 2 the
    // chance a day is 1 - exp(-rate e^0.4), counted over 100 000 customers.
    const std::uint32_t n = 100000;
    for (auto [satisfaction, attitude] : {std::pair{8.0f, 0.0f}, {10.0f, 2.0f}, {5.0f, 0.0f}}) {
        Room room(n);
        room.model->segment[0].churn_rate = 0;
        room.model->segment[0].repurchase_rate = 0.05;
        room.model->served.fill(1);
        room.s.brands[1].problem_rate = 0;
        room.decide_everyone(satisfaction, attitude);
        const double rate = 0.05 * std::exp(0.1 * (satisfaction - 8) + 0.1 * attitude);
        test::expect_share(double(room.tally.purchases[1]), -std::expm1(-rate), n,
                           "satisfaction " + std::to_string(satisfaction) + ", attitude " +
                               std::to_string(attitude));
    }
}

TEST(Decide, ChurnScalesWithTheCustomersPropensityAndTheProgramme) {
    // Hazard churn_rate x propensity x (1 - churn_cut for members of the programme).
    const std::uint32_t n = 100000;
    for (auto [propensity, members] : {std::pair{3.0f, 0.0}, {3.0f, 1.0}, {0.5f, 1.0}}) {
        Room room(n);
        room.model->segment[0].churn_rate = 0.01;
        room.model->segment[0].repurchase_rate = 0;
        room.s.brands[1].retention.members = members;
        room.s.brands[1].retention.churn_cut = 0.4;
        room.columns.propensity.assign(n, propensity);
        const int left = room.decide_everyone(8);
        const double rate = 0.01 * propensity * (1 - 0.4 * members);
        test::expect_share(left, -std::expm1(-rate), n,
                           std::to_string(propensity) + ", members " + std::to_string(members));
        EXPECT_EQ(room.tally.members[1], std::int64_t(members * n));
    }
}
