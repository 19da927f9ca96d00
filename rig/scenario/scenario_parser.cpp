#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "scenario.h"

namespace bmshil::rig::scenario {
namespace {

class Parser {
public:
    explicit Parser(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        std::ostringstream msg;
        msg << file_;
        if (at.Mark().line >= 0) msg << ":" << at.Mark().line + 1;
        msg << ": " << what;
        throw ScenarioError(msg.str());
    }

    void keys(const YAML::Node& map, const std::string& where, const std::set<std::string>& allowed) {
        if (!map.IsMap()) fail(map, where + ": expected a mapping");
        for (const auto& kv : map) {
            const auto key = kv.first.as<std::string>();
            if (!allowed.count(key)) {
                std::string list;
                for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                fail(kv.first, where + ": unknown key '" + key + "' (expected one of: " + list + ")");
            }
        }
    }

    std::string text(const YAML::Node& node, const std::string& what) {
        if (!node.IsScalar()) fail(node, "expected " + what);
        return node.Scalar();
    }

    double number(const YAML::Node& node, const std::string& what) {
        if (!node.IsScalar()) fail(node, "expected " + what);
        char* end = nullptr;
        const double v = std::strtod(node.Scalar().c_str(), &end);
        if (end == node.Scalar().c_str() || *end != '\0' || !std::isfinite(v))
            fail(node, "expected " + what + ", got '" + node.Scalar() + "'");
        return v;
    }

    double duration(const YAML::Node& node, const std::string& what) {
        try {
            return parse_duration(text(node, what + " (a duration such as '10 s')"));
        } catch (const ScenarioError& e) {
            fail(node, what + ": " + e.what());
        }
    }

    bool on_off(const YAML::Node& node, const std::string& what) {
        const std::string t = text(node, what + " (on or off)");
        if (t == "on" || t == "true" || t == "yes") return true;
        if (t == "off" || t == "false" || t == "no") return false;
        fail(node, what + ": expected on or off, got '" + t + "'");
    }

    Condition condition(const YAML::Node& node) {
        try {
            return parse_condition(text(node, "a condition such as 'discharge_fet == off'"));
        } catch (const ScenarioError& e) {
            fail(node, e.what());
        }
    }

    CellSetting cell(const YAML::Node& node) {
        keys(node, "cell", {"cell", "soc", "capacity_scale", "resistance_scale", "self_discharge_scale"});
        CellSetting c;
        if (!node["cell"]) fail(node, "cell: missing key 'cell' (1-16)");
        c.cell = static_cast<int>(number(node["cell"], "a cell number"));
        if (c.cell < 1 || c.cell > 16) fail(node["cell"], "cell: expected 1-16, got " + node["cell"].Scalar());
        if (node["soc"]) c.soc = ranged(node["soc"], "soc", 0.0, 1.0);
        if (node["capacity_scale"]) c.capacity_scale = ranged(node["capacity_scale"], "capacity_scale", 0.1, 2.0);
        if (node["resistance_scale"]) c.resistance_scale = ranged(node["resistance_scale"], "resistance_scale", 0.1, 20.0);
        if (node["self_discharge_scale"])
            c.self_discharge_scale = ranged(node["self_discharge_scale"], "self_discharge_scale", 0.0, 1000.0);
        return c;
    }

    double ranged(const YAML::Node& node, const std::string& what, double lo, double hi) {
        const double v = number(node, what);
        if (v < lo || v > hi) {
            std::ostringstream m;
            m << what << ": " << v << " outside [" << lo << ", " << hi << "]";
            fail(node, m.str());
        }
        return v;
    }

    PackSetup pack(const YAML::Node& node) {
        keys(node, "pack", {"soc", "temperature_degC", "ambient_degC", "spread", "cells"});
        PackSetup p;
        if (node["soc"]) p.soc = ranged(node["soc"], "pack soc", 0.0, 1.0);
        if (node["temperature_degC"]) p.temperature_degC = ranged(node["temperature_degC"], "temperature_degC", -40, 80);
        if (node["ambient_degC"]) p.ambient_degC = ranged(node["ambient_degC"], "ambient_degC", -40, 80);
        if (node["spread"]) p.spread = on_off(node["spread"], "spread");
        if (node["cells"]) {
            if (!node["cells"].IsSequence()) fail(node["cells"], "cells: expected a list");
            for (const auto& c : node["cells"]) p.cells.push_back(cell(c));
        }
        return p;
    }

    WriteRegister write(const YAML::Node& key, const YAML::Node& value) {
        return {text(key, "a register name"), number(value, "a value")};
    }

