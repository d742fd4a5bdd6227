#pragma once
#include "custsim/social_graph.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace custsim {

inline constexpr double forever = std::numeric_limits<double>::infinity();

/// How word of mouth from a customer's ties adds up.
enum class WomPer {
    tie,      ///< hazard `rate` per talking neighbour (network Bass, Goldenberg et al. 2001)
    fraction, ///< hazard `rate` x fraction of neighbours talking (Bass on a graph)
};

/// How initial customers ("seeds") are picked.
enum class SeedRule { random, degree, pagerank, core_number };

/// Which customers a touchpoint works on (bit flags).
enum class Reaches : std::uint8_t {
    awareness = 1,     ///< customers not in the market and not customers: builds memory
    consideration = 2, ///< customers in the market: an exposure prompts a decision
    retention = 4,     ///< current customers: an exposure raises attitude, so lowers churn
};

/// A touchpoint. In the instant funnel (the Bass special case) only `adoption_rate` counts; in
/// the journey model spend buys impressions at `cpm`, spread over the reachable customers of a
/// market by segment affinity and data targeting.
struct Channel {
    Channel() = default;
    /// An always-on channel of the instant funnel.
    Channel(std::string channel_name, double rate)
        : name(std::move(channel_name)), adoption_rate(rate) {}

    std::string name;
    double adoption_rate = 0;  ///< instant funnel: hazard per day that a customer adopts through it
    double cpm = 10;           ///< cost of 1000 impressions where a market's cost_level is 1
    double reach = 1;          ///< share of a market's customers the channel can reach at all
    std::uint8_t works_on = 7; ///< Reaches flags
    /// Relative trust: the share of people who say they trust the source (Nielsen 2015: 42 %
    /// trust online banner ads). An exposure adds `memory_per_touch x trust x trust_ads` memory.
    double trust = 0.42;
    double persuasion = 0.02;   ///< attitude added by one exposure (assumption)
    bool needs_data = false;    ///< reaches only customers in the focal brand's data pool (e-mail)
    bool data_targeted = false; ///< targets with personal data; strict privacy blunts persuasion
    bool mobile = false;        ///< reaches only the mobile share of a segment
    double data_capture = 0;    ///< chance an exposure puts the customer into the data pool
    /// Chance an exposure of a shopper (in the market) prompts a purchase decision at once: a
    /// click or a visit. 1 (assumption): every touch is a decision occasion, as in a store.
    double prompt = 1;
    double repeat_prompt = 0;   ///< chance an exposure of a current customer prompts a repeat buy
    bool shows_reviews = false; ///< a decision it prompts reads the brand's reviews (search)
    std::string spills_into;    ///< a channel an exposure sends people to (TV -> search)
    double spill = 0;           ///< chance per exposure of that organic visit
    /// needs_data channels: chance an exposure makes a consenting focal customer withdraw consent
    /// (unsubscribe): Mailchimp's benchmarks, 0.25 % of e-mails delivered.
    double unsubscribe = 0.0025;
};

/// Peer influence.
struct WordOfMouth {
    double rate = 0; ///< q: hazard per day, per talking tie or times the talking fraction
    WomPer per = WomPer::tie;
    double buzz_decay_days = forever; ///< talk rate fades as exp(-days since purchase / this)
    double negativity = 2;            ///< weight of a negative message relative to a positive one
    double strong_tie = 3;            ///< transmissibility of a strong tie relative to a weak one
    double passive_talk = 0.2; ///< talk rate of passives (satisfaction 7-8) relative to promoters
    double detractor_talk = 1; ///< talk rate of detractors (satisfaction 0-6) relative to promoters
    /// Attitude moved by one positive message, in the unit of channels' `persuasion` (assumption:
    /// 12.5 times a TV exposure's 0.02; the literature finds peers more persuasive than ads).
    double persuasion = 0.25;
    /// Memory one message adds, relative to an exposure from an equally trusted ad (assumption: 1;
    /// Herr, Kardes & Kim 1991 find face-to-face word of mouth more vivid and accessible in memory
    /// than printed information, without a ratio).
    double memory = 1;
    /// Chance a positive message prompts the hearer: a shopper decides at once, a prospect who
    /// knows the brand comes into the market (assumption: 0, Bass's imitation left to memory).
    double prompt = 0;
};

