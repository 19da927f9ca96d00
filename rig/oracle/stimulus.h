// The bench's emulators as the oracle drives them: cell voltage emulators
// (cells placed at rest on the voltage wanted), NTC emulators (the thermal
// node under a sensor held at a temperature), a constant-current charger and
// a constant-current load. A StimulusPlan is what they impose, as plain data,
// so which thresholds a check would cross can be worked out before it runs
// (isolation.h) and unit-tested without a kernel.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog.h"
#include "rig.h"
#include "spec.h"

namespace bmshil::rig::oracle {

struct StimulusPlan {
    std::vector<double> cell_V;       // rested voltage of each cell
    std::vector<double> cell_degC;    // temperature of each cell
    double ambient_degC = 25.0;
    double power_degC = 25.0;
    bool charger_connected = false;
    double charger_V = 0.0;           // the charger's voltage setpoint
    double charge_current_A = 0.0;    // its current limit (CC while below the setpoint)
    double discharge_current_A = 0.0; // a constant-current load, magnitude
    // The state of charge the firmware counts (#60 of #59 at power-on; the
    // checks move too little charge to change it).
    double counted_soc_pct = 50.0;
};

// The value of a catalog quantity the firmware would see under a plan.
// `ntc_cells`: the cells (1-based) the cell NTCs sit on.
double quantity_of(const StimulusPlan& plan, Quantity q, const std::vector<int>& ntc_cells);

// Levels away from every threshold in force: where the cells not under test
// sit, and the temperature of each sensor group when it is not under test.
// Derived from the parameter set, so they hold under any valid set.
struct Levels {
    double parked_cell_V = 0.0;
    double neutral_cell_degC = 0.0;
    double neutral_ambient_degC = 0.0;
    double neutral_power_degC = 0.0;
};
Levels levels_in_force(const ParameterSet& params, std::size_t cell_count);

// A cell emulator's job: the cell rested on the charge branch at the state of
// charge whose open-circuit voltage is v (bisection on the model's own OCV).
void place_cell_at_voltage(model::Pack& pack, std::size_t index, double v);

// A plan as the cells show it after window_s under the plan's current (a
// discharge load or a charger in current limit): each cell's terminal voltage
// after that long from rest at its planned voltage, on the pack's own cells
// (ohmic, charge-transfer, RC and diffusion polarisation). Nothing when the
// plan has no current. A check holds a current for at most its window, so the
// isolation looks at both the rested and the loaded plan.
std::optional<StimulusPlan> loaded_plan(const model::Pack& pack, const StimulusPlan& plan, double window_s);

// Applies plans to a rig; changes only what differs from the last plan.
class Emulators {
public:
    explicit Emulators(Rig& rig) : rig_(rig) {}
    void apply(const StimulusPlan& plan);

private:
    Rig& rig_;
    StimulusPlan last_;
    bool first_ = true;
};

}  // namespace bmshil::rig::oracle
