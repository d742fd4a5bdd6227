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
#include <string>
#include <vector>

namespace {

bool save_png(const std::string& path, int width, int height) {
    std::vector<unsigned char> pixels(std::size_t(width) * height * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    stbi_flip_vertically_on_write(1);
    return stbi_write_png(path.c_str(), width, height, 4, pixels.data(), width * 4) != 0;
}

} // namespace

int main(int argc, char** argv) {
    std::string scenario = "scenarios/baseline.yaml", screenshot, export_path;
    double run_days = 0, measure_seconds = 0;
    unsigned replicates = 0;
    int width = 1600, height = 1000;
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
            scenario = value();
        } else if (arg == "--run-days") {
            run_days = std::stod(value());
        } else if (arg == "--screenshot") {
            screenshot = value();
        } else if (arg == "--export") {
            export_path = value();
        } else if (arg == "--replicates") {
            replicates = unsigned(std::stoul(value()));
        } else if (arg == "--measure-fps") {
            measure_seconds = std::stod(value());
        } else if (arg == "--size") {
            std::sscanf(value().c_str(), "%dx%d", &width, &height);
        } else if (arg == "-h" || arg == "--help") {
            std::printf("custsim-explorer [SCENARIO] [--scenario F] [--run-days D] "
                        "[--screenshot OUT.png] [--replicates R] [--export OUT.h5] [--size WxH] "
                        "[--measure-fps SECONDS]\n");
            return 0;
        } else if (!arg.empty() && arg[0] != '-') {
            scenario = arg;
        } else {
            std::fprintf(stderr, "custsim-explorer: unknown option %s\n", arg.c_str());
            return 2;
        }
    }
    custsim::viz::Explorer explorer;
    try {
        explorer.open(scenario);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "custsim-explorer: %s\n", e.what());
        return 2;
    }
    if (!glfwInit()) {
        std::fprintf(stderr, "custsim-explorer: cannot start GLFW (no display?)\n");
        return 1;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    if (!screenshot.empty()) {
        glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    }
    GLFWwindow* window = glfwCreateWindow(width, height, "custsim explorer", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "custsim-explorer: cannot open an OpenGL 3.3 window\n");
        glfwTerminate();
        return 1;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(screenshot.empty() ? 1 : 0);
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::StyleColorsLight();
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 330");

    if (!screenshot.empty()) {
        explorer.run_now(run_days); // synchronously, so the picture shows those days
        if (replicates > 0) {
            explorer.run_batch_now(replicates); // and a batch over the same days, as a band
            if (!export_path.empty() && explorer.export_batch(export_path)) {
                std::printf("wrote %s\n", export_path.c_str());
            }
        }
    } else {
        explorer.start();
    }
    // --measure-fps: play as fast as the simulation goes and count frames drawn meanwhile.
    const auto started = std::chrono::steady_clock::now();
    if (measure_seconds > 0) {
        explorer.set_days_per_second(1000);
        explorer.play(true);
    }
    int frames = 0;
    while (!glfwWindowShouldClose(window)) {
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
        ++frames;
        if (!screenshot.empty() && frames == 3) { // ImGui settles its layout in two frames
            const bool ok = save_png(screenshot, w, h);
            std::printf("%s %s (%dx%d)\n", ok ? "wrote" : "could not write", screenshot.c_str(), w,
                        h);
            glfwSetWindowShouldClose(window, 1);
        }
        glfwSwapBuffers(window);
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (measure_seconds > 0 && elapsed >= measure_seconds) {
            std::printf("%d frames in %.1f s: %.1f frames per second while the simulation ran "
                        "%.0f days\n",
                        frames, elapsed, frames / elapsed, explorer.day());
            glfwSetWindowShouldClose(window, 1);
        }
    }
    explorer.stop();
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return 0;
}
