#include "power_loop.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace bmshil::model {

void PowerLoop::update_switches() {
    const bool dsg_on = cmd_.discharge_fet && !discharge_forced_open_;
    // A charge current needs the charge FET; the discharge FET's body diode
    // passes it when that FET is open.
    path_.charge_allowed = cmd_.charge_fet;
    path_.charge_drop_V = dsg_on ? 0.0 : parts_.body_diode_V;
    // A discharge current needs the discharge FET or the precharge path; the
    // charge FET's body diode passes it when that FET is open.
    path_.discharge_allowed = dsg_on || cmd_.precharge;
    path_.discharge_drop_V = cmd_.charge_fet ? 0.0 : parts_.body_diode_V;
    switch_charge_ohm_ = parts_.fet_on_ohm + (dsg_on ? parts_.fet_on_ohm : 0.0);  // else a body diode
    switch_discharge_ohm_ = (dsg_on ? parts_.fet_on_ohm : parts_.precharge_ohm) + (cmd_.charge_fet ? parts_.fet_on_ohm : 0.0);
}

PowerLoop::Solution PowerLoop::solve(const OutsideWorld& outside) const {
    const double e = emf_V_;
    const Path& p = path_;
    // Voltage-dependent loads see the last terminal voltage, or the pack's when
    // the path has just opened to them.
    const double v_est = terminal_V_ > 1.0 || !p.discharge_allowed ? terminal_V_ : e;
    const TerminalNetwork n = outside.network(v_est);

    Solution s;
    s.conductance_S = n.conductance_S;
    s.network_open_V = n.conductance_S > 0.0 ? n.norton_A / n.conductance_S : 0.0;
    const auto solve_for = [&](bool charging, double drop) {
        const double r = loop_resistance_ohm(charging);
        const double v0 = charging ? e + drop : e - drop;
        if (n.conductance_S <= 0.0) return std::pair{n.norton_A, 0.0};
        const double i = (n.norton_A - n.conductance_S * v0) / (1.0 + n.conductance_S * r);
        const double tau = parts_.loop_inductance_H / (1.0 / n.conductance_S + r);
        return std::pair{i, tau};
    };
    if (p.charge_allowed) {
        auto [i, tau] = solve_for(true, p.charge_drop_V);
        if (i > 0.0) {
            if (cmd_.limiter && i > parts_.limiter_current_A) {
                s.infinity_A = parts_.limiter_current_A;
                s.tau_s = 0.0;  // the limiter regulates the current
            } else {
                s.infinity_A = i;
                s.tau_s = tau;
            }
            return s;
        }
    }
    if (p.discharge_allowed) {
        auto [i, tau] = solve_for(false, p.discharge_drop_V);
        if (i < 0.0) {
            s.infinity_A = i;
            s.tau_s = tau;
            return s;
        }
    }
    return s;  // no path: no current
}

double PowerLoop::terminal_for(double i, const OutsideWorld& outside) const {
    const Path& p = path_;
    if (i > 0.0) {
        const double pack_side = emf_V_ + loop_resistance_ohm(true) * i + p.charge_drop_V;
        if (cmd_.limiter && i >= parts_.limiter_current_A - 1e-12) {
            // The limiter drops what the network pushes beyond the pack side.
            const TerminalNetwork n = outside.network(terminal_V_);
            if (n.conductance_S > 0.0) return std::max(pack_side, (n.norton_A - i) / n.conductance_S);
        }
        return pack_side;
    }
    if (i < 0.0) return emf_V_ + loop_resistance_ohm(false) * i - p.discharge_drop_V;
    // Nothing draws: a conducting discharge path carries the pack's voltage
    // to the terminal; otherwise the terminal shows what the outside holds it at.
    if (loop_.conductance_S <= 0.0 && p.discharge_allowed) return emf_V_;
    return loop_.network_open_V;
}

double PowerLoop::reconnect(const OutsideWorld& outside) {
    const Path& p = path_;
    const bool blocked = (current_A_ > 0.0 && !(p.charge_allowed && loop_.infinity_A > 0.0)) ||
                         (current_A_ < 0.0 && !(p.discharge_allowed && loop_.infinity_A < 0.0));
    double absorbed_J = 0.0;
    if (loop_.tau_s <= 0.0 || blocked) {
        // The loop inductance carried the current whatever closes the loop
        // now (the course without a path has no time constant at all).
        if (blocked) absorbed_J = 0.5 * parts_.loop_inductance_H * current_A_ * current_A_;
        current_A_ = loop_.tau_s <= 0.0 ? loop_.infinity_A : 0.0;
    }
    terminal_V_ = terminal_for(current_A_, outside);
    return absorbed_J;
}

void PowerLoop::resettle(double current_A, const OutsideWorld& outside) {
    loop_ = solve(outside);
    current_A_ = loop_.tau_s <= 0.0 ? loop_.infinity_A : current_A;
    terminal_V_ = terminal_for(current_A_, outside);
}

PowerLoop::StepCurrent PowerLoop::over(double dt) const {
    const double a = loop_.infinity_A;
    if (!(loop_.tau_s > 0.0)) return {a, a * a, a};
    // i(t) = a + b e^{-t/tau}: its mean and the mean of its square over [0, dt].
    const double b = current_A_ - a, tau = loop_.tau_s;
    const double decay = std::exp(-dt / tau);
    const double one_minus = 1.0 - decay;
    StepCurrent s;
    if (dt <= 0.0) {
        s.mean_A = a + b;
        s.mean_square_A2 = (a + b) * (a + b);
    } else {
        s.mean_A = a + b * tau * one_minus / dt;
        s.mean_square_A2 = (a * a * dt + 2.0 * a * b * tau * one_minus + b * b * 0.5 * tau * (1.0 - decay * decay)) / dt;
    }
    s.end_A = a + b * decay;
    return s;
}

double PowerLoop::stage_heat_J(const StepCurrent& i, double dt) const {
    if (i.mean_A == 0.0) return 0.0;
    const Path& p = path_;
    const bool charging = i.mean_A > 0.0;
    const double i2dt = i.mean_square_A2 * dt;
    double q = i2dt * (switch_resistance_ohm(charging) + parts_.shunt_ohm);
    q += std::abs(i.mean_A) * dt * (charging ? p.charge_drop_V : p.discharge_drop_V);
    if (charging && cmd_.limiter && loop_.tau_s <= 0.0 && loop_.infinity_A >= parts_.limiter_current_A) {
        const double pack_side = emf_V_ + loop_resistance_ohm(true) * i.mean_A + p.charge_drop_V;
        q += std::max(0.0, terminal_V_ - pack_side) * i.mean_A * dt;
    }
    return q;
}

double PowerLoop::settling_step_limit_s() const {
    if (loop_.tau_s > 0.0 && std::abs(current_A_ - loop_.infinity_A) > 1e-6 * (1.0 + std::abs(loop_.infinity_A)))
        return 0.5 * loop_.tau_s;
    return std::numeric_limits<double>::infinity();
}

}  // namespace bmshil::model
