#include "custsim/social_graph.hpp"

#include "custsim/error.hpp"
#include "parallel.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/core_numbers.hpp>
#include <boost/graph/erdos_renyi_generator.hpp>
#include <boost/graph/page_rank.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/random/mersenne_twister.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <parallel/algorithm>

namespace custsim {

namespace {

/// The bundled edge property: Boost's CSR keeps one per directed edge, parallel to the columns.
struct Tie {
    std::uint8_t strong = 0;
};
using Csr = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, Tie,
                                               boost::no_property, std::uint32_t, std::uint32_t>;
// Only its traits matter: tells Boost's generators to emit each undirected pair once.
using UndirectedTraits = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
using Engine = boost::random::mt19937;

double uniform01(Engine& engine) {
    return (static_cast<double>(engine()) + 0.5) * 0x1p-32;
}

/// Calls emit(index) for each index in [0, count) kept independently with probability p,
/// stepping over the gaps with geometric skips (O(kept), not O(count)).
template <class Emit>
void bernoulli_indices(Engine& engine, std::uint64_t count, double p, Emit emit) {
    if (p <= 0 || count == 0) {
        return;
    }
    if (p >= 1) {
        for (std::uint64_t i = 0; i < count; ++i) {
            emit(i);
        }
        return;
    }
    const double log_miss = std::log1p(-p);
    double index = -1;
    for (;;) {
        index += 1 + std::floor(std::log(uniform01(engine)) / log_miss);
        if (index >= static_cast<double>(count)) {
            return;
        }
        emit(static_cast<std::uint64_t>(index));
    }
}

/// splitmix64 of a tie's key: a fixed, well-mixed function of its two ends (either order) and
/// `seed`.
std::uint64_t tie_hash(std::uint64_t v, std::uint64_t u, std::uint64_t seed) {
    const std::uint64_t a = std::min(v, u), b = std::max(v, u);
    std::uint64_t z = (a << 32 | b) ^ (seed * 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// How many ids two sorted rows share, by merging them.
std::uint32_t shared_neighbours(std::span<const std::uint32_t> a,
                                std::span<const std::uint32_t> b) {
    std::uint32_t both = 0;
    auto x = a.begin();
    auto y = b.begin();
    while (x != a.end() && y != b.end()) {
        if (*x < *y) {
            ++x;
        } else if (*y < *x) {
            ++y;
        } else {
            ++both;
            ++x;
            ++y;
        }
    }
    return both;
}

/// Onnela et al.'s overlap of a tie between ends of degree k_v and k_u sharing `both` neighbours.
double overlap_of(std::uint32_t both, std::uint32_t k_v, std::uint32_t k_u) {
    const double others = double(k_v) + double(k_u) - 2 - double(both);
    return others > 0 ? double(both) / others : 0.0;
}

/// A tie's rank, larger first: its overlap, then its hash, smaller first. A non-negative double's
/// bits order as integers; the top 40 of them keep the overlap to one part in 2^29 (overlaps are
/// ratios with denominators below k_i + k_j, so distinct ones differ by more unless degrees
/// exceed about 10 000), and the hash's top 24 bits follow.
std::uint64_t strength_key(double overlap, std::uint64_t hash) {
    return (std::bit_cast<std::uint64_t>(overlap) >> 23) << 24 | (~hash >> 40);
}

/// Replaces each key by 1 if it is among the `wanted` largest, else by 0; of keys equal to the
/// last one taken, the first in index order are taken. Radix selection, 16 bits a pass.
void keep_largest(std::vector<std::uint64_t>& keys, std::uint64_t wanted) {
    std::uint64_t threshold = 0, still = wanted; // still: how many at or above the prefix to take
    std::vector<std::uint64_t> histogram(1 << 16);
    for (int shift = 48; shift >= 0 && wanted > 0; shift -= 16) {
        const std::uint64_t fixed = shift == 48 ? 0 : ~std::uint64_t(0) << (shift + 16);
        std::fill(histogram.begin(), histogram.end(), 0);
        for (const auto key : keys) {
            if ((key & fixed) == threshold) {
                ++histogram[(key >> shift) & 0xffff];
            }
        }
        std::uint64_t digit = 0xffff;
        while (still > histogram[digit]) {
            still -= histogram[digit--];
        }
        threshold |= digit << shift;
    }
    for (auto& key : keys) {
        const bool equal = key == threshold && wanted > 0 && still > 0;
        still -= equal;
        key = (wanted > 0 && key > threshold) || equal;
    }
}

struct Pairs {
    std::vector<std::uint32_t> sources, targets;
    void add(std::uint64_t a, std::uint64_t b) {
        sources.push_back(static_cast<std::uint32_t>(a));
        targets.push_back(static_cast<std::uint32_t>(b));
    }
};

std::uint32_t even_degree(const GraphSpec& spec, std::uint32_t customers) {
    const auto k = static_cast<std::uint32_t>(std::lround(spec.mean_degree));
    if (k % 2 != 0 || std::abs(spec.mean_degree - k) > 1e-9 || k == 0 || k >= customers) {
        throw InputError("graph.mean_degree: " + to_string(spec.kind) +
                         " needs an even whole number between 2 and customers - 1, got " +
                         std::to_string(spec.mean_degree));
    }
    return k;
}

Pairs small_world(const GraphSpec& spec, std::uint32_t n, double rewire, Engine& engine) {
    const std::uint32_t k = even_degree(spec, n);
    Pairs pairs;
    pairs.sources.reserve(std::uint64_t(n) * k / 2);
    pairs.targets.reserve(std::uint64_t(n) * k / 2);
    using Iterator = boost::small_world_iterator<Engine, UndirectedTraits>;
    for (Iterator it(engine, n, k, rewire), end; it != end; ++it) {
        pairs.add(it->first, it->second);
    }
    return pairs;
}

Pairs erdos_renyi(const GraphSpec& spec, std::uint32_t n, Engine& engine) {
    Pairs pairs;
    const double p = std::min(1.0, spec.mean_degree / std::max(1.0, double(n) - 1));
    if (p <= 0) {
        return pairs;
    }
    using Iterator = boost::sorted_erdos_renyi_iterator<Engine, UndirectedTraits>;
    for (Iterator it(engine, n, p), end; it != end; ++it) {
        pairs.add(it->first, it->second);
    }
    return pairs;
}

Pairs barabasi_albert(const GraphSpec& spec, std::uint32_t n, Engine& engine) {
    const std::uint32_t m = even_degree(spec, n) / 2;
    Pairs pairs;
    // Every tie's two ends, so a uniform pick from it is a pick proportional to degree.
    std::vector<std::uint32_t> ends;
    ends.reserve(2 * std::uint64_t(n) * m);
    for (std::uint32_t a = 0; a <= m; ++a) { // a clique of m + 1 to start from
        for (std::uint32_t b = a + 1; b <= m; ++b) {
            pairs.add(a, b);
            ends.push_back(a);
            ends.push_back(b);
        }
    }
    std::vector<std::uint32_t> chosen;
    for (std::uint32_t v = m + 1; v < n; ++v) {
        chosen.clear();
        while (chosen.size() < m) {
            const auto pick = ends[static_cast<std::size_t>(uniform01(engine) * ends.size())];
            if (std::find(chosen.begin(), chosen.end(), pick) == chosen.end()) {
                chosen.push_back(pick);
            }
        }
        for (auto target : chosen) {
            pairs.add(v, target);
            ends.push_back(v);
            ends.push_back(target);
        }
    }
    return pairs;
}

Pairs stochastic_block(const GraphSpec& spec, std::uint32_t n, Engine& engine) {
    if (spec.communities < 1 || std::uint32_t(spec.communities) > n) {
        throw InputError("graph.communities: must be between 1 and customers, got " +
                         std::to_string(spec.communities));
    }
    const std::uint32_t blocks = spec.communities;
    std::vector<std::uint64_t> start(blocks + 1);
    for (std::uint32_t b = 0; b <= blocks; ++b) {
        start[b] = std::uint64_t(n) * b / blocks;
    }
    const double inside = (1 - spec.cross_fraction) * spec.mean_degree;
    const double across = spec.cross_fraction * spec.mean_degree;
    Pairs pairs;
    for (std::uint32_t a = 0; a < blocks; ++a) {
        const std::uint64_t size_a = start[a + 1] - start[a];
        const double p_in = size_a > 1 ? inside / double(size_a - 1) : 0.0;
        // Sampled over the whole square, keeping i < j: each unordered pair once, with p_in.
        bernoulli_indices(engine, size_a * size_a, std::min(1.0, p_in), [&](std::uint64_t idx) {
            const auto i = idx / size_a, j = idx % size_a;
            if (i < j) {
                pairs.add(start[a] + i, start[a] + j);
            }
        });
        const double others = double(n) - double(size_a);
        const double p_out = others > 0 ? across / others : 0.0;
        for (std::uint32_t b = a + 1; b < blocks; ++b) {
            const std::uint64_t size_b = start[b + 1] - start[b];
            bernoulli_indices(engine, size_a * size_b, std::min(1.0, p_out),
                              [&](std::uint64_t idx) {
                                  pairs.add(start[a] + idx / size_b, start[b] + idx % size_b);
                              });
        }
    }
    return pairs;
}

} // namespace

struct SocialGraph::Storage {
    Csr csr;
};

SocialGraph::SocialGraph(std::unique_ptr<Storage> storage, bool mean_field)
    : storage_(std::move(storage)), mean_field_(mean_field) {
    const auto& forward = storage_->csr.m_forward;
    row_start_ = forward.m_rowstart.data();
    column_ = forward.m_column.data();
    strong_ = reinterpret_cast<const std::uint8_t*>(forward.m_edge_properties.data());
    customers_ = static_cast<std::uint32_t>(num_vertices(storage_->csr));
}

SocialGraph::SocialGraph(SocialGraph&&) noexcept = default;
SocialGraph& SocialGraph::operator=(SocialGraph&&) noexcept = default;
SocialGraph::~SocialGraph() = default;

SocialGraph SocialGraph::mean_field(std::uint32_t customers) {
    std::vector<std::uint32_t> none;
    auto storage = std::make_unique<Storage>(
        Storage{Csr(boost::construct_inplace_from_sources_and_targets, none, none, customers)});
    return SocialGraph(std::move(storage), true);
}

SocialGraph SocialGraph::from_pairs(std::uint32_t customers, std::vector<std::uint32_t>& sources,
                                    std::vector<std::uint32_t>& targets,
                                    std::uint64_t* duplicates_dropped,
                                    std::uint64_t* self_loops_dropped) {
    if (sources.size() != targets.size()) {
        throw InputError("social graph: sources and targets differ in length");
    }
    // One key per undirected pair, smaller id first; sorting and unique drop the repeats.
    std::vector<std::uint64_t> keys;
    keys.reserve(sources.size());
    std::uint64_t loops = 0;
    for (std::size_t e = 0; e < sources.size(); ++e) {
        const auto a = sources[e], b = targets[e];
        if (a >= customers || b >= customers) {
            throw InputError("social graph: tie (" + std::to_string(a) + ", " + std::to_string(b) +
                             ") names a customer >= " + std::to_string(customers));
        }
        if (a == b) {
            ++loops;
            continue;
        }
        keys.push_back(std::uint64_t(std::min(a, b)) << 32 | std::max(a, b));
    }
    std::vector<std::uint32_t>().swap(sources);
    std::vector<std::uint32_t>().swap(targets);
    __gnu_parallel::sort(keys.begin(), keys.end());
    const auto kept = std::unique(keys.begin(), keys.end()) - keys.begin();
    if (duplicates_dropped) {
        *duplicates_dropped = keys.size() - kept;
    }
    if (self_loops_dropped) {
        *self_loops_dropped = loops;
    }
    keys.resize(kept);
    if (2 * keys.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw InputError("social graph: more than 2^31 ties do not fit 32-bit edge indices");
    }
    // Fill Boost's CSR arrays by counting sort. Keys are sorted by (smaller, larger), so row x
    // receives its smaller neighbours in increasing order, then its larger ones: rows come out
    // sorted without sorting them.
    std::vector<std::uint32_t> none;
    auto storage = std::make_unique<Storage>(
        Storage{Csr(boost::construct_inplace_from_sources_and_targets, none, none, customers)});
    auto& row_start = storage->csr.m_forward.m_rowstart;
    auto& column = storage->csr.m_forward.m_column;
    row_start.assign(std::size_t(customers) + 1, 0);
    for (const auto key : keys) {
        ++row_start[(key >> 32) + 1];
        ++row_start[static_cast<std::uint32_t>(key) + 1];
    }
    std::partial_sum(row_start.begin(), row_start.end(), row_start.begin());
    column.resize(2 * keys.size());
    std::vector<std::uint32_t> cursor(row_start.begin(), row_start.end() - 1);
    for (const auto key : keys) {
        const auto a = static_cast<std::uint32_t>(key >> 32);
        const auto b = static_cast<std::uint32_t>(key);
        column[cursor[a]++] = b;
        column[cursor[b]++] = a;
    }
    storage->csr.m_forward.m_edge_properties.resize(column.size()); // Boost's invariant
    return SocialGraph(std::move(storage), false);
}

SocialGraph SocialGraph::generate(const GraphSpec& spec, std::uint32_t customers,
                                  std::uint64_t seed) {
    if (spec.kind == GraphKind::mean_field) {
        return mean_field(customers);
    }
    Engine engine(static_cast<std::uint32_t>(seed ^ (seed >> 32)));
    Pairs pairs;
    switch (spec.kind) {
    case GraphKind::ring_lattice:
        pairs = small_world(spec, customers, 0.0, engine);
        break;
    case GraphKind::watts_strogatz:
        pairs = small_world(spec, customers, spec.rewire, engine);
        break;
    case GraphKind::erdos_renyi:
        pairs = erdos_renyi(spec, customers, engine);
        break;
    case GraphKind::barabasi_albert:
        pairs = barabasi_albert(spec, customers, engine);
        break;
    case GraphKind::stochastic_block:
        pairs = stochastic_block(spec, customers, engine);
        break;
    case GraphKind::mean_field:
    case GraphKind::edge_list:
        throw InputError("graph.type: " + to_string(spec.kind) + " is not generated");
    }
    return from_pairs(customers, pairs.sources, pairs.targets);
}

void SocialGraph::set_strong_ties(double fraction, std::uint64_t seed) {
    static_assert(sizeof(Tie) == 1);
    auto& ties = storage_->csr.m_forward.m_edge_properties;
    const bool all = fraction >= 1;
    const auto threshold =
        all ? std::uint64_t(0) : static_cast<std::uint64_t>(std::max(fraction, 0.0) * 0x1p64);
    parallel_for(customers_, [&](std::int64_t v) {
        for (std::uint32_t e = row_start_[v]; e < row_start_[v + 1]; ++e) {
            ties[e].strong = all || tie_hash(std::uint64_t(v), column_[e], seed) < threshold;
        }
    });
    strong_ = reinterpret_cast<const std::uint8_t*>(ties.data());
}

std::vector<double> SocialGraph::overlap(std::uint32_t v) const {
    const auto mine = neighbours(v);
    std::vector<double> out;
    out.reserve(mine.size());
    for (const auto u : mine) {
        out.push_back(overlap_of(shared_neighbours(mine, neighbours(u)), degree(v), degree(u)));
    }
    return out;
}

// Onnela et al. (2007): the stronger a tie, the more of the two ends' neighbours it shares. Each
// tie is ranked once, from its smaller end, by a 64-bit key (strength_key); the count-th largest
// key is found by radix selection and every tie at or above it is strong, both directions alike.
void SocialGraph::set_strong_ties_by_overlap(double fraction, std::uint64_t seed) {
    auto& ties = storage_->csr.m_forward.m_edge_properties;
    const std::uint64_t count = num_ties();
    const auto wanted = static_cast<std::uint64_t>(
        std::llround(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count)));
    // upper[v]: where v's ties to larger ids start among the ties taken once.
    std::vector<std::uint32_t> upper(std::size_t(customers_) + 1, 0);
    for (std::uint32_t v = 0; v < customers_; ++v) {
        const auto mine = neighbours(v);
        upper[v + 1] =
            upper[v] + std::uint32_t(mine.end() - std::upper_bound(mine.begin(), mine.end(), v));
    }
    std::vector<std::uint64_t> rank(count);
    parallel_for(customers_, [&](std::int64_t vertex) {
        const auto v = static_cast<std::uint32_t>(vertex);
        const auto mine = neighbours(v);
        std::uint32_t slot = upper[v];
        for (auto u = mine.end() - (upper[v + 1] - upper[v]); u != mine.end(); ++u, ++slot) {
            const double o =
                overlap_of(shared_neighbours(mine, neighbours(*u)), degree(v), degree(*u));
            rank[slot] = strength_key(o, tie_hash(v, *u, seed));
        }
    });
    keep_largest(rank, wanted); // rank[slot] is now 1 for a strong tie, 0 for a weak one
    parallel_for(customers_, [&](std::int64_t vertex) {
        const auto v = static_cast<std::uint32_t>(vertex);
        const auto mine = neighbours(v);
        for (std::uint32_t e = 0; e < mine.size(); ++e) {
            // The tie's slot, from its smaller end a: b's place in a's row past a's lower ties.
            const std::uint32_t a = std::min(v, mine[e]), b = std::max(v, mine[e]);
            const auto row = neighbours(a);
            const auto at =
                a == v ? e
                       : std::uint32_t(std::lower_bound(row.begin(), row.end(), b) - row.begin());
            const std::uint32_t first_upper = degree(a) - (upper[a + 1] - upper[a]);
            ties[row_start_[v] + e].strong = rank[upper[a] + at - first_upper] != 0;
        }
    });
    strong_ = reinterpret_cast<const std::uint8_t*>(ties.data());
}

std::uint64_t SocialGraph::num_ties() const {
    return storage_->csr.m_forward.m_column.size() / 2;
}

std::uint64_t SocialGraph::memory_bytes() const {
    const auto& forward = storage_->csr.m_forward;
    return forward.m_rowstart.capacity() * sizeof(std::uint32_t) +
           forward.m_column.capacity() * sizeof(std::uint32_t) +
           forward.m_edge_properties.capacity() * sizeof(Tie);
}

std::vector<double> SocialGraph::page_rank() const {
    std::vector<double> rank(customers_);
    const auto& g = storage_->csr;
    boost::graph::page_rank(
        g, boost::make_iterator_property_map(rank.begin(), get(boost::vertex_index, g)),
        boost::graph::n_iterations(50));
    return rank;
}

std::vector<std::uint32_t> SocialGraph::core_numbers() const {
    std::vector<std::uint32_t> core(customers_);
    const auto& g = storage_->csr;
    boost::core_numbers(
        g, boost::make_iterator_property_map(core.begin(), get(boost::vertex_index, g)));
    return core;
}

GraphStats SocialGraph::stats() const {
    GraphStats s;
    s.customers = customers_;
    s.ties = num_ties();
    s.mean_field = mean_field_;
    if (customers_ == 0) {
        return s;
    }
    std::vector<std::uint32_t> degrees(customers_);
    for (std::uint32_t v = 0; v < customers_; ++v) {
        degrees[v] = degree(v);
        s.isolated += degrees[v] == 0;
    }
    s.mean_degree = 2.0 * double(s.ties) / customers_;
    s.min_degree = *std::min_element(degrees.begin(), degrees.end());
    s.max_degree = *std::max_element(degrees.begin(), degrees.end());
    std::nth_element(degrees.begin(), degrees.begin() + customers_ / 2, degrees.end());
    s.median_degree = degrees[customers_ / 2];

    // Ties are stored both ways, so strong components are the connected components.
    const auto& g = storage_->csr;
    std::vector<std::uint32_t> component(customers_);
    s.components = boost::strong_components(
        g, boost::make_iterator_property_map(component.begin(), get(boost::vertex_index, g)));
    std::vector<std::uint32_t> sizes(s.components);
    for (auto c : component) {
        ++sizes[c];
    }
    s.largest_component = *std::max_element(sizes.begin(), sizes.end());

    // Local clustering by merging sorted rows: triangles through v over pairs of its neighbours.
    std::vector<double> clustering(customers_);
    parallel_for(customers_, [&](std::int64_t v) {
        const auto mine = neighbours(static_cast<std::uint32_t>(v));
        if (mine.size() < 2) {
            return;
        }
        std::uint64_t closed = 0;
        for (auto u : mine) {
            closed += shared_neighbours(mine, neighbours(u));
        }
        const double k = double(mine.size());
        clustering[v] = double(closed) / (k * (k - 1));
    });
    s.mean_clustering = std::accumulate(clustering.begin(), clustering.end(), 0.0) / customers_;
    return s;
}

std::string to_string(GraphKind kind) {
    switch (kind) {
    case GraphKind::mean_field:
        return "mean_field";
    case GraphKind::ring_lattice:
        return "ring_lattice";
    case GraphKind::erdos_renyi:
        return "erdos_renyi";
    case GraphKind::watts_strogatz:
        return "watts_strogatz";
    case GraphKind::barabasi_albert:
        return "barabasi_albert";
    case GraphKind::stochastic_block:
        return "stochastic_block";
    case GraphKind::edge_list:
        return "edge_list";
    }
    return "?";
}

} // namespace custsim
