#include "threshold_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <memory>

namespace bmshil::rig::oracle {
namespace {

std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

// The manual's discharge currents are negative; the rig works in magnitudes.
double magnitude(const Threshold& t, double value) {
    return (t.quantity == Quantity::discharge_current_A) ? std::abs(value) : value;
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

// The longest an alarm with no delay in the manual may take: the delay of its
// protection (the manual's current delays), so an alarm never trails it.
double delay_bound_s(const Threshold& t, const ParameterSet& p) {
    if (t.delay != DelaySource::unspecified) return delay_s(t, p);
    return p[t.delay_parameter];
}

// Imposes a quantity the way a bench's emulators do: cell voltages by placing
// cell states at rest, temperatures on the thermal nodes, currents by a
// constant-current charger or load.
class Stimulus {
public:
    // charger_ceiling_V: the charger over-voltage protection (#19) in force,
    // which a current stimulus must stay below.
    Stimulus(Rig& rig, Quantity q, double charger_ceiling_V)
        : rig_(rig), q_(q), charger_ceiling_V_(charger_ceiling_V) {}

    void set(double v) {
        model::Pack& p = rig_.pack();
        switch (q_) {
            case Quantity::cell_max_V:
            case Quantity::cell_min_V:
                place_cell(kTestCell, v);
                break;
            case Quantity::pack_V:
                for (std::size_t k = 0; k < p.cell_count(); ++k) place_cell(k, v / static_cast<double>(p.cell_count()));
                break;
            case Quantity::cell_max_degC:
            case Quantity::cell_min_degC:
                p.set_cell_temperatures_degC(v);
                break;
            case Quantity::ambient_degC:
                p.set_ambient_degC(v);
                break;
            case Quantity::power_degC:
                p.set_power_stage_degC(v);
                break;
            case Quantity::charge_current_A:
                p.charger().connected = true;
                // High enough that the charger stays in current limit up to
                // ~150 A into a half-full pack, 1 V below the charger limit (#19).
                p.charger().voltage_setpoint_V = charger_ceiling_V_ - 1.0;
                p.charger().current_limit_A = v;
                break;
            case Quantity::discharge_current_A: {
                model::Load* load = p.find_load("stimulus");
                if (load == nullptr) {
                    model::Load l;
                    l.name = "stimulus";
                    load = &p.add_load(l);
                }
                load->kind = model::LoadKind::current;
                load->current_A = v;
                load->connected = true;
                break;
            }
            case Quantity::terminal_V:
                // The charger's own voltage, seen at the terminal while the
                // charge FET is open (start() puts the pack in over-voltage).
                p.charger().connected = true;
                p.charger().voltage_setpoint_V = v;
                p.charger().current_limit_A = 10.0;
                break;
            case Quantity::cell_spread_V:
                place_cell(kTestCell, kParked_V - v);
                break;
        }
        rig_.inputs_changed();
    }

    double value() {
        model::Pack& p = rig_.pack();
        double hi = -1e300, lo = 1e300, sum = 0.0, thi = -1e300, tlo = 1e300;
        for (std::size_t k = 0; k < p.cell_count(); ++k) {
            const double v = p.cell_voltage_V(k);
            hi = std::max(hi, v);
            lo = std::min(lo, v);
            sum += v;
            thi = std::max(thi, p.cell(k).temperature_degC());
            tlo = std::min(tlo, p.cell(k).temperature_degC());
        }
        switch (q_) {
            case Quantity::cell_max_V: return hi;
            case Quantity::cell_min_V: return lo;
            case Quantity::pack_V: return sum;
            case Quantity::terminal_V: return p.terminal_V();
            case Quantity::cell_max_degC: return thi;
            case Quantity::cell_min_degC: return tlo;
            case Quantity::ambient_degC: return p.ambient_degC();
            case Quantity::power_degC: return p.power_stage_degC();
            case Quantity::charge_current_A: return p.current_A();
            case Quantity::discharge_current_A: return -p.current_A();
            case Quantity::cell_spread_V: return hi - lo;
        }
        return 0.0;
    }

    // Other cells sit mid-plateau, away from every voltage threshold; for the
    // charger's voltage, every cell sits just above over-voltage so the charge
    // FET is open and the terminal shows the charger.
    void park_other_cells() {
        if (q_ == Quantity::terminal_V) {
            for (std::size_t k = 0; k < rig_.pack().cell_count(); ++k) place_cell(k, 3.70);
            rig_.inputs_changed();
            return;
        }
        if (q_ != Quantity::cell_max_V && q_ != Quantity::cell_min_V && q_ != Quantity::cell_spread_V) return;
        for (std::size_t k = 0; k < rig_.pack().cell_count(); ++k)
            if (k != kTestCell) place_cell(k, kParked_V);
        rig_.inputs_changed();
    }

private:
    static constexpr std::size_t kTestCell = 4;  // cell 5
    static constexpr double kParked_V = 3.30;

    // Rested on the charge branch at the SOC whose voltage is v (bisection on
    // the model's own OCV: the cell emulator's job on a bench).
    void place_cell(std::size_t k, double v) {
        model::Pack& p = rig_.pack();
        const model::Cell& c = p.cell(k);
        double lo = -0.2, hi = 1.2;
        for (int i = 0; i < 60; ++i) {
            const double mid = 0.5 * (lo + hi);
            model::Cell probe(p.cell_type(), c.variation(), mid, c.temperature_degC());
            (probe.ocv_V() < v ? lo : hi) = mid;
        }
        p.set_cell(k, c.variation(), 0.5 * (lo + hi));
    }

    Rig& rig_;
    Quantity q_;
    double charger_ceiling_V_;
};

bool reacted(CheckContext& ctx, const Threshold& t) {
    const model::PowerStageCommand& c = ctx.rig.pack().commanded();
    // Soft start is part of closing the output: precharging counts as closed.
    const bool dsg_open = (!c.discharge_fet && !c.precharge) || ctx.rig.pack().sc_latched();
    switch (t.reaction) {
        case Reaction::open_charge: return !c.charge_fet;
        case Reaction::open_discharge: return dsg_open;
        case Reaction::open_both: return !c.charge_fet && dsg_open;
        case Reaction::alarm: return ctx.port.flag && ctx.port.flag("alarm_bits", t.trip);
        case Reaction::protection_flag: return ctx.port.flag && ctx.port.flag("protection_bits", t.trip);
        case Reaction::fault_flag: return ctx.port.flag && ctx.port.flag("fault_bits", t.trip);
    }
    return false;
}

// Switches whose protections react the same way at the same value: off while
// checking this one, so the reaction seen is this threshold's own.
std::vector<int> isolate(const Threshold& t) {
    if (t.trip == 17) return {12};  // total under-voltage 43.2 V = 16 x the cell's 2.7 V
    // The passive limiter (switch 56) caps the charge current at the #51 alarm
    // value: off while measuring the charge current thresholds themselves.
    if (t.trip == 51 || t.trip == 55) return {56};
    // The 10 s discharge over-current protection would trip first on a slow ramp.
    if (t.trip == 57) return {36};
    return {};
}

struct Run {
    CheckContext& ctx;
    const Threshold& t;
    Stimulus stim;
    double configured, recovery_value, delay, tol, direction;
    std::deque<std::pair<double, double>> history;  // (time, true value)

    Run(CheckContext& c, const Threshold& th)
        : ctx(c), t(th), stim(c.rig, th.quantity, c.params[19]),
          configured(magnitude(th, c.params[th.trip])),
          recovery_value(th.recovery ? magnitude(th, c.params[th.recovery]) : 0.0),
          delay(delay_s(th, c.params)), tol(c.tol.of(th.quantity)), direction(th.direction) {}

    // A margin well outside the sensing tolerance, in the quantity's unit.
    double margin() const {
        switch (t.quantity) {
            case Quantity::cell_max_V:
            case Quantity::cell_min_V:
            case Quantity::cell_spread_V: return 0.030;
            case Quantity::terminal_V: return 1.0;
            case Quantity::pack_V: return 0.40;
            case Quantity::charge_current_A:
            case Quantity::discharge_current_A: return 5.0;
            default: return 3.0;
        }
    }
    double ramp_rate() const {  // per second
        switch (t.quantity) {
            case Quantity::cell_max_V:
            case Quantity::cell_min_V:
            case Quantity::cell_spread_V: return 0.0005;
            case Quantity::terminal_V: return 0.02;
            case Quantity::pack_V: return 0.008;
            case Quantity::charge_current_A:
            case Quantity::discharge_current_A: return 0.1;
            default: return 0.05;
        }
    }
    // Flags cost a Modbus transaction to read: looked at every 50 ms.
    double poll() const {
        const bool flag = t.reaction == Reaction::alarm || t.reaction == Reaction::protection_flag ||
                          t.reaction == Reaction::fault_flag;
        return flag ? 0.05 : ctx.tol.tick_s;
    }

    void record() {
        history.emplace_back(ctx.rig.now_s(), stim.value());
        while (history.size() > 2 && history.front().first < ctx.rig.now_s() - delay_bound_s(t, ctx.params) - 5.0)
            history.pop_front();
    }
    double value_at(double time) const {
        double v = history.empty() ? 0.0 : history.front().second;
        for (const auto& [ts, vs] : history)
            if (ts <= time + 1e-9) v = vs;
        return v;
    }

    void start() {
        for (int sw : isolate(t)) write_switch(sw, false);
        stim.park_other_cells();
        stim.set(configured - direction * margin());
        ctx.rig.run_for(std::max(3.0 * delay_bound_s(t, ctx.params), 3.0));
    }
    void write_switch(int number, bool on) {
        if (!ctx.port.write_switch) throw std::runtime_error("switch " + std::to_string(number) + " needs the board's port");
        ctx.port.write_switch(number, on);
    }
    // Runs until reacted() equals `want` or timeout; returns whether it did.
    bool wait_for(bool want, double timeout_s, const std::function<void(double)>& drive = {}) {
        const double start = ctx.rig.now_s();
        while (ctx.rig.now_s() - start < timeout_s) {
            if (drive) drive(ctx.rig.now_s() - start);
            ctx.rig.run_for(poll());
            record();
            if (reacted(ctx, t) == want) return true;
        }
        return false;
    }
};

}  // namespace

double Tolerances::of(Quantity q) const {
    switch (q) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V: return cell_V;
        case Quantity::pack_V: return pack_V;
        case Quantity::terminal_V: return terminal_V;
        case Quantity::cell_spread_V: return spread_V;
        case Quantity::charge_current_A:
        case Quantity::discharge_current_A: return current_A;
        default: return temperature_degC;
    }
}

Tolerances tolerances(const model::PackConfig& pack, double tick_s) {
    const model::AfeConfig& afe = pack.afe;
    // Noise enters twice: as scatter of the sample that trips (3 sigma), and as
    // the bias of a confirmation that restarts whenever one sample falls back:
    // 100 samples in a row all past the threshold need the true value about
    // 2.6 sigma past it. 4 sigma covers the bias and its scatter.
    constexpr double kNoiseSigmas = 4.0;
    Tolerances t;
    // A cell tap: channel offset, noise, one code, and 1 mV of the firmware's rounding.
    t.cell_V = afe.cell_offset_max_V + kNoiseSigmas * afe.cell_noise_V + afe.cell_lsb_V + 1e-3;
    // The total is the sum of 16 taps: offsets add, noise adds in quadrature.
    const double n = static_cast<double>(pack.cell_count);
    t.pack_V = n * (afe.cell_offset_max_V + afe.cell_lsb_V + 1e-3) + kNoiseSigmas * std::sqrt(n) * afe.cell_noise_V;
    t.terminal_V = kNoiseSigmas * afe.pack_noise_V + 0.01;
    // A difference of two taps: both offsets and roundings, noise in quadrature.
    t.spread_V = 2.0 * (afe.cell_offset_max_V + afe.cell_lsb_V + 1e-3) + kNoiseSigmas * std::sqrt(2.0) * afe.cell_noise_V;
    // An NTC's R25 tolerance is at most ~0.32 K between -20 and 60 degC (Beta
    // 3435 K: dR/R = B/T^2 per K), plus the firmware's 0.1 degC resolution.
    t.temperature_degC = pack.ntc_tolerance / (pack.ntc.beta_K / (333.15 * 333.15)) + 0.1 + 0.05;
    // Shunt: offset, noise, one code; plus what a 0.1 A/s ramp moves in a second.
    t.current_A = afe.current_offset_max_A + kNoiseSigmas * afe.current_noise_A + afe.current_lsb_A + 0.1;
    t.tick_s = tick_s;
    return t;
}

const char* to_string(CheckKind k) {
    switch (k) {
        case CheckKind::trip_value: return "trip_value";
        case CheckKind::delay: return "delay";
        case CheckKind::recovery: return "recovery";
        case CheckKind::switch_off: return "switch_off";
    }
    return "?";
}

bool applicable(const Threshold& t, CheckKind kind, std::string* why) {
    const auto no = [&](const char* reason) {
        if (why) *why = reason;
        return false;
    };
    if (kind == CheckKind::delay && t.delay == DelaySource::unspecified)
        return no("the manual gives this alarm no delay; its trip check bounds it by the protection's delay");
    // Only the over-current protections recover by time (#70); others need a value.
    const bool by_time = t.quantity == Quantity::charge_current_A || t.quantity == Quantity::discharge_current_A;
    if (kind == CheckKind::recovery && t.recovery == 0 && !by_time)
        return no("the manual gives no recovery value");
    return true;
}

Finding run_threshold_check(CheckContext& ctx, const Threshold& t, CheckKind kind) {
    Run r(ctx, t);
    Finding f;
    // The parameter the finding is about: the trip value, the recovery value,
    // or the delay parameter when the manual gives the delay as one.
    f.parameter = t.trip;
    if (kind == CheckKind::switch_off) f.parameter = 0;
    if (kind == CheckKind::recovery && t.recovery) f.parameter = t.recovery;
    if (kind == CheckKind::delay && t.delay == DelaySource::parameter) f.parameter = t.delay_parameter;
    f.switch_number = kind == CheckKind::switch_off ? t.switch_number : 0;
    char id[64];
    std::snprintf(id, sizeof id, "p%03d.%s", t.trip, to_string(kind));
    f.check = id;
    f.kind = to_string(kind);
    f.unit = unit_of(t.quantity);
    r.start();
    if (reacted(ctx, t)) {
        f.message = t.name + ": " + to_string(t.reaction) + " already at " + fmt(r.stim.value()) + " " + f.unit +
                    ", before the threshold " + fmt(r.configured);
        f.configured = r.configured;
        f.measured = r.stim.value();
        return f;
    }
    const double bound = delay_bound_s(t, ctx.params);
    switch (kind) {
        case CheckKind::trip_value: {
            // Ramp slowly across; the value judged is the one a confirmation
            // delay before the reaction.
            const double from = r.configured - r.direction * r.margin();
            const double span = 3.0 * r.margin() + r.ramp_rate() * bound;
            const double duration = span / r.ramp_rate();
            const bool seen = r.wait_for(true, duration, [&](double elapsed) {
                r.stim.set(from + r.direction * r.ramp_rate() * elapsed);
            });
            f.configured = r.configured;
            f.tolerance = r.tol + (t.delay == DelaySource::unspecified ? r.ramp_rate() * bound : 0.0);
            if (!seen) {
                f.measured = r.stim.value();
                f.message = t.name + ": no " + to_string(t.reaction) + " up to " + fmt(f.measured) + " " + f.unit;
                return f;
            }
            // For an alarm without a delay of its own, the value at the reaction.
            const double judged_at = ctx.rig.now_s() - r.delay;
            f.measured = r.value_at(judged_at);
            f.passed = std::abs(f.measured - f.configured) <= f.tolerance;
            f.message = t.name + " (#" + std::to_string(t.trip) + "): tripped at " + fmt(f.measured) + " " + f.unit +
                        ", configured " + fmt(f.configured) + " +- " + fmt(f.tolerance);
            return f;
        }
        case CheckKind::delay:
        case CheckKind::switch_off: {
            if (kind == CheckKind::switch_off) r.write_switch(t.switch_number, false);
            const double target = r.configured + r.direction * r.margin();
            r.stim.set(target);
            const double t0 = ctx.rig.now_s();
            const double window = kind == CheckKind::switch_off ? 3.0 * bound + 2.0 : bound + 2.0;
            const bool seen = r.wait_for(true, window);
            const double elapsed = ctx.rig.now_s() - t0;
            if (kind == CheckKind::switch_off) {
                f.configured = 0.0;
                f.measured = seen ? elapsed : window;
                f.unit = "s";
                f.passed = !seen;
                f.message = "switch " + std::to_string(t.switch_number) + " off: " + t.name +
                            (seen ? " still reacted after " + fmt(elapsed) + " s" : " did not react in " + fmt(window) + " s");
                return f;
            }
            f.configured = r.delay;
            f.measured = elapsed;
            f.unit = "s";
            // One tick to see the step, one poll to see the reaction.
            f.tolerance = ctx.tol.tick_s + r.poll() + 1e-6;
            f.passed = seen && std::abs(elapsed - r.delay) <= f.tolerance;
            f.message = t.name + ": " + (seen ? "reacted " + fmt(elapsed) + " s" : "no reaction within " + fmt(window) + " s") +
                        " after a step to " + fmt(target) + " " + unit_of(t.quantity) + ", configured delay " + fmt(r.delay) + " s";
            return f;
        }
        case CheckKind::recovery: {
            const double over = r.configured + r.direction * r.margin();
            r.stim.set(over);
            if (!r.wait_for(true, bound + 2.0)) {
                f.message = t.name + ": never tripped, so its recovery cannot be seen";
                return f;
            }
            if (t.recovery == 0) {
                // Current protections recover by time (#70) once the cause is gone.
                r.stim.set(0.0);
                const double tripped = ctx.rig.now_s();
                const double wait = ctx.params[70];
                const bool back = r.wait_for(false, wait + 5.0);
                f.parameter = 70;
                f.configured = wait;
                f.measured = ctx.rig.now_s() - tripped;
                f.unit = "s";
                f.tolerance = ctx.tol.tick_s + r.poll() + 1e-6;
                f.passed = back && std::abs(f.measured - wait) <= f.tolerance;
                f.message = t.name + ": " + (back ? "reclosed after " + fmt(f.measured) + " s" : "did not reclose") +
                            ", configured #70 = " + fmt(wait) + " s";
                return f;
            }
            // Ramp back through the recovery value.
            const double from = over;
            const double to = r.recovery_value - r.direction * r.margin();
            const double rate = r.ramp_rate();
            const double duration = std::abs(from - to) / rate + bound + 5.0;
            const double sign = to > from ? 1.0 : -1.0;
            const bool back = r.wait_for(false, duration, [&](double elapsed) {
                const double v = from + sign * rate * elapsed;
                r.stim.set(sign > 0 ? std::min(v, to) : std::max(v, to));
            });
            f.configured = r.recovery_value;
            f.tolerance = r.tol;
            if (!back) {
                f.measured = r.stim.value();
                f.message = t.name + ": did not recover down to " + fmt(f.measured) + " " + f.unit;
                return f;
            }
            f.measured = r.value_at(ctx.rig.now_s() - r.delay);
            f.passed = std::abs(f.measured - f.configured) <= f.tolerance;
            f.message = t.name + " (#" + std::to_string(t.recovery) + "): recovered at " + fmt(f.measured) + " " +
                        f.unit + ", configured " + fmt(f.configured) + " +- " + fmt(f.tolerance);
            return f;
        }
    }
    return f;
}

}  // namespace bmshil::rig::oracle