/// Online reviews (off by default: then every decision sees `reputation`, its customers' mean
/// satisfaction now). Written by a self-selected few, extreme experiences more often (the
/// J-shaped distribution of Hu, Pavlou & Zhang 2009), read by some deciders.
struct Reviews {
    bool enabled = false;
    double write = 0.02; ///< chance a new customer writes a review (assumption: a few percent)
    double extreme = 3;  ///< times more likely for 1 or 5 stars (assumption; Hu et al. 2009)
    double recency_days = 365; ///< a review's weight fades as exp(-age / this) (assumption)
    double read = 0.5;         ///< chance a decision reads reviews (assumption)
    double weight = 1;         ///< utility per unit (stars - 3) / 2 at full volume (assumption)
    double volume_half = 20;   ///< market's reviews at which the rating counts half (assumption)
};

/// Initial customers at day 0, drawn per replicate.
struct Seeds {
    std::uint64_t count = 0; ///< absolute number; added to fraction x customers
    double fraction = 0;
    SeedRule by = SeedRule::random;
};

/// A country or region (MODEL.md section 3).
/// When the focal brand enters a market (`markets[].entry`). The defaults: present from day 0.
struct MarketEntry {
    double day = 0;        ///< before it the focal brand is absent: no spend, sales or customers
    double fixed_cost = 0; ///< booked once, at `day` (the market's money, like every cost)
    double ramp_days = 0;  ///< from `day`, distribution rises linearly from 0 to 1 over these days
};

struct Market {
    std::string name = "home";
    double share = 1;         ///< share of the population
    double price_level = 1;   ///< multiplies brand prices
    double cost_level = 1;    ///< multiplies channel CPMs
    double talkativeness = 1; ///< multiplies talk rates
    /// Memory one touch (exposure or message) from a source everyone trusts adds: the scale of
    /// memory against the awareness threshold (assumption); trusts set only the ratios.
    double memory_per_touch = 0.25;
    double trust_peers = 0.83; ///< relative trust in people one knows (Nielsen 2015: 83 %)
    double trust_ads = 1;      ///< multiplies channels' trust
    double consent_rate = 0.6; ///< chance a customer entering the data pool consents
    /// Data-targeted channels lose `privacy_loss` of their persuasion and of their purchase prompts
    bool strict_privacy = false;
    double privacy_loss = 0.65; ///< Goldfarb & Tucker 2011: display ads' effect on purchase intent
    std::vector<std::string> channels; ///< available channels; empty: all
    MarketEntry entry;                 ///< when the focal brand enters (default: present at day 0)
};

/// A persona (MODEL.md section 3). Maps keyed by channel or market name default to 1 / `share`.
struct Segment {
    std::string name = "everyone";
    double share = 1;                       ///< share of each market's customers
    std::map<std::string, double> share_in; ///< per-market shares overriding `share`
    std::map<std::string, double> affinity; ///< per-channel multiplier of exposure, default 1
    double need_rate = 1.0 / 60;       ///< hazard per day of entering the market (purchase cycle)
    double repurchase_rate = 1.0 / 45; ///< hazard per day a customer buys again
    double churn_rate = 1.0 / 730;     ///< baseline hazard per day a satisfied customer leaves
    double price_sensitivity = 1;     ///< utility lost per unit of price / (brands' mean price) - 1
    double talkativeness = 1;         ///< multiplies talk rates
    double privacy_sensitivity = 0.2; ///< 0..1: lowers consent, raises the cost of intrusion
    double service_expectation = 7;   ///< 0..10: satisfaction falls short by quality below it
    double mobile_share = 0.6;        ///< share reachable by mobile-only channels
};

