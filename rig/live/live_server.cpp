#include "live_server.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "scenario/scenario.h"

namespace bmshil::rig::live {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// While bytes move, slices of a millisecond: the firmware's answer leaves when
// its call makes it, not at the end of a tick-long slice.
constexpr double kBusySlice_s = 0.001;
constexpr double kBusyFor_s = 0.2;  // after the last byte either way
constexpr double kStatusEvery_s = 0.5;
// Below the kernel's time resolution (1 ps) two times are one: a byte due
// within it has arrived, and no slice is that short.
constexpr double kSameTime_s = 1e-9;

// The cells at a glance: the status line's and the status request's.
struct CellSummary {
    double min_V = kInf, max_V = -kInf, mean_soc = 0.0;
};

CellSummary summarize(const model::Pack& p) {
    CellSummary c;
    for (std::size_t k = 0; k < p.cell_count(); ++k) {
        c.min_V = std::min(c.min_V, p.cell_voltage_V(k));
        c.max_V = std::max(c.max_V, p.cell_voltage_V(k));
        c.mean_soc += p.cell(k).soc() / static_cast<double>(p.cell_count());
    }
    return c;
}

bool immediate(const scenario::Step& step) {
    using namespace scenario;
    if (const auto* b = std::get_if<ButtonStep>(&step.action)) return !b->hold;
    return std::holds_alternative<ChargerStep>(step.action) || std::holds_alternative<LoadStep>(step.action) ||
           std::holds_alternative<AmbientStep>(step.action) || std::holds_alternative<NtcFaultStep>(step.action) ||
           std::holds_alternative<SenseWireStep>(step.action) || std::holds_alternative<ShuntStep>(step.action) ||
           std::holds_alternative<CellStep>(step.action);
}

}  // namespace

LiveServer::LiveServer(const LiveOptions& options)
    : options_(options),
      pacer_(options.speed, 0.010),
      to_board_(options.serial),
      to_masters_(options.serial),
      map_(std::make_unique<RegisterMap>(RegisterMap::load(options.session.register_map))),
      sniffer_(map_->default_address()),
      zmq_(1) {
    if (!(options.speed > 0.0) || !std::isfinite(options.speed))
        throw std::invalid_argument("--speed " + std::to_string(options.speed) + " is not a finite speed above 0");
    // Bad input before anything runs: the scenario is read first.
    if (!options.scenario_file.empty()) {
        const oracle::Spec spec = oracle::Spec::load(options.session.spec_dir);
        scenario_ = std::make_unique<scenario::Scenario>(scenario::load_scenario(options.scenario_file, &spec));
    }
    session_ = std::make_unique<Session>(options.session);
    pty_ = std::make_unique<PtyPort>(options.pty_link);
    if (options.tcp) tcp_ = std::make_unique<TcpPort>(options.tcp_host, options.tcp_port);
    if (!options.control.empty()) {
        control_ = std::make_unique<zmq::socket_t>(zmq_, zmq::socket_type::rep);
        control_->set(zmq::sockopt::linger, 0);
        control_->bind(options.control);
        control_endpoint_ = control_->get(zmq::sockopt::last_endpoint);
    }
    status_on_tty_ = options.status_line && isatty(STDERR_FILENO);
    for (const Register& reg : map_->all())
        if (reg.name == "error_code_bits" && !reg.bits.empty()) error_codes_ = &reg;
    session_->rig().set_pace([this](double seconds) { pace(seconds); });
}

LiveServer::~LiveServer() {
    if (session_) session_->rig().set_pace({});
}

std::optional<ScenarioResult> LiveServer::serve(const std::atomic<bool>& stop) {
    stop_ = &stop;
    Rig& rig = session_->rig();
    pacer_.start(rig.now_s());
    stop_at_s_ = options_.run_for_s > 0.0 ? rig.now_s() + options_.run_for_s : kInf;
    std::optional<ScenarioResult> result;
    try {
        if (scenario_) result = session_->play(*scenario_);
        for (;;) rig.run_for(1.0);  // paced: it returns by Stopped
    } catch (const Stopped&) {
    }
    if (status_on_tty_) {
        show_status(true);
        std::fputc('\n', stderr);
    }
    return result;
}

