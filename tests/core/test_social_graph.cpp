#include "custsim/error.hpp"
#include "custsim/social_graph.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>

using namespace custsim;

namespace {
GraphSpec spec(GraphKind kind, double mean_degree) {
    GraphSpec s;
    s.kind = kind;
    s.mean_degree = mean_degree;
    return s;
}
} // namespace

TEST(SocialGraph, RingLatticeHasDegreeKAndClosedFormClustering) {
    const auto g = SocialGraph::generate(spec(GraphKind::ring_lattice, 10), 1000, 1);
    EXPECT_EQ(g.num_ties(), 1000u * 10 / 2);
    for (std::uint32_t v = 0; v < g.num_customers(); ++v) {
        ASSERT_EQ(g.degree(v), 10u);
    }
    // Ring lattice clustering is 3(k-2) / (4(k-1)) (Watts & Strogatz 1998).
    EXPECT_NEAR(g.stats().mean_clustering, 3.0 * 8 / (4.0 * 9), 1e-12);
    const auto n0 = g.neighbours(0);
    EXPECT_TRUE(std::is_sorted(n0.begin(), n0.end()));
    EXPECT_EQ(n0.front(), 1u);
    EXPECT_EQ(n0.back(), 999u);
}

TEST(SocialGraph, WattsStrogatzKeepsTiesAndLosesClusteringAsRewired) {
    auto s = spec(GraphKind::watts_strogatz, 10);
    s.rewire = 0.1;
    const auto g = SocialGraph::generate(s, 50000, 7);
    // Rewiring can only collide into an existing tie rarely: (k / n) per rewired tie.
    EXPECT_NEAR(double(g.num_ties()), 250000.0, 250000 * 0.001);
    // Barrat & Weigt (2000): C(beta) ~ C(0) (1 - beta)^3.
    EXPECT_NEAR(g.stats().mean_clustering, 2.0 / 3 * std::pow(0.9, 3), 0.02);
}

TEST(SocialGraph, ErdosRenyiHasMeanDegreeAndLowClustering) {
    const auto g = SocialGraph::generate(spec(GraphKind::erdos_renyi, 8), 40000, 3);
    const auto s = g.stats();
    // ties ~ Binomial(n(n-1)/2, p): sd = sqrt(160000) = 400 on 160000.
    EXPECT_NEAR(s.mean_degree, 8.0, 8.0 * 0.0125);
    EXPECT_LT(s.mean_clustering, 0.002); // expected p = 2e-4
}

TEST(SocialGraph, BarabasiAlbertHasMinimumDegreeAndHubs) {
    const std::uint32_t n = 20000, m = 3;
    const auto g = SocialGraph::generate(spec(GraphKind::barabasi_albert, 2 * m), n, 5);
    EXPECT_EQ(g.num_ties(), std::uint64_t(m) * (n - m - 1) + m * (m + 1) / 2);
    const auto s = g.stats();
    EXPECT_GE(s.min_degree, m);
    // Scale-free: the largest hub is far above the mean (expected ~ m sqrt(n) = 424).
    EXPECT_GT(s.max_degree, 20 * s.mean_degree);
    EXPECT_EQ(s.components, 1u);
}

TEST(SocialGraph, StochasticBlockHasTheCrossFraction) {
    auto s = spec(GraphKind::stochastic_block, 12);
    s.communities = 4;
    s.cross_fraction = 0.2;
    const std::uint32_t n = 40000;
    const auto g = SocialGraph::generate(s, n, 11);
    std::uint64_t crossing = 0, ends = 0;
    for (std::uint32_t v = 0; v < n; ++v) {
        for (auto u : g.neighbours(v)) {
            crossing += (v / (n / 4)) != (u / (n / 4));
            ++ends;
        }
    }
    EXPECT_NEAR(double(crossing) / double(ends), 0.2, 0.01);
    EXPECT_NEAR(g.stats().mean_degree, 12.0, 12.0 * 0.02);
}

TEST(SocialGraph, MeanFieldHasNoTies) {
    const auto g = SocialGraph::generate(spec(GraphKind::mean_field, 0), 100, 1);
    EXPECT_TRUE(g.is_mean_field());
    EXPECT_EQ(g.num_ties(), 0u);
    EXPECT_EQ(g.degree(99), 0u);
}

TEST(SocialGraph, GenerationIsDeterministicInTheSeed) {
    auto s = spec(GraphKind::watts_strogatz, 6);
    s.rewire = 0.3;
    const auto a = SocialGraph::generate(s, 5000, 1), b = SocialGraph::generate(s, 5000, 1),
               c = SocialGraph::generate(s, 5000, 2);
    bool all_same = true, any_different = false;
    for (std::uint32_t v = 0; v < 5000; ++v) {
        const auto na = a.neighbours(v), nb = b.neighbours(v), nc = c.neighbours(v);
        all_same &= std::equal(na.begin(), na.end(), nb.begin(), nb.end());
        any_different |= !std::equal(na.begin(), na.end(), nc.begin(), nc.end());
    }
    EXPECT_TRUE(all_same);
    EXPECT_TRUE(any_different);
}

