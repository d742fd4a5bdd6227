// custsim-explorer: the scenario explorer (Dear ImGui, GLFW, OpenGL 3).
//
//   custsim-explorer [SCENARIO]
//   custsim-explorer --scenario F --run-days D --screenshot out.png   (renders and exits)
//   custsim-explorer --scenario F --run-days D --panel service --export-csv out.csv
//
// The simulation runs in its own thread beside the interface; the frame loop only copies
// what the simulation thread has recorded, under a lock, so drawing never waits for a step.
#include "explorer.hpp"

#include "custsim/error.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <GL/gl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

/// Writes the back buffer's rectangle (x, y from the top left, in pixels) as a PNG.
bool save_png(const std::string& path, int x, int y, int width, int height, int buffer_height) {
    std::vector<unsigned char> pixels(std::size_t(width) * height * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(x, buffer_height - y - height, width, height, GL_RGBA, GL_UNSIGNED_BYTE,
                 pixels.data());
    stbi_flip_vertically_on_write(1);
    return stbi_write_png(path.c_str(), width, height, 4, pixels.data(), width * 4) != 0;
}

/// Writes the panel shown (the tab bar's window) as a PNG.
bool save_panel_png(const custsim::viz::Explorer& explorer, const std::string& path, int w, int h) {
    const ImVec4 r = explorer.panel_rect();
    const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
    const int x = std::clamp(int(r.x * scale.x), 0, w), y = std::clamp(int(r.y * scale.y), 0, h);
    const int width = std::min(int(r.z * scale.x), w - x),
              height = std::min(int(r.w * scale.y), h - y);
    return width > 0 && height > 0 && save_png(path, x, y, width, height, h);
}

/// The command line's settings.
struct Options {
    std::string scenario = "scenarios/baseline.yaml", screenshot, export_path;
    std::string panel, export_csv, export_png;
    std::vector<std::string> overrides; ///< --set key=value, as custsim run's
    double run_days = 0, measure_seconds = 0, levers_days = 0;
    std::string optimum; ///< a custsim optimise file for the levers panel
    unsigned replicates = 0, levers_replicates = 2;
    std::optional<std::pair<double, double>> zoom;
    int width = 1600, height = 1000;
    bool offscreen() const {
        return !screenshot.empty() || !export_csv.empty() || !export_png.empty();
    }
};

constexpr const char* usage =
    "custsim-explorer [SCENARIO] [--scenario F] [--set KEY=VALUE]... [--run-days D] "
    "[--replicates R] [--export OUT.h5] [--levers DAYS] [--levers-replicates R] "
    "[--optimum OPTIMUM.h5] [--panel funnel|service|brands|policies|levers|network] [--zoom "
    "FROM:TO] "
    "[--screenshot OUT.png] "
    "[--export-csv OUT.csv] [--export-png OUT.png] [--size WxH] [--measure-fps SECONDS]\n";

/// Reads the command line into `options`; an exit code when the program should stop at once.
std::optional<int> parse_options(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "custsim-explorer: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--scenario") {
            options.scenario = value();
        } else if (arg == "--run-days") {
            options.run_days = std::stod(value());
        } else if (arg == "--screenshot") {
            options.screenshot = value();
        } else if (arg == "--export") {
            options.export_path = value();
        } else if (arg == "--replicates") {
            options.replicates = unsigned(std::stoul(value()));
        } else if (arg == "--set") {
            options.overrides.push_back(value());
        } else if (arg == "--panel") {
            options.panel = value();
        } else if (arg == "--export-csv") {
            options.export_csv = value();
        } else if (arg == "--export-png") {
            options.export_png = value();
        } else if (arg == "--levers") {
            options.levers_days = std::stod(value());
        } else if (arg == "--optimum") {
            options.optimum = value();
        } else if (arg == "--levers-replicates") {
            options.levers_replicates = unsigned(std::stoul(value()));
        } else if (arg == "--zoom") {
            double from = 0, to = 0;
            if (std::sscanf(value().c_str(), "%lf:%lf", &from, &to) != 2 || !(to > from)) {
                std::fprintf(stderr, "custsim-explorer: --zoom wants FROM:TO days, FROM < TO\n");
                return 2;
            }
            options.zoom = std::make_pair(from, to);
        } else if (arg == "--measure-fps") {
            options.measure_seconds = std::stod(value());
        } else if (arg == "--size") {
            std::sscanf(value().c_str(), "%dx%d", &options.width, &options.height);
        } else if (arg == "-h" || arg == "--help") {
            std::printf("%s", usage);
            return 0;
        } else if (!arg.empty() && arg[0] != '-') {
            options.scenario = arg;
        } else {
            std::fprintf(stderr, "custsim-explorer: unknown option %s\n", arg.c_str());
            return 2;
        }
    }
    return std::nullopt;
}

