// libFuzzer entry: any bytes as a scenario file. A refusal (InputError) is fine; a crash, a
// sanitizer report, a leak or another exception is a finding.
#include "custsim/error.hpp"
#include "custsim/scenario.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        custsim::parse_scenario(std::string_view(reinterpret_cast<const char*>(data), size),
                                "fuzz.yaml", {}, "/nonexistent");
    } catch (const custsim::InputError&) {
    }
    return 0;
}