void LiveServer::pace(double seconds) {
    Rig& rig = session_->rig();
    Board& board = rig.board();
    const double end = rig.now_s() + seconds;
    for (;;) {
        const double now = rig.now_s();
        if (stop_requested_ || (stop_ && stop_->load()) || now >= stop_at_s_) throw Stopped();
        if (now >= end - 1e-12) return;
        serve_io();
        // What has reached the board's UART: its interrupt wakes the firmware.
        const std::vector<std::uint8_t> arrived = to_board_.take_arrived(now + kSameTime_s);
        if (!arrived.empty()) {
            board.send(arrived);
            board.wake();
        }
        const bool busy = !to_board_.idle() || !to_masters_.idle() || now - last_traffic_s_ < kBusyFor_s;
        const double slice = busy ? kBusySlice_s : 0.010;
        const double next = std::min({end, now + slice, to_board_.next_arrival_s(), to_masters_.next_arrival_s(),
                                      stop_at_s_});
        const double reached = wait_for(next);
        if (reached - now >= kSameTime_s) {
            const double late_at_wake_s = -pacer_.wall_until_s(reached);
            rig.run_kernel_for(reached - now);
            pacer_.reached(rig.now_s(), late_at_wake_s);
            const std::vector<std::uint8_t> sent = board.take_sent();
            if (!sent.empty()) {
                to_masters_.send(sent, rig.now_s());
                last_traffic_s_ = rig.now_s();
            }
            show_status(false);
            // The kernel paused early (an output changed): whoever waits on a
            // condition looks now.
            if (rig.now_s() < reached - 1e-9) return;
        }
    }
}

double LiveServer::wait_for(double t_s) {
    const double now = session_->rig().now_s();
    for (;;) {
        const double wall_left = pacer_.wall_until_s(t_s);
        if (wall_left <= 0.0) return t_s;
        if (stop_ && stop_->load()) return now;
        if (wall_left < 0.0001) {
            // The last 100 us: waited out on the spot (a sleep this short
            // overshoots by more than itself).
            while (pacer_.wall_until_s(t_s) > 0.0) {
            }
            return t_s;
        }
        if (wall_left < 0.0015) {
            // Below the poll's millisecond: a plain sleep to the last 100 us.
            const timespec ts{0, static_cast<long>((wall_left - 0.0001) * 1e9)};
            nanosleep(&ts, nullptr);
            continue;
        }
        std::vector<pollfd> fds;
        if (pty_) pty_->add_poll_fds(fds);
        if (tcp_) tcp_->add_poll_fds(fds);
        std::vector<zmq::pollitem_t> items;
        for (const pollfd& p : fds) items.push_back({nullptr, p.fd, ZMQ_POLLIN, 0});
        if (control_) items.push_back({control_->handle(), 0, ZMQ_POLLIN, 0});
        // Whole milliseconds (the rest is slept above).
        const auto timeout = std::chrono::milliseconds(static_cast<long>(std::min(wall_left, 0.05) * 1000.0));
        const int ready = zmq::poll(items.data(), items.size(), timeout);
        if (ready > 0) {
            // Something came: the simulation catches up to the wall clock's
            // time, where it is taken in.
            return std::clamp(pacer_.simulated_now_s(), now, t_s);
        }
    }
}

void LiveServer::serve_io() {
    const double now = session_->rig().now_s();
    for (BytePort* port : {static_cast<BytePort*>(pty_.get()), static_cast<BytePort*>(tcp_.get())}) {
        if (port == nullptr) continue;
        const std::vector<std::uint8_t> bytes = port->read_available();
        if (bytes.empty()) continue;
        to_board_.send(bytes, now);
        sniffer_.from_masters(bytes, now);
        bytes_in_ += bytes.size();
        last_traffic_s_ = now;
    }
    handle_control();
    const std::vector<std::uint8_t> out = to_masters_.take_arrived(now + kSameTime_s);
    if (!out.empty()) {
        if (pty_) pty_->write(out);
        if (tcp_) tcp_->write(out);
        sniffer_.to_masters(out);
        bytes_out_ += out.size();
        follow_writes(now);
    }
}

