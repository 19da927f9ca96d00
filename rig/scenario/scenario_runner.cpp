#include "scenario_runner.h"

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

bool on_port(const std::string& signal) { return signal.rfind("reg:", 0) == 0 || signal.rfind("bit:", 0) == 0; }
double stride_for(const Condition& c) { return on_port(c.signal) || on_port(c.minus) ? kPortStride_s : kStride_s; }

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

RigConfig configure(const Scenario& s, RigConfig base) {
    if (s.seed) base.pack.seed = *s.seed;
    if (s.pack.soc) base.pack.initial_soc = *s.pack.soc;
    if (s.pack.temperature_degC) base.pack.initial_temperature_degC = *s.pack.temperature_degC;
    base.pack.ambient_degC = s.pack.ambient_degC.value_or(base.pack.initial_temperature_degC);
    if (!s.pack.spread) {
        base.pack.capacity_spread = base.pack.resistance_spread = base.pack.self_discharge_spread = 0.0;
        base.pack.soc_spread = 0.0;
    }
    return base;
}

ScenarioRunner::ScenarioRunner(Rig& rig, PortAccess port) : rig_(rig), port_(std::move(port)) {}

double ScenarioRunner::cell_extreme(bool max, bool temperature) {
    model::Pack& p = rig_.pack();
    double best = max ? -1e300 : 1e300;
    for (std::size_t k = 0; k < p.cell_count(); ++k) {
        const double v = temperature ? p.cell(k).temperature_degC() : p.cell_voltage_V(k);
        best = max ? std::max(best, v) : std::min(best, v);
    }
    return best;
}

double ScenarioRunner::signal(const std::string& name) {
    model::Pack& p = rig_.pack();
    const bmshil_board_outputs& o = rig_.board().outputs();
    // The gates as they are: the AFE opens the discharge FET on its own.
    if (name == "charge_fet") return p.commanded().charge_fet ? 1 : 0;
    if (name == "discharge_fet") return p.commanded().discharge_fet && !p.sc_latched() ? 1 : 0;
    if (name == "discharge_fet_cmd") return o.discharge_fet_on;
    if (name == "precharge") return p.commanded().precharge ? 1 : 0;
    if (name == "heater") return p.commanded().heater ? 1 : 0;
    if (name == "limiter") return p.commanded().limiter ? 1 : 0;
    if (name == "balancing") return p.commanded().balance_mask != 0 ? 1 : 0;
    if (name == "balance_mask") return p.commanded().balance_mask;
    if (name == "afe_sc_latched") return p.sc_latched() ? 1 : 0;
    if (name == "current_A") return p.current_A();
    if (name == "pack_V") return p.terminal_V();
    if (name == "cell_max_V") return cell_extreme(true, false);
    if (name == "cell_min_V") return cell_extreme(false, false);
    if (name == "cell_spread_V") return cell_extreme(true, false) - cell_extreme(false, false);
    if (name == "cell_max_degC") return cell_extreme(true, true);
    if (name == "cell_min_degC") return cell_extreme(false, true);
    if (name == "time_s") return rig_.now_s();
    if (name.rfind("bit:", 0) == 0) {
        const auto dot = name.find('.');
        if (dot == std::string::npos) throw ScenarioError("signal '" + name + "': expected bit:<word>.<bit name>");
        if (!port_.bit) throw ScenarioError("signal '" + name + "' needs the board's port, and this run has none");
        return port_.bit(name.substr(4, dot - 4), name.substr(dot + 1)) ? 1 : 0;
    }
    if (name.rfind("reg:", 0) == 0) {
        if (!port_.read) throw ScenarioError("signal '" + name + "' needs the board's port, and this run has none");
        return port_.read(name.substr(4));
    }
    // cellN_V, cellN_degC, cellN_soc
    int cell = 0;
    char unit[16] = {};
    if (std::sscanf(name.c_str(), "cell%d_%15s", &cell, unit) == 2 && cell >= 1 &&
        static_cast<std::size_t>(cell) <= p.cell_count()) {
        const std::size_t k = static_cast<std::size_t>(cell - 1);
        const std::string u = unit;
        if (u == "V") return p.cell_voltage_V(k);
        if (u == "degC") return p.cell(k).temperature_degC();
        if (u == "soc") return p.cell(k).soc();
    }
    throw ScenarioError(
        "unknown signal '" + name +
        "' (outputs: charge_fet, discharge_fet, precharge, heater, limiter, balancing; model: "
        "current_A, pack_V, cell_max_V, cell_min_V, cell_spread_V, cell_max_degC, cell_min_degC, "
        "cellN_V, cellN_degC, cellN_soc, afe_sc_latched; port: reg:<register name>, bit:<word>.<bit name>)");
}

