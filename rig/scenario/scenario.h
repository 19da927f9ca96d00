// A scenario as written in YAML: the pack to start from, the firmware settings,
// and a list of steps (actions, waits, expectations, loops). See
// scenarios/README.md for the language.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace bmshil::rig::scenario {

// Bad input: "file:line: what was expected".
class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// signal <op> value, e.g. "discharge_fet == off", "cell_max_V >= 3.65",
// "reg:cell_ov_protection == 1", or a difference "reg:cell_09_voltage - cell9_V < 0.005".
struct Condition {
    std::string signal;
    std::string minus;  // optional: "a - b op value" compares a difference of two signals
    std::string op;  // ==, !=, <, <=, >, >=
    double value = 0.0;
    std::string text;  // as written
};

struct CellSetting {
    int cell = 0;  // 1-based
    std::optional<double> soc, capacity_scale, resistance_scale, self_discharge_scale;
};

struct PackSetup {
    std::optional<double> soc, temperature_degC, ambient_degC;
    bool spread = true;
    std::vector<CellSetting> cells;
};

struct Wait { double duration_s; };
struct WaitUntil { Condition condition; double timeout_s; };
struct ChargerStep {
    bool connected = true;
    std::optional<double> voltage_V, current_A, overshoot_V;
};
struct LoadStep {
    std::string name;
    bool connected = true;
    std::string kind;  // current, power, resistance, inverter
    double value = 0.0;  // A, W, ohm, W
};
struct AmbientStep {
    double degC = 25.0;
    double over_s = 0.0;  // 0 = a step; otherwise a linear ramp over this time
};
struct NtcFaultStep {
    int ntc = 0;            // 0..5: cell_1..cell_4, ambient, power
    std::string state;      // ok, open, short
};
struct CellStep { CellSetting setting; };
struct ButtonStep {
    double hold_s = 0.5;  // press, hold, release; < 0: set `held` and leave it
    bool held = false;
};
struct Mark { std::string name; };
struct WriteRegister { std::string name; double value = 0.0; };
struct Expect {
    // One of: a condition that must become true within [within_min_s, within_max_s]
    // after the mark `after` (or the step before); a condition that must hold
    // for `holds_for_s`; or a safety finding (or "none").
    std::optional<Condition> condition;
    double within_min_s = 0.0, within_max_s = 0.0;
    std::string after;
    double holds_for_s = 0.0;
    std::string safety;  // "" or a SOA kind, or "none"
    // What it verifies, named in the finding: a parameter and/or switch number.
    int parameter = 0;
    int switch_number = 0;
};
struct Step;
struct Repeat { int times = 1; std::vector<Step> steps; };

struct Step {
    int line = 0;
    std::variant<Wait, WaitUntil, ChargerStep, LoadStep, AmbientStep, NtcFaultStep, CellStep, ButtonStep, Mark,
                 WriteRegister, Expect, Repeat>
        action;
};

struct Scenario {
    std::string file;
    std::string name;
    std::string description;
    std::optional<unsigned long long> seed;
    PackSetup pack;
    std::vector<WriteRegister> settings;  // written over the port before the steps
    std::vector<Step> steps;
    double timeout_s = 0.0;  // wall-clock guard for a hung firmware (0 = the runner's default)
};

Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name);

// "10 s", "200 us", "1.5 h", "30 ms", "2 min", "3 d" -> seconds.
double parse_duration(const std::string& text);
Condition parse_condition(const std::string& text);

}  // namespace bmshil::rig::scenario
