#include "scenario_runner.h"

#include "observer/modbus_observer.h"
#include "oracle/parameter_rules.h"
#include "oracle/stimulus.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace bmshil::rig::scenario {
namespace {

// How often a waiting condition is looked at when nothing else happens. The
// kernel also stops at every change of the firmware's outputs and at an AFE
// trip, so a FET that opens is seen when it opens, not a stride later.
constexpr double kStride_s = 1.0;
// A condition on the board's port costs a Modbus transaction to look at: it is
// read once a minute while waiting, and at every change of outputs.
constexpr double kPortStride_s = 60.0;

double stride_for(const Condition& c) {
    return Probes::on_port(c.signal) || Probes::on_port(c.minus) ? kPortStride_s : kStride_s;
}

std::string format(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

bool compare(double a, const std::string& op, double b) {
    if (op == "==") return a == b;
    if (op == "!=") return a != b;
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == ">") return a > b;
    return a >= b;
}

}  // namespace

Values values_of(const oracle::ParameterSet& set) {
    Values v;
    v.parameter = [&set](int n) { return set[n]; };
    v.switch_on = [&set](int n) { return set.switch_on(n); };
    return v;
}

RigConfig configure(const Scenario& s, RigConfig base, const oracle::ParameterSet& in_force) {
    const Values values = values_of(in_force);
    if (s.seed) base.pack.seed = *s.seed;
    if (s.pack.soc) base.pack.initial_soc = *s.pack.soc;
    if (s.pack.temperature) base.pack.initial_temperature_degC = s.pack.temperature->evaluate(values);
    base.pack.ambient_degC = s.pack.ambient ? s.pack.ambient->evaluate(values) : base.pack.initial_temperature_degC;
    if (!s.pack.spread) {
        base.pack.capacity_spread = base.pack.resistance_spread = base.pack.self_discharge_spread = 0.0;
        base.pack.soc_spread = 0.0;
    }
    return base;
}

ScenarioRunner::ScenarioRunner(Rig& rig, PortAccess port, const oracle::ParameterSet& in_force)
    : rig_(rig), port_(std::move(port)), probes_(rig_, port_), params_(in_force) {
    values_ = values_of(params_);
}

double ScenarioRunner::signal(const std::string& name) {
    if (name.rfind("at:", 0) == 0) {
        const auto it = recorded_.find(name);
        if (it == recorded_.end())
            throw ScenarioError("signal '" + name + "': no mark before this step recorded it (mark: {name: ..., record: [...]})");
        return it->second;
    }
    try {
        return probes_.read(name);
    } catch (const ProbeError& e) {
        throw ScenarioError(e.what());
    }
}

double ScenarioRunner::value(const Expr& e) const { return e.evaluate(values_); }

bool ScenarioRunner::holds(const Condition& c) {
    const double v = c.minus.empty() ? signal(c.signal) : signal(c.signal) - signal(c.minus);
    double want = value(c.value);
    // A register's value is in the map's unit; an expression with a
    // dimension is in SI.
    if (c.value.dimension() != Dimension::none && c.signal.rfind("reg:", 0) == 0)
        want = register_value(c.signal.substr(4), c.value);
    return compare(v, c.op, want);
}

double in_register_unit(const std::string& reg, const std::string& unit, const Expr& e, double v) {
    if (e.dimension() == Dimension::none) return v;
    Dimension d = Dimension::none;
    double factor = 1.0;
    if (!unit_to_si(unit, &d, &factor) || d != e.dimension())
        throw ScenarioError("register " + reg + " holds " + (unit.empty() ? "a value without a unit" : "'" + unit + "'") +
                            ", but '" + e.text() + "' is a " + to_string(e.dimension()));
    return v / factor;
}

double ScenarioRunner::register_value(const std::string& reg, const Expr& e) const {
    if (e.dimension() == Dimension::none) return value(e);
    return in_register_unit(reg, port_.unit_of ? port_.unit_of(reg) : "", e, value(e));
}

