// A scenario as written in YAML: the pack to start from, the firmware settings,
// and a list of steps (actions, waits, expectations, loops). See
// scenarios/README.md for the language.
//
// Numbers in steps are expressions (expression.h) that may refer to the
// parameters and switches in force (`p70 + 0.2 s`, `p64 - 4 mV`); they are
// checked when the file is read and evaluated when the step runs, with the
// values in force then (a scenario's own writes included).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "expression.h"

namespace bmshil::rig::oracle {
class Spec;
}

namespace bmshil::rig::scenario {

// Bad input: "file:line: what was expected".
class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// signal <op> value, e.g. "discharge_fet == off", "cell_max_V >= p5 - 10 mV",
// "reg:cell_ov_protection == 1", or a difference "reg:cell_09_voltage - cell9_V < 5 mV".
struct Condition {
    std::string signal;
    std::string minus;  // optional: "a - b op value" compares a difference of two signals
    std::string op;     // ==, !=, <, <=, >, >=
    Expr value;
    std::string text;   // as written
};

struct CellSetting {
    int cell = 0;  // 1-based
    std::optional<double> soc, capacity_scale, resistance_scale, self_discharge_scale;
    // Placed at rest at this voltage, as a cell emulator would (instead of soc).
    std::optional<Expr> voltage;
};

struct PackSetup {
    std::optional<double> soc;
    std::optional<Expr> temperature, ambient;  // degC
    std::optional<Expr> cell_voltage;          // every cell placed at rest at this voltage
    bool spread = true;
    std::vector<CellSetting> cells;
};

struct Wait { Expr duration; };
struct WaitUntil { Condition condition; Expr timeout; };
struct ChargerStep {
    bool connected = true;
    std::optional<Expr> voltage, current, overshoot;
};
struct LoadStep {
    std::string name;
    bool connected = true;
    std::string kind;        // current, power, resistance, inverter
    std::optional<Expr> value;  // current (A), power (W, a bare number), resistance, inverter power (W)
};
struct AmbientStep {
    Expr degC;
    std::optional<Expr> over;  // none: a step; otherwise a linear ramp over this time
};
struct NtcFaultStep {
    int ntc = 0;            // 0..5: cell_1..cell_4, ambient, power
    std::string state;      // ok, open, short; "" leaves the wiring as it is
    // The part drifts: R25 times this, and its Beta (K) now this.
    std::optional<Expr> r25_scale, beta_K;
};
// The sense wire at the junction above a cell comes off or back (model/afe.h).
struct SenseWireStep {
    int above_cell = 0;     // 1..cells-1
    bool open = true;
};
// The shunt channel's offset drifts to this beyond the part's own, at once or
// linearly over a time.
struct ShuntStep {
    Expr offset;            // A
    std::optional<Expr> over;
};
struct CellStep { CellSetting setting; };
struct ButtonStep {
    std::optional<Expr> hold;  // press, hold, release; none: set `held` and leave it
    bool held = false;
};
// A point in time to count windows from; it can also record signals, which
// conditions then read as `at:<mark>:<signal>` (the value when the mark was
// passed): "reg:history_count - at:before:reg:history_count == 2".
struct Mark {
    std::string name;
    std::vector<std::string> record;
};
struct WriteRegister {
    std::string name;
    Expr value;  // in the register's unit when bare; converted when it has a dimension
    // Expect the firmware to refuse the write (an invalid setting): the
    // refusal is a passed finding, an accepted write a failed one.
    bool expect_refusal = false;
    int line = 0;
};
struct PowerCycle {
    // The board loses power for this long and comes back with its storage
    // kept: settings must still be in force afterwards.
    Expr off;
};
struct Expect {
    // One of: a condition that must become true within [within_min, within_max]
    // after the mark `after` (or the step before); a condition that must hold
    // for `holds_for`; or a safety finding (or "none").
    std::optional<Condition> condition;
    std::optional<Expr> within_min, within_max;
    std::string after;
    std::optional<Expr> holds_for;
    std::string safety;  // "" or a SOA kind, or "none"
    // What it verifies, named in the finding: a parameter and/or switch number.
    int parameter = 0;
    int switch_number = 0;
};
struct Step;
struct Repeat { Expr times; std::vector<Step> steps; };

struct Step {
    int line = 0;
    std::variant<Wait, WaitUntil, ChargerStep, LoadStep, AmbientStep, NtcFaultStep, SenseWireStep, ShuntStep, CellStep,
                 ButtonStep, Mark, WriteRegister, Expect, Repeat, PowerCycle>
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

// `spec` gives the parameters and switches expressions may name; without it
// a reference to one is an error.
Scenario load_scenario(const std::string& path, const oracle::Spec* spec = nullptr);
Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name, const oracle::Spec* spec = nullptr);

// "10 s", "200 us", "1.5 h", "30 ms", "2 min", "3 d" -> seconds (a constant).
double parse_duration(const std::string& text);
Condition parse_condition(const std::string& text, const Symbols& symbols = {});

// The symbols of a spec, for Expr::parse.
Symbols symbols_of(const oracle::Spec* spec);

// The dimension a signal's value has, from its name: _V voltage, _A current,
// _degC temperature, time_s time; none for outputs, bits and SOC fractions.
// reg: signals return nullopt (their unit is the register map's).
std::optional<Dimension> signal_dimension(const std::string& signal);

}  // namespace bmshil::rig::scenario
