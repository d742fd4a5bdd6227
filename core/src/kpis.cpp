#include "custsim/kpis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace custsim {

namespace {

constexpr bool headline = true, detail = false; // shown first in its group, or after

constexpr Kpi scalar(const char* name, double (*value)(const Kpis&), KpiKind kind, KpiModel model,
                     KpiGroup group, bool first, const char* unit, const char* format,
                     const char* label, const char* description) {
    return {name,  name, kind,   KpiPer::scalar, model,       group,
            first, unit, format, label,          description, value};
}

// A scalar KPI read from the Kpis member of the same name.
#define CUSTSIM_SCALAR(member, kind, model, group, first, ...)                                     \
    scalar(                                                                                        \
        #member, [](const Kpis& k) { return double(k.member); }, KpiKind::kind, KpiModel::model,   \
        KpiGroup::group, first, __VA_ARGS__)

constexpr Kpi cube(const char* name, const std::vector<double> Kpis::*member, const char* key,
                   KpiKind kind, KpiPer per, KpiGroup group, const char* unit, const char* label,
                   const char* description, const char* format = "%.0f") {
    return {name, key,    kind,  per,         KpiModel::journey, group, detail,
            unit, format, label, description, nullptr,           member};
}

constexpr Kpi ratio(const char* name, KpiGroup group, bool first, const char* unit,
                    const char* format, const char* label, const char* description,
                    double (*value)(const Kpis&, const Scenario&)) {
    return {name, name,   KpiKind::ratio, KpiPer::scalar, KpiModel::journey, group,   first,
            unit, format, label,          description,    nullptr,           nullptr, value};
}

/// `kpi`, moved only by policies of these kinds.
constexpr Kpi of_policies(Kpi kpi, std::initializer_list<PolicyKind> kinds) {
    for (const PolicyKind kind : kinds) {
        kpi.policies = std::uint8_t(kpi.policies | policy_bit(kind));
    }
    return kpi;
}

// The order is the summary's reading order: the funnel, the experience, the money, the ratios.
// The group (customers, money, service, word of mouth, data) and `headline` order them for
// compare: by group, headline KPIs first.
const Kpi registry[] = {
    CUSTSIM_SCALAR(aware, stock, both, customers, detail, "customers", "%.0f", "aware",
                   "customers who know the focal brand"),
    CUSTSIM_SCALAR(considering, stock, journey, customers, detail, "customers", "%.0f",
                   "considering", "in the market and aware of the focal brand"),
    CUSTSIM_SCALAR(customers, stock, both, customers, headline, "customers", "%.0f", "customers",
                   "current customers of the focal brand"),
    CUSTSIM_SCALAR(adopted, flow, both, customers, detail, "customers", "%.0f", "adopted",
                   "customers who ever bought the focal brand, day-0 customers included"),
    CUSTSIM_SCALAR(adopted_by_ads, flow, both, customers, detail, "customers", "%.0f",
                   "adopted by ads",
                   "first purchases not found through word of mouth (instant funnel: attributed "
                   "by the deciding draw; journey: a channel or known before day 0)"),
    CUSTSIM_SCALAR(adopted_by_wom, flow, both, customers, detail, "customers", "%.0f",
                   "adopted by word of mouth",
                   "first purchases of customers who heard of the brand from peers"),
    CUSTSIM_SCALAR(market_share, stock, journey, customers, headline, "share", "%.3f",
                   "market share", "focal share of all brands' current customers (0..1)"),
    CUSTSIM_SCALAR(churned, flow, journey, customers, headline, "customers", "%.0f", "churned",
                   "customers who left the focal brand (each time they left)"),
    CUSTSIM_SCALAR(known, stock, journey, data, headline, "customers", "%.0f", "known",
                   "customers in the focal brand's data pool"),
    CUSTSIM_SCALAR(consented, stock, journey, data, headline, "customers", "%.0f", "consented",
                   "known customers who agreed to the use of their data"),
    CUSTSIM_SCALAR(contacts_without_consent, flow, journey, data, detail, "exposures", "%.0f",
                   "contacts without consent",
                   "focal data-channel exposures of customers who did not consent (assumed)"),
    CUSTSIM_SCALAR(objections, flow, journey, data, headline, "customers", "%.0f", "objections",
                   "customers contacted without consent who objected and left the data pool"),
    CUSTSIM_SCALAR(reviews, flow, journey, word_of_mouth, detail, "reviews", "%.0f", "reviews",
                   "online reviews of the focal brand written by its new customers"),
    CUSTSIM_SCALAR(rating, stock, journey, word_of_mouth, headline, "stars 1-5", "%.2f", "rating",
                   "the focal brand's mean stars, recent reviews weighing more (0: no review)"),
    CUSTSIM_SCALAR(five_star_reviews, flow, journey, word_of_mouth, detail, "reviews", "%.0f",
                   "5-star reviews", "focal reviews of 5 stars (satisfaction 8-10)"),
    CUSTSIM_SCALAR(one_star_reviews, flow, journey, word_of_mouth, detail, "reviews", "%.0f",
                   "1-star reviews", "focal reviews of 1 star (satisfaction below 2)"),
    CUSTSIM_SCALAR(nps, stock, journey, word_of_mouth, headline, "score", "%.1f", "NPS",
                   "net promoter score of current customers (-100..100)"),
    CUSTSIM_SCALAR(promoters, stock, journey, word_of_mouth, detail, "customers", "%.0f",
                   "promoters", "current customers with satisfaction 9-10"),
    CUSTSIM_SCALAR(detractors, stock, journey, word_of_mouth, detail, "customers", "%.0f",
                   "detractors", "current customers with satisfaction 0-6"),
    CUSTSIM_SCALAR(wom_positive, flow, journey, word_of_mouth, detail, "messages", "%.0f",
                   "positive word of mouth", "positive messages heard about the focal brand"),
    CUSTSIM_SCALAR(wom_negative, flow, journey, word_of_mouth, detail, "messages", "%.0f",
                   "negative word of mouth", "negative messages heard about the focal brand"),
    CUSTSIM_SCALAR(complaints_opened, flow, journey, service, headline, "complaints", "%.0f",
                   "complaints opened", "complaints customers opened with the focal brand"),
    CUSTSIM_SCALAR(complaints_resolved, flow, journey, service, detail, "complaints", "%.0f",
                   "complaints resolved", "complaints the service resolved"),
    CUSTSIM_SCALAR(complaints_unresolved, flow, journey, service, headline, "complaints", "%.0f",
                   "complaints unresolved", "complaints that failed or were given up on"),
    CUSTSIM_SCALAR(complaints_open, stock, journey, service, detail, "complaints", "%.0f",
                   "complaints open",
                   "the call centre's queue: complaints open with the focal brand in the step"),
    CUSTSIM_SCALAR(spill_visits, flow, journey, customers, detail, "visits", "%.0f",
                   "visits sent on",
                   "organic visits the focal brand's exposures sent on to another channel "
                   "(spills_into): with TV -> search, the search volume its TV creates"),
    of_policies(CUSTSIM_SCALAR(retarget_touches, flow, journey, customers, detail, "contacts",
                               "%.0f", "retargeting touches",
                               "policies: retargeting touches of prospects who showed intent and "
                               "did not buy (their cost is media spend on the policy's channel)"),
                {PolicyKind::retarget}),
    of_policies(CUSTSIM_SCALAR(win_back_offers, flow, journey, customers, detail, "contacts",
                               "%.0f", "win-back offers",
                               "policies: offers made to lapsed focal customers"),
                {PolicyKind::win_back}),
    of_policies(CUSTSIM_SCALAR(follow_ups, flow, journey, service, detail, "contacts", "%.0f",
                               "follow-ups",
                               "policies: follow-up contacts after a resolved complaint"),
                {PolicyKind::follow_up}),
    CUSTSIM_SCALAR(purchases, flow, journey, customers, headline, "purchases", "%.0f", "purchases",
                   "purchases of the focal brand, first and repeat"),
    CUSTSIM_SCALAR(lost_sales, flow, journey, service, headline, "orders", "%.0f", "lost sales",
                   "orders the site could not take"),
    CUSTSIM_SCALAR(revenue, flow, journey, money, headline, "money", "%.0f", "revenue",
                   "price x market price level per purchase"),
    CUSTSIM_SCALAR(margin, flow, journey, money, detail, "money", "%.0f", "margin",
                   "margin x revenue"),
    CUSTSIM_SCALAR(media_cost, flow, journey, money, detail, "money", "%.0f", "media cost",
                   "the focal brand's media spend"),
    CUSTSIM_SCALAR(service_cost, flow, journey, money, detail, "money", "%.0f", "service cost",
                   "agents x (cost per agent-day + training) + logistics + service level x "
                   "level cost x revenue"),
    CUSTSIM_SCALAR(retention_cost, flow, journey, money, detail, "money", "%.0f", "retention cost",
                   "retention programme: cost per member-day x members"),
    CUSTSIM_SCALAR(it_cost, flow, journey, money, detail, "money", "%.0f", "IT cost",
                   "IT cost per day"),
    CUSTSIM_SCALAR(data_cost, flow, journey, money, detail, "money", "%.0f", "data cost",
                   "personalisation platform + cost per known customer-day"),
    CUSTSIM_SCALAR(ambassador_cost, flow, journey, money, detail, "money", "%.0f",
                   "ambassador cost", "ambassador rewards"),
    CUSTSIM_SCALAR(regulatory_cost, flow, journey, money, detail, "money", "%.0f",
                   "regulatory cost",
                   "fines for contact without consent in strict-privacy markets"),
    CUSTSIM_SCALAR(entry_cost, flow, journey, money, detail, "money", "%.0f", "market entry cost",
                   "fixed costs of entering markets, each booked once on its entry day"),
    of_policies(CUSTSIM_SCALAR(trigger_cost, flow, journey, money, detail, "money", "%.0f",
                               "trigger cost",
                               "policies: cost of complaint follow-ups and win-back offers"),
                {PolicyKind::follow_up, PolicyKind::win_back}),
    CUSTSIM_SCALAR(profit, flow, journey, money, headline, "money", "%.0f", "profit",
                   "margin minus all costs"),
    ratio("roi", KpiGroup::money, headline, "ratio", "%.3f", "ROI", "profit / all costs",
          [](const Kpis& k, const Scenario& s) { return summarise_journey(k, s).roi; }),
    ratio("cac", KpiGroup::money, detail, "money per customer", "%.2f", "CAC",
          "media cost per customer acquired",
          [](const Kpis& k, const Scenario& s) { return summarise_journey(k, s).cac; }),
    ratio("annual_margin", KpiGroup::money, detail, "money per customer-year", "%.2f",
          "annual margin", "m: margin per customer-year served",
          [](const Kpis& k, const Scenario& s) { return summarise_journey(k, s).annual_margin; }),
    ratio("retention", KpiGroup::customers, headline, "share per year", "%.3f", "retention",
          "r = exp(-churned / customer-years): share of customers kept over a year",
          [](const Kpis& k, const Scenario& s) { return summarise_journey(k, s).retention; }),
    ratio("clv", KpiGroup::money, headline, "money per customer", "%.2f", "CLV",
          "m r / (1 + i - r), i the discount rate (Gupta & Lehmann 2003)",
          [](const Kpis& k, const Scenario& s) { return summarise_journey(k, s).clv; }),
    ratio("clv_total", KpiGroup::money, headline, "money", "%.0f", "CLV total",
          "customers x clv: the current customer base's lifetime value (customer equity)",
          [](const Kpis& k, const Scenario& s) { return summarise_journey(k, s).clv_total; }),
    cube("spend", &Kpis::channel_spend, "channel_spend", KpiKind::flow, KpiPer::channel,
         KpiGroup::money, "money", "spend", "the focal brand's media spend"),
    cube("exposures", &Kpis::channel_exposures, "channel_exposures", KpiKind::flow, KpiPer::channel,
         KpiGroup::customers, "exposures", "exposures", "exposures, organic spill visits included"),
    cube("last_touch_conversions", &Kpis::channel_conversions, "channel_conversions", KpiKind::flow,
         KpiPer::channel, KpiGroup::customers, "purchases", "last-touch sales",
         "purchases whose last touch was the channel"),
    cube("acquisitions", &Kpis::channel_acquisitions, "channel_acquisitions", KpiKind::flow,
         KpiPer::channel, KpiGroup::customers, "customers", "found by",
         "first purchases of customers who found the brand through the channel"),
    cube("aware", &Kpis::brand_aware, "brand_aware", KpiKind::stock, KpiPer::brand,
         KpiGroup::customers, "customers", "aware", "customers who know the brand"),
    cube("customers", &Kpis::brand_customers, "brand_customers", KpiKind::stock, KpiPer::brand,
         KpiGroup::customers, "customers", "customers", "current customers of the brand"),
    cube("share", &Kpis::brand_share, "brand_share", KpiKind::stock, KpiPer::brand,
         KpiGroup::customers, "share", "share",
         "the brand's share of all brands' current customers", "%.3f"),
    cube("satisfaction", &Kpis::brand_satisfaction, "brand_satisfaction", KpiKind::stock,
         KpiPer::brand, KpiGroup::word_of_mouth, "score 0-10", "satisfaction",
         "mean satisfaction of the brand's current customers", "%.2f"),
    cube("purchases", &Kpis::brand_purchases, "brand_purchases", KpiKind::flow, KpiPer::brand,
         KpiGroup::customers, "purchases", "purchases", "purchases of the brand, first and repeat"),
    cube("revenue", &Kpis::brand_revenue, "brand_revenue", KpiKind::flow, KpiPer::brand,
         KpiGroup::money, "money", "revenue", "the brand's revenue"),
    cube("churned", &Kpis::brand_churned, "brand_churned", KpiKind::flow, KpiPer::brand,
         KpiGroup::customers, "customers", "churned", "customers who left the brand"),
    cube("reviews", &Kpis::brand_reviews, "brand_reviews", KpiKind::flow, KpiPer::brand,
         KpiGroup::word_of_mouth, "reviews", "reviews",
         "online reviews written by the brand's new customers"),
    cube("rating", &Kpis::brand_rating, "brand_rating", KpiKind::stock, KpiPer::brand,
         KpiGroup::word_of_mouth, "stars 1-5", "rating",
         "mean stars, recent reviews weighing more (0: no review)", "%.2f"),
    cube("penetration", &Kpis::brand_penetration, "brand_penetration", KpiKind::stock,
         KpiPer::brand, KpiGroup::customers, "share", "penetration",
         "share of the population who bought the brand since day 0", "%.3f"),
    cube("purchase_frequency", &Kpis::brand_frequency, "brand_frequency", KpiKind::stock,
         KpiPer::brand, KpiGroup::customers, "purchases per buyer", "frequency",
         "purchases of the brand since day 0 per buyer of it", "%.2f"),
    cube("share_of_requirements", &Kpis::brand_requirements, "brand_requirements", KpiKind::stock,
         KpiPer::brand, KpiGroup::customers, "share", "SCR",
         "loyalty: the brand's share of its buyers' category purchases since day 0", "%.3f"),
    cube("sole_buyers", &Kpis::brand_sole, "brand_sole", KpiKind::stock, KpiPer::brand,
         KpiGroup::customers, "share", "sole buyers",
         "share of the brand's buyers who bought no other brand since day 0", "%.3f"),
    cube("duplication", &Kpis::brand_duplication, "brand_duplication", KpiKind::stock,
         KpiPer::brand, KpiGroup::customers, "share", "also bought",
         "share of the focal brand's buyers who also bought the brand since day 0", "%.3f"),
    cube("aware", &Kpis::market_aware, "market_aware", KpiKind::stock, KpiPer::market,
         KpiGroup::customers, "customers", "aware",
         "customers in the market who know the focal brand"),
    cube("customers", &Kpis::market_customers, "market_customers", KpiKind::stock, KpiPer::market,
         KpiGroup::customers, "customers", "customers", "current focal customers in the market"),
    cube("revenue", &Kpis::market_revenue, "market_revenue", KpiKind::flow, KpiPer::market,
         KpiGroup::money, "money", "revenue", "focal revenue in the market"),
    cube("spend", &Kpis::market_spend, "market_spend", KpiKind::flow, KpiPer::market,
         KpiGroup::money, "money", "spend",
         "the focal brand's media spend in the market (retargeting touches: per channel only)"),
};

#undef CUSTSIM_SCALAR

} // namespace