/// A period of spend on one channel: the media plan is a list of flights.
struct Flight {
    std::string channel;
    std::string market; ///< empty: split over markets by population share
    double spend_per_day = 0;
    double from = 0;        ///< first day
    double until = forever; ///< day it stops
};

/// Service investment of a brand (MODEL.md section 4.6).
struct Service {
    double agents = 10;                  ///< call-centre agents
    double contacts_per_agent_day = 60;  ///< contacts one agent handles in a day
    double contacts_per_complaint = 1.5; ///< contacts a complaint takes on average
    double quality = 0.8;                ///< chance a handled complaint is resolved
    double training = 0; ///< 0..1 investment in agents: failed resolutions fall by up to half
    double training_cost_per_agent_day = 0; ///< cost of full training per agent-day
    double cost_per_agent_day = 250;
    double patience_days = 14; ///< mean wait before an open complaint is given up on
    double level = 0;          ///< 0..1: service every buyer gets (advice, delivery, returns, site)
    double level_cost = 0.05;  ///< share of the price a purchase costs to serve at level 1
    double logistics = 0;      ///< 0..1 investment: problems fall by up to half
    double logistics_cost_per_day = 0;
    double it_capacity = forever; ///< orders per day the shop and site can serve
    double it_cost_per_day = 0;
};

/// A brand's retention programme (loyalty scheme, account management) for its customers.
struct Retention {
    double members = 0;             ///< share of the brand's customers enrolled
    double churn_cut = 0.1;         ///< share of a member's churn hazard the programme removes
    double cost_per_member_day = 0; ///< cost per enrolled customer-day
};

/// A brand: the focal brand is the first; the others are competitors with scripted plans.
struct Brand {
    std::string name;
    double price = 50;
    double margin = 0.3;          ///< gross margin share of revenue
    double quality = 0.5;         ///< 0..1
    double problem_rate = 0.05;   ///< chance a purchase goes wrong
    double initial_share = 0;     ///< share of customers who are its customers at day 0
    double initial_awareness = 0; ///< share who know it at day 0
    double retarget_rate = 0;     ///< hazard per day on other brands' customers who left traces
    double retarget_cost_per_day = 0;
    /// A competitor's data-targeted impressions per prospect who showed interest in the focal
    /// brand (in the market, aware of it, touched by it, not its customer) against others:
    /// conquesting ads aimed at the traces the focal brand's prospects leave. 1: none.
    double conquest_weight = 1;
    /// A competitor's reaction to the focal brand's advertising: it adds `match_share` of the
    /// focal brand's spend on each channel `lag_days` earlier (Steenkamp et al. 2005: most
    /// attacks meet no reaction, so 0; the lag is an assumption).
    double match_share = 0;
    double lag_days = 30;
    /// A competitor's answer to a focal price cut: it cuts its own price by this share of the
    /// focal brand's relative cut `lag_days` earlier (0: no answer, Steenkamp et al. 2005).
    double price_answer = 0;
    std::vector<Flight> media;
    Service service;
    Retention retention;
};

