// What the pack's terminals are connected to: the CC/CV charger with its
// output diode, the loads (constant current, constant power, resistive, an
// inverter with its DC link; a short is a resistive load of milliohms) and
// the heater pad the board switches. For a step each is reduced to a Norton
// equivalent at the terminal (external_circuit.h).
#pragma once

#include <string>
#include <vector>

#include "external_circuit.h"

namespace bmshil::model {

class OutsideWorld {
public:
    explicit OutsideWorld(double heater_ohm) : heater_ohm_(heater_ohm) {}

    Charger& charger() { return charger_; }
    const Charger& charger() const { return charger_; }
    std::vector<Load>& loads() { return loads_; }
    const std::vector<Load>& loads() const { return loads_; }
    Load& add_load(const Load& load);
    Load* find_load(const std::string& name);

    void set_heater(bool on) { heater_on_ = on; }
    bool heater_on() const { return heater_on_; }
    double heater_ohm() const { return heater_ohm_; }

    // The charger regulates its voltage, limits its current, or (its output
    // diode blocking) contributes nothing.
    enum class ChargerMode { voltage, current_limit, off };
    ChargerMode charger_mode() const { return charger_mode_; }
    void set_charger_mode(ChargerMode mode) { charger_mode_ = mode; }
    // The mode consistent with a terminal voltage, from the present one.
    ChargerMode charger_mode_at(double terminal_V) const;

    // Everything outside at the terminal, in the charger's present mode, with
    // voltage-dependent loads taken at terminal_estimate_V.
    TerminalNetwork network(double terminal_estimate_V) const;

    // Inverter DC links over a step at a terminal voltage: they charge through
    // their ESR and feed their power stage; over a step much longer than a
    // link's time constant, the link relaxes toward where it settles.
    void step_inverters(double terminal_V, double loop_ohm, double dt_s);
    // The longest step that follows a DC link still moving (loop resistance
    // outside the link given); no limit once every link has settled (less than
    // 50 mV left to travel), with its stage off at the terminal's voltage,
    // running just below it.
    double inverter_step_limit_s(double terminal_V, double loop_ohm) const;

private:
    double heater_ohm_;
    bool heater_on_ = false;
    Charger charger_;
    std::vector<Load> loads_;
    ChargerMode charger_mode_ = ChargerMode::voltage;
};

}  // namespace bmshil::model
