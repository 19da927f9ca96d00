#include "suite.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/board_uri.h"
#include "adapters/native/native_adapter.h"
#include "json_report.h"
#include "observer/modbus_observer.h"
#include "observer/port_access.h"
#include "observer/settings_writer.h"
#include "oracle/checks/port.h"
#include "oracle/spec.h"
#include "rig.h"
#include "waveform.h"
#include "item_plot.h"
#include "item_files.h"
#include "scenario/scenario_check.h"
#include "scenario/scenario_runner.h"

namespace bmshil::rig {

namespace {

using reports::plot_file_for;

// Reads every register the waveform shows, so it holds the firmware's state
// next to the plant's. A port that does not answer ends the reads: the item's
// verdict does not depend on them.
void read_port_state(Waveform* waveform, ModbusObserver* observer) {
    if (waveform == nullptr || observer == nullptr) return;
    for (const std::string& name : waveform->port_registers()) {
        try {
            observer->read(name);
        } catch (const std::exception&) {
            return;
        }
    }
}
std::string file_name_for(const std::string& item_name) { return reports::item_file_name(item_name); }

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }


}  // namespace

oracle::ParameterSet parameters_in_force(const oracle::Spec& spec, const SuiteOptions& o) {
    oracle::ParameterSet set(spec);
    for (const ParameterOverride& p : o.parameters) set.set(p.number, p.value, p.origin);
    for (const SwitchOverride& s : o.switches) set.set_switch(s.number, s.on, s.origin);
    return set;
}

void set_overrides(SuiteOptions& o, const oracle::ParameterSet& set) {
    o.parameters.clear();
    o.switches.clear();
    for (const auto& [n, origin] : set.overridden_parameters()) o.parameters.push_back({n, set[n], origin});
    for (const auto& [n, origin] : set.overridden_switches()) o.switches.push_back({n, set.switch_on(n), origin});
}