/// How the focal brand uses customer data (MODEL.md section 6).
enum class PersonalisationLevel { none, segment, individual };
enum class ConsentStrategy { ask, assume };
/// What assumed consent does in a strict-privacy market: nothing (contact without consent is
/// blocked there) or contact anyway, at a regulatory risk.
enum class StrictContact { block, risk };
struct Personalisation {
    PersonalisationLevel level = PersonalisationLevel::none;
    ConsentStrategy consent = ConsentStrategy::ask;
    StrictContact strict_contact = StrictContact::block;
    double fine_chance =
        0.1; ///< per year of contact without consent in a strict market (assumption)
    double fine_share = 0.04; ///< a fine, as a share of a year's revenue (GDPR art. 83(5) maximum)
    double target_weight = 3; ///< impressions per personalised customer vs others
    double response_lift =
        0.2; ///< more effect per owned data exposure (Sahni et al. 2018: +20 % opens)
    /// More odds of buying the focal brand in a decision a personalised owned data exposure
    /// prompted, and more repeat prompts (Sahni et al. 2018: +31 % sales leads from e-mails)
    double conversion_lift = 0.31;
    double unsubscribe_cut = 0.17;   ///< fewer unsubscribes when personalised (Sahni et al.: -17 %)
    double intrusion_attitude = 0.1; ///< attitude lost per exposure without consent
    double intrusion_complaint = 0.01; ///< chance that exposure opens a complaint (x sensitivity)
    /// Chance a contact without consent makes the customer object (x sensitivity): the brand must
    /// then drop the customer's data (GDPR art. 21(3)). Assumption.
    double intrusion_objection = 0.05;
    double cost_per_known_per_day = 0.001;
    double platform_cost_per_day = 0;
};

/// The focal brand's ambassador programme.
struct Ambassadors {
    std::uint64_t count = 0;
    SeedRule by = SeedRule::degree;
    double talk = 3;           ///< talk rate relative to a promoter
    double reward_per_day = 0; ///< paid to each ambassador who is still a customer
};

/// Scripted events.
enum class EventKind { peak, defect, price };
struct Event {
    EventKind kind = EventKind::peak;
    std::string brand; ///< defect: which brand; empty: the focal brand
    double from = 0;
    double until = forever;    ///< day it ends; .inf: to the end of the run
    double demand = 1;         ///< peak: multiplies need and repurchase rates
    double problem_rate = 0;   ///< defect: chance a purchase goes wrong while it lasts
    double problem_hazard = 0; ///< defect: hazard per day that a current customer hits it
    double factor = 1;         ///< price: multiplies the brand's price (0.9: a 10 % cut)
};

/// The journey's own constants (MODEL.md section 4.3 and 4.5).
enum class Funnel {
    automatic, ///< instant without brands, journey with them
    instant,   ///< Bass: exposure and word of mouth lead straight to adoption
    journey,   ///< unaware -> aware -> considering -> customer -> lapsed
};
/// What a customer does at a repeat purchase occasion: buy the current brand again (a
/// subscription, a service), or choose again among the brands known and considered (repertoire
/// buying in a packaged-goods category, Ehrenberg 1988).
enum class RepeatChoice { stay, repertoire };