void ScenarioRunner::write(const WriteRegister& w, const Scenario& s, ScenarioResult& out) {
    const std::string where = s.file + ":" + std::to_string(w.line);
    if (!port_.write) throw ScenarioError(where + ": writing " + w.name + " needs the board's port, and this run has none");
    const double v = register_value(w.name, w.value);
    bool refused = false;
    bool unanswered = false;  // a refusal is an exception response (Modbus), not silence
    std::string why;
    try {
        port_.write(w.name, v);
    } catch (const std::exception& e) {
        if (!w.expect_refusal) throw std::runtime_error(where + ": write " + w.name + " = " + format(v) + ": " + e.what());
        const auto* modbus = dynamic_cast<const ModbusError*>(&e);
        unanswered = modbus != nullptr && modbus->exception_code() == 0;
        refused = !unanswered;
        why = e.what();
    }
    if (!refused && !unanswered) {
        // The scenario's expressions see what it set.
        const int parameter = port_.parameter_of ? port_.parameter_of(w.name) : 0;
        const int sw = port_.switch_of ? port_.switch_of(w.name) : 0;
        if (parameter != 0) params_.set(parameter, v);
        if (sw != 0) params_.set_switch(sw, v != 0.0);
    }
    if (!w.expect_refusal) return;
    Finding f;
    f.check = s.name + ":" + std::to_string(w.line);
    f.kind = "refusal";
    f.parameter = port_.parameter_of ? port_.parameter_of(w.name) : 0;
    f.configured = v;
    f.measured = v;
    f.unit = port_.unit_of ? port_.unit_of(w.name) : "";
    f.passed = refused;
    f.message = refused      ? "write " + w.name + " = " + format(v) + " refused as expected (" + why + ")"
                : unanswered ? "write " + w.name + " = " + format(v) + " got no answer (" + why +
                                   "); an invalid setting must be refused with an exception response"
                             : "write " + w.name + " = " + format(v) + " was accepted; an invalid setting must be refused";
    out.findings.push_back(f);
}

void ScenarioRunner::write_settings(const Scenario& s, ScenarioResult& out) {
    // Parameters and switches go out together as one set, checked against
    // the manual's rules first; other registers one by one after them.
    oracle::ParameterSet next = params_;
    std::vector<const WriteRegister*> others;
    bool any = false;
    for (const WriteRegister& w : s.settings) {
        const int parameter = port_.parameter_of ? port_.parameter_of(w.name) : 0;
        const int sw = port_.switch_of ? port_.switch_of(w.name) : 0;
        if ((parameter == 0 && sw == 0) || w.expect_refusal || !port_.write_settings) {
            others.push_back(&w);
            continue;
        }
        const double v = register_value(w.name, w.value);
        const oracle::Origin origin{s.file, w.line};
        if (parameter != 0) next.set(parameter, v, origin);
        if (sw != 0) next.set_switch(sw, v != 0.0, origin);
        any = true;
    }
    if (any) {
        const auto bad = oracle::check_rules(next);
        if (!bad.empty()) {
            std::string what = s.file + ": the settings with the parameters in force break the manual's rules:";
            for (const auto& v : bad) what += "\n  " + v.message(next.spec());
            throw ScenarioError(what);
        }
        port_.write_settings(next);
        params_ = next;
    }
    for (const WriteRegister* w : others) write(*w, s, out);
}

void ScenarioRunner::set_cell(const CellSetting& c) {
    model::Pack& p = rig_.pack();
    const std::size_t k = static_cast<std::size_t>(c.cell - 1);
    model::CellVariation v = p.cell(k).variation();
    if (c.capacity_scale) v.capacity_scale = *c.capacity_scale;
    if (c.resistance_scale) v.resistance_scale = *c.resistance_scale;
    if (c.self_discharge_scale) v.self_discharge_scale = *c.self_discharge_scale;
    p.set_cell(k, v, c.soc.value_or(p.cell(k).soc()));
    if (c.voltage) oracle::place_cell_at_voltage(p, k, value(*c.voltage));
    rig_.inputs_changed();
}

void ScenarioRunner::power_cycle(double off_s) {
    rig_.board().power_off();
    rig_.run_for(off_s);
    rig_.board().power_on();
    rig_.run_for(0.1);  // the firmware's first calls after power-on
}

