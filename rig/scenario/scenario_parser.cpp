#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "oracle/spec.h"
#include "simulated_time.h"
#include "scenario.h"
#include "yaml/guarded_load.h"

namespace bmshil::rig::scenario {
namespace {

class Parser {
public:
    Parser(std::string file, const oracle::Spec* spec) : file_(std::move(file)), symbols_(symbols_of(spec)) {}

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
            if (!kv.first.IsScalar()) fail(kv.first, where + ": a key must be a plain word");
            const auto key = kv.first.Scalar();
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

    // An expression of a dimension; a bare number is taken in the field's
    // unit (`bare_factor` to SI) when allowed. A constant is range-checked
    // here, in SI; one that names parameters when it runs.
    Expr expr(const YAML::Node& node, const std::string& what, Dimension dim, bool bare_allowed, double bare_factor = 1.0,
              double lo = -1e300, double hi = 1e300) {
        const std::string t = text(node, what + " (a number or an expression such as 'p70 + 0.2 s')");
        try {
            Expr e = Expr::parse(t, symbols_);
            check_dimension(e, dim, bare_allowed);
            if (e.is_constant()) {
                const double v = evaluate_as(e, dim, bare_allowed, bare_factor, Values{});
                if (v < lo || v > hi) {
                    std::ostringstream m;
                    m << what << ": " << t << " outside [" << lo / bare_factor << ", " << hi / bare_factor << "]";
                    fail(node, m.str());
                }
                // Stored as the SI constant it stands for, so evaluation needs no factor.
                if (dim != Dimension::none && e.dimension() == Dimension::none) return Expr::constant(v, dim);
            } else if (dim != Dimension::none && e.dimension() == Dimension::none && bare_factor != 1.0) {
                fail(node, what + ": '" + t + "' names parameters but has no unit; give it one");
            }
            return e;
        } catch (const ExpressionError& e) {
            fail(node, what + ": " + e.what());
        }
    }

    Expr duration(const YAML::Node& node, const std::string& what) {
        // (The limit holds for constants here and for expressions when they run.)
        return expr(node, what + " (a duration such as '10 s' or 'p70 + 0.2 s')", Dimension::time, false, 1.0, 0.0,
                    kMaxSimulated_s);
    }

    bool on_off(const YAML::Node& node, const std::string& what) {
        const std::string t = text(node, what + " (on or off)");
        if (t == "on" || t == "true" || t == "yes") return true;
        if (t == "off" || t == "false" || t == "no") return false;
        fail(node, what + ": expected on or off, got '" + t + "'");
    }

    Condition condition(const YAML::Node& node) {
        try {
            return parse_condition(text(node, "a condition such as 'discharge_fet == off'"), symbols_);
        } catch (const ScenarioError& e) {
            fail(node, e.what());
        }
    }

    CellSetting cell(const YAML::Node& node) {
        keys(node, "cell", {"cell", "soc", "voltage_V", "capacity_scale", "resistance_scale", "self_discharge_scale"});
        CellSetting c;
        if (!node["cell"]) fail(node, "cell: missing key 'cell' (1-16)");
        c.cell = static_cast<int>(number(node["cell"], "a cell number"));
        if (c.cell < 1 || c.cell > 16) fail(node["cell"], "cell: expected 1-16, got " + node["cell"].Scalar());
        if (node["soc"]) c.soc = ranged(node["soc"], "soc", 0.0, 1.0);
        if (node["voltage_V"]) {
            if (node["soc"]) fail(node, "cell: give soc or voltage_V, not both");
            c.voltage = expr(node["voltage_V"], "voltage_V", Dimension::voltage, true, 1.0, 1.0, 4.5);
        }
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
        keys(node, "pack", {"soc", "cell_V", "temperature_degC", "ambient_degC", "spread", "cells"});
        PackSetup p;
        if (node["soc"]) p.soc = ranged(node["soc"], "pack soc", 0.0, 1.0);
        if (node["cell_V"]) p.cell_voltage = expr(node["cell_V"], "pack cell_V", Dimension::voltage, true, 1.0, 1.0, 4.5);
        if (node["temperature_degC"])
            p.temperature = expr(node["temperature_degC"], "temperature_degC", Dimension::temperature, true, 1.0, -40, 80);
        if (node["ambient_degC"])
            p.ambient = expr(node["ambient_degC"], "ambient_degC", Dimension::temperature, true, 1.0, -40, 80);
        if (node["spread"]) p.spread = on_off(node["spread"], "spread");
        if (node["cells"]) {
            if (!node["cells"].IsSequence()) fail(node["cells"], "cells: expected a list");
            for (const auto& c : node["cells"]) p.cells.push_back(cell(c));
        }
        return p;
    }