std::span<const Kpi> kpi_registry() {
    return registry;
}

const Kpi* find_kpi(std::string_view name, KpiPer per) {
    for (const Kpi& kpi : registry) {
        if (kpi.per == per && name == kpi.name) {
            return &kpi;
        }
    }
    return nullptr;
}

bool Kpi::moves_in(const Scenario& scenario) const {
    return policies == 0 ||
           std::any_of(scenario.policies.begin(), scenario.policies.end(),
                       [this](const Policy& p) { return (policies & policy_bit(p.kind)) != 0; });
}

std::string Kpi::path() const {
    const char* group = per == KpiPer::scalar ? (final_only() ? "/final/" : "/timeseries/")
                                              : (per == KpiPer::channel ? "/channels/"
                                                 : per == KpiPer::brand ? "/brands/"
                                                                        : "/markets/");
    std::string path = group;
    return path + name;
}

std::vector<std::string> kpi_items(const Scenario& scenario, KpiPer per) {
    std::vector<std::string> names;
    auto add = [&](const auto& items) {
        for (const auto& item : items) {
            names.push_back(item.name);
        }
    };
    switch (per) {
    case KpiPer::channel:
        add(scenario.channels);
        break;
    case KpiPer::brand:
        add(scenario.brands);
        break;
    case KpiPer::market:
        add(scenario.markets);
        if (names.empty()) {
            names.push_back(Market{}.name);
        }
        break;
    case KpiPer::scalar:
        break;
    }
    return names;
}