TEST(SocialGraph, FromPairsDropsSelfLoopsAndDuplicatesInEitherDirection) {
    std::vector<std::uint32_t> from{0, 1, 1, 2, 3, 3}, to{1, 0, 2, 2, 0, 0};
    std::uint64_t duplicates = 0, loops = 0;
    const auto g = SocialGraph::from_pairs(4, from, to, &duplicates, &loops);
    EXPECT_EQ(g.num_ties(), 3u); // 0-1, 1-2, 0-3
    EXPECT_EQ(duplicates, 2u);
    EXPECT_EQ(loops, 1u);
    const auto n0 = g.neighbours(0);
    EXPECT_EQ(std::vector<std::uint32_t>(n0.begin(), n0.end()), (std::vector<std::uint32_t>{1, 3}));
    std::vector<std::uint32_t> bad_from{0}, bad_to{4};
    EXPECT_THROW(SocialGraph::from_pairs(4, bad_from, bad_to), InputError);
}

TEST(SocialGraph, ComponentsPageRankAndCores) {
    // A 5-clique (0..4), a pendant 5 on 0, and a separate pair 6-7.
    std::vector<std::uint32_t> from, to;
    for (std::uint32_t a = 0; a < 5; ++a) {
        for (std::uint32_t b = a + 1; b < 5; ++b) {
            from.push_back(a);
            to.push_back(b);
        }
    }
    from.insert(from.end(), {0, 6});
    to.insert(to.end(), {5, 7});
    const auto g = SocialGraph::from_pairs(8, from, to);
    const auto s = g.stats();
    EXPECT_EQ(s.components, 2u);
    EXPECT_EQ(s.largest_component, 6u);
    const auto core = g.core_numbers();
    EXPECT_EQ(core[1], 4u);
    EXPECT_EQ(core[5], 1u);
    EXPECT_EQ(core[6], 1u);
    const auto rank = g.page_rank();
    EXPECT_EQ(std::max_element(rank.begin(), rank.end()) - rank.begin(), 0);
    EXPECT_LT(rank[5], rank[1]);
}

namespace {
/// Two cliques of `size` (0..size-1 and size..2 size-1) joined by one bridge, size-1 to size.
SocialGraph two_cliques(std::uint32_t size) {
    std::vector<std::uint32_t> from, to;
    for (std::uint32_t start : {0u, size}) {
        for (std::uint32_t a = start; a < start + size; ++a) {
            for (std::uint32_t b = a + 1; b < start + size; ++b) {
                from.push_back(a);
                to.push_back(b);
            }
        }
    }
    from.push_back(size - 1);
    to.push_back(size);
    return SocialGraph::from_pairs(2 * size, from, to);
}

/// Strong directed entries, over both directions.
std::uint64_t strong_entries(const SocialGraph& g) {
    std::uint64_t strong = 0;
    for (std::uint32_t v = 0; v < g.num_customers(); ++v) {
        for (const auto s : g.strong_ties(v)) {
            strong += s;
        }
    }
    return strong;
}

/// Whether each tie is marked alike from both ends.
bool both_directions_agree(const SocialGraph& g) {
    for (std::uint32_t v = 0; v < g.num_customers(); ++v) {
        const auto mine = g.neighbours(v);
        for (std::size_t e = 0; e < mine.size(); ++e) {
            const auto theirs = g.neighbours(mine[e]);
            const auto back = std::lower_bound(theirs.begin(), theirs.end(), v) - theirs.begin();
            if (g.strong_ties(v)[e] != g.strong_ties(mine[e])[std::size_t(back)]) {
                return false;
            }
        }
    }
    return true;
}

std::vector<std::uint8_t> strong_flags(const SocialGraph& g) {
    std::vector<std::uint8_t> flags;
    for (std::uint32_t v = 0; v < g.num_customers(); ++v) {
        const auto s = g.strong_ties(v);
        flags.insert(flags.end(), s.begin(), s.end());
    }
    return flags;
}
} // namespace