ScenarioResult ScenarioRunner::run(const Scenario& s) {
    ScenarioResult out;
    out.name = "scenarios/" + s.name;
    out.group = "scenarios";
    out.source = s.file;
    const double start = rig_.now_s();
    marks_["start"] = start;
    // Every cell at a voltage, then cells set apart, in the pack's starting state.
    if (s.pack.cell_voltage) {
        const double v = value(*s.pack.cell_voltage);
        for (std::size_t k = 0; k < rig_.pack().cell_count(); ++k) oracle::place_cell_at_voltage(rig_.pack(), k, v);
        rig_.inputs_changed();
    }
    for (const CellSetting& c : s.pack.cells) set_cell(c);
    write_settings(s, out);
    for (const Step& step : s.steps) execute(step, s, out);
    for (const model::SoaViolation& v : rig_.pack().soa_violations())
        out.safety.push_back({model::to_string(v.kind), v.cell, v.start_s, v.end_s, v.worst});
    out.simulated_s = rig_.now_s() - start;
    out.status = ScenarioStatus::passed;
    for (const Finding& f : out.findings)
        if (!f.passed) out.status = ScenarioStatus::failed;
    return out;
}

void ScenarioRunner::apply(const Step& step, ScenarioResult& out) {
    static const Scenario outside = [] {
        Scenario s;
        s.file = "<rig>";
        s.name = "rig";
        return s;
    }();
    execute(step, outside, out);
}

void ScenarioRunner::execute(const Step& step, const Scenario& s, ScenarioResult& out) {
    try {
        execute_step(step, s, out);
    } catch (const SimulatedTimeError& e) {
        throw ScenarioError(s.file + ":" + std::to_string(step.line) + ": " + e.what());
    }
}

