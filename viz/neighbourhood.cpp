// The network panel's sample of the social graph, laid out by Boost.Graph's Fruchterman-Reingold
// force-directed layout from a seeded random start, so the picture is the same every run.
#include "explorer.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/fruchterman_reingold.hpp>
#include <boost/graph/random_layout.hpp>
#include <boost/graph/topology.hpp>
#include <boost/random/linear_congruential.hpp>

#include <algorithm>
#include <deque>
#include <map>

namespace custsim::viz {

namespace {

/// Up to `count` customers reached breadth-first from the middle of the population, and the
/// ties among them.
Neighbourhood reach(const SocialGraph& graph, std::size_t count) {
    Neighbourhood n;
    std::map<std::uint32_t, int> index;
    std::deque<std::uint32_t> queue{graph.num_customers() / 2};
    while (!queue.empty() && n.customers.size() < count) {
        const auto v = queue.front();
        queue.pop_front();
        if (index.count(v)) {
            continue;
        }
        index[v] = int(n.customers.size());
        n.customers.push_back(v);
        for (auto w : graph.neighbours(v)) {
            queue.push_back(w);
        }
    }
    for (std::size_t i = 0; i < n.customers.size(); ++i) {
        for (auto w : graph.neighbours(n.customers[i])) {
            const auto found = index.find(w);
            if (found != index.end() && found->second > int(i)) {
                n.ties.emplace_back(int(i), found->second);
            }
        }
    }
    return n;
}

/// Positions in [0, 1] x [0, 1], keeping the layout's shape (the longer side spans 0..1).
void fit_unit_square(Neighbourhood& n) {
    if (n.x.empty()) {
        return;
    }
    const auto [xmin, xmax] = std::minmax_element(n.x.begin(), n.x.end());
    const auto [ymin, ymax] = std::minmax_element(n.y.begin(), n.y.end());
    const float x0 = *xmin, y0 = *ymin;
    const float side = std::max({*xmax - *xmin, *ymax - *ymin, 1e-6f});
    const float dx = (side - (*xmax - *xmin)) / 2, dy = (side - (*ymax - *ymin)) / 2;
    for (std::size_t i = 0; i < n.x.size(); ++i) {
        n.x[i] = (n.x[i] - x0 + dx) / side, n.y[i] = (n.y[i] - y0 + dy) / side;
    }
}

/// Fruchterman and Reingold's repulsion k^2 / d, weakened: at full strength the sample's many
/// leaves (customers whose other ties lie outside the sample) are pushed against the square's
/// walls and pile up there.
struct WeakRepulsion {
    double strength = 0.04;
    template <typename Graph, typename T>
    T operator()(typename boost::graph_traits<Graph>::vertex_descriptor,
                 typename boost::graph_traits<Graph>::vertex_descriptor, T k, T d,
                 const Graph&) const {
        return T(strength) * k * k / d;
    }
};

} // namespace

Neighbourhood sample_neighbourhood(const SocialGraph& graph, std::size_t count) {
    if (graph.is_mean_field() || graph.num_customers() == 0) {
        return {};
    }
    Neighbourhood n = reach(graph, count);
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
    Graph g(n.customers.size());
    for (const auto& [i, j] : n.ties) {
        boost::add_edge(std::size_t(i), std::size_t(j), g);
    }
    using Topology = boost::square_topology<boost::minstd_rand>;
    boost::minstd_rand random(7); // seeded: the same layout every run
    const Topology square(random, 100.0);
    std::vector<Topology::point_type> position(n.customers.size());
    auto map = boost::make_iterator_property_map(position.begin(), get(boost::vertex_index, g));
    boost::random_graph_layout(g, map, square);
    boost::fruchterman_reingold_force_directed_layout(
        g, map, square,
        boost::cooling(boost::linear_cooling<double>(300)).repulsive_force(WeakRepulsion{}));
    n.x.resize(position.size()), n.y.resize(position.size());
    for (std::size_t i = 0; i < position.size(); ++i) {
        n.x[i] = float(position[i][0]), n.y[i] = float(position[i][1]);
    }
    fit_unit_square(n);
    return n;
}

} // namespace custsim::viz
