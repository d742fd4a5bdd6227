// The explorer's levers panel.
#include "custsim/results.hpp"
#include "explorer.hpp"
#include "palette.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace custsim::viz {

namespace {
/// The widest label of the levers, so that sliders leave every label its full width.
float label_width(const Scenario& s, const std::vector<ChoiceLever>& choices) {
    float widest = ImGui::CalcTextSize("service level for every buyer").x;
    for (const auto& channel : s.channels) {
        widest = std::max(widest, ImGui::CalcTextSize(channel.name.c_str()).x);
    }
    for (const auto& choice : choices) {
        widest = std::max(widest, ImGui::CalcTextSize(choice.label.c_str()).x);
    }
    return widest + ImGui::GetStyle().ItemInnerSpacing.x + 4;
}

/// "a | b | c" as {"a", "b", "c"}.
std::vector<std::string> split_allowed(const std::string& allowed) {
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from <= allowed.size()) {
        const std::size_t bar = std::min(allowed.find(" | ", from), allowed.size());
        out.push_back(allowed.substr(from, bar - from));
        from = bar + 3;
    }
    return out;
}
} // namespace

void Explorer::levers_panel() {
    ImGui::PushItemWidth(-label_width(scenario_, choices_));
    ImGui::TextUnformatted("Focal brand's media, per day (live)");
    spend_sliders();
    ImGui::Separator();
    ImGui::TextUnformatted("Levers (apply restarts the run)");
    scenario_levers();
    choice_levers();
    ImGui::PopItemWidth();
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
    int ambassadors = int(edited_.ambassadors.count);
    if (ImGui::SliderInt("ambassadors", &ambassadors, 0, 1000, "%d customers"))
        edited_.ambassadors.count = ambassadors;
    float degree = float(edited_.graph.mean_degree);
    if (ImGui::SliderFloat("graph mean degree", &degree, 2, 40, "%.0f ties"))
        edited_.graph.mean_degree = 2 * std::round(degree / 2);
}

// The choice levers come from the key registry (custsim keys): each key's allowed values, and
// the one now in force found by applying each to the edited scenario and seeing which changes
// nothing. A choice is applied as --set applies it, so the reader's checks hold.
void Explorer::read_choices() {
    struct Wanted {
        std::string key, schema_key, label;
    };
    std::vector<Wanted> wanted = {
        {"personalisation.level", "personalisation.level", "personalisation"},
        {"personalisation.consent", "personalisation.consent", "consent mode"},
        {"personalisation.strict_contact", "personalisation.strict_contact",
         "strict markets, no consent"}};
    for (const auto& market : edited_.markets) {
        wanted.push_back({"markets." + market.name + ".strict_privacy", "markets[].strict_privacy",
                          "strict privacy in " + market.name});
    }
    choices_.clear();
    const std::vector<ScenarioKey> keys = scenario_keys();
    const std::string now = to_yaml(edited_);
    for (const auto& w : wanted) {
        const auto key = std::find_if(keys.begin(), keys.end(),
                                      [&](const ScenarioKey& k) { return k.path == w.schema_key; });
        if (key == keys.end() || key->allowed.find(" | ") == std::string::npos) {
            continue; // not a choice in this schema: no lever
        }
        ChoiceLever choice{w.key, w.label, split_allowed(key->allowed), 0};
        for (std::size_t i = 0; i < choice.allowed.size(); ++i) {
            const std::string set = w.key + "=" + choice.allowed[i];
            if (to_yaml(parse_scenario(now, path_, {set})) == now) {
                choice.current = int(i);
            }
        }
        choices_.push_back(choice);
    }
}

void Explorer::choice_levers() {
    for (auto& choice : choices_) {
        std::vector<const char*> items;
        for (const auto& value : choice.allowed) {
            items.push_back(value.c_str());
        }
        int picked = choice.current;
        if (ImGui::Combo(choice.label.c_str(), &picked, items.data(), int(items.size())) &&
            picked != choice.current) {
            try {
                edited_ = parse_scenario(to_yaml(edited_), path_,
                                         {choice.key + "=" + choice.allowed[std::size_t(picked)]});
                choice.current = picked;
            } catch (const std::exception& e) {
                message_ = e.what();
            }
        }
        if (ImGui::IsItemHovered()) {
            ImGui::SetTooltip("%s (applied on restart)", choice.key.c_str());
        }
    }
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
