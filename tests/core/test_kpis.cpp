// The KPI registry against the faces that read it: what run_scenario records, what it reads from
// Kpis, and the table in docs/kpis.md. The summary's side is in test_summary.cpp.
#include "custsim/kpis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

using namespace custsim;

namespace {

std::filesystem::path source() {
    return std::filesystem::path(CUSTSIM_SOURCE_DIR);
}

template <class Map> std::set<std::string> keys(const Map& map) {
    std::set<std::string> out;
    for (const auto& [name, value] : map) {
        out.insert(name);
    }
    return out;
}

/// The registered names a run of `model` records in group `per` (final: scalars and ratios).
std::set<std::string> registered(bool journey, KpiPer per, bool final) {
    std::set<std::string> out;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.in(journey) && kpi.per == per && (final || !kpi.final_only())) {
            out.insert(kpi.name);
        }
    }
    return out;
}

} // namespace

TEST(Kpis, EveryEntryIsCompleteAndUniqueInItsGroup) {
    std::set<std::pair<KpiPer, std::string>> names;
    std::set<std::string> python_keys;
    for (const Kpi& kpi : kpi_registry()) {
        SCOPED_TRACE(kpi.name);
        EXPECT_TRUE(names.insert({kpi.per, kpi.name}).second) << "twice in one group";
        EXPECT_TRUE(python_keys.insert(kpi.key).second) << "two KPIs share a Python key";
        EXPECT_GT(std::string(kpi.unit).size(), 0u);
        EXPECT_GT(std::string(kpi.label).size(), 0u);
        EXPECT_GT(std::string(kpi.description).size(), 0u);
        EXPECT_EQ(format_kpi(kpi, 2.5).find('%'), std::string::npos) << kpi.format;
        EXPECT_EQ(find_kpi(kpi.name, kpi.per), &kpi);
        // Exactly the accessor its kind and group call for.
        EXPECT_EQ(kpi.value != nullptr, kpi.per == KpiPer::scalar && !kpi.final_only());
        EXPECT_EQ(kpi.values != nullptr, kpi.per != KpiPer::scalar);
        EXPECT_EQ(kpi.ratio != nullptr, kpi.final_only());
        if (kpi.final_only()) {
            EXPECT_EQ(kpi.per, KpiPer::scalar);
        }
        EXPECT_TRUE(kpi.in(true) || kpi.in(false));
        // A flow is summed over days: a count or money, which the market the sample stands for
        // has more of (spill_visits once was not scaled).
        if (kpi.kind == KpiKind::flow) {
            EXPECT_TRUE(kpi.scales_with_population()) << kpi.unit;
        }
    }
    EXPECT_EQ(find_kpi("no_such_kpi"), nullptr);
    EXPECT_EQ(find_kpi("spend"), nullptr) << "spend is per channel";
    ASSERT_NE(find_kpi("spend", KpiPer::channel), nullptr);
    EXPECT_EQ(find_kpi("spend", KpiPer::channel)->path(), "/channels/spend");
    EXPECT_EQ(find_kpi("clv")->path(), "/final/clv");
    // clv_total is money the market has more of; clv is per customer.
    EXPECT_TRUE(find_kpi("clv_total")->scales_with_population());
    EXPECT_FALSE(find_kpi("clv")->scales_with_population());
    EXPECT_EQ(find_kpi("aware")->path(), "/timeseries/aware");
}

TEST(Kpis, EveryMemberOfKpisIsRegistered) {
    // A member added to Kpis changes its size: register it in kpis.cpp (then change this count
    // of unregistered members only if the new one is no KPI, like `day` and `customer_days`).
    const std::size_t unregistered_scalars = 2;
    std::size_t scalars = 0, cubes = 0;
    for (const Kpi& kpi : kpi_registry()) {
        scalars += kpi.value != nullptr;
        cubes += kpi.values != nullptr;
    }
    EXPECT_EQ(sizeof(Kpis), (scalars + unregistered_scalars) * sizeof(double) +
                                cubes * sizeof(std::vector<double>));
}

