// Plays a scenario on a rig and judges its expectations.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "oracle/spec.h"
#include "probes.h"
#include "rig.h"
#include "scenario.h"
#include "verdict.h"

namespace bmshil::rig::scenario {

using rig::PortAccess;

// The rig configuration a scenario asks for (pack state, seed), its
// expressions evaluated with the parameter set in force.
RigConfig configure(const Scenario& s, RigConfig base, const oracle::ParameterSet& in_force);
// The values of a parameter set, for Expr::evaluate.
Values values_of(const oracle::ParameterSet& set);

// An expression's value `v` (SI when it has a dimension) in the unit of
// register `reg`: a bare number as written, a value with a unit converted.
// Throws ScenarioError when the register's unit is not of that dimension.
double in_register_unit(const std::string& reg, const std::string& unit, const Expr& e, double v);

class ScenarioRunner {
public:
    // `in_force`: the parameter set the board runs with; the scenario's own
    // writes of parameter and switch registers update the runner's copy, so
    // expressions see the values in force at each step.
    ScenarioRunner(Rig& rig, PortAccess port, const oracle::ParameterSet& in_force);

    // Runs every step; expectations become findings; the model's own safety
    // findings are added at the end.
    ScenarioResult run(const Scenario& s);

    // One step outside a scenario: the Python rig drives its inputs this way,
    // so a charger or a load means the same there as in a scenario file.
    // Findings of an expect or a wait_until go to `out`.
    void apply(const Step& step, ScenarioResult& out);
    // The parameter set in force (the runner's copy), and a new one after the
    // caller wrote it to the board.
    const oracle::ParameterSet& parameters() const { return params_; }
    void set_parameters(const oracle::ParameterSet& set) { params_ = set; }
    Probes& probes() { return probes_; }

    // A signal's value now (probes.h): outputs, model truth, or the port.
    double signal(const std::string& name);
    bool holds(const Condition& c);
    // An expression's value in SI (or bare), with the values in force now.
    double value(const Expr& e) const;

private:
    void execute(const Step& step, const Scenario& s, ScenarioResult& out);
    void execute_step(const Step& step, const Scenario& s, ScenarioResult& out);
    void expect(const Expect& e, int line, const Scenario& s, ScenarioResult& out);
    void write(const WriteRegister& w, const Scenario& s, ScenarioResult& out);
    void write_settings(const Scenario& s, ScenarioResult& out);
    // The value to write, in the register's unit.
    double register_value(const std::string& reg, const Expr& e) const;
    void power_cycle(double off_s);
    void set_cell(const CellSetting& c);

    Rig& rig_;
    PortAccess port_;
    Probes probes_;
    oracle::ParameterSet params_;
    Values values_;
    std::map<std::string, double> marks_;
    std::map<std::string, double> recorded_;  // "at:<mark>:<signal>" -> value at the mark
};

}  // namespace bmshil::rig::scenario