bool ScenarioRunner::holds(const Condition& c) {
    const double v = c.minus.empty() ? signal(c.signal) : signal(c.signal) - signal(c.minus);
    return compare(v, c.op, c.value);
}

ScenarioResult ScenarioRunner::run(const Scenario& s) {
    ScenarioResult out;
    out.name = "scenarios/" + s.name;
    out.group = "scenarios";
    out.source = s.file;
    const double start = rig_.now_s();
    marks_["start"] = start;
    // Cells set apart in the pack's starting state.
    for (const CellSetting& c : s.pack.cells) execute(Step{0, CellStep{c}}, s, out);
    for (const WriteRegister& w : s.settings) {
        if (!port_.write) throw ScenarioError(s.file + ": settings need the board's port, and this run has none");
        port_.write(w.name, w.value);
    }
    for (const Step& step : s.steps) execute(step, s, out);
    for (const model::SoaViolation& v : rig_.pack().soa_violations())
        out.safety.push_back({model::to_string(v.kind), v.cell, v.start_s, v.end_s, v.worst});
    out.simulated_s = rig_.now_s() - start;
    out.status = ScenarioStatus::passed;
    for (const Finding& f : out.findings)
        if (!f.passed) out.status = ScenarioStatus::failed;
    return out;
}

void ScenarioRunner::execute(const Step& step, const Scenario& s, ScenarioResult& out) {
    model::Pack& p = rig_.pack();
    std::visit(
        [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, Wait>) {
                rig_.run_for(a.duration_s);
            } else if constexpr (std::is_same_v<T, WaitUntil>) {
                if (!rig_.run_until([&] { return holds(a.condition); }, a.timeout_s, stride_for(a.condition))) {
                    Finding f;
                    f.check = s.name + ":" + std::to_string(step.line);
                    f.kind = "expectation";
                    f.configured = a.timeout_s;
                    f.measured = a.timeout_s;
                    f.unit = "s";
                    f.message = "'" + a.condition.text + "' did not come true within " + format(a.timeout_s) + " s";
                    out.findings.push_back(f);
                }
            } else if constexpr (std::is_same_v<T, ChargerStep>) {
                model::Charger& c = p.charger();
                c.connected = a.connected;
                if (a.voltage_V) c.voltage_setpoint_V = *a.voltage_V;
                if (a.current_A) c.current_limit_A = *a.current_A;
                if (a.overshoot_V) c.fault_overshoot_V = *a.overshoot_V;
                rig_.inputs_changed();
            } else if constexpr (std::is_same_v<T, LoadStep>) {
                model::Load* load = p.find_load(a.name);
                if (load == nullptr) {
                    model::Load fresh;
                    fresh.name = a.name;
                    load = &p.add_load(fresh);
                }
                load->connected = a.connected;
                if (!a.kind.empty()) {
                    if (a.kind == "current") {
                        load->kind = model::LoadKind::current;
                        load->current_A = a.value;
                    }
                    if (a.kind == "power") {
                        load->kind = model::LoadKind::power;
                        load->power_W = a.value;
                    }
                    if (a.kind == "resistance") {
                        load->kind = model::LoadKind::resistance;
                        load->resistance_ohm = a.value;
                    }
                    if (a.kind == "inverter") {
                        load->kind = model::LoadKind::inverter;
                        load->power_W = a.value;
                    }
                }
                rig_.inputs_changed();
            } else if constexpr (std::is_same_v<T, AmbientStep>) {
                if (a.over_s > 0.0)
                    p.set_ambient_profile({{rig_.now_s(), p.ambient_degC()}, {rig_.now_s() + a.over_s, a.degC}});
                else
                    p.set_ambient_degC(a.degC);
            } else if constexpr (std::is_same_v<T, NtcFaultStep>) {
                p.ntc(static_cast<std::size_t>(a.ntc))
                    .set_fault(a.state == "open"    ? model::NtcFault::open
                               : a.state == "short" ? model::NtcFault::shorted
                                                    : model::NtcFault::none);
            } else if constexpr (std::is_same_v<T, CellStep>) {
                const std::size_t k = static_cast<std::size_t>(a.setting.cell - 1);
                model::CellVariation v = p.cell(k).variation();
                if (a.setting.capacity_scale) v.capacity_scale = *a.setting.capacity_scale;
                if (a.setting.resistance_scale) v.resistance_scale = *a.setting.resistance_scale;
                if (a.setting.self_discharge_scale) v.self_discharge_scale = *a.setting.self_discharge_scale;
                p.set_cell(k, v, a.setting.soc.value_or(p.cell(k).soc()));
                rig_.inputs_changed();
            } else if constexpr (std::is_same_v<T, ButtonStep>) {
                if (a.hold_s < 0.0) {
                    rig_.board().set_button(a.held);
                } else {
                    rig_.board().set_button(true);
                    rig_.run_for(a.hold_s);
                    rig_.board().set_button(false);
                }
            } else if constexpr (std::is_same_v<T, Mark>) {
                marks_[a.name] = rig_.now_s();
            } else if constexpr (std::is_same_v<T, WriteRegister>) {
                if (!port_.write)
                    throw ScenarioError(s.file + ":" + std::to_string(step.line) + ": write needs the board's port");
                port_.write(a.name, a.value);
            } else if constexpr (std::is_same_v<T, Expect>) {
                expect(a, step.line, s, out);
            } else if constexpr (std::is_same_v<T, Repeat>) {
                for (int i = 0; i < a.times; ++i)
                    for (const Step& inner : a.steps) execute(inner, s, out);
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
    if (e.holds_for_s > 0.0) {
        // Checked at every firmware tick.
        const double start = rig_.now_s();
        const bool broke = rig_.run_until([&] { return !holds(c); }, e.holds_for_s, stride_for(c));
        f.configured = e.holds_for_s;
        f.measured = rig_.now_s() - start;
        f.unit = "s";
        f.passed = !broke;
        f.message = broke ? "'" + c.text + "' broke after " + format(f.measured) + " s (" + c.signal + " = " +
                                format(signal(c.signal)) + ")"
                          : "'" + c.text + "' held for " + format(e.holds_for_s) + " s";
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
    // Poll finely enough to resolve the window: a tenth of its width, at most a tick.
    const double width = std::max(e.within_max_s - e.within_min_s, 1e-6);
    const double poll = std::clamp(width / 10.0, 1e-6, 0.01);
    const double deadline = from + e.within_max_s;
    // Long strides until just before the window (a change of outputs cuts a
    // stride short, so an early reaction is still seen), then fine steps.
    const double lead_in = from + e.within_min_s - 2.0 * poll;
    bool seen = holds(c);
    if (!seen && rig_.now_s() < lead_in)
        seen = rig_.run_until([&] { return holds(c); }, lead_in - rig_.now_s(), stride_for(c));
    if (!seen && rig_.now_s() < deadline)
        seen = rig_.run_until([&] { return holds(c); }, deadline - rig_.now_s() + poll, poll);
    const double elapsed = rig_.now_s() - from;
    f.configured = 0.5 * (e.within_min_s + e.within_max_s);
    f.tolerance = 0.5 * (e.within_max_s - e.within_min_s);
    f.measured = elapsed;
    f.unit = "s";
    f.passed = seen && elapsed >= e.within_min_s - poll && elapsed <= e.within_max_s + poll;
    std::ostringstream msg;
    msg << "'" << c.text << "' ";
    if (!seen)
        msg << "not true within " << format(e.within_max_s) << " s (" << c.signal << " = " << format(signal(c.signal))
            << ")";
    else
        msg << "true after " << format(elapsed) << " s, window [" << format(e.within_min_s) << ", "
            << format(e.within_max_s) << "] s";
    f.message = msg.str();
    out.findings.push_back(f);
}

}  // namespace bmshil::rig::scenario
