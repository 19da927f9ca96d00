#include "catalog.h"

namespace bmshil::rig::oracle {

const char* to_string(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V: return "highest cell voltage";
        case Quantity::cell_min_V: return "lowest cell voltage";
        case Quantity::pack_V: return "total voltage (sum of cells)";
        case Quantity::terminal_V: return "pack terminal voltage (charger side)";
        case Quantity::cell_max_degC: return "hottest cell temperature";
        case Quantity::cell_min_degC: return "coldest cell temperature";
        case Quantity::ambient_degC: return "ambient temperature";
        case Quantity::power_degC: return "power (MOSFET) temperature";
        case Quantity::charge_current_A: return "charge current";
        case Quantity::discharge_current_A: return "discharge current (magnitude)";
        case Quantity::cell_spread_V: return "cell voltage difference";
    }
    return "?";
}

const char* unit_of(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V:
        case Quantity::pack_V:
        case Quantity::terminal_V:
        case Quantity::cell_spread_V: return "V";
        case Quantity::charge_current_A:
        case Quantity::discharge_current_A: return "A";
        default: return "degC";
    }
}

const char* to_string(Reaction r) {
    switch (r) {
        case Reaction::alarm: return "alarm flag";
        case Reaction::open_charge: return "charge FET opens";
        case Reaction::open_discharge: return "discharge FET opens";
        case Reaction::open_both: return "both FETs open";
        case Reaction::protection_flag: return "protection flag";
        case Reaction::fault_flag: return "failure flag";
    }
    return "?";
}

const std::vector<Threshold>& thresholds() {
    using Q = Quantity;
    using R = Reaction;
    constexpr auto V = DelaySource::voltage_confirmation;
    constexpr auto T = DelaySource::temperature_confirmation;
    constexpr auto P = DelaySource::parameter;
    constexpr auto U = DelaySource::unspecified;
    // Groups of INTERPRETATION.md, in its order. Discharge thresholds of the
    // manual are negative currents; "exceeds" means larger in magnitude.
    static const std::vector<Threshold> table{
        // 1-4, 11-14: alarms; 5-8, 15-18: protections.
        {1, 2, 9, Q::cell_max_V, +1, R::alarm, V, 0, "cell high voltage alarm"},
        {3, 4, 11, Q::cell_min_V, -1, R::alarm, V, 0, "cell low voltage alarm"},
        {5, 6, 10, Q::cell_max_V, +1, R::open_charge, V, 0, "cell over-voltage protection"},
        {7, 8, 12, Q::cell_min_V, -1, R::open_discharge, V, 0, "cell under-voltage protection"},
        {11, 12, 13, Q::pack_V, +1, R::alarm, V, 0, "total high voltage alarm"},
        {13, 14, 15, Q::pack_V, -1, R::alarm, V, 0, "total low voltage alarm"},
        {15, 16, 14, Q::pack_V, +1, R::open_charge, V, 0, "total over-voltage protection"},
        {17, 18, 16, Q::pack_V, -1, R::open_discharge, V, 0, "total under-voltage protection"},
        // 10: a cell this low must not be charged (switch 45); no recovery value.
        {10, 0, 45, Q::cell_min_V, -1, R::open_charge, V, 0, "low cell voltage charge prohibition"},
        // 19-20: the charger's voltage at the terminal. Seen by its flag: it
        // matters when the charge FET is already open and the charger overshoots.
        {19, 20, 41, Q::terminal_V, +1, R::protection_flag, V, 0, "charger over-voltage protection"},
        // 21-36: cell temperatures while charging / discharging.
        {21, 22, 17, Q::cell_max_degC, +1, R::alarm, T, 0, "charging high temperature alarm"},
        {23, 24, 19, Q::cell_min_degC, -1, R::alarm, T, 0, "charging low temperature alarm"},
        {25, 26, 18, Q::cell_max_degC, +1, R::open_charge, T, 0, "charging over-temperature protection"},
        {27, 28, 20, Q::cell_min_degC, -1, R::open_charge, T, 0, "charging under-temperature protection"},
        {29, 30, 21, Q::cell_max_degC, +1, R::alarm, T, 0, "discharging high temperature alarm"},
        {31, 32, 23, Q::cell_min_degC, -1, R::alarm, T, 0, "discharging low temperature alarm"},
        {33, 34, 22, Q::cell_max_degC, +1, R::open_discharge, T, 0, "discharging over-temperature protection"},
        {35, 36, 24, Q::cell_min_degC, -1, R::open_discharge, T, 0, "discharging under-temperature protection"},
        // 39-46: ambient; protection stops both.
        {39, 40, 25, Q::ambient_degC, +1, R::alarm, T, 0, "ambient high temperature alarm"},
        {41, 42, 27, Q::ambient_degC, -1, R::alarm, T, 0, "ambient low temperature alarm"},
        {43, 44, 26, Q::ambient_degC, +1, R::open_both, T, 0, "ambient over-temperature protection"},
        {45, 46, 28, Q::ambient_degC, -1, R::open_both, T, 0, "ambient under-temperature protection"},
        // 47-50: power stage.
        {47, 48, 30, Q::power_degC, +1, R::alarm, T, 0, "power high temperature alarm"},
        {49, 50, 29, Q::power_degC, +1, R::open_both, T, 0, "power over-temperature protection"},
        // 61-62: cell voltage difference failure (switch 5): a report, no FET.
        {61, 62, 5, Q::cell_spread_V, +1, R::fault_flag, V, 0, "cell voltage difference failure"},
        // 51-57, 67-70: currents.
        {51, 52, 33, Q::charge_current_A, +1, R::alarm, U, 67, "charging over-current alarm"},
        {53, 54, 35, Q::discharge_current_A, +1, R::alarm, U, 68, "discharging over-current alarm"},
        {55, 0, 34, Q::charge_current_A, +1, R::open_charge, P, 67, "charging over-current protection"},
        {56, 0, 36, Q::discharge_current_A, +1, R::open_discharge, P, 68, "discharging over-current protection"},
        {57, 0, 37, Q::discharge_current_A, +1, R::open_discharge, P, 69, "transient over-current protection"},
    };
    return table;
}

}  // namespace bmshil::rig::oracle
