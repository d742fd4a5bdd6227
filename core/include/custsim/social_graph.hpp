#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace custsim {

/// The shapes of social graph the engine can build.
enum class GraphKind {
    mean_field,       ///< no edges: every customer's peers are the whole population (Bass limit)
    ring_lattice,     ///< each customer tied to the mean_degree nearest on a ring
    erdos_renyi,      ///< G(n, p) with p = mean_degree / (n - 1)
    watts_strogatz,   ///< ring lattice with each tie rewired with probability `rewire`
    barabasi_albert,  ///< preferential attachment, mean_degree / 2 ties per newcomer
    stochastic_block, ///< equal communities, `cross_fraction` of ties between communities
    edge_list,        ///< loaded from a file (SNAP style), see load_edge_list
};

/// Which ties are strong (`graph.tie_strength`).
enum class TieStrength {
    random,       ///< each tie by a hash of its two ends and the seed
    embeddedness, ///< the ties of highest neighbourhood overlap (Onnela et al. 2007)
};

/// How to build the graph; the scenario's `graph:` section.
struct GraphSpec {
    GraphKind kind = GraphKind::watts_strogatz;
    double mean_degree = 10;
    double rewire = 0.1;
    int communities = 10;
    double cross_fraction = 0.05;
    double strong_fraction = 0.3; ///< share of ties that are strong (the rest are weak)
    TieStrength tie_strength = TieStrength::random; ///< which ties are the strong ones
    std::filesystem::path path; ///< edge_list: relative paths resolve against the scenario file
};

/// What the edge-list loader read and what it dropped.
struct EdgeListReport {
    std::uint64_t lines = 0;              ///< data lines (not comments, blanks or the header)
    std::uint64_t self_loops_dropped = 0; ///< lines `a a`
    std::uint64_t duplicates_dropped = 0; ///< repeated ties, in either direction
    bool had_header = false;
    std::vector<std::int64_t> original_ids; ///< original_ids[v] is vertex v's id in the file
};

/// Shape of a graph in numbers, for `custsim graph-stats`.
struct GraphStats {
    std::uint32_t customers = 0;
    std::uint64_t ties = 0; ///< undirected
    std::uint32_t min_degree = 0, max_degree = 0, median_degree = 0;
    double mean_degree = 0;
    std::uint32_t isolated = 0;
    std::uint32_t components = 0;
    std::uint32_t largest_component = 0;
    double mean_clustering = 0; ///< mean local clustering coefficient (degree < 2 counts as 0)
    bool mean_field = false;
};

/// The social graph: one vertex per customer, undirected ties.
///
/// Storage is Boost.Graph's compressed_sparse_row_graph with 32-bit vertex and edge indices,
/// each tie stored in both directions and each row sorted, so the step loop walks a flat array of
/// neighbour ids. A `mean_field` graph has no edges; its customers' peers are everybody.
class SocialGraph {
  public:
    /// A graph with `customers` vertices and no edges, marked as mean field.
    static SocialGraph mean_field(std::uint32_t customers);
    /// Builds from undirected pairs; drops self-loops and duplicates (either direction).
    /// `sources` and `targets` are consumed. Throws InputError if an id is >= customers.
    static SocialGraph from_pairs(std::uint32_t customers, std::vector<std::uint32_t>& sources,
                                  std::vector<std::uint32_t>& targets,
                                  std::uint64_t* duplicates_dropped = nullptr,
                                  std::uint64_t* self_loops_dropped = nullptr);
    /// Generates a graph of the given kind (not edge_list) deterministically from `seed`.
    static SocialGraph generate(const GraphSpec& spec, std::uint32_t customers, std::uint64_t seed);
    /// Reads an edge list: whitespace or comma separated pairs, `#`/`%` comments, an optional
    /// header line, plain or gzip. Ids are remapped to 0..n-1 in increasing order.
    static SocialGraph load_edge_list(const std::filesystem::path& path,
                                      EdgeListReport* report = nullptr);

    SocialGraph(SocialGraph&&) noexcept;
    SocialGraph& operator=(SocialGraph&&) noexcept;
    ~SocialGraph();

    bool is_mean_field() const { return mean_field_; }
    std::uint32_t num_customers() const { return customers_; }
    std::uint64_t num_ties() const;
    std::uint32_t degree(std::uint32_t v) const { return row_start_[v + 1] - row_start_[v]; }
    /// v's neighbours, sorted by id.
    std::span<const std::uint32_t> neighbours(std::uint32_t v) const {
        return {column_ + row_start_[v], column_ + row_start_[v + 1]};
    }

    /// Whether each of v's ties (in neighbours() order) is strong: 1 strong, 0 weak.
    std::span<const std::uint8_t> strong_ties(std::uint32_t v) const {
        return {strong_ + row_start_[v], strong_ + row_start_[v + 1]};
    }
    /// Marks a `fraction` of ties strong, each tie by a hash of its two ends and `seed`, so both
    /// directions agree and the choice does not depend on how the graph was built.
    void set_strong_ties(double fraction, std::uint64_t seed);
    /// Marks the round(fraction x ties) ties of highest neighbourhood overlap strong (overlap()),
    /// equal overlaps ranked by the hash set_strong_ties uses; both directions agree.
    void set_strong_ties_by_overlap(double fraction, std::uint64_t seed);
    /// Neighbourhood overlap of each of v's ties (in neighbours() order): n / ((k_v - 1) +
    /// (k_u - 1) - n), n the neighbours v and u share (Onnela et al. 2007); 0 where the
    /// denominator is 0 (a tie between two customers with no other tie).
    std::vector<double> overlap(std::uint32_t v) const;

    /// PageRank of every customer (Boost.Graph, damping 0.85, 50 iterations).
    std::vector<double> page_rank() const;
    /// k-core number of every customer (Boost.Graph).
    std::vector<std::uint32_t> core_numbers() const;
    GraphStats stats() const;
    /// Bytes held by the graph's arrays.
    std::uint64_t memory_bytes() const;

  private:
    struct Storage;
    explicit SocialGraph(std::unique_ptr<Storage> storage, bool mean_field);
    std::unique_ptr<Storage> storage_;
    const std::uint32_t* row_start_ = nullptr;
    const std::uint32_t* column_ = nullptr;
    const std::uint8_t* strong_ = nullptr;
    std::uint32_t customers_ = 0;
    bool mean_field_ = false;
};

/// The scenario name of a graph kind (`watts_strogatz`), and back (empty optional if unknown).
std::string to_string(GraphKind kind);

} // namespace custsim
