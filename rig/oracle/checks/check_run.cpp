#include "check_run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bmshil::rig::oracle {
namespace {

// What a bench's emulators move, in the quantity's unit: a margin well
// outside the sensing tolerance (about 5 to 20 times it) and a ramp slow
// enough that one confirmation delay moves it less than its tolerance.
struct Pace {
    double margin, ramp_per_s;
};
Pace pace_of(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V:
        case Quantity::cell_spread_V: return {0.030, 0.0005};
        case Quantity::terminal_V: return {1.0, 0.02};
        case Quantity::pack_V: return {0.40, 0.008};
        case Quantity::charge_current_A:
        case Quantity::discharge_current_A: return {5.0, 0.1};
        default: return {3.0, 0.05};  // temperatures
    }
}

// The cells of a total-voltage stimulus sit this far apart, alternately above
// and below the mean, so a firmware that multiplies one cell does not pass.
constexpr double kTotalSpread_V = 0.010;

// The quantity a check moves: its own, or for opposite_direction the current
// the other way.
Quantity moved_quantity(const Threshold& t, CheckKind kind) {
    if (kind == CheckKind::opposite_direction)
        return t.quantity == Quantity::charge_current_A ? Quantity::discharge_current_A : Quantity::charge_current_A;
    return t.quantity;
}

const char* probe_of(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V: return "cell_max_V";
        case Quantity::cell_min_V: return "cell_min_V";
        case Quantity::pack_V: return "cells_sum_V";
        case Quantity::terminal_V: return "terminal_V";
        // The cell temperature protections see the cells their NTCs sit on.
        case Quantity::cell_max_degC: return "ntc_max_degC";
        case Quantity::cell_min_degC: return "ntc_min_degC";
        case Quantity::ambient_degC: return "ambient_degC";
        case Quantity::power_degC: return "power_degC";
        case Quantity::charge_current_A: return "charge_current_A";
        case Quantity::discharge_current_A: return "discharge_current_A";
        case Quantity::cell_spread_V: return "cell_spread_V";
    }
    return "";
}

}  // namespace

const char* to_string(CheckKind k) {
    switch (k) {
        case CheckKind::trip_value: return "trip_value";
        case CheckKind::delay: return "delay";
        case CheckKind::recovery: return "recovery";
        case CheckKind::recovery_delay: return "recovery_delay";
        case CheckKind::switch_off: return "switch_off";
        case CheckKind::opposite_direction: return "opposite_direction";
        case CheckKind::other_sensors: return "other_sensors";
    }
    return "?";
}

bool applicable(const Threshold& t, CheckKind kind, std::string* why) {
    const auto no = [&](const char* reason) {
        if (why) *why = reason;
        return false;
    };
    switch (kind) {
        case CheckKind::trip_value:
        case CheckKind::switch_off: return true;
        case CheckKind::delay:
            if (t.delay == DelaySource::unspecified)
                return no("the manual gives this alarm no delay; its trip check bounds it by the protection's delay");
            return true;
        case CheckKind::recovery:
            // Only the over-current protections recover by time (#70); others need a value.
            if (t.recovery == 0 && !is_current(t.quantity)) return no("the manual gives no recovery value");
            return true;
        case CheckKind::recovery_delay:
            if (t.recovery == 0) return no("recovers by time (#70), which its recovery check measures");
            if (t.delay == DelaySource::unspecified) return no("the manual gives this alarm no delay");
            return true;
        case CheckKind::opposite_direction:
            if (!is_current(t.quantity)) return no("only currents have a direction");
            return true;
        case CheckKind::other_sensors:
            if (!is_temperature(t.quantity)) return no("only temperatures have other sensors");
            return true;
    }
    return false;
}

double magnitude(const Threshold& t, double value) {
    return t.quantity == Quantity::discharge_current_A ? std::abs(value) : value;
}

double delay_s(const Threshold& t, const ParameterSet& p) {
    switch (t.delay) {
        case DelaySource::voltage_confirmation: return kVoltageConfirmation_s;
        case DelaySource::temperature_confirmation: return kTemperatureConfirmation_s;
        case DelaySource::parameter: {
            const std::string unit = p.spec().parameter(t.delay_parameter).unit;
            return unit == "ms" ? p[t.delay_parameter] * 1e-3 : p[t.delay_parameter];
        }
        case DelaySource::unspecified: return 0.0;
    }
    return 0.0;
}

