#include "journey/budget.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace custsim {

BudgetPolicy::BudgetPolicy(const Scenario& s, std::vector<std::size_t> channels)
    : channels_(std::move(channels)) {
    for (const Policy& p : s.policies) {
        if (p.kind == PolicyKind::reallocate || p.kind == PolicyKind::bandit) {
            policy_ = p;
            active_ = !channels_.empty();
        }
    }
    every_steps_ =
        std::max<std::uint64_t>(1, std::uint64_t(std::llround(policy_.every_days / s.dt)));
    share_.assign(channels_.size(), 0.0);
}

std::vector<double> BudgetPolicy::shares() const {
    std::vector<double> out;
    for (std::size_t k = 0; k < channels_.size(); ++k) {
        if (out.size() <= channels_[k]) {
            out.resize(channels_[k] + 1, 0.0);
        }
        out[channels_[k]] = share_[k];
    }
    return out;
}

void BudgetPolicy::observe(const Kpis& seen, std::vector<double>& spend,
                           std::vector<double>& got) const {
    const auto& result =
        policy_.metric == PolicyMetric::cpa ? seen.channel_acquisitions : seen.channel_conversions;
    spend.resize(channels_.size());
    got.resize(channels_.size());
    for (std::size_t k = 0; k < channels_.size(); ++k) {
        spend[k] = seen.channel_spend[channels_[k]];
        got[k] = result[channels_[k]];
    }
}

void BudgetPolicy::snapshot(const Kpis& seen) {
    observe(seen, seen_spend_, seen_got_);
}

// Every `every_days`: the channel with the worst cost per result over the window since the last
// decision (no result for its spend: the worst of all) gives `move_share` of its budget, down to
// `floor_share` of the total, to the channel with the best (lowest). Channels at their floor or
// without spend in the window are not the worst; channels without results are not the best.
void BudgetPolicy::reallocate(const Kpis& seen) {
    std::vector<double> spend, got;
    observe(seen, spend, got);
    const double none = -1;
    std::size_t worst = channels_.size(), best = channels_.size();
    double worst_cost = none, best_cost = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < channels_.size(); ++k) {
        const double d_spend = spend[k] - seen_spend_[k], d_got = got[k] - seen_got_[k];
        const double cost = d_got > 0 ? d_spend / d_got : std::numeric_limits<double>::infinity();
        if (d_spend > 0 && share_[k] > policy_.floor_share && cost > worst_cost) {
            worst = k;
            worst_cost = cost;
        }
        if (d_got > 0 && cost < best_cost) {
            best = k;
            best_cost = cost;
        }
    }
    if (worst == channels_.size() || best == channels_.size() || worst == best ||
        !(worst_cost > best_cost)) {
        return;
    }
    const double moved =
        std::min(policy_.move_share * share_[worst], share_[worst] - policy_.floor_share);
    share_[worst] -= moved;
    share_[best] += moved;
}

double gamma_draw(double shape, Draws& draws) {
    const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
        double x = 0, v = 0;
        do {
            x = std::sqrt(-2 * std::log(draws.uniform())) *
                std::cos(2 * std::numbers::pi * draws.uniform());
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        const double u = draws.uniform();
        if (u < 1 - 0.0331 * x * x * x * x ||
            std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) {
            return d * v;
        }
    }
}

// Thompson sampling by probability matching: each channel's results per unit of spend, a rate
// with a Gamma posterior (Gamma-Poisson conjugacy: prior Gamma(1, b0), b0 the spend one result
// costs at the pooled rate, so the prior's mean is the pooled rate; posterior Gamma(1 + results,
// b0 + spend) since the policy started). `draws` joint draws estimate the chance each channel
// is the best; the budget less `test_share` goes by that chance, `test_share` evenly.
void BudgetPolicy::thompson(std::uint64_t step, StreamKey key, const Kpis& seen) {
    std::vector<double> spend, got;
    observe(seen, spend, got);
    double all_spend = 0, all_got = 0;
    for (std::size_t k = 0; k < channels_.size(); ++k) {
        spend[k] -= first_spend_[k];
        got[k] -= first_got_[k];
        all_spend += spend[k];
        all_got += got[k];
    }
    if (!(all_got > 0) || !(all_spend > 0)) {
        return; // nothing learnt yet: keep the split
    }
    const double prior_spend = all_spend / all_got;
    std::vector<std::uint32_t> wins(channels_.size(), 0);
    for (std::uint32_t m = 0; m < policy_.draws; ++m) {
        Draws draws(key, static_cast<std::uint32_t>(step), Process::policy, m);
        std::size_t best = 0;
        double best_rate = -1;
        for (std::size_t k = 0; k < channels_.size(); ++k) {
            const double rate = gamma_draw(1 + got[k], draws) / (prior_spend + spend[k]);
            if (rate > best_rate) {
                best = k;
                best_rate = rate;
            }
        }
        wins[best] += 1;
    }
    const double even = policy_.test_share / double(channels_.size());
    for (std::size_t k = 0; k < channels_.size(); ++k) {
        share_[k] = even + (1 - policy_.test_share) * double(wins[k]) / double(policy_.draws);
    }
}

void BudgetPolicy::plan(std::uint64_t step, const Kpis& seen, StreamKey key,
                        const std::vector<double>& plan, std::vector<double>& spend) {
    double total = 0;
    for (std::size_t c : channels_) {
        total += plan[c];
    }
    if (!started_) {
        if (!(total > 0)) {
            spend = plan;
            return;
        }
        // The bandit starts knowing nothing (an even split); reallocation from the plan's split.
        for (std::size_t k = 0; k < channels_.size(); ++k) {
            share_[k] = policy_.kind == PolicyKind::bandit ? 1.0 / double(channels_.size())
                                                           : plan[channels_[k]] / total;
        }
        snapshot(seen);
        observe(seen, first_spend_, first_got_);
        started_ = true;
        start_step_ = last_step_ = step;
    } else if (step != last_step_ && (step - start_step_) % every_steps_ == 0) {
        if (policy_.kind == PolicyKind::reallocate) {
            reallocate(seen);
        } else {
            thompson(step, key, seen);
        }
        snapshot(seen);
        last_step_ = step;
    }
    // The total is kept: the last channel with a share gets what the others leave.
    spend = plan;
    double given = 0;
    std::size_t last = 0;
    for (std::size_t k = 0; k < channels_.size(); ++k) {
        spend[channels_[k]] = total * share_[k];
        if (share_[k] > 0) {
            last = k;
        }
    }
    for (std::size_t k = 0; k < channels_.size(); ++k) {
        given += k == last ? 0.0 : spend[channels_[k]];
    }
    spend[channels_[last]] = std::max(0.0, total - given);
}

} // namespace custsim
