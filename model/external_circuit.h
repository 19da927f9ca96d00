// What is connected to the pack's terminals: a CC/CV charger and loads.
// Each element is reduced, for a step, to a Thevenin source (V, R) or a current
// sink, and the elements combine as a Norton equivalent at the terminal.
#pragma once

#include <string>
#include <vector>

namespace bmshil::model {

struct Charger {
    bool connected = false;
    double voltage_setpoint_V = 56.8;   // 3.55 V per cell for 16S
    double current_limit_A = 50.0;
    double output_resistance_ohm = 0.02;  // charger output and cable
    // A faulty charger regulates to this instead of its setpoint (0 = healthy).
    double fault_overshoot_V = 0.0;

    double regulated_V() const { return fault_overshoot_V > 0.0 ? fault_overshoot_V : voltage_setpoint_V; }
};

enum class LoadKind { current, power, resistance, inverter };

struct Load {
    std::string name;
    LoadKind kind = LoadKind::current;
    bool connected = false;
    double current_A = 0.0;       // kind current: drawn (positive)
    double power_W = 0.0;         // kind power and inverter
    double resistance_ohm = 1.0;  // kind resistance (a short is a few milliohms)
    // Inverter: a DC-link capacitor behind its ESR feeding a constant-power
    // stage that starts once the link is charged. Closing onto an empty link is
    // the start-up surge that soft start (precharge) exists for.
    double capacitance_F = 4.7e-3;
    double esr_ohm = 0.005;
    double start_V = 40.0;
    double link_V = 0.0;          // state: capacitor voltage
    // Constant-current and constant-power loads drop out below this voltage.
    double dropout_V = 5.0;
};

// The terminal network reduced for one step: current into the pack is
// i = norton_A - conductance_S * V_terminal.
struct TerminalNetwork {
    double norton_A = 0.0;
    double conductance_S = 0.0;
};

}  // namespace bmshil::model