struct Journey {
    Funnel funnel = Funnel::automatic;
    RepeatChoice repeat_choice = RepeatChoice::stay;
    /// Repertoire: utility added to the brand bought last (state dependence; size an assumption
    /// of the order scanner-panel logits estimate: Seetharaman et al. 1999, Dube et al. 2010).
    double inertia = 1;
    double memory_days = 30;        ///< time constant of ad recall (short-lived memory)
    double knowledge_days = 730;    ///< time constant of brand knowledge (lasting memory)
    double knowledge_gain = 1;      ///< lasting memory an exposure leaves, per unit of recall
    double initial_spread = 1;      ///< mean of the initial knowledge above the threshold
    double attitude_days = 180;     ///< attitudes fade back to neutral this slowly
    double awareness_threshold = 1; ///< memory at which a customer knows a brand
    double attention_spread = 1;    ///< sigma of the lognormal exposure multiplier (0: equal)
    double need_attitude = 0.5;     ///< need rate grows as exp(this x best attitude)
    double need_window_days = 30;   ///< mean time in the market without buying
    double decide_rate = 0.2;       ///< hazard per day of a purchase decision when in market
    double purchase_intent = 0.5;   ///< utility of buying at all, against waiting (0)
    double quality_weight = 2;      ///< utility per unit quality above 0.5, doubled
    double attitude_weight = 1;     ///< utility per unit attitude
    double reputation_weight = 0.5; ///< utility per unit reputation
    double reject_attitude = -1;    ///< a known brand with attitude at or below is not considered
    double problem_drop = 4;        ///< satisfaction lost by a problem
    double complaint_share = 0.3;   ///< chance a problem becomes a complaint
    double silent_scar = 2;         ///< experience lost for good by a problem not complained of
    double recovery_bonus = 0;      ///< satisfaction above the experience after a recovery
    double satisfaction_days = 60;  ///< satisfaction returns to the experience this slowly
    double service_gain = 1.5;      ///< experience added by a service level of 1
    double satisfaction_repurchase = 0.1; ///< repurchase rate x e^(this x (satisfaction - 8))
    double attitude_repurchase = 0.1;     ///< repurchase rate x e^(this x attitude)
    double dissatisfied_churn = 0.5;      ///< churn grows by this per point of satisfaction below 8
    double unresolved_churn = 4;          ///< churn multiplier of an unresolved complaint
    double attitude_churn = 0.5;          ///< churn x e^(-this x attitude)
    double churn_shape = 0.7; ///< gamma shape of customers' churn propensity (.inf: all alike)
    /// Gamma shape of customers' category purchase rates (need and repurchase), mean 1: the NBD
    /// of purchase incidence (Ehrenberg 1959). .inf: all alike.
    double appetite_shape = std::numeric_limits<double>::infinity();
    double switch_share = 0.5;       ///< share of churners who go straight back to the market
    double data_from_purchase = 0.5; ///< chance a purchase puts the customer into the data pool
    double discount_rate = 0.1;      ///< per year, for CLV
};

/// A self-optimising rule of the focal brand's marketing (`policies:`, MODEL.md "Policies"). It
/// observes only what a firm sees (spend, exposures, last-touch sales, acquisitions by channel,
/// its own contacts), never the model's hidden state. One struct serves every kind; a key that
/// its kind does not use must keep its default (validate says which kinds use it).
enum class PolicyKind { reallocate, bandit, retarget, follow_up, win_back };
/// What a budget policy counts as a channel's result: first purchases of customers who found the
/// brand through it (`acquisitions`), or purchases whose last touch it was
/// (`last_touch_conversions`).
enum class PolicyMetric { cpa, cost_per_sale };
struct Policy {
    PolicyKind kind = PolicyKind::reallocate;
    // reallocate and bandit: the focal brand's channels with flights; the plan's total is kept.
    double every_days = 7; ///< days between decisions
    PolicyMetric metric = PolicyMetric::cpa;
    double move_share = 0.2;    ///< reallocate: share of the worst channel's budget moved
    double floor_share = 0.05;  ///< reallocate: no channel's share of the total falls below this
    double test_share = 0.1;    ///< bandit: share of the budget spread evenly to keep learning
    std::uint32_t draws = 1000; ///< bandit: posterior draws that estimate P(channel is best)
    // retarget, follow_up, win_back: contacts triggered per customer.
    std::string channel;                      ///< retarget: the channel of the touch
    std::vector<std::string> intent_channels; ///< retarget: exposures showing intent (search)
    double within_days = 7;                   ///< retarget: touches only this long after the intent
    double gap_days = 1;                      ///< retarget: days between touches
    std::uint32_t cap = 3;          ///< retarget: most touches per intent window (frequency cap)
    double after_days = 7;          ///< follow_up, win_back: days after the resolution or the lapse
    double cost = 0;                ///< per touch, follow-up or offer
    double satisfaction_gain = 0.5; ///< follow_up: satisfaction added (assumption)
    double attitude_gain = 0.2;     ///< follow_up, win_back: attitude added (assumption)
    double response = 0.1; ///< win_back: chance an offer brings the customer back to the market
};

