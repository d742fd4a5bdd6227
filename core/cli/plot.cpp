#include "plot.hpp"

#include "commands.hpp"

#include "custsim/error.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace custsim::cli {

namespace {

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", byte);
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string number(double value) {
    if (!std::isfinite(value)) {
        return "null";
    }
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
}

std::string script() {
    return CUSTSIM_PLOTS_SCRIPT;
}

/// The last lines of what the script said (a traceback ends with its cause).
std::string last_lines(const std::string& output, int lines = 12) {
    std::size_t from = output.size();
    while (from > 0 && (output[from - 1] == '\n' || output[from - 1] == ' ')) {
        --from;
    }
    const std::string trimmed = output.substr(0, from);
    for (int k = 0; k < lines && from != std::string::npos && from > 0; ++k) {
        from = trimmed.rfind('\n', from - 1);
    }
    return from == std::string::npos ? trimmed : trimmed.substr(from + 1);
}

/// Runs the plot Python with `arguments`, its standard output and error into `output`; returns
/// its exit status. Throws InputError if it cannot be started.
int run_python(const std::vector<std::string>& arguments, std::string& output) {
    std::string python = plot_python();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    std::vector<std::string> words{python};
    words.insert(words.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (auto& word : words) {
        argv.push_back(word.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int error = ::posix_spawnp(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (error != 0) {
        ::close(fds[0]);
        throw InputError("cannot run Python (" + python + "): " + std::strerror(error) +
                         "; plots need Python 3 with matplotlib (Debian: apt-get install "
                         "python3-matplotlib), or set CUSTSIM_PYTHON to one that has it");
    }
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n > 0) {
            output.append(buffer, std::size_t(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

Json::Json(char open, char close) : text_(1, open), close_(close) {}

Json Json::object() {
    return Json('{', '}');
}

Json Json::array() {
    return Json('[', ']');
}

Json::Json(double value) : text_(number(value)) {}

Json::Json(const std::string& text) : text_(quoted(text)) {}

Json::Json(const char* text) : text_(quoted(text)) {}

Json::Json(const std::vector<double>& numbers) : Json('[', ']') {
    for (const double value : numbers) {
        separate();
        text_.append(number(value));
    }
}

void Json::separate() {
    if (!empty_) {
        text_.push_back(',');
    }
    empty_ = false;
}

Json& Json::set(const std::string& key, const Json& value) {
    separate();
    text_.append(quoted(key));
    text_.push_back(':');
    text_.append(value.text());
    return *this;
}

Json& Json::push(const Json& value) {
    separate();
    text_.append(value.text());
    return *this;
}

std::string Json::text() const {
    return close_ ? text_ + close_ : text_;
}

std::string plot_python() {
    const char* chosen = std::getenv("CUSTSIM_PYTHON");
    return chosen && *chosen ? chosen : CUSTSIM_PLOT_PYTHON;
}

void check_plot(const std::string& png, const std::string& option) {
    if (png.empty()) {
        throw InputError(option + ": the plot's file name is empty; give one, e.g. " + option +
                         " plot.png");
    }
    if (std::filesystem::path(png).extension() != ".png") {
        throw InputError(option + " " + png +
                         ": plots are PNG images; give a name ending in .png, e.g. " + option +
                         " plot.png");
    }
    check_output(png, option);
    std::error_code error;
    if (!std::filesystem::is_regular_file(script(), error)) {
        throw InputError(option + ": the plotting script " + script() +
                         " is missing (custsim reads it from the source tree it was built from)");
    }
    std::string output;
    if (run_python({script(), "--check"}, output) != 0) {
        throw InputError(option + ": cannot draw plots: " + last_lines(output));
    }
}

void draw_plot(const std::string& kind, const Json& spec, const std::string& png) {
    namespace fs = std::filesystem;
    const std::string suffix = ".tmp." + std::to_string(::getpid());
    const fs::path json = png + ".json" + suffix, image = png + suffix;
    struct Remove {
        fs::path a, b;
        ~Remove() {
            std::error_code ignored;
            fs::remove(a, ignored);
            fs::remove(b, ignored);
        }
    } remove{json, image};
    {
        std::ofstream out(json);
        out << spec.text();
        if (!out.flush()) {
            throw std::runtime_error("--plot " + png + ": cannot write " + json.string());
        }
    }
    std::string output;
    const int status = run_python({script(), kind, json.string(), image.string()}, output);
    std::error_code error;
    if (status != 0 || !fs::is_regular_file(image, error)) {
        throw std::runtime_error("--plot " + png + ": drawing failed (" + plot_python() + " " +
                                 script() + ", exit code " + std::to_string(status) +
                                 "): " + last_lines(output));
    }
    fs::rename(image, png);
}

} // namespace custsim::cli