std::string format_kpi(const Kpi& kpi, double value) {
    char text[64];
    std::snprintf(text, sizeof text, kpi.format, value);
    return text;
}

int kpi_decimals(const Kpi& kpi) {
    const char* point = std::strchr(kpi.format, '.');
    return point ? std::atoi(point + 1) : 0;
}

std::string format_readable(double value, int decimals) {
    if (!std::isfinite(value)) {
        return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
    }
    char text[400];
    std::snprintf(text, sizeof text, "%.*f", std::clamp(decimals, 0, 12), value);
    std::string digits = text;
    const bool negative = digits.front() == '-';
    if (negative) {
        digits.erase(0, 1);
    }
    if (digits.find_first_not_of("0.") == std::string::npos) {
        return digits; // rounds to zero: no "-0"
    }
    const std::size_t point = std::min(digits.find('.'), digits.size());
    for (std::size_t at = point; at > 3; at -= 3) {
        digits.insert(at - 3, 1, ',');
    }
    return negative ? "-" + digits : digits;
}

std::vector<const Kpi*> kpis_by_group() {
    std::vector<const Kpi*> out;
    for (const Kpi& kpi : registry) {
        if (kpi.per == KpiPer::scalar) {
            out.push_back(&kpi);
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Kpi* a, const Kpi* b) {
        return a->group != b->group ? a->group < b->group : a->headline > b->headline;
    });
    return out;
}

