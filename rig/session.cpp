#include "session.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "observer/modbus_observer.h"
#include "observer/port_access.h"
#include "observer/register_map.h"
#include "observer/settings_writer.h"
#include "oracle/parameter_rules.h"
#include "probes.h"
#include "scenario/scenario.h"
#include "scenario/scenario_runner.h"
#include "waveform.h"

namespace bmshil::rig {
namespace {

using scenario::Dimension;
using scenario::Expr;

// A run is cut into strides so the caller can stop it (Ctrl-C): each stride
// is sized to take about this much wall time, so a fast sleeping firmware
// runs in long strides and a busy one in short ones.
constexpr double kStrideWall_s = 0.02;
constexpr double kFirstStride_s = 0.1;
constexpr double kMaxStride_s = 3600.0;
// A tick of simulated time: how often a condition is looked at by default.
constexpr double kConditionPoll_s = 0.01;
constexpr double kPortConditionPoll_s = 1.0;

std::optional<Expr> constant(std::optional<double> v, Dimension d) {
    if (!v) return std::nullopt;
    return Expr::constant(*v, d);
}

}  // namespace

struct Session::Recorder {
    std::vector<std::string> names;  // time_s first
    std::vector<Probe> probes;
    double interval_s = 0.0;  // 0: at every firmware call
    double next_s = 0.0;
    std::unique_ptr<TraceBuffer> buffer;
    bool active = true;
};

Session::Session(const SessionOptions& o) : spec_(oracle::Spec::load(o.spec_dir)) {
    oracle::ParameterSet params(spec_);
    try {
        for (const auto& [n, v] : o.parameters) params.set(n, v);
        for (const auto& [n, on] : o.switches) params.set_switch(n, on);
    } catch (const std::exception& e) {
        throw SessionError(e.what());
    }
    const auto bad = oracle::check_rules(params);
    if (!bad.empty()) {
        std::string what = "the parameter set breaks " + std::to_string(bad.size()) + " rule" +
                           (bad.size() == 1 ? "" : "s") + " of the manual; nothing was run";
        for (const auto& v : bad) what += "\n  " + v.message(spec_);
        throw SessionError(what);
    }
    if (!(o.soc >= 0.0 && o.soc <= 1.0)) throw SessionError("soc " + std::to_string(o.soc) + " is not within 0..1");

    RigConfig config;
    config.cell_file = o.cell_file;
    config.firmware_library = o.firmware_library;
    config.board_uri = o.board_uri;
    config.pack.seed = o.seed;
    config.pack.initial_soc = o.soc;
    if (o.temperature_degC) config.pack.initial_temperature_degC = *o.temperature_degC;
    config.pack.ambient_degC = o.ambient_degC.value_or(config.pack.initial_temperature_degC);
    if (!o.spread) {
        config.pack.capacity_spread = config.pack.resistance_spread = config.pack.self_discharge_spread = 0.0;
        config.pack.soc_spread = 0.0;
    }
    map_ = std::make_unique<RegisterMap>(RegisterMap::load(o.register_map));
    rig_ = std::make_unique<Rig>(config);
    if (!o.waveform_file.empty()) waveform_ = std::make_unique<Waveform>(o.waveform_file, *rig_);
    rig_->board().set_after_call([this] { after_call(); });
    // As run_item: the observer waits long for an answer on a loaded machine.
    ModbusObserverConfig observer_config;
    observer_config.response_timeout_ms = 5000;
    observer_ = std::make_unique<ModbusObserver>(rig_->board(), *map_, map_->default_address(), observer_config);
    port_ = std::make_unique<PortAccess>(port_for(*observer_));
    runner_ = std::make_unique<scenario::ScenarioRunner>(*rig_, *port_, params);
    rig_->run_for(0.1);  // power-on: the firmware's first calls
    bmshil::rig::write_settings(*observer_, params);
}

Session::~Session() {
    // The recorders and the waveform sample from the board's hook: unhook first.
    if (rig_) rig_->board().set_after_call({});
    recorders_.clear();
    if (waveform_) {
        try {
            waveform_->close();
        } catch (...) {
        }
    }
}

double Session::now_s() const { return rig_->now_s(); }

const oracle::ParameterSet& Session::parameters() const { return runner_->parameters(); }

double Session::next_sample_s() const {
    double next = INFINITY;
    for (const auto& [id, r] : recorders_)
        if (r->active && r->interval_s > 0.0) next = std::min(next, r->next_s);
    return next;
}

void Session::run_for(double seconds, const Check& check) {
    if (!std::isfinite(seconds) || seconds < 0.0)
        throw SessionError("run_for: " + std::to_string(seconds) + " s is not a finite duration >= 0");
    advance(seconds, check, false);
}

bool Session::advance(double seconds, const Check& check, bool stop_on_pause) {
    const double end_s = now_s() + seconds;
    double stride_s = kFirstStride_s;
    auto last_check = std::chrono::steady_clock::now();
    while (now_s() < end_s - 1e-12) {
        const double stride_end_s = now_s() + stride_s;
        const double next = std::min({end_s, stride_end_s, next_sample_s()});
        const auto t0 = std::chrono::steady_clock::now();
        if (next > now_s()) rig_->run_for(next - now_s());
        // The kernel paused early: the board's outputs changed (run_until).
        const bool paused = now_s() < next - 1e-12;
        for (auto& [id, r] : recorders_)
            while (r->active && r->interval_s > 0.0 && r->next_s <= now_s() + 1e-12) {
                sample(*r);
                r->next_s += r->interval_s;
            }
        const auto t1 = std::chrono::steady_clock::now();
        const double wall_s = std::chrono::duration<double>(t1 - t0).count();
        // Only a stride that ran its planned length says how long the next may be.
        if (next == stride_end_s && !paused) {
            if (wall_s < kStrideWall_s / 4) stride_s = std::min(stride_s * 2.0, kMaxStride_s);
            else if (wall_s > kStrideWall_s) stride_s = std::max(stride_s / 2.0, 1e-3);
        }
        if (check && std::chrono::duration<double>(t1 - last_check).count() >= kStrideWall_s) {
            last_check = t1;
            check();
        }
        if (paused && stop_on_pause) return true;
    }
    return false;
}

bool Session::holds(const std::string& condition) {
    try {
        return runner_->holds(scenario::parse_condition(condition, scenario::symbols_of(&spec_)));
    } catch (const scenario::ScenarioError& e) {
        throw SessionError(e.what());
    } catch (const scenario::ExpressionError& e) {
        throw SessionError(e.what());
    }
}

bool Session::run_until(const std::string& condition, double timeout_s, double poll_s, const Check& check) {
    scenario::Condition c;
    try {
        c = scenario::parse_condition(condition, scenario::symbols_of(&spec_));
    } catch (const std::exception& e) {
        throw SessionError(e.what());
    }
    if (!std::isfinite(timeout_s) || timeout_s < 0.0)
        throw SessionError("run_until: timeout " + std::to_string(timeout_s) + " s is not a finite duration >= 0");
    if (poll_s <= 0.0)
        poll_s = Probes::on_port(c.signal) || Probes::on_port(c.minus) ? kPortConditionPoll_s : kConditionPoll_s;
    const double end_s = now_s() + timeout_s;
    // A change of the firmware's outputs (or an AFE trip) ends a stride at
    // once, so an output condition is seen when it comes true.
    rig_->board().pause_on_output_change(true);
    struct Restore {
        Board& b;
        ~Restore() { b.pause_on_output_change(false); }
    } restore{rig_->board()};
    auto last_check = std::chrono::steady_clock::now();
    bool held = runner_->holds(c);
    while (!held && now_s() < end_s - 1e-12) {
        advance(std::min(poll_s, end_s - now_s()), check, true);
        held = runner_->holds(c);
        const auto t = std::chrono::steady_clock::now();
        if (check && std::chrono::duration<double>(t - last_check).count() >= kStrideWall_s) {
            last_check = t;
            check();
        }
    }
    return held;
}

double Session::read(const std::string& probe) {
    try {
        return runner_->signal(probe);
    } catch (const scenario::ScenarioError& e) {
        throw SessionError(e.what());
    }
}

void Session::write(const std::string& register_name, double value) {
    const Register* found = nullptr;
    try {
        found = &map_->by_name(register_name);
    } catch (const std::exception& e) {
        throw SessionError(e.what());
    }
    const Register& reg = *found;
    port_->write(register_name, value);
    // The parameters in force follow what was written.
    std::map<int, double> parameters;
    std::map<int, bool> switches;
    if (reg.parameter != 0) parameters[reg.parameter] = value;
    if (reg.switch_number != 0) switches[reg.switch_number] = value != 0.0;
    follow_settings(parameters, switches);
}

void Session::write_settings(const std::map<int, double>& parameters, const std::map<int, bool>& switches) {
    oracle::ParameterSet next = runner_->parameters();
    try {
        for (const auto& [n, v] : parameters) next.set(n, v);
        for (const auto& [n, on] : switches) next.set_switch(n, on);
    } catch (const std::exception& e) {
        throw SessionError(e.what());
    }
    const auto bad = oracle::check_rules(next);
    if (!bad.empty()) {
        std::string what = "the settings with the parameters in force break the manual's rules; nothing was written";
        for (const auto& v : bad) what += "\n  " + v.message(spec_);
        throw SessionError(what);
    }
    port_->write_settings(next);
    runner_->set_parameters(next);
}

void Session::follow_settings(const std::map<int, double>& parameters, const std::map<int, bool>& switches) {
    oracle::ParameterSet next = runner_->parameters();
    for (const auto& [n, v] : parameters) next.set(n, v);
    for (const auto& [n, on] : switches) next.set_switch(n, on);
    runner_->set_parameters(next);
}

ScenarioResult Session::play(const scenario::Scenario& s) { return runner_->run(s); }

void Session::apply(const scenario::Step& step) {
    ScenarioResult ignored;
    try {
        runner_->apply(step, ignored);
    } catch (const scenario::ScenarioError& e) {
        throw SessionError(e.what());
    }
}

void Session::charger(bool connected, std::optional<double> voltage_V, std::optional<double> current_A,
                      std::optional<double> overshoot_V) {
    scenario::ChargerStep c;
    c.connected = connected;
    c.voltage = constant(voltage_V, Dimension::voltage);
    c.current = constant(current_A, Dimension::current);
    c.overshoot = constant(overshoot_V, Dimension::voltage);
    apply({0, c});
}

void Session::load(const std::string& name, bool connected, const std::string& kind, std::optional<double> value) {
    scenario::LoadStep l;
    l.name = name;
    l.connected = connected;
    l.kind = kind;
    if (!kind.empty()) {
        if (kind != "current" && kind != "power" && kind != "resistance" && kind != "inverter")
            throw SessionError("load '" + name + "': kind '" + kind + "' is none of current, power, resistance, inverter");
        if (!value) throw SessionError("load '" + name + "': a " + kind + " load needs its value");
        l.value = Expr::constant(*value, kind == "current"      ? Dimension::current
                                         : kind == "resistance" ? Dimension::resistance
                                                                : Dimension::none);
    }
    apply({0, l});
}

void Session::ambient(double degC, double over_s) {
    scenario::AmbientStep a;
    a.degC = Expr::constant(degC, Dimension::temperature);
    if (over_s > 0.0) a.over = Expr::constant(over_s, Dimension::time);
    apply({0, a});
}

void Session::ntc_fault(int ntc, const std::string& state) {
    if (ntc < 0 || ntc > 5) throw SessionError("ntc " + std::to_string(ntc) + " is not 0..5 (cell_1..cell_4, ambient, power)");
    if (state != "ok" && state != "open" && state != "short")
        throw SessionError("ntc state '" + state + "' is none of ok, open, short");
    apply({0, scenario::NtcFaultStep{ntc, state, std::nullopt, std::nullopt}});
}

void Session::ntc_drift(int ntc, std::optional<double> r25_scale, std::optional<double> beta_K) {
    if (ntc < 0 || ntc > 5) throw SessionError("ntc " + std::to_string(ntc) + " is not 0..5 (cell_1..cell_4, ambient, power)");
    if (!r25_scale && !beta_K) throw SessionError("ntc drift: give r25_scale, beta_K or both");
    if (r25_scale && !(*r25_scale >= 0.01 && *r25_scale <= 100.0))
        throw SessionError("ntc drift: r25_scale " + std::to_string(*r25_scale) + " is not within 0.01..100");
    if (beta_K && !(*beta_K >= 1000.0 && *beta_K <= 10000.0))
        throw SessionError("ntc drift: beta_K " + std::to_string(*beta_K) + " is not within 1000..10000");
    scenario::NtcFaultStep step{ntc, "", std::nullopt, std::nullopt};
    if (r25_scale) step.r25_scale = Expr::constant(*r25_scale, Dimension::none);
    if (beta_K) step.beta_K = Expr::constant(*beta_K, Dimension::none);
    apply({0, step});
}

void Session::sense_wire(int above_cell, bool open) {
    const int cells = static_cast<int>(rig_->pack().cell_count());
    if (above_cell < 1 || above_cell >= cells)
        throw SessionError("sense wire above cell " + std::to_string(above_cell) + ": the wires between cells are above cells 1.." +
                           std::to_string(cells - 1));
    apply({0, scenario::SenseWireStep{above_cell, open}});
}

void Session::shunt_offset(double offset_A, double over_s) {
    if (!(std::isfinite(offset_A) && std::abs(offset_A) <= 1000.0))
        throw SessionError("shunt offset " + std::to_string(offset_A) + " A is not within -1000..1000 A");
    if (!(over_s >= 0.0 && std::isfinite(over_s))) throw SessionError("shunt offset: over_s must be a time >= 0");
    scenario::ShuntStep step{Expr::constant(offset_A, Dimension::current), std::nullopt};
    if (over_s > 0.0) step.over = Expr::constant(over_s, Dimension::time);
    apply({0, step});
}

void Session::set_cell(int cell, std::optional<double> soc, std::optional<double> voltage_V,
                       std::optional<double> capacity_scale, std::optional<double> resistance_scale,
                       std::optional<double> self_discharge_scale) {
    const int cells = static_cast<int>(rig_->pack().cell_count());
    if (cell < 1 || cell > cells) throw SessionError("cell " + std::to_string(cell) + " is not 1.." + std::to_string(cells));
    if (soc && !(*soc >= 0.0 && *soc <= 1.0)) throw SessionError("cell soc " + std::to_string(*soc) + " is not within 0..1");
    for (const auto& [what, v] : {std::pair{"capacity_scale", capacity_scale}, {"resistance_scale", resistance_scale},
                                  {"self_discharge_scale", self_discharge_scale}})
        if (v && !(*v > 0.0 && std::isfinite(*v)))
            throw SessionError(std::string(what) + " " + std::to_string(*v) + " is not a finite number > 0");
    scenario::CellSetting s;
    s.cell = cell;
    s.soc = soc;
    s.capacity_scale = capacity_scale;
    s.resistance_scale = resistance_scale;
    s.self_discharge_scale = self_discharge_scale;
    s.voltage = constant(voltage_V, Dimension::voltage);
    apply({0, scenario::CellStep{s}});
}

void Session::button(bool pressed) {
    scenario::ButtonStep b;
    b.held = pressed;
    apply({0, b});
}

void Session::power_cycle(double off_s) {
    apply({0, scenario::PowerCycle{Expr::constant(off_s, Dimension::time)}});
}

std::vector<SafetyFinding> Session::safety() const {
    std::vector<SafetyFinding> out;
    for (const model::SoaViolation& v : rig_->pack().soa_violations())
        out.push_back({model::to_string(v.kind), v.cell, v.start_s, v.end_s, v.worst});
    return out;
}

int Session::record(const std::vector<std::string>& probes, double interval_s) {
    if (!std::isfinite(interval_s) || interval_s < 0.0)
        throw SessionError("record: interval " + std::to_string(interval_s) + " s is not a finite duration >= 0");
    auto r = std::make_unique<Recorder>();
    r->names.push_back("time_s");
    Probes& registry = runner_->probes();
    for (const std::string& name : probes) {
        if (Probes::on_port(name))
            throw SessionError("record: '" + name + "' reads the board's port (a Modbus transaction per sample); "
                               "record model and output probes, read the port with read()");
        if (std::find(r->names.begin(), r->names.end(), name) != r->names.end())
            throw SessionError("record: '" + name + "' is named twice");
        try {
            r->probes.push_back(registry.get(name));
        } catch (const ProbeError& e) {
            throw SessionError(std::string("record: ") + e.what());
        }
        r->names.push_back(name);
    }
    r->interval_s = interval_s;
    r->next_s = now_s();
    r->buffer = std::make_unique<TraceBuffer>(r->names.size());
    const int id = next_recorder_++;
    recorders_[id] = std::move(r);
    Recorder& made = *recorders_[id];
    sample(made);  // the first sample now
    if (made.interval_s > 0.0) made.next_s += made.interval_s;
    return id;
}

Session::Recorder& Session::recorder(int id) {
    const auto it = recorders_.find(id);
    if (it == recorders_.end()) throw SessionError("no recorder " + std::to_string(id));
    return *it->second;
}

const Session::Recorder& Session::recorder(int id) const {
    const auto it = recorders_.find(id);
    if (it == recorders_.end()) throw SessionError("no recorder " + std::to_string(id));
    return *it->second;
}

TakenTrace Session::take(int id) { return recorder(id).buffer->take(); }

void Session::stop(int id) { recorder(id).active = false; }

std::vector<std::string> Session::recorded_names(int id) const { return recorder(id).names; }

void Session::sample(Recorder& r) {
    row_.resize(r.names.size());
    row_[0] = now_s();
    for (std::size_t k = 0; k < r.probes.size(); ++k) row_[k + 1] = r.probes[k]();
    r.buffer->append(row_.data());
}

void Session::after_call() {
    if (waveform_) waveform_->sample();
    for (auto& [id, r] : recorders_)
        if (r->active && r->interval_s == 0.0) sample(*r);
}

void Session::close_waveform() {
    if (!waveform_) return;
    waveform_->close();  // unhooks the board; the recorders hook again
    waveform_.reset();
    rig_->board().set_after_call([this] { after_call(); });
}

}  // namespace bmshil::rig
