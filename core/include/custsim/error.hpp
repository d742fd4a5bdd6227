#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace custsim {

/// `text` with control bytes written as `\n`, `\t`, `\xNN`, so that a message quoting a file
/// name or a value from a hostile file cannot move the cursor or recolour the terminal.
inline std::string printable(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f) {
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        }
    }
    return out;
}

/// Bad input: a scenario, an override, an edge list. The message names file, line, key and
/// what is allowed, e.g. `baseline.yaml:14: channels[2].cpm: must be > 0, got -3`; control
/// bytes in it are escaped (printable()).
class InputError : public std::runtime_error {
  public:
    explicit InputError(const std::string& message) : std::runtime_error(printable(message)) {}
};

/// A scenario file or override that does not fit the schema.
class ScenarioError : public InputError {
  public:
    using InputError::InputError;
};

/// A run that was stopped from outside (Ctrl-C, a cancelled progress callback).
class Cancelled : public std::runtime_error {
  public:
    Cancelled() : std::runtime_error("run cancelled") {}
};

} // namespace custsim
