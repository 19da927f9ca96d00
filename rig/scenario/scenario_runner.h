// Plays a scenario on a rig and judges its expectations.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "rig.h"
#include "scenario.h"
#include "verdict.h"

namespace bmshil::rig::scenario {

// The board's port as the runner uses it: register reads and writes by name.
// Supplied by the observer (libmodbus); a run without it cannot use reg: signals.
struct PortAccess {
    std::function<double(const std::string& name)> read;
    std::function<void(const std::string& name, double value)> write;
    // Whether the bit of `word` that the register map assigns to parameter #N is set.
    std::function<bool(const std::string& word, int parameter)> flag;
    // Whether the named bit of a bit word is set ("fault_bits", "short_circuit_lock").
    std::function<bool(const std::string& word, const std::string& bit)> bit;
    // Turns a function switch on or off through its register.
    std::function<void(int number, bool on)> write_switch;
};

// The rig configuration a scenario asks for (pack state, seed).
RigConfig configure(const Scenario& s, RigConfig base);

class ScenarioRunner {
public:
    ScenarioRunner(Rig& rig, PortAccess port);

    // Runs every step; expectations become findings; the model's own safety
    // findings are added at the end.
    ScenarioResult run(const Scenario& s);

    // A signal's value now: outputs, model truth, or reg:<name> over the port.
    double signal(const std::string& name);
    bool holds(const Condition& c);

private:
    void execute(const Step& step, const Scenario& s, ScenarioResult& out);
    void expect(const Expect& e, int line, const Scenario& s, ScenarioResult& out);
    double cell_extreme(bool max, bool temperature);

    Rig& rig_;
    PortAccess port_;
    std::map<std::string, double> marks_;
};

}  // namespace bmshil::rig::scenario