    Step step(const YAML::Node& node) {
        if (!node.IsMap() || node.size() != 1)
            fail(node, "a step is a mapping with one action: wait, wait_until, charger, load, ambient, ntc, cell, "
                       "button, mark, write, expect, repeat");
        const std::string action = node.begin()->first.as<std::string>();
        const YAML::Node body = node.begin()->second;
        Step s;
        s.line = node.Mark().line + 1;
        if (action == "wait") {
            s.action = Wait{duration(body, "wait")};
        } else if (action == "wait_until") {
            keys(body, "wait_until", {"condition", "timeout"});
            if (!body["condition"] || !body["timeout"]) fail(body, "wait_until: needs condition and timeout");
            s.action = WaitUntil{condition(body["condition"]), duration(body["timeout"], "timeout")};
        } else if (action == "charger") {
            keys(body, "charger", {"connected", "voltage_V", "current_A", "overshoot_V"});
            ChargerStep c;
            if (body["connected"]) c.connected = on_off(body["connected"], "connected");
            if (body["voltage_V"]) c.voltage_V = ranged(body["voltage_V"], "voltage_V", 0, 100);
            if (body["current_A"]) c.current_A = ranged(body["current_A"], "current_A", 0, 1000);
            if (body["overshoot_V"]) c.overshoot_V = ranged(body["overshoot_V"], "overshoot_V", 0, 100);
            s.action = c;
        } else if (action == "load") {
            keys(body, "load", {"name", "connected", "current_A", "power_W", "resistance_mohm", "inverter_W"});
            LoadStep l;
            l.name = body["name"] ? text(body["name"], "a load name") : "load";
            if (body["connected"]) l.connected = on_off(body["connected"], "connected");
            int kinds = 0;
            if (body["current_A"]) { l.kind = "current"; l.value = ranged(body["current_A"], "current_A", 0, 10000); ++kinds; }
            if (body["power_W"]) { l.kind = "power"; l.value = ranged(body["power_W"], "power_W", 0, 1e6); ++kinds; }
            if (body["resistance_mohm"]) {
                l.kind = "resistance";
                l.value = ranged(body["resistance_mohm"], "resistance_mohm", 0.01, 1e9) * 1e-3;
                ++kinds;
            }
            if (body["inverter_W"]) { l.kind = "inverter"; l.value = ranged(body["inverter_W"], "inverter_W", 0, 1e6); ++kinds; }
            if (kinds > 1) fail(body, "load: give one of current_A, power_W, resistance_mohm, inverter_W");
            if (kinds == 0 && l.connected) fail(body, "load: connecting needs one of current_A, power_W, resistance_mohm, inverter_W");
            s.action = l;
        } else if (action == "ambient") {
            keys(body, "ambient", {"degC", "over"});
            if (!body["degC"]) fail(body, "ambient: missing key 'degC'");
            AmbientStep a{ranged(body["degC"], "degC", -40, 90), 0.0};
            if (body["over"]) a.over_s = duration(body["over"], "over");
            s.action = a;
        } else if (action == "ntc") {
            keys(body, "ntc", {"sensor", "state"});
            static const std::map<std::string, int> sensors{{"cell_1", 0}, {"cell_2", 1}, {"cell_3", 2},
                                                            {"cell_4", 3}, {"ambient", 4}, {"power", 5}};
            if (!body["sensor"] || !body["state"]) fail(body, "ntc: needs sensor and state");
            const std::string name = text(body["sensor"], "a sensor");
            if (!sensors.count(name)) fail(body["sensor"], "ntc: sensor is one of cell_1..cell_4, ambient, power; got '" + name + "'");
            const std::string state = text(body["state"], "a state");
            if (state != "ok" && state != "open" && state != "short")
                fail(body["state"], "ntc: state is ok, open or short; got '" + state + "'");
            s.action = NtcFaultStep{sensors.at(name), state};
        } else if (action == "cell") {
            s.action = CellStep{cell(body)};
        } else if (action == "button") {
            keys(body, "button", {"hold", "held"});
            ButtonStep b;
            if (body["hold"]) b.hold_s = duration(body["hold"], "hold");
            if (body["held"]) {
                if (body["hold"]) fail(body, "button: give hold (press and release) or held (on/off), not both");
                b.hold_s = -1.0;
                b.held = on_off(body["held"], "held");
            }
            s.action = b;
        } else if (action == "mark") {
            s.action = Mark{text(body, "a mark name")};
        } else if (action == "write") {
            keys(body, "write", {"register", "value"});
            if (!body["register"] || !body["value"]) fail(body, "write: needs register and value");
            s.action = write(body["register"], body["value"]);
        } else if (action == "expect") {
            s.action = expect(body);
        } else if (action == "repeat") {
            keys(body, "repeat", {"times", "steps"});
            if (!body["times"] || !body["steps"]) fail(body, "repeat: needs times and steps");
            Repeat r;
            r.times = static_cast<int>(ranged(body["times"], "times", 1, 100000));
            r.steps = steps(body["steps"]);
            s.action = std::move(r);
        } else {
            fail(node, "unknown action '" + action +
                           "' (expected wait, wait_until, charger, load, ambient, ntc, cell, button, mark, write, expect, repeat)");
        }
        return s;
    }