TEST(SocialGraph, OverlapIsSharedOverOtherNeighboursInTwoCliquesAndABridge) {
    // Cliques of 6: a tie inside shares the 4 others; 5 and 6 also hold the bridge.
    const auto g = two_cliques(6);
    const auto o0 = g.overlap(0); // 0's ties to 1..4 (degree 5): 4 / (4 + 4 - 4); to 5: 4 / 5
    EXPECT_EQ(o0, (std::vector<double>{1, 1, 1, 1, 0.8}));
    const auto o5 = g.overlap(5); // 0..4, then the bridge to 6: 0 / (5 + 5 - 0)
    EXPECT_EQ(o5, (std::vector<double>{0.8, 0.8, 0.8, 0.8, 0.8, 0.0}));
    // Both ends of degree 1 and nothing shared: 0 / 0 is taken as 0.
    std::vector<std::uint32_t> from{0}, to{1};
    EXPECT_EQ(SocialGraph::from_pairs(2, from, to).overlap(0), std::vector<double>{0.0});
}

TEST(SocialGraph, ByOverlapTheBridgeIsWeakAndTheCliquesStrong) {
    auto g = two_cliques(6); // 31 ties: 15 in each clique, one bridge
    g.set_strong_ties_by_overlap(30.0 / 31, 3);
    EXPECT_EQ(strong_entries(g), 2u * 30);
    const auto bridge = g.neighbours(5);
    EXPECT_EQ(bridge.back(), 6u);
    EXPECT_EQ(g.strong_ties(5).back(), 0);
    EXPECT_TRUE(both_directions_agree(g));
    // Half the ties: 16 of the 20 of overlap 1 (those not at 5 or 6), none of overlap 0.8.
    g.set_strong_ties_by_overlap(0.5, 3);
    EXPECT_EQ(strong_entries(g), 2u * 16);
    for (std::uint32_t v = 0; v < 12; ++v) {
        const auto overlap = g.overlap(v);
        for (std::size_t e = 0; e < overlap.size(); ++e) {
            EXPECT_TRUE(!g.strong_ties(v)[e] || overlap[e] == 1.0) << v << " " << e;
        }
    }
    EXPECT_TRUE(both_directions_agree(g));
    g.set_strong_ties_by_overlap(0, 3);
    EXPECT_EQ(strong_entries(g), 0u);
    g.set_strong_ties_by_overlap(1, 3);
    EXPECT_EQ(strong_entries(g), 2u * 31);
}

TEST(SocialGraph, ByOverlapTheStrongFractionHoldsAndStrongTiesOverlapMore) {
    auto s = spec(GraphKind::watts_strogatz, 10);
    s.rewire = 0.2;
    auto g = SocialGraph::generate(s, 20000, 5);
    g.set_strong_ties_by_overlap(0.3, 5);
    // Exactly round(0.3 x ties), each tie counted from both ends alike.
    EXPECT_EQ(strong_entries(g), 2 * std::uint64_t(std::llround(0.3 * double(g.num_ties()))));
    EXPECT_TRUE(both_directions_agree(g));
    // The strong ties are the top of the overlap ranking: none overlaps less than a weak one.
    double least_strong = 1, most_weak = 0, strong_sum = 0, weak_sum = 0;
    std::uint64_t strong = 0, weak = 0;
    for (std::uint32_t v = 0; v < g.num_customers(); ++v) {
        const auto overlap = g.overlap(v);
        const auto mine = g.neighbours(v);
        for (std::size_t e = 0; e < overlap.size(); ++e) {
            // The merge against a set intersection of the two rows.
            std::vector<std::uint32_t> both;
            const auto theirs = g.neighbours(mine[e]);
            std::set_intersection(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
                                  std::back_inserter(both));
            const double others = double(mine.size() + theirs.size()) - 2 - double(both.size());
            ASSERT_EQ(overlap[e], others > 0 ? double(both.size()) / others : 0.0);
            if (g.strong_ties(v)[e]) {
                least_strong = std::min(least_strong, overlap[e]);
                strong_sum += overlap[e];
                ++strong;
            } else {
                most_weak = std::max(most_weak, overlap[e]);
                weak_sum += overlap[e];
                ++weak;
            }
        }
    }
    EXPECT_GE(least_strong, most_weak);
    EXPECT_GT(strong_sum / double(strong), weak_sum / double(weak) + 0.1);
}

TEST(SocialGraph, ByOverlapTheSameSeedGivesTheSameTiesOnOneAndTwoThreads) {
    auto s = spec(GraphKind::barabasi_albert, 8); // many equal overlaps: the hash decides
    const auto marked = [&](int threads, std::uint64_t seed) {
        omp_set_num_threads(threads);
        auto g = SocialGraph::generate(s, 40000, 2);
        g.set_strong_ties_by_overlap(0.3, seed);
        return strong_flags(g);
    };
    const int before = omp_get_max_threads();
    const auto one = marked(1, 4), two = marked(2, 4), other_seed = marked(2, 5);
    omp_set_num_threads(before);
    EXPECT_EQ(one, two);
    EXPECT_NE(one, other_seed);
}