/// A key whose value is not known, with the range it may take (uniform). compare, response and
/// levers repeat their runs at draws from these ranges (docs/uncertainty.md); a run alone
/// ignores them.
struct UncertainKey {
    std::string key; ///< a numeric scenario key, as --set names it
    double low = 0, high = 0;
};

/// Everything a run needs: one plain struct with defaults, validated once.
/// Rates are per day, durations in days.
struct Scenario {
    std::string name = "scenario";
    std::string description;
    std::uint64_t seed = 1;
    std::uint32_t replicates = 1;
    double days = 365;
    double dt = 1;
    double record_every = 1;
    /// The date of day 0 (ISO YYYY-MM-DD); empty: none. Observed data given by date need it.
    std::string start_date;
    std::uint32_t customers = 100000;
    /// People in the market the customers stand for; 0: the sample is the market. Money, media
    /// and capacities are the market's; the sample gets its share customers / represents.
    double represents = 0;
    GraphSpec graph;
    std::vector<Channel> channels;
    WordOfMouth word_of_mouth;
    Seeds seeds;
    Journey journey;
    std::vector<Market> markets;   ///< empty: one market with the defaults
    std::vector<Segment> segments; ///< empty: one segment with the defaults
    std::vector<Brand> brands;     ///< empty: the instant funnel's single brand
    Personalisation personalisation;
    Ambassadors ambassadors;
    Reviews reviews;
    std::vector<Event> events;
    std::vector<UncertainKey> uncertain; ///< empty: every key is taken as known
    std::vector<Policy> policies;        ///< empty: no self-optimising rule (the default)

    std::uint64_t steps() const;            ///< days / dt
    std::uint64_t steps_per_record() const; ///< record_every / dt
    std::uint64_t seed_customers() const;   ///< in_sample(count) + fraction x customers
    /// A number of people in the market, as customers of the sample (itself without represents).
    std::uint64_t in_sample(std::uint64_t people) const;
    bool instant() const; ///< runs the instant funnel (Bass special case)
};

/// Largest numbers of entities the step loop's fixed-size tallies hold.
inline constexpr std::size_t max_brands = 8, max_channels = 16, max_markets = 8, max_segments = 16;

/// Reads a scenario file (YAML), following `extends:` and applying `key.path=value` overrides.
/// Throws ScenarioError naming file, line, key and what is allowed.
Scenario load_scenario(const std::filesystem::path& path,
                       const std::vector<std::string>& overrides = {});
/// The same from text; `name` stands for the file in messages, `base_dir` resolves relative paths.
Scenario parse_scenario(std::string_view yaml, std::string_view name,
                        const std::vector<std::string>& overrides = {},
                        const std::filesystem::path& base_dir = ".");
/// The fully resolved scenario as YAML; parse_scenario(to_yaml(s)) gives s back.
std::string to_yaml(const Scenario& scenario);
/// Checks every key's range (as the reader does) and the rules that tie keys together; `where(key)`
/// returns a "file:line: " prefix for a key.
void validate(const Scenario& scenario,
              const std::function<std::string(std::string_view key)>& where = {});
/// What validate() cannot check before an edge list is read: seeds and ambassadors must not
/// outnumber the graph's `customers`. Throws ScenarioError.
void check_graph_size(const Scenario& scenario, std::uint64_t customers);

/// One key of the scenario schema, as `custsim keys` lists it. List items are written `[]`.
struct ScenarioKey {
    std::string path;          ///< e.g. "brands[].service.agents"
    std::string type;          ///< number, whole number, text, choice, flag, ...
    std::string default_value; ///< as YAML
    std::string allowed;       ///< e.g. "0..1", "> 0", "tie | fraction"; empty: anything
};
/// Every key, in the order of the file format, walked from the same schema the reader uses.
std::vector<ScenarioKey> scenario_keys();
/// scenario_keys() as the Markdown table in docs/scenarios.md (a test compares them).
std::string scenario_keys_markdown();

} // namespace custsim