void ScenarioRunner::execute_step(const Step& step, const Scenario& s, ScenarioResult& out) {
    model::Pack& p = rig_.pack();
    std::visit(
        [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, Wait>) {
                rig_.run_for(value(a.duration));
            } else if constexpr (std::is_same_v<T, WaitUntil>) {
                const double timeout_s = value(a.timeout);
                if (!rig_.run_until([&] { return holds(a.condition); }, timeout_s, stride_for(a.condition))) {
                    Finding f;
                    f.check = s.name + ":" + std::to_string(step.line);
                    f.kind = "expectation";
                    f.configured = timeout_s;
                    f.measured = timeout_s;
                    f.unit = "s";
                    f.message = "'" + a.condition.text + "' did not come true within " + format(timeout_s) + " s";
                    out.findings.push_back(f);
                }
            } else if constexpr (std::is_same_v<T, ChargerStep>) {
                model::Charger& c = p.charger();
                c.connected = a.connected;
                if (a.voltage) c.voltage_setpoint_V = value(*a.voltage);
                if (a.current) c.current_limit_A = value(*a.current);
                if (a.overshoot) c.fault_overshoot_V = value(*a.overshoot);
                rig_.inputs_changed();
            } else if constexpr (std::is_same_v<T, LoadStep>) {
                model::Load* load = p.find_load(a.name);
                if (load == nullptr) {
                    model::Load fresh;
                    fresh.name = a.name;
                    load = &p.add_load(fresh);
                }
                load->connected = a.connected;
                if (!a.kind.empty() && a.value) {
                    const double v = value(*a.value);
                    if (!(v >= 0.0)) throw ScenarioError(s.file + ":" + std::to_string(step.line) + ": load " + a.kind +
                                                         " '" + a.value->text() + "' is " + format(v) + ", below 0");
                    if (a.kind == "current") {
                        load->kind = model::LoadKind::current;
                        load->current_A = v;
                    }
                    if (a.kind == "power") {
                        load->kind = model::LoadKind::power;
                        load->power_W = v;
                    }
                    if (a.kind == "resistance") {
                        load->kind = model::LoadKind::resistance;
                        load->resistance_ohm = v;
                    }
                    if (a.kind == "inverter") {
                        load->kind = model::LoadKind::inverter;
                        load->power_W = v;
                    }
                }
                rig_.inputs_changed();
            } else if constexpr (std::is_same_v<T, AmbientStep>) {
                const double degC = value(a.degC);
                const double over_s = a.over ? value(*a.over) : 0.0;
                if (over_s > 0.0)
                    p.set_ambient_profile({{rig_.now_s(), p.ambient_degC()}, {rig_.now_s() + over_s, degC}});
                else
                    p.set_ambient_degC(degC);
            } else if constexpr (std::is_same_v<T, NtcFaultStep>) {
                model::Ntc& ntc = p.ntc(static_cast<std::size_t>(a.ntc));
                if (!a.state.empty())
                    ntc.set_fault(a.state == "open"    ? model::NtcFault::open
                                  : a.state == "short" ? model::NtcFault::shorted
                                                       : model::NtcFault::none);
                if (a.r25_scale || a.beta_K)
                    ntc.set_drift(a.r25_scale ? value(*a.r25_scale) : ntc.r25_drift(),
                                  a.beta_K ? value(*a.beta_K) : ntc.beta_K());
            } else if constexpr (std::is_same_v<T, SenseWireStep>) {
                if (a.above_cell >= static_cast<int>(p.cell_count()))
                    throw std::runtime_error("sense_wire above cell " + std::to_string(a.above_cell) +
                                             ": the wires between cells are above cells 1.." +
                                             std::to_string(p.cell_count() - 1));
                rig_.pack_module().sync();  // the wire comes off now, not at the pack's last step
                p.set_sense_wire_open(a.above_cell, a.open);
                rig_.inputs_changed();
            } else if constexpr (std::is_same_v<T, ShuntStep>) {
                rig_.pack_module().sync();  // the drift starts now
                p.drift_shunt_offset(value(a.offset), a.over ? value(*a.over) : 0.0);
            } else if constexpr (std::is_same_v<T, CellStep>) {
                set_cell(a.setting);
            } else if constexpr (std::is_same_v<T, ButtonStep>) {
                if (!a.hold) {
                    rig_.board().set_button(a.held);
                } else {
                    rig_.board().set_button(true);
                    rig_.run_for(value(*a.hold));
                    rig_.board().set_button(false);
                }
            } else if constexpr (std::is_same_v<T, Mark>) {
                marks_[a.name] = rig_.now_s();
                for (const std::string& sig : a.record) recorded_["at:" + a.name + ":" + sig] = signal(sig);
            } else if constexpr (std::is_same_v<T, WriteRegister>) {
                write(a, s, out);
            } else if constexpr (std::is_same_v<T, Expect>) {
                expect(a, step.line, s, out);
            } else if constexpr (std::is_same_v<T, Repeat>) {
                const double times = value(a.times);
                if (!(times >= 0.0) || times != std::floor(times) || times > 100000)
                    throw ScenarioError(s.file + ":" + std::to_string(step.line) + ": repeat times '" + a.times.text() +
                                        "' is " + format(times) + ", not a whole number 0..100000");
                for (int i = 0; i < static_cast<int>(times); ++i)
                    for (const Step& inner : a.steps) execute(inner, s, out);
            } else if constexpr (std::is_same_v<T, PowerCycle>) {
                power_cycle(value(a.off));
            }
        },
        step.action);
}