    // A register's value: bare in the register's unit, or with a dimension
    // that the runner converts to the register's unit.
    WriteRegister write(const YAML::Node& key, const YAML::Node& value) {
        const std::string t = text(value, "a value");
        WriteRegister w;
        w.name = text(key, "a register name");
        w.line = key.Mark().line + 1;
        try {
            w.value = Expr::parse(t, symbols_);
        } catch (const ExpressionError& e) {
            fail(value, "value of " + w.name + ": " + e.what());
        }
        return w;
    }

    Step step(const YAML::Node& node) {
        if (!node.IsMap() || node.size() != 1)
            fail(node, "a step is a mapping with one action: wait, wait_until, charger, load, ambient, ntc, "
                       "sense_wire, shunt, cell, button, mark, write, expect, repeat");
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
        } else if (action == "power_cycle") {
            keys(body, "power_cycle", {"off"});
            if (!body["off"]) fail(body, "power_cycle: needs off (how long the board is without power)");
            s.action = PowerCycle{duration(body["off"], "off")};
        } else if (action == "charger") {
            keys(body, "charger", {"connected", "voltage_V", "current_A", "overshoot_V"});
            ChargerStep c;
            if (body["connected"]) c.connected = on_off(body["connected"], "connected");
            if (body["voltage_V"]) c.voltage = expr(body["voltage_V"], "voltage_V", Dimension::voltage, true, 1.0, 0, 100);
            if (body["current_A"]) c.current = expr(body["current_A"], "current_A", Dimension::current, true, 1.0, 0, 1000);
            if (body["overshoot_V"])
                c.overshoot = expr(body["overshoot_V"], "overshoot_V", Dimension::voltage, true, 1.0, 0, 100);
            s.action = c;
        } else if (action == "load") {
            keys(body, "load", {"name", "connected", "current_A", "power_W", "resistance_mohm", "inverter_W"});
            LoadStep l;
            l.name = body["name"] ? text(body["name"], "a load name") : "load";
            if (body["connected"]) l.connected = on_off(body["connected"], "connected");
            int kinds = 0;
            if (body["current_A"]) {
                l.kind = "current";
                l.value = expr(body["current_A"], "current_A", Dimension::current, true, 1.0, 0, 10000);
                ++kinds;
            }
            if (body["power_W"]) {
                l.kind = "power";
                l.value = expr(body["power_W"], "power_W", Dimension::none, true, 1.0, 0, 1e6);
                ++kinds;
            }
            if (body["resistance_mohm"]) {
                l.kind = "resistance";
                l.value = expr(body["resistance_mohm"], "resistance_mohm", Dimension::resistance, true, 1e-3, 1e-5, 1e6);
                ++kinds;
            }
            if (body["inverter_W"]) {
                l.kind = "inverter";
                l.value = expr(body["inverter_W"], "inverter_W", Dimension::none, true, 1.0, 0, 1e6);
                ++kinds;
            }
            if (kinds > 1) fail(body, "load: give one of current_A, power_W, resistance_mohm, inverter_W");
            if (kinds == 0 && l.connected) fail(body, "load: connecting needs one of current_A, power_W, resistance_mohm, inverter_W");
            s.action = l;
        } else if (action == "ambient") {
            keys(body, "ambient", {"degC", "over"});
            if (!body["degC"]) fail(body, "ambient: missing key 'degC'");
            AmbientStep a{expr(body["degC"], "degC", Dimension::temperature, true, 1.0, -40, 90), std::nullopt};
            if (body["over"]) a.over = duration(body["over"], "over");
            s.action = a;
        } else if (action == "ntc") {
            keys(body, "ntc", {"sensor", "state", "r25_scale", "beta_K"});
            static const std::map<std::string, int> sensors{{"cell_1", 0}, {"cell_2", 1}, {"cell_3", 2},
                                                            {"cell_4", 3}, {"ambient", 4}, {"power", 5}};
            if (!body["sensor"]) fail(body, "ntc: needs sensor");
            if (!body["state"] && !body["r25_scale"] && !body["beta_K"])
                fail(body, "ntc: needs state (ok, open, short) or a drift (r25_scale, beta_K)");
            const std::string name = text(body["sensor"], "a sensor");
            if (!sensors.count(name)) fail(body["sensor"], "ntc: sensor is one of cell_1..cell_4, ambient, power; got '" + name + "'");
            NtcFaultStep n{sensors.at(name), "", std::nullopt, std::nullopt};
            if (body["state"]) {
                n.state = text(body["state"], "a state");
                if (n.state != "ok" && n.state != "open" && n.state != "short")
                    fail(body["state"], "ntc: state is ok, open or short; got '" + n.state + "'");
            }
            if (body["r25_scale"]) n.r25_scale = expr(body["r25_scale"], "r25_scale", Dimension::none, true, 1.0, 0.01, 100);
            if (body["beta_K"]) n.beta_K = expr(body["beta_K"], "beta_K", Dimension::none, true, 1.0, 1000, 10000);
            s.action = n;
        } else if (action == "sense_wire") {
            keys(body, "sense_wire", {"above_cell", "state"});
            if (!body["above_cell"] || !body["state"]) fail(body, "sense_wire: needs above_cell and state (open, ok)");
            SenseWireStep w;
            const double above = ranged(body["above_cell"], "above_cell", 1, 31);
            if (above != std::floor(above)) fail(body["above_cell"], "above_cell: expected a whole cell number");
            w.above_cell = static_cast<int>(above);
            const std::string state = text(body["state"], "a state");
            if (state != "ok" && state != "open") fail(body["state"], "sense_wire: state is open or ok; got '" + state + "'");
            w.open = state == "open";
            s.action = w;
        } else if (action == "shunt") {
            keys(body, "shunt", {"offset_A", "over"});
            if (!body["offset_A"]) fail(body, "shunt: missing key 'offset_A'");
            ShuntStep sh{expr(body["offset_A"], "offset_A", Dimension::current, true, 1.0, -1000, 1000), std::nullopt};
            if (body["over"]) sh.over = duration(body["over"], "over");
            s.action = sh;
        } else if (action == "cell") {
            s.action = CellStep{cell(body)};
        } else if (action == "button") {
            keys(body, "button", {"hold", "held"});
            ButtonStep b;
            b.hold = Expr::constant(0.5, Dimension::time);
            if (body["hold"]) b.hold = duration(body["hold"], "hold");
            if (body["held"]) {
                if (body["hold"]) fail(body, "button: give hold (press and release) or held (on/off), not both");
                b.hold.reset();
                b.held = on_off(body["held"], "held");
            }
            s.action = b;
        } else if (action == "mark") {
            if (body.IsScalar()) {
                s.action = Mark{text(body, "a mark name"), {}};
            } else {
                keys(body, "mark", {"name", "record"});
                if (!body["name"]) fail(body, "mark: needs name");
                Mark m{text(body["name"], "a mark name"), {}};
                if (body["record"]) {
                    if (!body["record"].IsSequence()) fail(body["record"], "mark record: expected a list of signals");
                    for (const auto& sig : body["record"]) m.record.push_back(text(sig, "a signal"));
                }
                s.action = m;
            }
        } else if (action == "write") {
            keys(body, "write", {"register", "value", "refused"});
            if (!body["register"] || !body["value"]) fail(body, "write: needs register and value");
            WriteRegister w = write(body["register"], body["value"]);
            if (body["refused"]) w.expect_refusal = on_off(body["refused"], "refused");
            s.action = w;
        } else if (action == "expect") {
            s.action = expect(body);
        } else if (action == "repeat") {
            keys(body, "repeat", {"times", "steps"});
            if (!body["times"] || !body["steps"]) fail(body, "repeat: needs times and steps");
            Repeat r;
            r.times = expr(body["times"], "times", Dimension::none, true, 1.0, 0, 100000);
            if (r.times.is_constant()) {
                const double n = r.times.evaluate(Values{});
                if (n != std::floor(n)) fail(body["times"], "times: expected a whole number, got " + r.times.text());
            }
            r.steps = steps(body["steps"]);
            s.action = std::move(r);
        } else {
            fail(node, "unknown action '" + action +
                           "' (expected wait, wait_until, charger, load, ambient, ntc, sense_wire, shunt, cell, button, "
                           "mark, write, expect, repeat)");
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
            e.within_min = duration(w[0], "within min");
            e.within_max = duration(w[1], "within max");
            if (e.within_min->is_constant() && e.within_max->is_constant() &&
                e.within_max->evaluate(Values{}) < e.within_min->evaluate(Values{}))
                fail(w, "within: max is before min");
            if (body["after"]) e.after = text(body["after"], "a mark name");
        } else if (body["holds_for"]) {
            e.holds_for = duration(body["holds_for"], "holds_for");
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
        if (root["timeout"]) {
            const Expr t = duration(root["timeout"], "timeout");
            if (!t.is_constant()) fail(root["timeout"], "timeout: a wall-clock guard cannot depend on parameters");
            s.timeout_s = t.evaluate(Values{});
            if (!(s.timeout_s > 0.0)) fail(root["timeout"], "timeout: a wall-clock guard of 0 s would stop every run");
        }
        if (!root["steps"]) fail(root, "missing key 'steps'");
        s.steps = steps(root["steps"]);
        return s;
    }

private:
    std::string file_;
    Symbols symbols_;
};

}  // namespace

Symbols symbols_of(const oracle::Spec* spec) {
    Symbols s;
    if (spec == nullptr) return s;
    s.parameter_unit = [spec](int n) -> std::optional<std::string> {
        const auto it = spec->parameters().find(n);
        if (it == spec->parameters().end()) return std::nullopt;
        return it->second.unit;
    };
    s.switch_exists = [spec](int n) { return spec->switches().count(n) != 0; };
    return s;
}

std::optional<Dimension> signal_dimension(const std::string& name) {
    // A value recorded at a mark has the dimension of the signal recorded.
    std::string signal = name;
    if (signal.rfind("at:", 0) == 0) {
        const auto colon = signal.find(':', 3);
        if (colon != std::string::npos) signal = signal.substr(colon + 1);
    }
    const auto ends = [&](const char* suffix) {
        const std::string s = suffix;
        return signal.size() >= s.size() && signal.compare(signal.size() - s.size(), s.size(), s) == 0;
    };
    if (signal.rfind("reg:", 0) == 0) return std::nullopt;
    if (signal.rfind("bit:", 0) == 0 || signal.rfind("param_bit:", 0) == 0) return Dimension::none;
    if (signal == "time_s") return Dimension::time;
    if (ends("_V")) return Dimension::voltage;
    if (ends("_A")) return Dimension::current;
    if (ends("_degC")) return Dimension::temperature;
    return Dimension::none;
}

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

Condition parse_condition(const std::string& text, const Symbols& symbols) {
    std::istringstream in(text);
    Condition c;
    c.text = text;
    if (!(in >> c.signal >> c.op)) throw ScenarioError("expected a condition 'signal op value', got '" + text + "'");
    if (c.op == "-") {  // a - b op value
        if (!(in >> c.minus >> c.op)) throw ScenarioError("expected 'a - b op value', got '" + text + "'");
    }
    static const std::set<std::string> ops{"==", "!=", "<", "<=", ">", ">="};
    if (!ops.count(c.op)) throw ScenarioError("unknown operator '" + c.op + "' in '" + text + "'");
    std::string rest;
    std::getline(in, rest);
    const auto first = rest.find_first_not_of(" \t");
    rest = first == std::string::npos ? "" : rest.substr(first, rest.find_last_not_of(" \t") - first + 1);
    if (rest.empty()) throw ScenarioError("expected a value after '" + c.op + "' in '" + text + "'");
    if (rest == "on" || rest == "true") {
        c.value = Expr::constant(1.0, Dimension::none);
        return c;
    }
    if (rest == "off" || rest == "false") {
        c.value = Expr::constant(0.0, Dimension::none);
        return c;
    }
    try {
        c.value = Expr::parse(rest, symbols);
        // A value with a unit must match the signal's; a bare number is in the signal's own unit.
        if (const auto dim = signal_dimension(c.signal)) check_dimension(c.value, *dim, true);
    } catch (const ExpressionError& e) {
        throw ScenarioError("in the condition '" + text + "': " + e.what());
    }
    return c;
}

Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name, const oracle::Spec* spec) {
    YAML::Node root;
    try {
        root = yaml::load(yaml_text, file_name);
    } catch (const yaml::YamlInputError& e) {
        throw ScenarioError(e.what());
    }
    try {
        return Parser(file_name, spec).scenario(root);
    } catch (const YAML::Exception& e) {
        // A shape the parser did not foresee (found by the fuzz target): still
        // the file and line, never an exception without a place.
        throw ScenarioError(file_name + (e.mark.line >= 0 ? ":" + std::to_string(e.mark.line + 1) : "") + ": " + e.msg);
    }
}

Scenario load_scenario(const std::string& path, const oracle::Spec* spec) {
    std::ifstream in(path);
    if (!in) throw ScenarioError(path + ": cannot open scenario");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_scenario(buffer.str(), path, spec);
}

}  // namespace bmshil::rig::scenario
