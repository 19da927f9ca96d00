// spec/INTERPRETATION.md as data (spec/thresholds.csv): for each threshold of
// the manual, what it watches, which way it trips, what it does, how long it
// must persist, what recovers it and which switch enables it. Written from the
// interpretation, never from the firmware; the values come from the
// ParameterSet in force.
#pragma once

#include <string>
#include <vector>

namespace bmshil::rig::oracle {

enum class Quantity {
    cell_max_V, cell_min_V, pack_V, terminal_V,
    cell_max_degC, cell_min_degC, ambient_degC, power_degC,
    charge_current_A, discharge_current_A,
    cell_spread_V,  // highest minus lowest cell
};
constexpr Quantity kQuantities[] = {
    Quantity::cell_max_V,    Quantity::cell_min_V,    Quantity::pack_V,       Quantity::terminal_V,
    Quantity::cell_max_degC, Quantity::cell_min_degC, Quantity::ambient_degC, Quantity::power_degC,
    Quantity::charge_current_A, Quantity::discharge_current_A, Quantity::cell_spread_V,
};
const char* to_string(Quantity q);  // what it is, in words
const char* key_of(Quantity q);     // as in spec/thresholds.csv: cell_max_V, ...
const char* unit_of(Quantity q);
bool is_temperature(Quantity q);
bool is_current(Quantity q);

// How the rig sees the reaction: a FET, or a flag over the port where the
// manual names no FET (alarms, failures) or the FET is already open.
enum class Reaction { alarm, open_charge, open_discharge, open_both, protection_flag, fault_flag };
const char* to_string(Reaction r);
const char* key_of(Reaction r);
// Whether the reaction is a FET opening (seen on the power stage) rather than a flag.
bool opens_a_fet(Reaction r);

enum class DelaySource {
    voltage_confirmation,      // INTERPRETATION.md: 1000 ms
    temperature_confirmation,  // INTERPRETATION.md: 2000 ms
    parameter,                 // a parameter in seconds (#67, #68) or ms (#69)
    unspecified,               // the manual gives none (current alarms): any delay up to `delay_parameter`
};

// One row of spec/thresholds.csv.
struct Threshold {
    int trip = 0;            // parameter number of the trip value
    int recovery = 0;        // parameter number of the recovery value (0: recovers by time, #70)
    int switch_number = 0;   // the switch that enables it
    Quantity quantity = Quantity::cell_max_V;
    int direction = +1;      // +1 trips at or above, -1 at or below (magnitudes for currents)
    Reaction reaction = Reaction::alarm;
    DelaySource delay = DelaySource::voltage_confirmation;
    int delay_parameter = 0;
    std::string name;
};

// The confirmation delays INTERPRETATION.md fixes for voltage and temperature.
constexpr double kVoltageConfirmation_s = 1.0;
constexpr double kTemperatureConfirmation_s = 2.0;

// Reads spec/thresholds.csv; throws SpecError naming the file, line and field.
std::vector<Threshold> load_thresholds(const std::string& path);

}  // namespace bmshil::rig::oracle
