// custsim-explorer: the scenario explorer (Dear ImGui, GLFW, OpenGL 3).
//
//   custsim-explorer [SCENARIO]
//   custsim-explorer --scenario F --run-days D --screenshot out.png   (renders and exits)
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

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

bool save_png(const std::string& path, int width, int height) {
    std::vector<unsigned char> pixels(std::size_t(width) * height * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    stbi_flip_vertically_on_write(1);
    return stbi_write_png(path.c_str(), width, height, 4, pixels.data(), width * 4) != 0;
}

/// The command line's settings.
struct Options {
    std::string scenario = "scenarios/baseline.yaml", screenshot, export_path;
    double run_days = 0, measure_seconds = 0;
    unsigned replicates = 0;
    int width = 1600, height = 1000;
};

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
        } else if (arg == "--measure-fps") {
            options.measure_seconds = std::stod(value());
        } else if (arg == "--size") {
            std::sscanf(value().c_str(), "%dx%d", &options.width, &options.height);
        } else if (arg == "-h" || arg == "--help") {
            std::printf("custsim-explorer [SCENARIO] [--scenario F] [--run-days D] "
                        "[--screenshot OUT.png] [--replicates R] [--export OUT.h5] [--size WxH] "
                        "[--measure-fps SECONDS]\n");
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
    if (!options.screenshot.empty()) {
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
    glfwSwapInterval(options.screenshot.empty() ? 1 : 0);
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
    if (options.screenshot.empty()) {
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

/// The frame loop, until the window closes, the screenshot is taken or the measurement ends.
void run_frames(GLFWwindow* window, custsim::viz::Explorer& explorer, const Options& options) {
    // --measure-fps: play as fast as the simulation goes and count frames drawn meanwhile.
    const auto started = std::chrono::steady_clock::now();
    if (options.measure_seconds > 0) {
        explorer.set_days_per_second(1000);
        explorer.play(true);
    }
    int frames = 0;
    while (!glfwWindowShouldClose(window)) {
        const auto [w, h] = draw_frame(window, explorer);
        ++frames;
        if (!options.screenshot.empty() && frames == 3) { // ImGui settles its layout in two frames
            const bool ok = save_png(options.screenshot, w, h);
            std::printf("%s %s (%dx%d)\n", ok ? "wrote" : "could not write",
                        options.screenshot.c_str(), w, h);
            glfwSetWindowShouldClose(window, 1);
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
        explorer.open(options.scenario);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "custsim-explorer: %s\n", e.what());
        return 2;
    }
    GLFWwindow* window = open_window(options);
    if (!window) {
        return 1;
    }
    start_simulation(explorer, options);
    run_frames(window, explorer, options);
    explorer.stop();
    close_window(window);
    return 0;
}
