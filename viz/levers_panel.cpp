// The explorer's levers panel.
#include "custsim/results.hpp"
#include "explorer.hpp"
#include "palette.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace custsim::viz {

void Explorer::levers_panel() {
    ImGui::TextUnformatted("Focal brand's media, per day (live)");
    spend_sliders();
    ImGui::Separator();
    ImGui::TextUnformatted("Levers (apply restarts the run)");
    scenario_levers();
    batch_buttons();
    scenario_buttons();
    if (!message_.empty()) {
        ImGui::TextWrapped("%s", message_.c_str());
    }
}

void Explorer::spend_sliders() {
    double total = 0;
    for (std::size_t c = 0; c < shown_spend_.size(); ++c) {
        float value = float(shown_spend_[c]);
        if (ImGui::SliderFloat(scenario_.channels[c].name.c_str(), &value, 0, 500, "%.0f a day")) {
            shown_spend_[c] = value;
            std::lock_guard guard(lock_);
            spend_ = shown_spend_;
            spend_changed_ = true;
        }
        total += shown_spend_[c];
    }
    // The total: scales every channel's spend, keeping the mix.
    float wanted = float(total);
    if (ImGui::SliderFloat("total budget", &wanted, 0, 2000, "%.0f a day") && total > 0) {
        for (auto& spend : shown_spend_) {
            spend *= wanted / total;
        }
        std::lock_guard guard(lock_);
        spend_ = shown_spend_;
        spend_changed_ = true;
    }
}

void Explorer::scenario_levers() {
    auto& focal = edited_.brands[0];
    float price = float(focal.price), agents = float(focal.service.agents),
          quality = float(focal.service.quality), level = float(focal.service.level),
          members = float(focal.retention.members);
    if (ImGui::SliderFloat("price", &price, 1, 50, "%.1f a purchase"))
        focal.price = price;
    if (ImGui::SliderFloat("call-centre agents", &agents, 0, 5, "%.2f agents"))
        focal.service.agents = agents;
    if (ImGui::SliderFloat("complaint handling quality", &quality, 0, 1, "%.2f"))
        focal.service.quality = quality;
    if (ImGui::SliderFloat("service level for every buyer", &level, 0, 1, "%.2f"))
        focal.service.level = level;
    if (ImGui::SliderFloat("retention programme members", &members, 0, 1, "%.2f of customers"))
        focal.retention.members = members;
    int personal = int(edited_.personalisation.level),
        consent = int(edited_.personalisation.consent);
    const char* levels[] = {"none", "segment", "individual"};
    const char* consents[] = {"ask", "assume"};
    if (ImGui::Combo("personalisation", &personal, levels, 3))
        edited_.personalisation.level = PersonalisationLevel(personal);
    if (ImGui::Combo("consent", &consent, consents, 2))
        edited_.personalisation.consent = ConsentStrategy(consent);
    int ambassadors = int(edited_.ambassadors.count);
    if (ImGui::SliderInt("ambassadors", &ambassadors, 0, 1000, "%d customers"))
        edited_.ambassadors.count = ambassadors;
    float degree = float(edited_.graph.mean_degree);
    if (ImGui::SliderFloat("graph mean degree", &degree, 2, 40, "%.0f ties"))
        edited_.graph.mean_degree = 2 * std::round(degree / 2);
}

void Explorer::batch_buttons() {
    if (ImGui::Button("Run 5 replicates")) {
        if (!batch_future_.valid()) {
            Scenario s = edited_;
            s.replicates = 5;
            batch_future_ = std::async(std::launch::async, [s] { return run_scenario(s, 1); });
            message_ = "running 5 replicates beside the interface...";
        }
    }
    ImGui::SameLine();
    if (ImGui::Button("Export HDF5")) {
        if (batch_) {
            const std::string out = scenario_.name + "_explored.h5";
            try {
                export_batch(out);
                message_ = "exported the batch to " + out;
            } catch (const std::exception& e) {
                message_ = e.what();
            }
        } else {
            message_ = "run a batch of replicates first; its results are what is exported";
        }
    }
}

void Explorer::scenario_buttons() {
    if (ImGui::Button("Apply and restart")) {
        try {
            validate(edited_);
            playing_ = false;
            std::lock_guard guard(lock_);
            reset(edited_);
            message_ = "applied";
        } catch (const std::exception& e) {
            message_ = e.what();
        }
    }
    ImGui::SameLine();
    if (ImGui::Button("Save YAML")) {
        const std::string out = scenario_.name + "_explored.yaml";
        std::ofstream(out) << to_yaml(edited_);
        message_ = "saved " + out;
    }
}

} // namespace custsim::viz