double delay_bound_s(const Threshold& t, const ParameterSet& p) {
    if (t.delay != DelaySource::unspecified) return delay_s(t, p);
    return p[t.delay_parameter];
}

CheckRun::CheckRun(CheckContext& ctx, const Threshold& t, CheckKind kind)
    : ctx_(ctx),
      t_(t),
      kind_(kind),
      levels_(levels_in_force(ctx.params, ctx.rig.pack().cell_count())),
      emulators_(ctx.rig),
      ntc_cells_(ctx.rig.pack().config().ntc_cells),
      configured_(magnitude(t, ctx.params[t.trip])),
      recovery_value_(t.recovery ? magnitude(t, ctx.params[t.recovery]) : 0.0),
      delay_(delay_s(t, ctx.params)),
      bound_(delay_bound_s(t, ctx.params)),
      trace_(delay_bound_s(t, ctx.params) + 10.0) {
    // Which cell or sensor is set apart moves from check to check, so a
    // firmware that looks at a fixed cell or sensor is caught somewhere.
    const std::size_t n = ctx.rig.pack().cell_count();
    test_cell_ = (static_cast<std::size_t>(t.trip) * 7 + static_cast<std::size_t>(kind) * 3) % n;
    test_ntc_ = (static_cast<std::size_t>(t.trip) + static_cast<std::size_t>(kind)) % ntc_cells_.size();
    const Quantity q = kind == CheckKind::other_sensors
                           ? (t.quantity == Quantity::ambient_degC ? Quantity::power_degC : Quantity::ambient_degC)
                           : moved_quantity(t, kind);
    quantity_probe_ = ctx.probes.get(probe_of(q));
    // A flag is the bit the firmware's register map assigns to the trip
    // parameter, in whichever word the map puts it.
    switch (t.reaction) {
        case Reaction::open_charge: reaction_probes_ = {ctx.probes.get("charge_fet")}; break;
        case Reaction::open_discharge: reaction_probes_ = {ctx.probes.get("discharge_path")}; break;
        case Reaction::open_both: reaction_probes_ = {ctx.probes.get("charge_fet"), ctx.probes.get("discharge_path")}; break;
        case Reaction::alarm:
        case Reaction::protection_flag:
        case Reaction::fault_flag: reaction_probes_ = {ctx.probes.get("param_bit:" + std::to_string(t.trip))}; break;
    }
}

StimulusPlan CheckRun::plan_at(double x) const {
    const ParameterSet& p = ctx_.params;
    const std::size_t n = ctx_.rig.pack().cell_count();
    StimulusPlan plan;
    plan.cell_V.assign(n, levels_.parked_cell_V);
    plan.cell_degC.assign(n, levels_.neutral_cell_degC);
    plan.ambient_degC = levels_.neutral_ambient_degC;
    plan.power_degC = levels_.neutral_power_degC;
    plan.counted_soc_pct = std::clamp(100.0 * p[60] / p[59], 0.0, 100.0);
    if (kind_ == CheckKind::other_sensors) {
        // Every sensor but the one(s) the threshold names, past its trip value.
        if (t_.quantity != Quantity::cell_max_degC && t_.quantity != Quantity::cell_min_degC)
            plan.cell_degC.assign(n, x);
        if (t_.quantity != Quantity::ambient_degC) plan.ambient_degC = x;
        if (t_.quantity != Quantity::power_degC) plan.power_degC = x;
        return plan;
    }
    switch (moved_quantity(t_, kind_)) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V: plan.cell_V[test_cell_] = x; break;
        case Quantity::cell_spread_V: plan.cell_V[test_cell_] = levels_.parked_cell_V - x; break;
        case Quantity::pack_V:
            for (std::size_t k = 0; k < n; ++k) {
                const bool paired = n % 2 == 0 || k + 1 < n;
                plan.cell_V[k] = x / static_cast<double>(n) + (paired ? (k % 2 == 0 ? kTotalSpread_V : -kTotalSpread_V) : 0.0);
            }
            break;
        case Quantity::terminal_V:
            // The charger's own voltage, seen at the terminal while the charge
            // FET is open: every cell sits past the over-voltage protection.
            plan.cell_V.assign(n, p[5] + pace_of(Quantity::cell_max_V).margin);
            plan.charger_connected = true;
            plan.charger_V = x;
            plan.charge_current_A = 10.0;
            break;
        case Quantity::cell_max_degC:
        case Quantity::cell_min_degC:
            plan.cell_degC[static_cast<std::size_t>(ntc_cells_[test_ntc_] - 1)] = x;
            break;
        case Quantity::ambient_degC: plan.ambient_degC = x; break;
        case Quantity::power_degC: plan.power_degC = x; break;
        case Quantity::charge_current_A:
            // High enough that the charger stays in current limit, 1 V below
            // the charger over-voltage protection (#19) in force.
            plan.charger_connected = true;
            plan.charger_V = p[19] - 1.0;
            plan.charge_current_A = x;
            break;
        case Quantity::discharge_current_A: plan.discharge_current_A = x; break;
    }
    return plan;
}