TEST(Kpis, AccessorsReadDistinctMembers) {
    Kpis k;
    double next = 1;
    // Every scalar member a different value, every vector a different length.
    for (double* member : {&k.considering,
                           &k.market_share,
                           &k.purchases,
                           &k.lost_sales,
                           &k.revenue,
                           &k.margin,
                           &k.media_cost,
                           &k.service_cost,
                           &k.retention_cost,
                           &k.it_cost,
                           &k.data_cost,
                           &k.ambassador_cost,
                           &k.profit,
                           &k.nps,
                           &k.promoters,
                           &k.detractors,
                           &k.wom_positive,
                           &k.wom_negative,
                           &k.complaints_opened,
                           &k.complaints_resolved,
                           &k.complaints_unresolved,
                           &k.complaints_open,
                           &k.churned,
                           &k.consented,
                           &k.known,
                           &k.contacts_without_consent,
                           &k.regulatory_cost,
                           &k.spill_visits,
                           &k.objections,
                           &k.reviews,
                           &k.rating,
                           &k.five_star_reviews,
                           &k.one_star_reviews,
                           &k.entry_cost,
                           &k.retarget_touches,
                           &k.follow_ups,
                           &k.win_back_offers,
                           &k.trigger_cost}) {
        *member = next++;
    }
    for (std::int64_t* member :
         {&k.adopted, &k.customers, &k.aware, &k.adopted_by_ads, &k.adopted_by_wom}) {
        *member = std::int64_t(next++);
    }
    std::size_t length = 1;
    for (auto* member : {&k.channel_spend,        &k.channel_exposures,  &k.channel_conversions,
                         &k.channel_acquisitions, &k.brand_aware,        &k.brand_customers,
                         &k.brand_share,          &k.brand_satisfaction, &k.brand_purchases,
                         &k.brand_revenue,        &k.brand_churned,      &k.brand_penetration,
                         &k.brand_frequency,      &k.brand_requirements, &k.brand_sole,
                         &k.brand_duplication,    &k.brand_reviews,      &k.brand_rating,
                         &k.market_aware,         &k.market_customers,   &k.market_revenue,
                         &k.market_spend}) {
        member->assign(length++, 0.0);
    }
    std::set<double> seen;
    std::set<std::size_t> lengths;
    for (const Kpi& kpi : kpi_registry()) {
        if (kpi.value) {
            EXPECT_TRUE(seen.insert(kpi.value(k)).second) << kpi.name << " reads a taken member";
        } else if (kpi.values) {
            EXPECT_TRUE(lengths.insert((k.*kpi.values).size()).second) << kpi.name;
        }
    }
    EXPECT_EQ(seen.size(), 43u);
    EXPECT_EQ(lengths.size(), 22u);
}

TEST(Kpis, RunScenarioRecordsExactlyTheRegisteredKpis) {
    for (const char* file : {"bass.yaml", "two_markets.yaml"}) {
        SCOPED_TRACE(file);
        const Scenario s = load_scenario(source() / "scenarios" / file,
                                         {"population.customers=3000", "days=10", "replicates=1"});
        const bool journey = !s.instant();
        const Results r = run_scenario(s, 1);
        EXPECT_EQ(keys(r.timeseries), registered(journey, KpiPer::scalar, false));
        EXPECT_EQ(keys(r.final), registered(journey, KpiPer::scalar, true));
        EXPECT_EQ(keys(r.channels), registered(journey, KpiPer::channel, false));
        EXPECT_EQ(keys(r.brands), registered(journey, KpiPer::brand, false));
        EXPECT_EQ(keys(r.markets), registered(journey, KpiPer::market, false));
        EXPECT_EQ(journey, !r.markets.empty());

        // The values are the accessors' on a simulation stepped alike.
        Simulation sim(s, build_graph(s), 0, 1);
        for (std::uint64_t step = 0; step < s.steps(); ++step) {
            sim.step();
        }
        const std::size_t last = r.points() - 1;
        for (const Kpi& kpi : kpi_registry()) {
            if (!kpi.in(journey)) {
                continue;
            }
            SCOPED_TRACE(kpi.name);
            if (kpi.value) {
                EXPECT_EQ(r.at(kpi.name, 0, last), kpi.value(sim.kpis()));
                EXPECT_EQ(r.final.at(kpi.name)[0], kpi.value(sim.kpis()));
            } else if (kpi.ratio) {
                EXPECT_EQ(r.final.at(kpi.name)[0], kpi.ratio(sim.kpis(), s));
            } else {
                const auto& values = sim.kpis().*kpi.values;
                const auto& group = kpi.per == KpiPer::channel ? r.channels
                                    : kpi.per == KpiPer::brand ? r.brands
                                                               : r.markets;
                const auto& cube = group.at(kpi.name);
                ASSERT_EQ(cube.size(), r.points() * values.size());
                for (std::size_t i = 0; i < values.size(); ++i) {
                    EXPECT_EQ(cube[last * values.size() + i], values[i]);
                }
            }
        }
    }
}

