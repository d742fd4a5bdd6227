#pragma once
// Plots from the command line (`--plot out.png`), drawn by python/custsim/plots.py with
// matplotlib. A command describes what to draw as a JSON spec (Json), checks with check_plot
// before its long work that the PNG can be written and that a Python with matplotlib is there,
// and calls draw_plot at the end. The script needs no compiled module; it draws two kinds:
// "panels" (lines over a shared x with replicate bands or intervals) and "intervals"
// (differences with their intervals, in groups). docs/cli.md describes the specs.
#include <string>
#include <vector>

namespace custsim::cli {

/// A JSON text built in order: objects, arrays, numbers (inf and NaN as null) and texts.
class Json {
  public:
    static Json object();
    static Json array();
    Json(double number);
    Json(const std::string& text);
    Json(const char* text);
    Json(const std::vector<double>& numbers);
    /// Adds `key: value` to an object.
    Json& set(const std::string& key, const Json& value);
    /// Appends `value` to an array.
    Json& push(const Json& value);
    std::string text() const;

  private:
    Json(char open, char close);
    void separate(); ///< a comma before every element but the first
    std::string text_;
    char close_ = 0; ///< '}' or ']' for an object or array
    bool empty_ = true;
};

/// The Python that draws the plots: $CUSTSIM_PYTHON, else the one found when custsim was built
/// (Debian's /usr/bin/python3).
std::string plot_python();
/// Refuses (InputError, exit 2) before any work a plot that could not be drawn: an empty name or
/// one not ending in .png, a folder that cannot be written (check_output), no Python or no
/// matplotlib (with how to install it). `option` names it in the message ("--plot").
void check_plot(const std::string& png, const std::string& option);
/// Draws `spec` (a "panels" or "intervals" spec) into `png`: the script writes a temporary file
/// beside it, renamed over `png` only when complete. Throws std::runtime_error with the
/// script's message if it fails.
void draw_plot(const std::string& kind, const Json& spec, const std::string& png);

} // namespace custsim::cli
