// The pack's current loop and its power stage: the cells' EMF and resistance
// in series with the busbars, links and shunt, the charge and discharge FETs
// with their body diodes, the precharge resistor, the 10 A limiter and the
// loop inductance, closed through whatever is outside (outside_world.h).
//
// For constant inputs the loop is a first-order RL circuit: the current tends
// exponentially to its final value, so a step of any length is exact.
#pragma once

#include <cstdint>

#include "outside_world.h"

namespace bmshil::model {

// What the board commands.
struct PowerStageCommand {
    bool charge_fet = false;
    bool discharge_fet = false;
    bool precharge = false;
    bool heater = false;
    bool limiter = false;
    std::uint32_t balance_mask = 0;
};

struct PowerStageParts {
    double fet_on_ohm = 1.0e-3;   // each of the charge and discharge FET banks
    double body_diode_V = 0.7;
    double precharge_ohm = 47.0;
    double limiter_current_A = 10.0;
    double shunt_ohm = 0.1e-3;
    double loop_inductance_H = 1.0e-6;
};

class PowerLoop {
public:
    explicit PowerLoop(const PowerStageParts& parts) : parts_(parts) { update_switches(); }

    void set_command(const PowerStageCommand& cmd) {
        cmd_ = cmd;
        update_switches();
    }
    const PowerStageCommand& command() const { return cmd_; }
    // The short-circuit comparator holds the discharge FET open.
    void set_discharge_forced_open(bool open) {
        discharge_forced_open_ = open;
        update_switches();
    }
    // The cells as the loop sees them: EMF sum and the resistance that does
    // not switch (cells' R0, busbars, links, shunt).
    void set_cells(double emf_V, double fixed_ohm) {
        emf_V_ = emf_V;
        fixed_ohm_ = fixed_ohm;
    }

    // Which way current may flow and what a body diode drops on the way.
    struct Path {
        bool charge_allowed;
        bool discharge_allowed;
        double charge_drop_V;     // body diode in the charge direction
        double discharge_drop_V;  // body diode in the discharge direction
    };
    const Path& path() const { return path_; }
    // FETs or precharge in the path.
    double switch_resistance_ohm(bool charging) const { return charging ? switch_charge_ohm_ : switch_discharge_ohm_; }
    double loop_resistance_ohm(bool charging) const { return fixed_ohm_ + switch_resistance_ohm(charging); }

    // The loop's course under the present inputs.
    struct Solution {
        double infinity_A = 0.0;      // current the loop tends to
        double tau_s = 0.0;           // 0 = no inductive transient (current source, limiter)
        double network_open_V = 0.0;  // the outside's open-circuit voltage
        double conductance_S = 0.0;   // of the outside network
    };
    Solution solve(const OutsideWorld& outside) const;
    void update_solution(const OutsideWorld& outside) { loop_ = solve(outside); }
    // The terminal voltage while current_A flows.
    double terminal_for(double current_A, const OutsideWorld& outside) const;

    // After an input change: the new course; an inductive loop keeps its
    // current unless its path is gone, in which case the switch absorbs the
    // stored energy. Returns that energy, J.
    double reconnect(const OutsideWorld& outside);
    // After a step: a new cell state, the inductor's current kept.
    void resettle(double current_A, const OutsideWorld& outside);

    // The current over the next dt_s: its mean, the mean of its square, and its end value.
    struct StepCurrent {
        double mean_A;
        double mean_square_A2;
        double end_A;
    };
    StepCurrent over(double dt_s) const;
    // Heat in the FETs or their diodes, precharge, shunt and limiter over dt_s at this current.
    double stage_heat_J(const StepCurrent& i, double dt_s) const;
    // The time until the current has settled enough for a long step (infinity if settled).
    double settling_step_limit_s() const;

    // The comparator's crossing puts the current exactly at its threshold.
    void set_current_A(double current_A) { current_A_ = current_A; }

    double current_A() const { return current_A_; }  // + = charging
    double terminal_V() const { return terminal_V_; }
    const Solution& solution() const { return loop_; }
    double emf_V() const { return emf_V_; }
    const PowerStageParts& parts() const { return parts_; }

private:
    // The path and the switches' resistances follow the command: computed
    // when it changes, not per step.
    void update_switches();

    PowerStageParts parts_;
    PowerStageCommand cmd_;
    bool discharge_forced_open_ = false;
    Path path_{};
    double switch_charge_ohm_ = 0.0, switch_discharge_ohm_ = 0.0;
    double emf_V_ = 0.0;
    double fixed_ohm_ = 0.0;
    double current_A_ = 0.0;
    double terminal_V_ = 0.0;
    Solution loop_;
};

}  // namespace bmshil::model
