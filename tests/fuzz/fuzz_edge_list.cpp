// libFuzzer entry: any bytes as an edge list (plain text, or gzip when they start with its
// magic number). A refusal (InputError) is fine; anything else is a finding.
#include "custsim/error.hpp"
#include "custsim/social_graph.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto path = std::filesystem::temp_directory_path() /
                             ("custsim_fuzz_edges_" + std::to_string(getpid()) + ".txt");
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    try {
        custsim::SocialGraph::load_edge_list(path);
    } catch (const custsim::InputError&) {
    }
    return 0;
}
