#include "probes.h"

#include <set>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace bmshil::rig {
namespace {

const char* const kNames =
    "outputs: charge_fet, discharge_fet, discharge_fet_cmd, precharge, discharge_path, heater, limiter, balancing, "
    "balance_mask, afe_sc_latched; model: current_A, charge_current_A, discharge_current_A, pack_V, terminal_V, "
    "cells_sum_V, cell_max_V, cell_min_V, cell_spread_V, cell_max_degC, cell_min_degC, ntc_max_degC, ntc_min_degC, "
    "ambient_degC, power_degC, cellN_V, cellN_degC, cellN_soc, time_s; port: reg:<register>, bit:<word>.<bit>, "
    "param_bit:<parameter number>, param_bit:<word>.<parameter number>";

// cellN_<unit>: the cell number and unit, or false.
bool parse_cell(const std::string& name, std::size_t cell_count, std::size_t* index, std::string* unit) {
    int cell = 0;
    char u[16] = {};
    int used = 0;
    if (std::sscanf(name.c_str(), "cell%d_%15s%n", &cell, u, &used) != 2 || used != static_cast<int>(name.size()))
        return false;
    if (cell < 1 || static_cast<std::size_t>(cell) > cell_count) return false;
    const std::string s = u;
    if (s != "V" && s != "degC" && s != "soc") return false;
    *index = static_cast<std::size_t>(cell - 1);
    *unit = s;
    return true;
}

const std::map<std::string, int>& plain_names() {
    static const std::map<std::string, int> names{
        {"charge_fet", 0},    {"discharge_fet", 0},  {"discharge_fet_cmd", 0}, {"precharge", 0},
        {"discharge_path", 0}, {"heater", 0},        {"limiter", 0},           {"balancing", 0},
        {"balance_mask", 0},  {"afe_sc_latched", 0}, {"current_A", 0},         {"charge_current_A", 0},
        {"discharge_current_A", 0}, {"pack_V", 0},   {"terminal_V", 0},        {"cells_sum_V", 0},
        {"cell_max_V", 0},    {"cell_min_V", 0},     {"cell_spread_V", 0},     {"cell_max_degC", 0},
        {"cell_min_degC", 0}, {"ntc_max_degC", 0},   {"ntc_min_degC", 0},      {"ambient_degC", 0},
        {"power_degC", 0},    {"time_s", 0}};
    return names;
}

}  // namespace

Probes::Probes(Rig& rig, const PortAccess& port) : rig_(rig), port_(port) {}

bool Probes::on_port(const std::string& name) {
    return name.rfind("reg:", 0) == 0 || name.rfind("bit:", 0) == 0 || name.rfind("param_bit:", 0) == 0;
}

bool Probes::is_output(const std::string& name) {
    static const std::set<std::string> outputs = {"charge_fet", "discharge_fet", "discharge_fet_cmd", "precharge",
                                                  "discharge_path", "heater", "limiter", "balancing",
                                                  "balance_mask", "afe_sc_latched"};
    return outputs.count(name) != 0;
}

bool Probes::known(const std::string& name, std::size_t cell_count, std::string* why) {
    if (plain_names().count(name)) return true;
    std::size_t index = 0;
    std::string unit;
    if (parse_cell(name, cell_count, &index, &unit)) return true;
    if (name.rfind("reg:", 0) == 0 && name.size() > 4) return true;
    if (name.rfind("bit:", 0) == 0 && name.find('.') != std::string::npos) return true;
    if (name.rfind("param_bit:", 0) == 0 && name.size() > 10) return true;
    if (why) *why = "unknown signal '" + name + "' (" + kNames + ")";
    return false;
}

Probe Probes::get(const std::string& name) {
    const auto it = cache_.find(name);
    if (it != cache_.end()) return it->second;
    Probe p = make(name);
    cache_.emplace(name, p);
    return p;
}

double Probes::cell_extreme(bool max, bool temperature) const {
    model::Pack& p = rig_.pack();
    double best = max ? -1e300 : 1e300;
    for (std::size_t k = 0; k < p.cell_count(); ++k) {
        const double v = temperature ? p.cell(k).temperature_degC() : p.cell_voltage_V(k);
        best = max ? std::max(best, v) : std::min(best, v);
    }
    return best;
}

double Probes::ntc_extreme(bool max) const {
    model::Pack& p = rig_.pack();
    double best = max ? -1e300 : 1e300;
    for (int cell : p.config().ntc_cells) {
        const double v = p.cell(static_cast<std::size_t>(cell - 1)).temperature_degC();
        best = max ? std::max(best, v) : std::min(best, v);
    }
    return best;
}