std::string CheckRun::arrangement() const {
    // Other sensors and currents move as a whole: nothing is set apart.
    if (kind_ == CheckKind::other_sensors) return "";
    char b[96];
    switch (moved_quantity(t_, kind_)) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V:
        case Quantity::cell_spread_V:
            std::snprintf(b, sizeof b, "cell %zu set apart", test_cell_ + 1);
            return b;
        case Quantity::cell_max_degC:
        case Quantity::cell_min_degC:
            std::snprintf(b, sizeof b, "the NTC on cell %d set apart", ntc_cells_[test_ntc_]);
            return b;
        default: return "";
    }
}

std::string CheckRun::what(int parameter) const {
    std::string w = t_.name + " (#" + std::to_string(parameter) + ")";
    const std::string a = arrangement();
    return a.empty() ? w : w + ", " + a;
}

std::optional<Finding> CheckRun::prepare(double start, const std::vector<double>& also_visits) {
    std::vector<StimulusPlan> plans{plan_at(start)};
    for (double v : also_visits) plans.push_back(plan_at(v));
    // Under a current the cells move away from their rested voltage; the check
    // holds it for its settling time plus the ramp to the farthest visit at
    // most, and the isolation must see where the cells get to meanwhile.
    double ramp_s = 0.0;
    for (double v : also_visits) ramp_s = std::max(ramp_s, std::abs(v - start) / ramp_rate());
    const double window_s = std::max(3.0 * bound_, 3.0) + ramp_s;
    const std::size_t planned = plans.size();
    for (std::size_t k = 0; k < planned; ++k)
        if (auto loaded = loaded_plan(ctx_.rig.pack(), plans[k], window_s)) plans.push_back(*loaded);
    isolated_ = isolate(t_, plans, ctx_.params, ctx_.tol, ntc_cells_);
    for (const Isolation& i : isolated_) {
        if (!ctx_.port.write_switch)
            throw std::runtime_error("switch " + std::to_string(i.switch_number) + " needs the board's port");
        ctx_.port.write_switch(i.switch_number, false);
    }
    impose(start);
    ctx_.rig.run_for(std::max(3.0 * bound_, 3.0));
    if (!reacted()) return std::nullopt;
    Finding f = finding();
    const double v = quantity_now();
    f.configured = configured_;
    f.measured = v;
    char b[64];
    std::snprintf(b, sizeof b, "%.6g %s", v, unit_of(t_.quantity));
    f.message = t_.name + ": " + to_string(t_.reaction) + " already at " + b + ", before the check moved anything";
    return f;
}

bool CheckRun::reacted() {
    if (opens_a_fet(t_.reaction)) {
        for (const Probe& p : reaction_probes_)
            if (p() != 0.0) return false;
        return true;
    }
    return reaction_probes_.front()() != 0.0;
}

double CheckRun::quantity_now() { return quantity_probe_(); }

bool CheckRun::wait_for(bool want, double timeout_s, const std::function<void(double)>& drive) {
    const double start = now_s();
    while (now_s() - start < timeout_s) {
        if (drive) drive(now_s() - start);
        ctx_.rig.run_for(poll_s());
        trace_.add(now_s(), quantity_now());
        if (reacted() == want) return true;
    }
    return false;
}

double CheckRun::margin() const { return pace_of(moved_quantity(t_, kind_)).margin; }
double CheckRun::ramp_rate() const { return pace_of(moved_quantity(t_, kind_)).ramp_per_s; }
double CheckRun::poll_s() const { return opens_a_fet(t_.reaction) ? ctx_.tol.tick_s : kFlagPoll_s; }

Finding CheckRun::finding() const {
    Finding f;
    char id[64];
    std::snprintf(id, sizeof id, "p%03d.%s", t_.trip, to_string(kind_));
    f.check = id;
    f.kind = to_string(kind_);
    f.parameter = t_.trip;
    f.unit = unit_of(t_.quantity);
    return f;
}

}  // namespace bmshil::rig::oracle