SuitePlan plan_suite(const SuiteOptions& o) {
    SuitePlan plan;
    const oracle::Spec spec = oracle::Spec::load(o.spec_dir);
    std::set<int> params, switches;
    const std::regex filter(o.filter.empty() ? ".*" : o.filter);
    const oracle::ParameterSet in_force = parameters_in_force(spec, o);
    if (o.generated) {
        for (const oracle::Threshold& t : spec.thresholds()) {
            for (oracle::CheckKind kind : oracle::kCheckKinds) {
                if (!oracle::applicable(t, kind, nullptr)) continue;
                // A threshold switched off in the set in force must not act at
                // all: its switch-off check says so; what it would do if on is
                // not this set's behaviour.
                if (!in_force.switch_on(t.switch_number) && kind != oracle::CheckKind::switch_off) continue;
                char name[64];
                std::snprintf(name, sizeof name, "generated/p%03d.%s", t.trip, oracle::to_string(kind));
                if (!std::regex_search(std::string(name), filter)) continue;
                SuiteItem item;
                item.name = name;
                item.threshold = t;
                item.kind = kind;
                switch (kind) {
                    case oracle::CheckKind::trip_value: item.parameters.push_back(t.trip); break;
                    case oracle::CheckKind::delay:
                        if (t.delay == oracle::DelaySource::parameter) item.parameters.push_back(t.delay_parameter);
                        break;
                    case oracle::CheckKind::recovery:
                    case oracle::CheckKind::recovery_delay: item.parameters.push_back(t.recovery ? t.recovery : 70); break;
                    case oracle::CheckKind::switch_off: item.switches.push_back(t.switch_number); break;
                    case oracle::CheckKind::opposite_direction:
                    case oracle::CheckKind::other_sensors: break;
                }
                plan.items.push_back(item);
            }
        }
    }
    // Switches whose behaviour the manual leaves out (unused) or that need
    // hardware the rig does not model: what can be checked is that the board
    // stores and reports them.
    const auto needs_hardware = [](const oracle::Switch& sw) { return !sw.needs_hardware.empty(); };
    std::set<int> hardware_switches;
    if (o.generated) {
        for (const auto& [n, sw] : spec.switches()) {
            if (!sw.unused() && !needs_hardware(sw)) continue;
            char name[64];
            std::snprintf(name, sizeof name, "generated/s%02d.stored", n);
            if (!std::regex_search(std::string(name), filter)) continue;
            SuiteItem item;
            item.name = name;
            item.stored_switch = n;
            if (sw.unused()) item.switches.push_back(n);
            else hardware_switches.insert(n);
            plan.items.push_back(item);
        }
    }
    // The board's port speaks Modbus RTU (the standard, not the firmware).
    if (o.generated)
        for (const std::string& c : oracle::port_cases()) {
            const std::string name = "generated/port." + c;
            if (!std::regex_search(name, filter)) continue;
            SuiteItem item;
            item.name = name;
            item.port_case = c;
            plan.items.push_back(item);
        }
    // Scenario items are named by their file's stem; where two files in
    // different folders share a stem, by their folder too, so every name (and
    // every result file) is the scenario's own.
    std::map<std::string, int> stems;
    std::set<std::string> given;
    for (const std::string& file : o.scenario_files) {
        const std::filesystem::path canonical = std::filesystem::absolute(file).lexically_normal();
        if (!given.insert(canonical.string()).second)
            throw std::invalid_argument("scenario file " + file + " is given twice");
        ++stems[std::filesystem::path(file).stem().string()];
    }
    std::set<std::string> scenario_names;
    std::unique_ptr<RegisterMap> map;
    std::vector<std::string> scenario_errors;
    for (const std::string& file : o.scenario_files) {
        const std::filesystem::path path(file);
        const std::string stem = path.stem().string();
        std::string name = "scenarios/" + stem;
        if (stems[stem] > 1) {
            const std::filesystem::path where = std::filesystem::absolute(path).lexically_normal().parent_path();
            name = "scenarios/" + where.filename().string() + "/" + stem;
            if (scenario_names.count(name)) name = "scenarios/" + (where / stem).relative_path().string();
        }
        scenario_names.insert(name);
        if (!std::regex_search(name, filter)) continue;
        const scenario::Scenario parsed = scenario::load_scenario(file, &spec);
        // What needs the register map, before anything runs.
        if (!map) map = std::make_unique<RegisterMap>(RegisterMap::load(o.register_map));
        for (const std::string& e : scenario::check_scenario(parsed, *map, model::PackConfig{}.cell_count))
            scenario_errors.push_back(e);
        for (const std::string& e : scenario::check_settings(parsed, *map, in_force)) scenario_errors.push_back(e);
        SuiteItem item;
        item.name = name;
        item.scenario_file = file;
        item.scenario = std::make_shared<const scenario::Scenario>(parsed);
        item.timeout_s = parsed.timeout_s;
        // A scenario's expectations name what they verify.
        std::set<int> named_parameters, named_switches;
        const std::function<void(const std::vector<scenario::Step>&)> collect = [&](const auto& steps) {
            for (const scenario::Step& step : steps) {
                if (const auto* e = std::get_if<scenario::Expect>(&step.action)) {
                    if (e->parameter) named_parameters.insert(e->parameter);
                    if (e->switch_number) named_switches.insert(e->switch_number);
                } else if (const auto* r = std::get_if<scenario::Repeat>(&step.action)) {
                    collect(r->steps);
                }
            }
        };
        collect(parsed.steps);
        item.parameters.assign(named_parameters.begin(), named_parameters.end());
        item.switches.assign(named_switches.begin(), named_switches.end());
        plan.items.push_back(item);
    }
    // The register map against what the generated checks read: the one bit
    // it assigns to each flagged threshold's parameter, and a register for
    // every parameter the set in force writes.
    if (o.generated && !o.register_map.empty()) {
        if (!map) map = std::make_unique<RegisterMap>(RegisterMap::load(o.register_map));
        std::set<int> flagged;
        for (const SuiteItem& item : plan.items)
            if (item.threshold && !oracle::opens_a_fet(item.threshold->reaction)) flagged.insert(item.threshold->trip);
        for (int n : flagged) {
            int bits = 0;
            for (const Register& r : map->all())
                for (const RegisterBit& b : r.bits) bits += b.parameter == n;
            if (bits != 1)
                scenario_errors.push_back(o.register_map + ": " +
                                          (bits == 0 ? "no bit reports" : std::to_string(bits) + " bits report") +
                                          " parameter #" + std::to_string(n) + " (" + spec.parameter(n).name +
                                          "), whose flag the generated checks read; give exactly one bit \"parameter\": " +
                                          std::to_string(n));
        }
    }
    if (!scenario_errors.empty()) {
        std::string what = std::to_string(scenario_errors.size()) + " problem" + (scenario_errors.size() == 1 ? "" : "s") +
                           " in the scenarios and the register map; nothing was run";
        for (const std::string& e : scenario_errors) what += "\n  " + e;
        throw scenario::ScenarioError(what);
    }
    std::sort(plan.items.begin(), plan.items.end(), [](const SuiteItem& a, const SuiteItem& b) { return a.name < b.name; });
    // A shard of a CI matrix: every count-th item of the sorted plan, so the
    // shards split it whole and the same way on every machine.
    if (o.shard_count > 1) {
        std::vector<SuiteItem> mine;
        for (std::size_t k = 0; k < plan.items.size(); ++k)
            if (static_cast<int>(k % static_cast<std::size_t>(o.shard_count)) == o.shard_index - 1)
                mine.push_back(plan.items[k]);
        plan.items = std::move(mine);
    }
    for (const SuiteItem& item : plan.items) {
        params.insert(item.parameters.begin(), item.parameters.end());
        switches.insert(item.switches.begin(), item.switches.end());
    }
    plan.coverage.parameter_count = static_cast<int>(spec.parameters().size());
    plan.coverage.switch_count = static_cast<int>(spec.switches().size());
    plan.coverage.parameters_verified.assign(params.begin(), params.end());
    plan.coverage.switches_verified.assign(switches.begin(), switches.end());
    std::map<int, int> switched_off;  // parameter -> the switch that is off in force
    for (const oracle::Threshold& t : spec.thresholds())
        if (!in_force.switch_on(t.switch_number))
            for (int n : {t.trip, t.recovery})
                if (n) switched_off[n] = t.switch_number;
    for (const auto& [n, p] : spec.parameters()) {
        plan.parameter_reasons[n] = switched_off.count(n) ? "switch " + std::to_string(switched_off[n]) +
                                                                " is off in the set in force; its switch-off check runs (" +
                                                                p.name + ")"
                                                          : "no generated check or scenario yet (" + p.name + ")";
        if (!params.count(n)) plan.coverage.parameters_not_verifiable.emplace_back(n, plan.parameter_reasons[n]);
    }
    for (const auto& [n, s] : spec.switches()) {
        plan.switch_reasons[n] = hardware_switches.count(n) ? "needs " + s.needs_hardware + ", which the rig does not model (" +
                                                                  s.name + "); stored and reported is checked"
                                                            : "no generated check or scenario yet (" + s.name + ")";
        if (!switches.count(n)) plan.coverage.switches_not_verifiable.emplace_back(n, plan.switch_reasons[n]);
    }
    return plan;
}