    Expect expect(const YAML::Node& body) {
        keys(body, "expect", {"condition", "within", "after", "holds_for", "safety", "parameter", "switch"});
        Expect e;
        if (body["parameter"]) e.parameter = static_cast<int>(ranged(body["parameter"], "parameter", 1, 87));
        if (body["switch"]) e.switch_number = static_cast<int>(ranged(body["switch"], "switch", 1, 64));
        if (body["safety"]) {
            const std::string kind = text(body["safety"], "a safety finding kind or none");
            static const std::set<std::string> kinds{"none", "charge_below_min_temperature", "cell_over_voltage",
                                                     "cell_under_voltage", "cell_over_temperature"};
            if (!kinds.count(kind)) fail(body["safety"], "expect safety: unknown kind '" + kind + "'");
            e.safety = kind;
            if (body["condition"] || body["within"] || body["holds_for"])
                fail(body, "expect: safety stands alone");
            return e;
        }
        if (!body["condition"]) fail(body, "expect: needs condition (or safety)");
        e.condition = condition(body["condition"]);
        if (body["within"] && body["holds_for"]) fail(body, "expect: give within or holds_for, not both");
        if (body["within"]) {
            const YAML::Node w = body["within"];
            if (!w.IsSequence() || w.size() != 2) fail(w, "within: expected [min, max] durations");
            e.within_min_s = duration(w[0], "within min");
            e.within_max_s = duration(w[1], "within max");
            if (e.within_max_s < e.within_min_s) fail(w, "within: max is before min");
            if (body["after"]) e.after = text(body["after"], "a mark name");
        } else if (body["holds_for"]) {
            e.holds_for_s = duration(body["holds_for"], "holds_for");
        } else {
            fail(body, "expect: needs within [min, max] or holds_for");
        }
        return e;
    }

    std::vector<Step> steps(const YAML::Node& node) {
        if (!node.IsSequence()) fail(node, "steps: expected a list");
        std::vector<Step> out;
        for (const auto& s : node) out.push_back(step(s));
        return out;
    }

    Scenario scenario(const YAML::Node& root) {
        keys(root, "scenario", {"name", "description", "seed", "pack", "settings", "steps", "timeout"});
        Scenario s;
        s.file = file_;
        if (!root["name"]) fail(root, "missing key 'name'");
        s.name = text(root["name"], "a name");
        if (root["description"]) s.description = text(root["description"], "a description");
        if (root["seed"]) s.seed = static_cast<unsigned long long>(ranged(root["seed"], "seed", 0, 1e15));
        if (root["pack"]) s.pack = pack(root["pack"]);
        if (root["settings"]) {
            if (!root["settings"].IsMap()) fail(root["settings"], "settings: expected register: value pairs");
            for (const auto& kv : root["settings"]) s.settings.push_back(write(kv.first, kv.second));
        }
        if (root["timeout"]) s.timeout_s = duration(root["timeout"], "timeout");
        if (!root["steps"]) fail(root, "missing key 'steps'");
        s.steps = steps(root["steps"]);
        return s;
    }

private:
    std::string file_;
};

}  // namespace

double parse_duration(const std::string& text) {
    std::istringstream in(text);
    double value = 0.0;
    std::string unit;
    if (!(in >> value) || !(in >> unit) || !std::isfinite(value) || value < 0)
        throw ScenarioError("expected a duration such as '10 s', got '" + text + "'");
    std::string rest;
    if (in >> rest) throw ScenarioError("expected a duration such as '10 s', got '" + text + "'");
    static const std::map<std::string, double> units{{"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0},  {"min", 60.0},
                                                     {"h", 3600.0}, {"d", 86400.0}};
    const auto it = units.find(unit);
    if (it == units.end()) throw ScenarioError("unknown time unit '" + unit + "' (us, ms, s, min, h, d)");
    return value * it->second;
}

Condition parse_condition(const std::string& text) {
    std::istringstream in(text);
    Condition c;
    c.text = text;
    std::string value;
    if (!(in >> c.signal >> c.op >> value))
        throw ScenarioError("expected a condition 'signal op value', got '" + text + "'");
    if (c.op == "-") {  // a - b op value
        c.minus = value;
        if (!(in >> c.op >> value))
            throw ScenarioError("expected 'a - b op value', got '" + text + "'");
    }
    static const std::set<std::string> ops{"==", "!=", "<", "<=", ">", ">="};
    if (!ops.count(c.op)) throw ScenarioError("unknown operator '" + c.op + "' in '" + text + "'");
    if (value == "on" || value == "true") {
        c.value = 1.0;
    } else if (value == "off" || value == "false") {
        c.value = 0.0;
    } else {
        char* end = nullptr;
        c.value = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') throw ScenarioError("expected a number or on/off, got '" + value + "'");
    }
    std::string rest;
    if (in >> rest) throw ScenarioError("unexpected '" + rest + "' after the condition '" + text + "'");
    return c;
}

Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& e) {
        throw ScenarioError(file_name + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax: " + e.msg);
    }
    return Parser(file_name).scenario(root);
}

Scenario load_scenario(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ScenarioError(path + ": cannot open scenario");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_scenario(buffer.str(), path);
}

}  // namespace bmshil::rig::scenario