const char* to_string(KpiKind kind) {
    switch (kind) {
    case KpiKind::stock:
        return "stock";
    case KpiKind::flow:
        return "flow";
    case KpiKind::ratio:
        return "ratio";
    }
    return "";
}

const char* to_string(KpiPer per) {
    switch (per) {
    case KpiPer::scalar:
        return "scalar";
    case KpiPer::channel:
        return "channel";
    case KpiPer::brand:
        return "brand";
    case KpiPer::market:
        return "market";
    }
    return "";
}

const char* to_string(KpiModel model) {
    switch (model) {
    case KpiModel::instant:
        return "instant";
    case KpiModel::journey:
        return "journey";
    case KpiModel::both:
        return "both";
    }
    return "";
}

const char* to_string(KpiGroup group) {
    switch (group) {
    case KpiGroup::customers:
        return "customers";
    case KpiGroup::money:
        return "money";
    case KpiGroup::service:
        return "service";
    case KpiGroup::word_of_mouth:
        return "word of mouth";
    case KpiGroup::data:
        return "data";
    }
    return "";
}

std::string kpi_markdown() {
    std::string out = "| results file | Python `Simulation.kpis` | kind | per | model | group | "
                      "unit | description |\n|---|---|---|---|---|---|---|---|\n";
    for (const Kpi& kpi : registry) {
        std::string key = kpi.key;
        key = kpi.final_only() ? "`ratios()[\"" + key + "\"]`" : "`" + key + "`";
        out += "| `";
        out += kpi.path() + "` | " + key + " | " + to_string(kpi.kind) + " | " +
               to_string(kpi.per) + " | " + to_string(kpi.model) + " | " + to_string(kpi.group) +
               (kpi.headline ? " (headline)" : "") + " | " + kpi.unit + " | " + kpi.description +
               " |\n";
    }
    return out;
}

} // namespace custsim