Coverage coverage_of(const SuitePlan& plan, const std::vector<ScenarioResult>& results) {
    std::map<std::string, ScenarioStatus> status;
    for (const ScenarioResult& r : results) status[r.name] = r.status;
    std::set<int> params, switches;
    std::map<int, std::string> param_left, switch_left;  // named only by items without a verdict
    for (const SuiteItem& item : plan.items) {
        const auto it = status.find(item.name);
        // A crash is a failure but no verdict on what the item checks.
        bool verdict = it != status.end() && (it->second == ScenarioStatus::passed ||
                                              it->second == ScenarioStatus::failed);
        if (verdict && it->second == ScenarioStatus::failed)
            for (const ScenarioResult& r : results)
                if (r.name == item.name)
                    for (const Finding& f : r.findings) verdict = verdict && f.kind != "crash";
        const std::string why = it == status.end() ? "did not run" : std::string("ended with ") + to_string(it->second);
        for (int n : item.parameters) {
            if (verdict) params.insert(n);
            else if (!param_left.count(n)) param_left[n] = "its item " + item.name + " " + why;
        }
        for (int n : item.switches) {
            if (verdict) switches.insert(n);
            else if (!switch_left.count(n)) switch_left[n] = "its item " + item.name + " " + why;
        }
    }
    Coverage c;
    c.parameter_count = plan.coverage.parameter_count;
    c.switch_count = plan.coverage.switch_count;
    c.parameters_verified.assign(params.begin(), params.end());
    c.switches_verified.assign(switches.begin(), switches.end());
    for (const auto& [n, reason] : plan.parameter_reasons)
        if (!params.count(n)) c.parameters_not_verifiable.emplace_back(n, param_left.count(n) ? param_left[n] : reason);
    for (const auto& [n, reason] : plan.switch_reasons)
        if (!switches.count(n)) c.switches_not_verifiable.emplace_back(n, switch_left.count(n) ? switch_left[n] : reason);
    return c;
}