Probe Probes::make(const std::string& name) {
    Rig& rig = rig_;
    const auto cmd = [&rig]() -> const model::PowerStageCommand& { return rig.pack().commanded(); };
    if (name == "charge_fet") return [=] { return cmd().charge_fet ? 1.0 : 0.0; };
    // The gates as they are: the AFE opens the discharge FET on its own.
    if (name == "discharge_fet") return [=, &rig] { return cmd().discharge_fet && !rig.pack().sc_latched() ? 1.0 : 0.0; };
    if (name == "discharge_fet_cmd") return [&rig] { return rig.board().outputs().discharge_fet_on ? 1.0 : 0.0; };
    if (name == "precharge") return [=] { return cmd().precharge ? 1.0 : 0.0; };
    // Soft start is part of closing the output: precharging counts as closed.
    if (name == "discharge_path")
        return [=, &rig] { return (cmd().discharge_fet || cmd().precharge) && !rig.pack().sc_latched() ? 1.0 : 0.0; };
    if (name == "heater") return [=] { return cmd().heater ? 1.0 : 0.0; };
    if (name == "limiter") return [=] { return cmd().limiter ? 1.0 : 0.0; };
    if (name == "balancing") return [=] { return cmd().balance_mask != 0 ? 1.0 : 0.0; };
    if (name == "balance_mask") return [=] { return static_cast<double>(cmd().balance_mask); };
    if (name == "afe_sc_latched") return [&rig] { return rig.pack().sc_latched() ? 1.0 : 0.0; };
    if (name == "current_A") return [&rig] { return rig.pack().current_A(); };
    if (name == "charge_current_A") return [&rig] { return std::max(0.0, rig.pack().current_A()); };
    if (name == "discharge_current_A") return [&rig] { return std::max(0.0, -rig.pack().current_A()); };
    if (name == "pack_V" || name == "terminal_V") return [&rig] { return rig.pack().terminal_V(); };
    if (name == "cells_sum_V")
        return [&rig] {
            double sum = 0.0;
            for (std::size_t k = 0; k < rig.pack().cell_count(); ++k) sum += rig.pack().cell_voltage_V(k);
            return sum;
        };
    if (name == "cell_max_V") return [this] { return cell_extreme(true, false); };
    if (name == "cell_min_V") return [this] { return cell_extreme(false, false); };
    if (name == "cell_spread_V") return [this] { return cell_extreme(true, false) - cell_extreme(false, false); };
    if (name == "cell_max_degC") return [this] { return cell_extreme(true, true); };
    if (name == "cell_min_degC") return [this] { return cell_extreme(false, true); };
    if (name == "ntc_max_degC") return [this] { return ntc_extreme(true); };
    if (name == "ntc_min_degC") return [this] { return ntc_extreme(false); };
    if (name == "ambient_degC") return [&rig] { return rig.pack().ambient_degC(); };
    if (name == "power_degC") return [&rig] { return rig.pack().power_stage_degC(); };
    if (name == "time_s") return [&rig] { return rig.now_s(); };
    std::size_t index = 0;
    std::string unit;
    if (parse_cell(name, rig_.pack().cell_count(), &index, &unit)) {
        if (unit == "V") return [&rig, index] { return rig.pack().cell_voltage_V(index); };
        if (unit == "degC") return [&rig, index] { return rig.pack().cell(index).temperature_degC(); };
        return [&rig, index] { return rig.pack().cell(index).soc(); };
    }
    if (on_port(name)) {
        const bool is_reg = name.rfind("reg:", 0) == 0;
        if ((is_reg && !port_.read) || (!is_reg && (!port_.bit || !port_.flag)))
            throw ProbeError("signal '" + name + "' needs the board's port, and this run has none");
        const PortAccess& port = port_;
        if (is_reg) {
            const std::string reg = name.substr(4);
            return [&port, reg] { return port.read(reg); };
        }
        const std::size_t colon = name.find(':');
        const std::size_t dot = name.find('.');
        const bool by_parameter = name.rfind("param_bit:", 0) == 0;
        if (!by_parameter && (dot == std::string::npos || dot < colon))
            throw ProbeError("signal '" + name + "': expected bit:<word>.<bit>");
        // param_bit:<N> looks for the parameter's bit in the whole map.
        const std::string word = dot == std::string::npos ? "" : name.substr(colon + 1, dot - colon - 1);
        const std::string bit = dot == std::string::npos ? name.substr(colon + 1) : name.substr(dot + 1);
        if (!by_parameter) return [&port, word, bit] { return port.bit(word, bit) ? 1.0 : 0.0; };
        char* end = nullptr;
        const long parameter = std::strtol(bit.c_str(), &end, 10);
        if (bit.empty() || *end != '\0' || parameter < 1)
            throw ProbeError("signal '" + name + "': expected param_bit:<parameter number> or param_bit:<word>.<parameter number>");
        return [&port, word, parameter] { return port.flag(word, static_cast<int>(parameter)) ? 1.0 : 0.0; };
    }
    throw ProbeError(std::string("unknown signal '") + name + "' (" + kNames + ")");
}

}  // namespace bmshil::rig
