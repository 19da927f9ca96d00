#include "outside_world.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bmshil::model {

Load& OutsideWorld::add_load(const Load& load) {
    loads_.push_back(load);
    return loads_.back();
}

Load* OutsideWorld::find_load(const std::string& name) {
    for (Load& l : loads_)
        if (l.name == name) return &l;
    return nullptr;
}

OutsideWorld::ChargerMode OutsideWorld::charger_mode_at(double v) const {
    const double reg = charger_.regulated_V();
    const double r = charger_.output_resistance_ohm;
    switch (charger_mode_) {
        case ChargerMode::voltage: {
            const double i_ch = (reg - v) / r;
            if (i_ch > charger_.current_limit_A) return ChargerMode::current_limit;
            if (i_ch < 0.0) return ChargerMode::off;
            return ChargerMode::voltage;
        }
        case ChargerMode::current_limit:
            return v > reg - charger_.current_limit_A * r ? ChargerMode::voltage : ChargerMode::current_limit;
        case ChargerMode::off:
            return v < reg ? ChargerMode::voltage : ChargerMode::off;
    }
    return charger_mode_;
}

TerminalNetwork OutsideWorld::network(double terminal_estimate_V) const {
    TerminalNetwork net;
    // Charger output diode: an off charger contributes nothing.
    if (charger_mode_ != ChargerMode::off && charger_.connected) {
        if (charger_mode_ == ChargerMode::current_limit) {
            net.norton_A += charger_.current_limit_A;
        } else {
            net.norton_A += charger_.regulated_V() / charger_.output_resistance_ohm;
            net.conductance_S += 1.0 / charger_.output_resistance_ohm;
        }
    }
    for (const Load& load : loads_) {
        if (!load.connected) continue;
        switch (load.kind) {
            case LoadKind::current:
                if (terminal_estimate_V > load.dropout_V) net.norton_A -= load.current_A;
                break;
            case LoadKind::power:
                if (terminal_estimate_V > load.dropout_V) net.norton_A -= load.power_W / terminal_estimate_V;
                break;
            case LoadKind::resistance:
                net.conductance_S += 1.0 / load.resistance_ohm;
                break;
            case LoadKind::inverter:
                net.norton_A += load.link_V / load.esr_ohm;
                net.conductance_S += 1.0 / load.esr_ohm;
                break;
        }
    }
    if (heater_on_) net.conductance_S += 1.0 / heater_ohm_;
    return net;
}

void OutsideWorld::step_inverters(double terminal_V, double dt_s) {
    for (Load& load : loads_) {
        if (!load.connected || load.kind != LoadKind::inverter) continue;
        const double i_out = (load.link_V - terminal_V) / load.esr_ohm;
        const double i_stage = load.link_V >= load.start_V ? load.power_W / load.link_V : 0.0;
        load.link_V = std::max(0.0, load.link_V - (i_out + i_stage) * dt_s / load.capacitance_F);
    }
}

double OutsideWorld::inverter_step_limit_s(double terminal_V, double loop_ohm) const {
    double dt = std::numeric_limits<double>::infinity();
    for (const Load& load : loads_) {
        if (load.connected && load.kind == LoadKind::inverter && std::abs(load.link_V - terminal_V) > 0.05)
            dt = std::min(dt, 0.05 * load.capacitance_F * (load.esr_ohm + loop_ohm));
    }
    return dt;
}

}  // namespace bmshil::model