ScenarioResult run_item(const SuiteItem& item, const SuiteOptions& o) {
    const oracle::Spec spec = oracle::Spec::load(o.spec_dir);
    const oracle::ParameterSet params = parameters_in_force(spec, o);

    RigConfig config;
    config.cell_file = o.cell_file;
    config.firmware_library = o.firmware_library;
    config.board_uri = o.board_uri;
    config.pack.seed = o.seed;
    config.pack.initial_soc = 0.5;
    scenario::Scenario scenario;
    if (!item.scenario_file.empty()) {
        // Read once, when the plan was made (a pipe can be read only once).
        scenario = item.scenario ? *item.scenario : scenario::load_scenario(item.scenario_file, &spec);
        config = scenario::configure(scenario, config, params);
    }
    Rig rig(config);
    // The waveform is written as the run goes and kept only if it fails.
    std::unique_ptr<Waveform> waveform;
    const std::string vcd_partial = o.results_dir + "/" + file_name_for(item.name) + ".vcd.partial";
    const RegisterMap map = RegisterMap::load(o.register_map);
    if (!o.vcd_dir.empty()) waveform = std::make_unique<Waveform>(vcd_partial, rig, &map);
    // What the HTML report plots of the item, whatever its verdict.
    std::unique_ptr<ItemPlot> plot;
    if (!o.plot_dir.empty()) plot = std::make_unique<ItemPlot>(rig);
    if (waveform || plot)
        rig.board().set_after_call([&] {
            if (waveform) waveform->sample();
            if (plot) plot->sample();
        });
    ModbusObserver* observer_at_end = nullptr;  // once there is one
    const auto finish = [&](ScenarioResult r) {
        // The firmware's state at the end, next to the plant's, for a failure's reader.
        if (r.status != ScenarioStatus::passed) read_port_state(waveform.get(), observer_at_end);
        // A board on its own clock: a verdict only if the pacing held.
        const std::string inconclusive = rig.adapter().inconclusive_reason();
        if (!inconclusive.empty() && (r.status == ScenarioStatus::passed || r.status == ScenarioStatus::failed)) {
            r.status = ScenarioStatus::error;
            r.error = inconclusive;
        }
        const std::string figures = rig.adapter().link_figures();
        if (!figures.empty()) std::fprintf(stderr, "%s: %s\n", item.name.c_str(), figures.c_str());
        if (plot) {
            try {
                plot->record();  // up to the item's end
                std::filesystem::create_directories(o.plot_dir);
                plot->write(plot_file_for(o.plot_dir, item.name), r.status == ScenarioStatus::passed);
            } catch (const std::exception& e) {
                r.error += std::string(r.error.empty() ? "" : "; ") + "the plot could not be written: " + e.what();
            }
        }
        if (!waveform) return r;
        // The verdict stands whatever happens to its waveform.
        try {
            waveform->close();
            if (r.status == ScenarioStatus::passed) {
                std::filesystem::remove(vcd_partial);
            } else {
                std::filesystem::create_directories(o.vcd_dir);
                std::string file = file_name_for(item.name);
                file = file.substr(0, file.size() - 5) + ".vcd";
                std::filesystem::rename(vcd_partial, o.vcd_dir + "/" + file);
                r.vcd_file = o.vcd_dir + "/" + file;
            }
        } catch (const std::exception& e) {
            r.error += std::string(r.error.empty() ? "" : "; ") + "the waveform could not be written: " + e.what();
        }
        return r;
    };
    // A transaction is thread hand-offs through a pty (and, to a remote board,
    // round trips to another process): on a machine loaded with other runs it
    // has been seen to take more than the observer's 1 s. Only a silent
    // firmware waits this long, once, for the finding that ends its item.
    ModbusObserverConfig observer_config;
    observer_config.response_timeout_ms = 5000;
    ModbusObserver observer(rig.board(), map, map.default_address(), observer_config);
    if (waveform) observer.on_read([&](const Register& reg, std::int64_t raw) { waveform->port_read(reg, raw); });
    PortAccess port = port_for(observer);
    rig.run_for(0.1);  // power-on: the firmware's first calls
    // The parameters in force, written over the port as a whole, as a user would.
    write_settings(observer, params);
    observer_at_end = &observer;
    // No read of the firmware's state for the waveform here: every read calls
    // the firmware once more, and a run with --vcd must be the run without it.
    // The waveform shows each register from its first read (x until then),
    // and all of them at a failure's end.

    if (!item.port_case.empty()) {
        ScenarioResult r;
        r.name = item.name;
        r.group = "generated";
        const double start = rig.now_s();
        r.findings.push_back(oracle::run_port_check(rig.board(), observer, map, spec, item.port_case));
        r.simulated_s = rig.now_s() - start;
        r.status = r.findings.back().passed ? ScenarioStatus::passed : ScenarioStatus::failed;
        return finish(r);
    }
    if (item.stored_switch != 0) {
        // Written opposite to the manual's default, read back, restored.
        const oracle::Switch& sw = spec.switch_(item.stored_switch);
        const Register* reg = map.switch_register(sw.number);
        ScenarioResult r;
        r.name = item.name;
        r.group = "generated";
        Finding f;
        f.check = item.name.substr(item.name.find('/') + 1);
        f.kind = "stored";
        f.switch_number = sw.number;
        f.unit = "state";
        f.configured = sw.default_on ? 0.0 : 1.0;
        if (reg == nullptr) {
            f.message = "the register map has no register for switch " + std::to_string(sw.number);
        } else {
            const double before = observer.read(reg->name);
            observer.write(reg->name, f.configured);
            rig.run_for(0.1);
            f.measured = observer.read(reg->name);
            observer.write(reg->name, before);
            f.passed = f.measured == f.configured && before == (sw.default_on ? 1.0 : 0.0);
            f.message = "switch " + std::to_string(sw.number) + " (" + sw.name + "): default " +
                        (before != 0.0 ? "on" : "off") + ", wrote " + (f.configured != 0.0 ? "on" : "off") +
                        ", read back " + (f.measured != 0.0 ? "on" : "off");
        }
        r.findings.push_back(f);
        r.status = f.passed ? ScenarioStatus::passed : ScenarioStatus::failed;
        return finish(r);
    }
    if (item.threshold) {
        Probes probes(rig, port);
        oracle::Tolerances tol = oracle::tolerances(config.pack, config.board.tick_s);
        if (rig.adapter().real_time()) {
            const DaqDeclaration d = rig.adapter().daq();
            tol = oracle::widened_for_daq(tol, config.pack,
                                          {d.cell_voltage_resolution_uV * 1e-6, d.pack_voltage_resolution_mV * 1e-3,
                                           d.current_resolution_mA * 1e-3, d.ntc_resolution_ohm},
                                          rig.adapter().timing_slack_s());
        }
        oracle::CheckContext ctx{rig, port, probes, params, tol};
        ScenarioResult r;
        r.name = item.name;
        r.group = "generated";
        const double start = rig.now_s();
        r.findings.push_back(oracle::run_check(ctx, *item.threshold, item.kind));
        r.simulated_s = rig.now_s() - start;
        r.status = r.findings.back().passed ? ScenarioStatus::passed : ScenarioStatus::failed;
        return finish(r);
    }
    scenario::ScenarioRunner runner(rig, port, params);
    ScenarioResult r = runner.run(scenario);
    r.name = item.name;
    return finish(r);
}