/// An OpenGL 3.3 window (hidden when only taking a screenshot) with ImGui attached; nullptr,
/// said on stderr, if there is none.
GLFWwindow* open_window(const Options& options) {
    if (!glfwInit()) {
        std::fprintf(stderr, "custsim-explorer: cannot start GLFW (no display?)\n");
        return nullptr;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    if (options.offscreen()) {
        glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    }
    GLFWwindow* window =
        glfwCreateWindow(options.width, options.height, "custsim explorer", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "custsim-explorer: cannot open an OpenGL 3.3 window\n");
        glfwTerminate();
        return nullptr;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(options.offscreen() ? 0 : 1);
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::StyleColorsLight();
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330");
    return window;
}

/// For a screenshot the days (and batch) run before the first frame, so the picture shows
/// them; otherwise the simulation thread starts.
void start_simulation(custsim::viz::Explorer& explorer, const Options& options) {
    if (!options.offscreen()) {
        explorer.start();
        return;
    }
    explorer.run_now(options.run_days);
    if (options.replicates > 0) {
        explorer.run_batch_now(options.replicates);
        if (!options.export_path.empty() && explorer.export_batch(options.export_path)) {
            std::printf("wrote %s\n", options.export_path.c_str());
        }
    }
    if (options.levers_days > 0) {
        explorer.run_levers_now(options.levers_days, options.levers_replicates);
    }
}

/// The files asked for on the command line, from the frame just drawn; false if one failed.
bool write_outputs(const custsim::viz::Explorer& explorer, const Options& options, int w, int h) {
    bool ok = true;
    auto said = [&](bool written, const std::string& path) {
        std::printf("%s %s\n", written ? "wrote" : "could not write", path.c_str());
        ok = ok && written;
    };
    if (!options.screenshot.empty()) {
        said(save_png(options.screenshot, 0, 0, w, h, h), options.screenshot);
    }
    if (!options.export_png.empty()) {
        said(save_panel_png(explorer, options.export_png, w, h), options.export_png);
    }
    if (!options.export_csv.empty()) {
        said(explorer.export_csv(options.export_csv), options.export_csv);
    }
    return ok;
}

/// Draws one frame of the explorer into the window's back buffer; returns its size.
std::pair<int, int> draw_frame(GLFWwindow* window, custsim::viz::Explorer& explorer) {
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    int w = 0, h = 0;
    glfwGetFramebufferSize(window, &w, &h);
    explorer.draw(float(w), float(h));
    ImGui::Render();
    glViewport(0, 0, w, h);
    glClearColor(0.94f, 0.94f, 0.94f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    return {w, h};
}

/// The frame loop, until the window closes, the files are written or the measurement ends;
/// false if a file could not be written.
bool run_frames(GLFWwindow* window, custsim::viz::Explorer& explorer, const Options& options) {
    // --measure-fps: play as fast as the simulation goes and count frames drawn meanwhile.
    const auto started = std::chrono::steady_clock::now();
    if (options.measure_seconds > 0) {
        explorer.set_days_per_second(1000);
        explorer.play(true);
    }
    int frames = 0;
    bool ok = true;
    while (!glfwWindowShouldClose(window)) {
        const auto [w, h] = draw_frame(window, explorer);
        ++frames;
        // ImGui settles its layout in two frames, a tab chosen on the command line in one more.
        if (options.offscreen() && frames == 4) {
            ok = write_outputs(explorer, options, w, h);
            glfwSetWindowShouldClose(window, 1);
        }
        if (const std::string png = explorer.take_png_request(); !png.empty()) {
            const bool written = save_panel_png(explorer, png, w, h);
            explorer.say(written ? "wrote " + png : "could not write " + png);
        }
        glfwSwapBuffers(window);
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (options.measure_seconds > 0 && elapsed >= options.measure_seconds) {
            std::printf("%d frames in %.1f s: %.1f frames per second while the simulation ran "
                        "%.0f days\n",
                        frames, elapsed, frames / elapsed, explorer.day());
            glfwSetWindowShouldClose(window, 1);
        }
    }
    return ok;
}

void close_window(GLFWwindow* window) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    if (const auto code = parse_options(argc, argv, options)) {
        return *code;
    }
    custsim::viz::Explorer explorer;
    try {
        explorer.open(options.scenario, options.overrides);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "custsim-explorer: %s\n", e.what());
        return 2;
    }
    if (!options.optimum.empty()) {
        try {
            explorer.load_optimum(options.optimum);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "custsim-explorer: --optimum %s\n", e.what());
            return 2;
        }
    }
    if (!options.panel.empty() && !explorer.select_panel(options.panel)) {
        std::fprintf(stderr,
                     "custsim-explorer: --panel %s: no such panel (funnel, service, "
                     "brands, policies, levers, network)\n",
                     options.panel.c_str());
        return 2;
    }
    if (options.zoom) {
        custsim::viz::zoom_all_plots(options.zoom->first, options.zoom->second);
    }
    GLFWwindow* window = open_window(options);
    if (!window) {
        return 1;
    }
    int code = 0;
    try {
        start_simulation(explorer, options);
        code = run_frames(window, explorer, options) ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "custsim-explorer: %s\n", e.what());
        code = 1;
    }
    explorer.stop();
    close_window(window);
    return code;
}