void LiveServer::follow_writes(double now_s) {
    const std::vector<int> written = sniffer_.take_written();
    std::map<int, double> parameters;
    std::map<int, bool> switches;
    std::set<const Register*> seen;
    for (const int address : written) {
        const Register* reg = map_->at_address(address);
        if (reg == nullptr || (reg->parameter == 0 && reg->switch_number == 0) || !seen.insert(reg).second) continue;
        const auto raw = sniffer_.value(*reg, map_->high_word_first());
        if (!raw) continue;  // one word of two written, the other never seen on the bus
        const std::int64_t value = signed_raw(*reg, *raw);
        const double physical = static_cast<double>(value) * reg->scale;
        if (reg->parameter != 0) parameters[reg->parameter] = physical;
        if (reg->switch_number != 0) switches[reg->switch_number] = value != 0;
    }
    if (parameters.empty() && switches.empty()) return;
    session_->follow_settings(parameters, switches);
    for (const auto& [n, v] : parameters) written_on_bus_[std::to_string(n)] = {{"value", v}, {"at_s", now_s}};
    for (const auto& [n, on] : switches) written_on_bus_["S" + std::to_string(n)] = {{"on", on}, {"at_s", now_s}};
}

void LiveServer::handle_control() {
    if (!control_) return;
    zmq::message_t request;
    while (control_->recv(request, zmq::recv_flags::dontwait)) {
        const std::string reply = control_reply(request.to_string());
        control_->send(zmq::buffer(reply), zmq::send_flags::none);
    }
}

std::string LiveServer::control_reply(const std::string& text) {
    using nlohmann::json;
    json reply;
    try {
        const json request = json::parse(text);
        if (!request.is_object() || request.size() != 1)
            throw std::invalid_argument("a request is one of {\"step\": ...}, {\"status\": {}}, {\"read\": PROBE}, "
                                        "{\"stop\": {}}");
        const std::string command = request.begin().key();
        const json& argument = request.begin().value();
        if (command == "step") {
            // A step of the scenario language, as an object or as its YAML text.
            const std::string doc =
                argument.is_string()
                    ? "{name: control, steps: [{" + argument.get<std::string>() + "}]}"
                    : json{{"name", "control"}, {"steps", json::array({argument})}}.dump();
            const scenario::Scenario s = scenario::parse_scenario(doc, "control", &session_->spec());
            if (s.steps.size() != 1) throw std::invalid_argument("one step per request");
            if (!immediate(s.steps[0]))
                throw std::invalid_argument("only steps that take no time go over the control channel (charger, load, "
                                            "ambient, ntc, sense_wire, shunt, cell, button without hold); waits and "
                                            "expectations belong in a scenario played with --scenario");
            session_->apply_step(s.steps[0]);
            last_traffic_s_ = session_->rig().now_s();
            reply = {{"ok", true}, {"t_s", session_->rig().now_s()}};
        } else if (command == "status") {
            Rig& rig = session_->rig();
            const model::Pack& p = rig.pack();
            const CellSummary cells = summarize(p);
            const bmshil_board_outputs& o = rig.board().outputs();
            const PacingFigures& f = pacer_.figures();
            reply = {{"ok", true},
                     {"t_s", rig.now_s()},
                     {"cell_min_V", cells.min_V},
                     {"cell_max_V", cells.max_V},
                     {"current_A", p.current_A()},
                     {"soc", cells.mean_soc},
                     {"charge_fet", o.charge_fet_on != 0},
                     {"discharge_fet", o.discharge_fet_on != 0},
                     {"precharge", o.precharge_on != 0},
                     {"heater", o.heater_on != 0},
                     {"limiter", o.limiter_on != 0},
                     {"balance_mask", o.balance_mask},
                     {"afe_sc_latched", p.sc_latched()},
                     {"safety_findings", p.soa_violations().size()},
                     {"pacing",
                      {{"speed", pacer_.speed()},
                       {"simulated_s", f.simulated_s},
                       {"wall_s", f.wall_s},
                       {"achieved_speed", f.achieved_speed()},
                       {"worst_lateness_s", f.worst_lateness_s},
                       {"overruns", f.overruns},
                       {"overruns_at_wake", f.overruns_at_wake},
                       {"checks", f.checks}}},
                     {"flags_read", flags_read()},
                     {"settings_written_on_bus", written_on_bus_},
                     {"bytes_from_masters", bytes_in_},
                     {"bytes_to_masters", bytes_out_},
                     {"pty", pty_path()},
                     {"tcp", tcp_address()}};
        } else if (command == "read") {
            if (!argument.is_string()) throw std::invalid_argument("read: a probe's name (a string)");
            reply = {{"ok", true}, {"value", session_->read(argument.get<std::string>())}};
        } else if (command == "stop") {
            stop_requested_ = true;
            reply = {{"ok", true}};
        } else {
            throw std::invalid_argument("unknown request '" + command + "': step, status, read or stop");
        }
    } catch (const std::exception& e) {
        reply = {{"ok", false}, {"error", e.what()}};
    }
    return reply.dump();
}