namespace {

// An id for this run, written into every per-item result so the parent never
// takes a file from an earlier run (or one a child did not write) for this one.
std::string new_run_id() {
    std::random_device entropy;
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::uint64_t id = (static_cast<std::uint64_t>(entropy()) << 32) ^ entropy() ^ static_cast<std::uint64_t>(now) ^
                       (static_cast<std::uint64_t>(getpid()) << 48);
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(id));
    return text;
}

// A child dies with its parent, whatever kills the parent (even SIGKILL), and
// takes the default action on SIGTERM: the parent's handler is not its own.
void become_item_child(pid_t parent) {
    signal(SIGINT, SIG_IGN);  // the parent decides when to stop
    signal(SIGTERM, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(3);  // the parent died before prctl took effect
}

// The board's identity, asked in a child: a library that crashes or exits
// while loading (a static constructor, bmshil_firmware_get) ends that child,
// not the run; a remote board shakes hands once here, so a version mismatch or
// a board that is not there is an error before any item.
BoardIdentity board_identity_in_child(const SuiteOptions& o) {
    const std::string uri = o.board_uri.empty() ? "native:" + o.firmware_library : o.board_uri;
    const BoardUri parsed = parse_board_uri(uri);  // bad input: the parent's error
    int fds[2];
    if (pipe(fds) != 0) throw InfrastructureError(std::string("pipe: ") + std::strerror(errno));
    std::fflush(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) throw InfrastructureError(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        become_item_child(parent);
        nlohmann::json answer;
        try {
            const BoardIdentity id = make_board_adapter(parsed, BoardConfig{})->identity();
            answer = {{"ok", {id.backend, id.board, id.firmware, id.daq, id.calibration}}};
        } catch (const FirmwareLoadError& e) {
            answer = {{"firmware", e.what()}};
        } catch (const std::exception& e) {
            answer = {{"link", e.what()}};
        }
        const std::string text = answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        const char* p = text.data();
        for (std::size_t left = text.size(); left > 0;) {
            const ssize_t n = write(fds[1], p, left);
            if (n <= 0) break;
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const std::string what = parsed.kind == BoardUri::Kind::native ? "firmware " + parsed.library : "board " + uri;
    if (WIFSIGNALED(status))
        throw FirmwareLoadError(what + ": loading it killed the process with signal " +
                                std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
                                "): in a static constructor or in bmshil_firmware_get?");
    const nlohmann::json answer = nlohmann::json::parse(text, nullptr, false);
    if (answer.is_object() && answer.contains("ok")) {
        const auto& id = answer["ok"];
        return {id[0], id[1], id[2], id[3], id[4]};
    }
    if (answer.is_object() && answer.contains("firmware")) throw FirmwareLoadError(answer["firmware"].get<std::string>());
    if (answer.is_object() && answer.contains("link"))
        throw InfrastructureError(answer["link"].get<std::string>() + "; nothing was run");
    throw FirmwareLoadError(what + ": loading it ended the process (exit status " +
                            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                            ") before bmshil_firmware_get returned: the library calls exit() while loading?");
}

}  // namespace

SuiteResult run_suite(const SuiteOptions& o, bool* interrupted) {
    const SuitePlan plan = plan_suite(o);
    SuiteResult suite;
    suite.board = board_identity_in_child(o);  // a clear error before any item
    suite.firmware = suite.board.firmware;
    suite.firmware_file = o.board_uri.empty() ? o.firmware_library : "";
    suite.seed = o.seed;
    std::filesystem::create_directories(o.results_dir);
    const std::string run_id = new_run_id();
    const pid_t parent = getpid();

    // Result files: one per item, names unique even where two item names would
    // map to the same file name.
    std::vector<std::string> files;
    {
        std::set<std::string> taken;
        for (const SuiteItem& item : plan.items) {
            std::string f = file_name_for(item.name);
            for (int k = 2; taken.count(f); ++k) f = file_name_for(item.name + "-" + std::to_string(k));
            taken.insert(f);
            files.push_back(o.results_dir + "/" + f);
        }
    }

    g_stop = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    struct sigaction old_int {}, old_term {};
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    struct Running {
        std::size_t index;
        std::chrono::steady_clock::time_point started;
    };
    std::map<pid_t, Running> running;
    std::vector<bool> finished(plan.items.size(), false);
    // When each item started: its wall time, for JUnit and the report.
    std::vector<std::chrono::steady_clock::time_point> started_at(plan.items.size());
    std::size_t next = 0, done = 0;
    const auto finish = [&](std::size_t index, ScenarioResult r) {
        r.name = plan.items[index].name;
        r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at[index]).count();
        finished[index] = true;
        suite.scenarios.push_back(r);
        ++done;
        if (o.progress) o.progress(suite.scenarios.back(), done, plan.items.size());
    };
    const auto failed = [&](const SuiteItem& item, ScenarioStatus status, const std::string& why) {
        ScenarioResult r;
        r.name = item.name;
        r.group = item.generated() ? "generated" : "scenarios";
        r.source = item.scenario_file;
        r.status = status;
        r.error = why;
        return r;
    };
    // A failure the firmware caused outside any check: one failed finding of
    // that kind ("crash": it crashed or ended the item's process; "port": it
    // refused a valid set or broke Modbus).
    const auto against_firmware = [&](const SuiteItem& item, const std::string& kind, const std::string& why) {
        ScenarioResult r = failed(item, ScenarioStatus::failed, why);
        Finding f;
        f.check = item.name + "." + kind;
        f.kind = kind;
        f.passed = false;
        f.message = why;
        r.findings.push_back(f);
        return r;
    };
    const auto crashed = [&](const SuiteItem& item, const std::string& why) {
        return against_firmware(item, "crash", why);
    };
    // What the child wrote, if it is this run's result for this item.
    const auto result_of = [&](std::size_t index) -> ScenarioResult {
        const SuiteItem& item = plan.items[index];
        if (!std::filesystem::exists(files[index]))
            return crashed(item, "the item's process exited with status 0 without writing its result: the firmware "
                                 "called exit()?");
        const SuiteResult one = reports::read_json(files[index]);
        if (one.run_id != run_id || one.scenarios.size() != 1 || one.scenarios[0].name != item.name)
            return failed(item, ScenarioStatus::error,
                          files[index] + " is not this run's result for " + item.name + " (run " + one.run_id +
                              ", this run " + run_id + ")");
        return one.scenarios[0];
    };

    while ((next < plan.items.size() && !g_stop) || !running.empty()) {
        while (!g_stop && next < plan.items.size() && static_cast<int>(running.size()) < std::max(1, o.jobs)) {
            const std::size_t index = next++;
            std::error_code ignored;
            std::filesystem::remove(files[index], ignored);  // never a file from before
            std::fflush(stdout);
            std::fflush(stderr);
            const pid_t pid = fork();
            if (pid == 0) {
                become_item_child(parent);
                int rc = 0;
                const SuiteItem& item = plan.items[index];
                ScenarioResult r;
                try {
                    r = run_item(item, o);
                } catch (const SettingsError& e) {
                    // The firmware refused a set the manual's rules accept: a finding.
                    r = against_firmware(item, "port", e.what());
                } catch (const ModbusError& e) {
                    // The firmware's port did not answer as Modbus says: a finding.
                    r = against_firmware(item, "port", e.what());
                } catch (const std::exception& e) {
                    r = failed(item, ScenarioStatus::error, e.what());
                    rc = 0;
                }
                SuiteResult one;
                one.seed = o.seed;
                one.run_id = run_id;
                one.scenarios.push_back(r);
                try {
                    reports::write_json(one, files[index]);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "%s: %s\n", item.name.c_str(), e.what());
                    rc = 3;
                }
                std::fflush(nullptr);
                _exit(rc);
            }
            if (pid < 0) throw InfrastructureError(std::string("fork: ") + std::strerror(errno));
            running[pid] = {index, std::chrono::steady_clock::now()};
            started_at[index] = running[pid].started;
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0 && running.count(pid)) {
            const std::size_t index = running[pid].index;
            const SuiteItem& item = plan.items[index];
            running.erase(pid);
            if (g_stop && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
                continue;  // stopped by the interruption: not run, not a result
            } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                try {
                    finish(index, result_of(index));
                } catch (const std::exception& e) {
                    finish(index, failed(item, ScenarioStatus::error, e.what()));
                }
            } else if (WIFSIGNALED(status)) {
                finish(index, crashed(item, "the run died with signal " + std::to_string(WTERMSIG(status)) + " (" +
                                                strsignal(WTERMSIG(status)) + "): a firmware crash"));
            } else if (WEXITSTATUS(status) == 3) {
                finish(index, failed(item, ScenarioStatus::error, "the item could not write its result"));
            } else {
                finish(index, crashed(item, "the run exited with status " + std::to_string(WEXITSTATUS(status)) +
                                                ": the firmware called exit()?"));
            }
            continue;
        }
        // A hung firmware: past its time, the child is killed and the run goes on.
        const auto now = std::chrono::steady_clock::now();
        for (auto it = running.begin(); it != running.end();) {
            const std::size_t index = it->second.index;
            const double limit = plan.items[index].timeout_s > 0.0 ? plan.items[index].timeout_s : o.timeout_s;
            if (std::chrono::duration<double>(now - it->second.started).count() > limit) {
                kill(it->first, SIGKILL);
                waitpid(it->first, nullptr, 0);
                char why[200];
                // On a board in real time an item takes its simulated time in wall time.
                std::snprintf(why, sizeof why, "no result within %g s of wall time (a hung firmware?%s)", limit,
                              o.board_uri.find("mode=realtime") != std::string::npos
                                  ? " in real time an item takes its simulated time: raise --timeout-s"
                                  : "");
                finish(index, failed(plan.items[index], ScenarioStatus::timeout, why));
                it = running.erase(it);
            } else {
                ++it;
            }
        }
        // Interrupted: what is running stops now, hung or not.
        if (g_stop && !running.empty()) {
            for (const auto& [p, r] : running) kill(p, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    suite.interrupted = g_stop != 0;
    if (interrupted) *interrupted = suite.interrupted;
    for (std::size_t k = 0; k < plan.items.size(); ++k)
        if (!finished[k]) suite.not_run.push_back(plan.items[k].name);
    std::sort(suite.scenarios.begin(), suite.scenarios.end(),
              [](const ScenarioResult& a, const ScenarioResult& b) { return a.name < b.name; });
    suite.coverage = coverage_of(plan, suite.scenarios);
    return suite;
}

}  // namespace bmshil::rig
