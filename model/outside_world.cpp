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

namespace {

// The stage's draw at a link voltage: constant power once started.
double stage_A(const Load& inverter, double link_V) {
    return link_V >= inverter.start_V && link_V > 0.0 ? inverter.power_W / link_V : 0.0;
}

// Where the link settles behind a terminal held at terminal_V: the terminal
// itself with the stage off; with it running, the upper root of
// (v - T)/ESR + P/v = 0, v = (T + sqrt(T^2 - 4 P ESR)) / 2. NaN where the stage
// draws more than the terminal can give through the ESR (the link collapses).
double settled_link_V(const Load& inverter, double terminal_V) {
    if (stage_A(inverter, inverter.link_V) == 0.0) return terminal_V;
    const double d = terminal_V * terminal_V - 4.0 * inverter.power_W * inverter.esr_ohm;
    if (d < 0.0) return std::numeric_limits<double>::quiet_NaN();
    const double v = 0.5 * (terminal_V + std::sqrt(d));
    return v >= inverter.start_V ? v : std::numeric_limits<double>::quiet_NaN();
}

// What a link still has to travel before it settles: its charging current
// through its ESR and the loop behind the terminal (a link charging through a
// precharge resistor sits close to the terminal and is far from settled).
double travel_left_V(const Load& inverter, double terminal_V, double loop_ohm) {
    const double charging_A = (terminal_V - inverter.link_V) / inverter.esr_ohm - stage_A(inverter, inverter.link_V);
    return charging_A * (inverter.esr_ohm + loop_ohm);
}

// Within this of where it settles, a link is settled.
constexpr double kSettled_V = 0.05;
// An explicit step follows the link's charging curve up to this share of its
// time constant.
constexpr double kExplicitStepShare = 0.05;

bool settled(const Load& inverter, double terminal_V, double loop_ohm) {
    return std::isfinite(settled_link_V(inverter, terminal_V)) &&
           std::abs(travel_left_V(inverter, terminal_V, loop_ohm)) <= kSettled_V;
}

}  // namespace

void OutsideWorld::step_inverters(double terminal_V, double loop_ohm, double dt_s) {
    for (Load& load : loads_) {
        if (!load.connected || load.kind != LoadKind::inverter) continue;
        if (dt_s > kExplicitStepShare * load.capacitance_F * load.esr_ohm && settled(load, terminal_V, loop_ohm)) {
            // A settled link over a step far longer than its time constant
            // (the pack takes them once every link has settled): it relaxes
            // toward where it settles behind the terminal with its small-signal
            // time constant, which explicit steps that long could not follow
            // (they would oscillate).
            const double v = settled_link_V(load, terminal_V);
            const double g_S = 1.0 / load.esr_ohm - stage_A(load, v) / v;  // the stage's P/v^2 is a negative conductance
            if (g_S > 0.0) {
                load.link_V = v + (load.link_V - v) * std::exp(-dt_s * g_S / load.capacitance_F);
                continue;
            }
        }
        const double i_out = (load.link_V - terminal_V) / load.esr_ohm;
        load.link_V = std::max(0.0, load.link_V - (i_out + stage_A(load, load.link_V)) * dt_s / load.capacitance_F);
    }
}

double OutsideWorld::inverter_step_limit_s(double terminal_V, double loop_ohm) const {
    double dt = std::numeric_limits<double>::infinity();
    for (const Load& load : loads_) {
        // Explicit steps while a link moves (charging, or its stage just
        // started or changed power); none once it has settled.
        if (load.connected && load.kind == LoadKind::inverter && !settled(load, terminal_V, loop_ohm))
            dt = std::min(dt, kExplicitStepShare * load.capacitance_F * (load.esr_ohm + loop_ohm));
    }
    return dt;
}

}  // namespace bmshil::model