void ScenarioRunner::expect(const Expect& e, int line, const Scenario& s, ScenarioResult& out) {
    Finding f;
    f.check = s.name + ":" + std::to_string(line);
    f.kind = "expectation";
    f.parameter = e.parameter;
    f.switch_number = e.switch_number;
    if (!e.safety.empty()) {
        const auto& soa = rig_.pack().soa_violations();
        const bool any = !soa.empty();
        bool found = false;
        for (const auto& v : soa) found |= model::to_string(v.kind) == e.safety;
        f.unit = "count";
        f.measured = static_cast<double>(soa.size());
        if (e.safety == "none") {
            f.passed = !any;
            f.message = any ? std::string("safety finding ") + model::to_string(soa.front().kind) + " on cell " +
                                  std::to_string(soa.front().cell) + " at " + format(soa.front().start_s) + " s"
                            : "no safety finding";
        } else {
            f.passed = found;
            f.message = found ? "safety finding " + e.safety + " reported" : "no safety finding " + e.safety;
        }
        out.findings.push_back(f);
        return;
    }
    const Condition& c = *e.condition;
    if (e.holds_for) {
        const double holds_for_s = value(*e.holds_for);
        // Checked at every firmware tick.
        const double start = rig_.now_s();
        const bool broke = rig_.run_until([&] { return !holds(c); }, holds_for_s, stride_for(c));
        f.configured = holds_for_s;
        f.measured = rig_.now_s() - start;
        f.window_from_s = f.stimulus_s = start;
        f.window_to_s = start + holds_for_s;
        if (broke) f.reaction_s = rig_.now_s();
        f.unit = "s";
        f.passed = !broke;
        f.message = broke ? "'" + c.text + "' broke after " + format(f.measured) + " s (" + c.signal + " = " +
                                format(signal(c.signal)) + ")"
                          : "'" + c.text + "' held for " + format(holds_for_s) + " s";
        out.findings.push_back(f);
        return;
    }
    // Windows count from when this step starts, or from a named mark.
    double from = rig_.now_s();
    if (!e.after.empty()) {
        const auto it = marks_.find(e.after);
        if (it == marks_.end())
            throw ScenarioError(s.file + ":" + std::to_string(line) + ": no mark '" + e.after + "' before this step");
        from = it->second;
    }
    const double within_min_s = value(*e.within_min), within_max_s = value(*e.within_max);
    if (within_max_s < within_min_s)
        throw ScenarioError(s.file + ":" + std::to_string(line) + ": within [" + e.within_min->text() + ", " +
                            e.within_max->text() + "] is [" + format(within_min_s) + ", " + format(within_max_s) +
                            "] s with the values in force: max before min");
    // Poll finely enough to resolve the window: a tenth of its width, at most a tick.
    const double width = std::max(within_max_s - within_min_s, 1e-6);
    const double poll = std::clamp(width / 10.0, 1e-6, 0.01);
    // A board on its own clock: its outputs reach the rig up to its link's
    // slack after they changed.
    const bool edge_timed = rig_.adapter().real_time() && Probes::is_output(c.signal);
    const double slack_s = edge_timed ? rig_.adapter().timing_slack_s() : 0.0;
    const double deadline = from + within_max_s + slack_s;
    // Long strides until just before the window (a change of outputs cuts a
    // stride short, so an early reaction is still seen), then fine steps.
    const double lead_in = from + within_min_s - 2.0 * poll;
    bool seen = holds(c);
    if (!seen && rig_.now_s() < lead_in)
        seen = rig_.run_until([&] { return holds(c); }, lead_in - rig_.now_s(), stride_for(c));
    if (!seen && rig_.now_s() < deadline)
        seen = rig_.run_until([&] { return holds(c); }, deadline - rig_.now_s() + poll, poll);
    // There an output changed when the board's edge capture says (the AFE
    // latch when the board's AFE says), not when the rig heard of it.
    double event_s = rig_.now_s();
    if (edge_timed) {
        if (seen) {
            const double edge_s = rig_.adapter().last_edge_s();
            if (edge_s >= from && edge_s < event_s) event_s = edge_s;
            const model::Pack& p = rig_.pack();
            if (p.sc_latched() && p.sc_trip_time_s() >= from && p.sc_trip_time_s() < event_s &&
                (c.signal == "discharge_fet" || c.signal == "discharge_path" || c.signal == "afe_sc_latched"))
                event_s = p.sc_trip_time_s();
        }
    }
    const double elapsed = event_s - from;
    f.stimulus_s = from;
    if (seen) f.reaction_s = event_s;
    f.window_from_s = from + within_min_s;
    f.window_to_s = from + within_max_s + slack_s;
    f.configured = 0.5 * (within_min_s + within_max_s);
    f.tolerance = 0.5 * (within_max_s - within_min_s) + slack_s;
    f.measured = elapsed;
    f.unit = "s";
    f.passed = seen && elapsed >= within_min_s - poll && elapsed <= within_max_s + poll + slack_s;
    std::ostringstream msg;
    msg << "'" << c.text << "' ";
    if (!seen)
        msg << "not true within " << format(within_max_s) << " s (" << c.signal << " = " << format(signal(c.signal))
            << ")";
    else
        msg << "true after " << format(elapsed) << " s, window [" << format(within_min_s) << ", "
            << format(within_max_s) << "] s";
    f.message = msg.str();
    out.findings.push_back(f);
}

}  // namespace bmshil::rig::scenario