TEST(Kpis, PolicyKpisNameTheirPoliciesAndStayZeroWithoutThem) {
    // The registry says which KPIs only policies move (the explorer plots them only then): those
    // its descriptions say are policies'.
    for (const Kpi& kpi : kpi_registry()) {
        EXPECT_EQ(kpi.policies != 0, std::string_view(kpi.description).starts_with("policies:"))
            << kpi.name;
    }
    const auto bits = [](const char* name) { return find_kpi(name)->policies; };
    EXPECT_EQ(bits("retarget_touches"), policy_bit(PolicyKind::retarget));
    EXPECT_EQ(bits("follow_ups"), policy_bit(PolicyKind::follow_up));
    EXPECT_EQ(bits("win_back_offers"), policy_bit(PolicyKind::win_back));
    EXPECT_EQ(bits("trigger_cost"),
              policy_bit(PolicyKind::follow_up) | policy_bit(PolicyKind::win_back));

    // scenarios/self_optimising.yaml runs all three triggers: each KPI of theirs moves; without
    // the policies they stay 0.
    const char* triggered[] = {"retarget_touches", "follow_ups", "win_back_offers", "trigger_cost"};
    Scenario s = load_scenario(source() / "scenarios" / "self_optimising.yaml",
                               {"population.customers=3000", "days=90", "replicates=1"});
    const Results with = run_scenario(s, 1);
    const std::vector<Policy> policies = s.policies;
    s.policies.clear();
    const Results without = run_scenario(s, 1);
    for (const char* name : triggered) {
        EXPECT_GT(with.final.at(name)[0], 0) << name;
        EXPECT_FALSE(find_kpi(name)->moves_in(s)) << name;
        EXPECT_EQ(without.final.at(name)[0], 0.0) << name << ": no policy, nothing fired";
    }
    EXPECT_TRUE(find_kpi("profit")->moves_in(s)) << "a KPI of no policy moves in any scenario";
    for (const Policy& p : policies) {
        if (p.kind == PolicyKind::win_back) {
            s.policies = {p};
        }
    }
    ASSERT_EQ(s.policies.size(), 1u);
    EXPECT_TRUE(find_kpi("win_back_offers")->moves_in(s));
    EXPECT_TRUE(find_kpi("trigger_cost")->moves_in(s)) << "one of its two policies is enough";
    EXPECT_FALSE(find_kpi("follow_ups")->moves_in(s));
    EXPECT_FALSE(find_kpi("retarget_touches")->moves_in(s));
}

TEST(Kpis, DocsTableIsTheRegistrys) {
    std::ifstream file(source() / "docs" / "kpis.md");
    ASSERT_TRUE(file) << "docs/kpis.md";
    std::stringstream text;
    text << file.rdbuf();
    const std::string begin = "<!-- custsim kpis --markdown -->\n", end = "<!-- end -->";
    const std::string docs = text.str();
    const auto from = docs.find(begin);
    const auto to = docs.find(end, from);
    ASSERT_NE(from, std::string::npos);
    ASSERT_NE(to, std::string::npos);
    EXPECT_EQ(docs.substr(from + begin.size(), to - from - begin.size()), kpi_markdown())
        << "run `custsim kpis --markdown` and paste its output into docs/kpis.md";
    for (const Kpi& kpi : kpi_registry()) {
        std::string cell = "`";
        cell += kpi.path() + "`";
        EXPECT_NE(kpi_markdown().find(cell), std::string::npos) << kpi.name;
    }
}

TEST(Kpis, ReadableNumbersAreFixedPointWithThousandsSeparators) {
    EXPECT_EQ(format_readable(1234567.5, 2), "1,234,567.50");
    EXPECT_EQ(format_readable(-1234567.4, 0), "-1,234,567");
    EXPECT_EQ(format_readable(999.9, 0), "1,000");
    EXPECT_EQ(format_readable(123.0, 0), "123");
    EXPECT_EQ(format_readable(-0.0004, 3), "0.000") << "no -0";
    EXPECT_EQ(format_readable(1.5e15, 0), "1,500,000,000,000,000") << "never 1.5e+15";
    EXPECT_EQ(format_readable(0.0123, 3), "0.012");
    EXPECT_EQ(format_readable(std::nan(""), 2), "nan");
    EXPECT_EQ(kpi_decimals(*find_kpi("market_share")), 3);
    EXPECT_EQ(kpi_decimals(*find_kpi("customers")), 0);
}

TEST(Kpis, GroupsListEveryScalarOnceHeadlinesFirst) {
    const auto ordered = kpis_by_group();
    std::set<const Kpi*> seen(ordered.begin(), ordered.end());
    std::size_t scalars = 0;
    for (const Kpi& kpi : kpi_registry()) {
        scalars += kpi.per == KpiPer::scalar;
    }
    EXPECT_EQ(ordered.size(), scalars);
    EXPECT_EQ(seen.size(), scalars);
    for (std::size_t k = 1; k < ordered.size(); ++k) {
        const Kpi &before = *ordered[k - 1], &after = *ordered[k];
        ASSERT_LE(before.group, after.group) << before.name << " then " << after.name;
        if (before.group == after.group) {
            EXPECT_GE(before.headline, after.headline) << before.name << " then " << after.name;
        }
    }
    EXPECT_STREQ(ordered.front()->name, "customers");
    EXPECT_EQ(find_kpi("profit")->group, KpiGroup::money);
    EXPECT_TRUE(find_kpi("profit")->headline);
    EXPECT_EQ(find_kpi("complaints_unresolved")->group, KpiGroup::service);
    EXPECT_EQ(find_kpi("nps")->group, KpiGroup::word_of_mouth);
    EXPECT_EQ(find_kpi("consented")->group, KpiGroup::data);
    EXPECT_STREQ(to_string(KpiGroup::word_of_mouth), "word of mouth");
}