std::string LiveServer::status() {
    Rig& rig = session_->rig();
    const model::Pack& p = rig.pack();
    const CellSummary cells = summarize(p);
    const bmshil_board_outputs& o = rig.board().outputs();
    std::string switches;
    for (const auto& [on, name] : {std::pair{o.charge_fet_on != 0, "CHG"}, {o.discharge_fet_on != 0, "DSG"},
                                   {o.precharge_on != 0, "PRE"}, {o.heater_on != 0, "HEAT"},
                                   {o.limiter_on != 0, "LIM"}, {o.balance_mask != 0, "BAL"}, {p.sc_latched(), "SC"}})
        if (on) switches += std::string(switches.empty() ? "" : " ") + name;
    // The firmware's error codes as a master last read them, where its map
    // has them (every bit word is in the status request's flags_read).
    std::string codes;
    if (error_codes_ != nullptr) {
        const auto read = sniffer_.bits_set(*error_codes_, map_->high_word_first());
        codes = read ? " | codes" : " | codes not read";
        for (const std::string& name : read.value_or(std::vector<std::string>{})) codes += " " + name;
        if (read && read->empty()) codes += " none";
    }
    const PacingFigures& f = pacer_.figures();
    char line[320];
    std::snprintf(line, sizeof line,
                  "t %.1f s | cells %.3f-%.3f V | %+.1f A | SOC %.1f %% | %s%s | SOA %zu | late max %.1f ms, %llu "
                  "over a tick | x%.0f",
                  rig.now_s(), cells.min_V, cells.max_V, p.current_A(), 100.0 * cells.mean_soc, switches.empty() ? "all off" : switches.c_str(),
                  codes.c_str(), p.soa_violations().size(), 1e3 * f.worst_lateness_s,
                  static_cast<unsigned long long>(f.overruns), f.achieved_speed());
    return line;
}

nlohmann::json LiveServer::flags_read() const {
    nlohmann::json flags = nlohmann::json::object();
    for (const Register& reg : map_->all()) {
        if (reg.bits.empty()) continue;
        const auto set = sniffer_.bits_set(reg, map_->high_word_first());
        if (set) flags[reg.name] = *set;
    }
    if (sniffer_.last_read_s() >= 0.0) flags["read_at_s"] = sniffer_.last_read_s();
    return flags;
}

void LiveServer::show_status(bool force) {
    if (!status_on_tty_) return;
    const double wall = pacer_.wall_now_s();
    if (!force && wall - last_status_wall_s_ < kStatusEvery_s) return;
    last_status_wall_s_ = wall;
    // One line, rewritten in place (cleared to its end).
    std::fprintf(stderr, "\r%s\x1b[K", status().c_str());
    std::fflush(stderr);
}

}  // namespace bmshil::rig::live
