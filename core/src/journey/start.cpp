// Day 0 of the journey model: the columns, each customer's market, segment, reach, media
// attention, initial awareness and installed base, then seeds and ambassadors, and a pass that
// changes nobody to fill the weights, voices and KPIs of day 0.
#include "custsim/simulation.hpp"

#include "journey/build.hpp"
#include "journey/context.hpp"
#include "journey/journey_model.hpp"
#include "journey/start.hpp"
#include "parallel.hpp"

#include <limits>

namespace custsim {

namespace {

/// A gamma-distributed number with mean 1 and shape k (variance 1/k), by Marsaglia & Tsang (2000),
/// with Gamma(k) = Gamma(k + 1) U^(1/k) below shape 1. Mixing exponential churn hazards over it
/// gives the Pareto II survival (1 + h t / k)^-k, the continuous-time twin of Fader & Hardie's
/// shifted-beta-geometric: the aggregate hazard falls with tenure.
double gamma_mean_one(double k, Draws& draws) {
    if (!std::isfinite(k)) {
        return 1;
    }
    const double a = k < 1 ? k + 1 : k;
    const double d = a - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    double g = d; // the mode, should 64 rejections in a row ever happen (chance < 1e-60)
    for (int tries = 0; tries < 64; ++tries) {
        const double normal =
            std::sqrt(-2 * std::log(draws.uniform())) * std::cos(2 * M_PI * draws.uniform());
        const double v = std::pow(1 + c * normal, 3);
        if (v > 0 &&
            std::log(draws.uniform()) < 0.5 * normal * normal + d - d * v + d * std::log(v)) {
            g = d * v;
            break;
        }
    }
    if (k < 1) {
        g *= std::pow(draws.uniform(), 1 / k);
    }
    return g / k;
}

/// Customer i joins the focal brand's data pool, and consents if u says so.
void become_known(Customers& c, const JourneyTables& x, std::uint32_t i, double u) {
    c.flags[i] = join_data_pool(c.flags[i], x, c.market[i], c.segment[i], u);
}

/// Customer i is a customer of brand b since day `since` (<= 0) at the start.
void make_customer(Customers& c, const JourneyTables& x, const Scenario& s, std::uint32_t i,
                   std::size_t b, double since, Draws& draws) {
    c.brand[i] = std::uint8_t(b);
    c.flags[i] |= Flag::active;
    c.experience[i] = first_experience(x, b, c.segment[i], draws.uniform());
    c.satisfaction[i] = c.experience[i];
    c.buzz[i] = std::isfinite(s.word_of_mouth.buzz_decay_days)
                    ? float(std::exp(std::min(since, 0.0) / s.word_of_mouth.buzz_decay_days))
                    : 1.0f;
    c.knowledge[std::size_t(i) * x.brands + b] = 2 * float(s.journey.awareness_threshold);
    const double u = draws.uniform();
    if (b == 0) {
        c.flags[i] |= Flag::ever_focal;
        c.adopted_day[i] = float(std::min(since, 0.0));
        if (u < s.journey.data_from_purchase) {
            become_known(c, x, i, draws.uniform());
        }
    }
}

/// Whether the focal brand is in market m at day 0 (markets[].entry.day: later, it has no
/// awareness, customers, seeds or ambassadors there yet).
bool focal_at_start(const JourneyTables& x, std::size_t m) {
    return x.market[m].entry.day <= 0;
}

/// Customer i's market, segment, reach, attention, initial awareness and installed brand.
void place_customer(Customers& c, const JourneyTables& x, const Scenario& s, std::uint32_t i,
                    Draws& draws) {
    const std::size_t M = x.markets, G = x.segments, B = x.brands;
    std::size_t m = 0;
    while (m + 1 < M && i >= x.market_start[m + 1]) {
        ++m;
    }
    c.market[i] = std::uint8_t(m);
    const double u = draws.uniform() * x.segment_cumulative[m * G + G - 1];
    std::size_t g = 0;
    while (g + 1 < G && u >= x.segment_cumulative[m * G + g]) {
        ++g;
    }
    c.segment[i] = std::uint8_t(g);
    std::uint16_t reachable = 0;
    for (std::size_t ch = 0; ch < x.channels; ++ch) {
        if (mix32(i * 16u + std::uint32_t(ch)) < x.reach_below[ch]) {
            reachable |= std::uint16_t(1u << ch);
        }
    }
    c.reachable[i] = reachable;
    // Media consumption is skewed (heavy and light viewers): lognormal, mean 1.
    const double spread = s.journey.attention_spread;
    if (spread > 0) {
        const double radius = std::sqrt(-2 * std::log(draws.uniform()));
        const double normal = radius * std::cos(2 * M_PI * draws.uniform());
        c.attention[i] = float(std::exp(spread * normal - 0.5 * spread * spread));
    }
    const float threshold = float(s.journey.awareness_threshold);
    // An established brand's knowledge was learned over years: spread above the threshold
    // (exponential, mean initial_spread thresholds), so that forgetting comes gradually, not to
    // everyone on one day (an assumption on the shape).
    for (std::size_t b = 0; b < B; ++b) {
        if (draws.uniform() < s.brands[b].initial_awareness) {
            const double above = -s.journey.initial_spread * std::log(1 - draws.uniform());
            if (b != 0 || focal_at_start(x, m)) {
                c.knowledge[std::size_t(i) * B + b] = float(threshold * (1 + above));
            }
        }
    }
    double installed = draws.uniform();
    for (std::size_t b = 0; b < B; ++b) {
        if (installed < s.brands[b].initial_share) {
            if (b != 0 || focal_at_start(x, m)) {
                make_customer(c, x, s, i, b, -365 * draws.uniform(), draws);
            }
            break;
        }
        installed -= s.brands[b].initial_share;
    }
}

} // namespace

void allocate_columns(Customers& c, std::uint32_t n, std::size_t brands) {
    c.stage.assign(n, static_cast<std::uint8_t>(Stage::unaware));
    c.adopted_day.assign(n, std::numeric_limits<float>::quiet_NaN());
    c.market.assign(n, 0);
    c.segment.assign(n, 0);
    c.brand.assign(n, no_brand);
    c.flags.assign(n, 0);
    c.last_touch.assign(n, touch_none);
    c.source.assign(n, touch_none);
    c.recall.assign(std::size_t(n) * brands, 0.0f);
    c.knowledge.assign(std::size_t(n) * brands, 0.0f);
    c.attitude.assign(std::size_t(n) * brands, 0.0f);
    c.satisfaction.assign(n, 0.0f);
    c.experience.assign(n, 0.0f);
    c.propensity.assign(n, 1.0f);
    c.buzz.assign(n, 0.0f);
    c.reachable.assign(n, 0);
    c.attention.assign(n, 1.0f);
    c.revenue.assign(n, 0.0f);
    c.bought.assign(n, 0);
    c.occasions.assign(n, 0.0f);
}

void allocate_trigger_columns(Customers& c, std::uint32_t n, const Triggers& triggers) {
    c.intent_step.assign(triggers.retarget ? n : 0, 0);
    c.retarget_touches.assign(triggers.retarget ? n : 0, 0);
    c.resolved_step.assign(triggers.follow_up ? n : 0, 0);
    c.lapsed_step.assign(triggers.win_back ? n : 0, 0);
}

JourneyModel::JourneyModel(const Scenario& scenario, std::shared_ptr<const SocialGraph> graph,
                           StreamKey key, int threads)
    : Model(scenario, std::move(graph), key, threads) {
    start();
}

std::unique_ptr<Model> make_journey_model(const Scenario& scenario,
                                          std::shared_ptr<const SocialGraph> graph, StreamKey key,
                                          int threads) {
    return std::make_unique<JourneyModel>(scenario, std::move(graph), key, threads);
}

std::vector<ColumnView> JourneyModel::columns() const {
    const Customers& c = state_;
    const std::size_t B = model_->brands;
    return {
        column_view("stage", c.stage, 1, "Stage for the focal brand"),
        column_view("adopted_day", c.adopted_day, 1,
                    "day of the first focal purchase; NaN if none"),
        column_view("market", c.market, 1, "market index"),
        column_view("segment", c.segment, 1, "segment index"),
        column_view("brand", c.brand, 1, "current or last brand; 255: none"),
        column_view("flags", c.flags, 1, "Flag bits"),
        column_view("last_touch", c.last_touch, 1, "focal brand's last channel; 254 word of mouth"),
        column_view("source", c.source, 1, "what made the customer aware of the focal brand"),
        column_view("recall", c.recall, B, "per brand: short-lived memory (ad recall)"),
        column_view("knowledge", c.knowledge, B, "per brand: lasting memory (brand knowledge)"),
        column_view("attitude", c.attitude, B, "per brand: -3..3"),
        column_view("satisfaction", c.satisfaction, 1, "0..10, would you recommend"),
        column_view("experience", c.experience, 1, "satisfaction a trouble-free purchase gives"),
        column_view("propensity", c.propensity, 1, "churn propensity: gamma, mean 1"),
        column_view("buzz", c.buzz, 1, "1 at a purchase or churn, fading"),
        column_view("reachable", c.reachable, 1, "bit c: channel c can reach the customer"),
        column_view("attention", c.attention, 1, "exposure multiplier: heavy and light users"),
        column_view("revenue", c.revenue, 1, "lifetime revenue"),
        column_view("appetite", c.appetite, 1, "category purchase rate: gamma, mean 1; or none"),
        column_view("bought", c.bought, 1, "bit b: bought brand b since day 0"),
        column_view("occasions", c.occasions, 1, "purchases of any brand since day 0"),
        column_view("intent_step", c.intent_step, 1, "retarget: step + 1 of the open intent"),
        column_view("retarget_touches", c.retarget_touches, 1, "retarget: touches this window"),
        column_view("resolved_step", c.resolved_step, 1, "follow_up: step + 1 of a resolution"),
        column_view("lapsed_step", c.lapsed_step, 1,
                    "win_back: step + 1 of the lapse; 65535 offered"),
        column_view("voice", c.voice, 1, "three brands or more: what neighbours hear", false),
        column_view("next_voice", next_voice_, 1, "step buffer: voices being written", false),
        column_view("lanes", lanes_, 1, "two brands or fewer: voices as 16-bit lanes", false),
        column_view("next_lanes", next_lanes_, 1, "step buffer: lanes being written", false),
    };
}

void JourneyModel::start() {
    const auto& s = scenario_;
    const std::uint32_t n = graph_->num_customers();
    model_ = build_journey_tables(s, n);
    const JourneyTables& x = *model_;
    const std::size_t B = x.brands, C = x.channels, M = x.markets;
    auto& c = state_;
    allocate_columns(c, n, B);
    allocate_trigger_columns(c, n, x.triggers);
    std::vector<std::size_t> focal_channels; // with flights: what a budget policy splits
    for (std::size_t ch = 0; ch < C; ++ch) {
        const auto& media = s.brands[0].media;
        if (std::any_of(media.begin(), media.end(),
                        [&](const Flight& f) { return f.channel == s.channels[ch].name; })) {
            focal_channels.push_back(ch);
        }
    }
    budget_ = BudgetPolicy(s, std::move(focal_channels));
    c.appetite.assign(std::isfinite(s.journey.appetite_shape) ? n : 0, 1.0f);
    // Neighbours read one representation of a voice: packed lanes for up to two brands.
    const bool lanes = B <= 2;
    c.voice.assign(lanes ? 0 : n, Voice{});
    next_voice_.assign(lanes ? 0 : n, Voice{});
    lanes_.assign(lanes ? n : 0, 0);
    next_lanes_.assign(lanes ? n : 0, 0);
    parallel_for(n, [&](std::int64_t v) {
        const auto i = static_cast<std::uint32_t>(v);
        Draws draws(key_, 0, Process::initial, i);
        place_customer(c, x, s, i, draws);
        Draws trait(key_, 0, Process::propensity, i);
        c.propensity[i] = float(gamma_mean_one(s.journey.churn_shape, trait));
        if (!c.appetite.empty()) {
            Draws rate(key_, 0, Process::appetite, i);
            c.appetite[i] = float(gamma_mean_one(s.journey.appetite_shape, rate));
        }
    });
    for (auto v : pick_seeds(scenario_.seed_customers(), scenario_.seeds.by, Process::seeding)) {
        if ((!(c.flags[v] & Flag::active) || c.brand[v] != 0) && focal_at_start(x, c.market[v])) {
            Draws draws(key_, 1, Process::initial, v);
            make_customer(c, x, s, v, 0, 0.0, draws);
        }
    }
    model_->ambassadors =
        pick_seeds(s.in_sample(s.ambassadors.count), s.ambassadors.by, Process::ambassadors);
    for (auto v : x.ambassadors) {
        if (!focal_at_start(x, c.market[v])) {
            continue;
        }
        if (!(c.flags[v] & Flag::active) || c.brand[v] != 0) {
            Draws draws(key_, 2, Process::initial, v);
            make_customer(c, x, s, v, 0, 0.0, draws);
        }
        c.flags[v] |= Flag::ambassador;
        c.satisfaction[v] = c.experience[v] = 10.0f;
    }
    const float threshold = float(s.journey.awareness_threshold);
    for (std::uint32_t i = 0; i < n; ++i) {
        if (c.flags[i] & Flag::ever_focal) {
            c.stage[i] = static_cast<std::uint8_t>(Stage::customer);
        } else if (c.recall[std::size_t(i) * B] + c.knowledge[std::size_t(i) * B] >= threshold) {
            c.stage[i] = static_cast<std::uint8_t>(Stage::aware);
        }
    }
    kpis_.channel_spend.assign(C, 0);
    kpis_.channel_exposures.assign(C, 0);
    kpis_.channel_conversions.assign(C, 0);
    kpis_.channel_acquisitions.assign(C, 0);
    for (auto* per_brand :
         {&kpis_.brand_aware, &kpis_.brand_customers, &kpis_.brand_share, &kpis_.brand_satisfaction,
          &kpis_.brand_purchases, &kpis_.brand_revenue, &kpis_.brand_churned,
          &kpis_.brand_penetration, &kpis_.brand_frequency, &kpis_.brand_requirements,
          &kpis_.brand_sole, &kpis_.brand_duplication, &kpis_.brand_reviews, &kpis_.brand_rating}) {
        per_brand->assign(B, 0);
    }
    kpis_.market_aware.assign(M, 0);
    kpis_.market_customers.assign(M, 0);
    kpis_.market_revenue.assign(M, 0);
    kpis_.market_spend.assign(M, 0);
    step_journey(true);
}

} // namespace custsim
