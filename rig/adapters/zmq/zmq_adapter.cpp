#include "adapters/zmq/zmq_adapter.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

namespace bmshil::rig {

using nlohmann::json;

namespace {

std::string text_of(const json& identity, const char* key) {
    const auto it = identity.find(key);
    return it != identity.end() && it->is_string() ? it->get<std::string>() : std::string("(not given)");
}

}  // namespace

ZmqAdapter::ZmqAdapter(ZmqAdapterOptions options) : options_(std::move(options)) {
    link_ = std::make_unique<daq::ClientLink>(context_, options_.link);
    const json hello = {{"major", daq::kMajor},
                        {"minor", daq::kMinor},
                        {"client", "bmshil rig"},
                        {"mode", options_.mode},
                        {"storage_bytes", options_.storage_bytes},
                        {"tx_capacity", options_.tx_capacity},
                        {"tick_us", options_.tick_us}};
    const daq::Message welcome = link_->request("HELLO", hello);
    const std::string where = "board at " + options_.link.endpoint;
    if (welcome.type != "WELCOME") throw daq::LinkError(where + " answered HELLO with " + welcome.type);
    try {
        const int major = daq::field(welcome.body, "major").get<int>();
        if (major != daq::kMajor)
            throw daq::VersionMismatch(where + " speaks major version " + std::to_string(major) + ", the rig " +
                                       std::to_string(daq::kMajor));
        const json& id = daq::field(welcome.body, "identity");
        identity_.backend = "zmq:" + options_.link.endpoint;
        identity_.board = text_of(id, "board");
        identity_.firmware = text_of(id, "firmware");
        identity_.daq = text_of(id, "daq");
        identity_.calibration = text_of(id, "calibration");
        const json& d = daq::field(welcome.body, "daq");
        daq_.cell_voltage_resolution_uV = d.value("cell_voltage_resolution_uV", 0.0);
        daq_.pack_voltage_resolution_mV = d.value("pack_voltage_resolution_mV", 0.0);
        daq_.current_resolution_mA = d.value("current_resolution_mA", 0.0);
        daq_.ntc_resolution_ohm = d.value("ntc_resolution_ohm", 0.0);
        daq_.input_latency_us = d.value("input_latency_us", 0.0);
        daq_.edge_resolution_us = d.value("edge_resolution_us", 0.0);
        const json& caps = daq::field(welcome.body, "capabilities");
        if (std::find(caps.begin(), caps.end(), json(options_.mode)) == caps.end())
            throw daq::LinkError(where + " cannot run in " + options_.mode + " mode (capabilities " + caps.dump() + ")");
        afe_on_board_ = real_time() && std::find(caps.begin(), caps.end(), json("afe_on_board")) != caps.end();
    } catch (const json::exception& e) {
        throw daq::LinkError(where + ": its WELCOME does not follow " + daq::kProtocol + ": " + e.what());
    } catch (const daq::BadMessage& e) {
        throw daq::LinkError(where + ": its WELCOME does not follow " + daq::kProtocol + ": " + e.what());
    }
}

ZmqAdapter::~ZmqAdapter() {
    try {
        if (real_time() && anchored_) link_->request("STOP", json::object(), 500);
    } catch (...) {
    }
    try {
        link_->request("BYE", json::object(), 200);
    } catch (...) {
        // The board side drops an idle session on its own.
    }
}

daq::Message ZmqAdapter::request(const std::string& type, json body) {
    try {
        return link_->request(type, std::move(body));
    } catch (const daq::RemoteError& e) {
        if (e.code != "no_session") throw;
        // A board that restarted (or dropped the session) has lost the
        // firmware's state: nothing after this can be judged.
        throw daq::LinkError("board at " + options_.link.endpoint + " lost this session at " + type + " #" +
                             std::to_string(link_->last_seq()) +
                             " (it restarted or timed the session out): the firmware's state is gone");
    }
}

void ZmqAdapter::reset(bmshil_board_storage&) {
    if (!real_time()) {
        request("RESET", json::object());
        return;
    }
    // The board powers on and runs on its own clock from here; its clock
    // restarts, so the offset is measured again at the first call.
    request("START", json::object());
    anchored_ = false;
    board_tripped_ = false;
    last_edge_s_ = -1.0;
}

double ZmqAdapter::rig_clock_us() const {
    return static_cast<double>(sim0_us_) +
           std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - wall0_).count();
}

void ZmqAdapter::estimate_offset(int pings) {
    // The ping with the shortest round trip bounds the offset best.
    for (int i = 0; i < pings; ++i) {
        const double sent = rig_clock_us();
        const daq::Message pong = request("PING", json{{"rig_us", static_cast<std::uint64_t>(sent)}});
        const double received = rig_clock_us();
        const double rtt = received - sent;
        round_trips_us_.push_back(rtt);
        if (rtt < best_ping_us_ || i == 0) {
            best_ping_us_ = rtt;
            offset_us_ = pong.body.value("board_us", 0.0) - 0.5 * (sent + received);
        }
    }
}

void ZmqAdapter::pace_to(std::uint64_t now_us) {
    const auto target = wall0_ + std::chrono::microseconds(static_cast<std::int64_t>(now_us - sim0_us_));
    const auto now = std::chrono::steady_clock::now();
    if (target > now) std::this_thread::sleep_until(target);
    const double late_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - target).count();
    worst_lateness_us_ = std::max(worst_lateness_us_, late_us);
    ++ticks_;
    // Later than a tick: the board saw these inputs a tick late or more.
    if (late_us > options_.tick_us) ++overruns_;
}

void ZmqAdapter::step_real_time(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port) {
    if (!anchored_) {
        wall0_ = std::chrono::steady_clock::now();
        sim0_us_ = in.now_us;
        anchored_ = true;
        best_ping_us_ = 1e300;
        estimate_offset(8);
        next_ping_us_ = in.now_us + 1000000;
    } else if (in.now_us >= next_ping_us_) {
        estimate_offset(1);  // the clocks drift apart: keep the offset fresh
        next_ping_us_ = in.now_us + 1000000;
    }
    if (in.now_us >= sim0_us_) pace_to(in.now_us);
    const double sent = rig_clock_us();
    json inputs = daq::encode(in);
    const daq::Message answer = request(
        "APPLY", json{{"rig_us", in.now_us}, {"in", std::move(inputs)}, {"rx", json::binary(daq::bytes(port.rx, port.rx_len))}});
    round_trips_us_.push_back(rig_clock_us() - sent);
    try {
        take_answer(answer, out, port);
        // A pulse (the latch release) shows only in the edges between two answers.
        for (const json& edge : daq::field(answer.body, "edges")) {
            const bmshil_board_outputs o = daq::decode_outputs(daq::field(edge, "out"));
            if (o.afe_sc_clear) out.afe_sc_clear = 1;
            last_edge_s_ = (daq::field(edge, "board_us").get<double>() - offset_us_) * 1e-6;
        }
        if (afe_on_board_) {
            const bool tripped = answer.body.value("afe_sc_tripped", false);
            if (tripped && !board_tripped_)
                board_trip_s_ = (answer.body.value("afe_sc_trip_board_us", 0.0) - offset_us_) * 1e-6;
            board_tripped_ = tripped;
        }
    } catch (const daq::BadMessage& e) {
        throw daq::LinkError("board at " + options_.link.endpoint + ": its APPLY_OK #" + std::to_string(answer.seq) +
                             " does not follow " + daq::kProtocol + ": " + e.what());
    }
    // The rig calls at every tick: the board keeps its own schedule.
    out.next_wake_us = 0;
}

bool ZmqAdapter::board_afe_tripped(double* trip_s) const {
    if (board_tripped_ && trip_s != nullptr) *trip_s = board_trip_s_;
    return board_tripped_;
}

double ZmqAdapter::timing_slack_s() const {
    if (!real_time()) return 0.0;
    // The DAQ gets the rig's values once per tick (an input step waits up to
    // a tick for the next APPLY) and the board's outputs come back once per
    // tick; add the link's worst round trip and the DAQ's declared latencies.
    double worst_rtt_us = 0.0;
    for (double r : round_trips_us_) worst_rtt_us = std::max(worst_rtt_us, r);
    return (2.0 * options_.tick_us + 1.5 * worst_rtt_us + daq_.input_latency_us + daq_.edge_resolution_us) * 1e-6;
}

std::string ZmqAdapter::inconclusive_reason() const {
    if (!real_time() || ticks_ == 0) return "";
    // More than 1 % of the ticks (and more than 3) a tick late: the board did
    // not see the pack the rig simulated.
    if (overruns_ <= 3 || overruns_ * 100 <= ticks_) return "";
    char what[200];
    std::snprintf(what, sizeof what,
                  "inconclusive: the real-time pacing fell a tick (%u us) behind %llu times in %llu ticks (worst %.1f ms)",
                  options_.tick_us, static_cast<unsigned long long>(overruns_), static_cast<unsigned long long>(ticks_),
                  worst_lateness_us_ * 1e-3);
    return what;
}

std::string ZmqAdapter::link_figures() const {
    if (!real_time() || round_trips_us_.empty()) return "";
    std::vector<double> r = round_trips_us_;
    std::sort(r.begin(), r.end());
    const auto at = [&](double q) { return r[static_cast<std::size_t>(q * static_cast<double>(r.size() - 1))] * 1e-3; };
    // Jitter: the spread of the round trip above its best.
    char text[320];
    std::snprintf(text, sizeof text,
                  "link %s: round trip min %.3f ms, median %.3f ms, p99 %.3f ms, max %.3f ms (jitter p99-min %.3f ms); "
                  "clock offset %.3f ms; pacing: %llu ticks, %llu overruns, worst %.3f ms late; timing slack %.3f ms",
                  options_.link.endpoint.c_str(), at(0.0), at(0.5), at(0.99), at(1.0), at(0.99) - at(0.0),
                  offset_us_ * 1e-3, static_cast<unsigned long long>(ticks_), static_cast<unsigned long long>(overruns_),
                  worst_lateness_us_ * 1e-3, timing_slack_s() * 1e3);
    return text;
}

void ZmqAdapter::step(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port) {
    if (real_time()) {
        step_real_time(in, out, port);
        return;
    }
    take_answer(request("STEP", json{{"in", daq::encode(in)}, {"rx", json::binary(daq::bytes(port.rx, port.rx_len))}}),
                out, port);
}

std::size_t ZmqAdapter::step_ahead(const bmshil_board_inputs* ins, const std::uint64_t* wakes, std::size_t n,
                                   bmshil_board_outputs& out, bmshil_board_port& port) {
    if (n == 1) {
        step(ins[0], out, port);
        return 1;
    }
    json list = json::array();
    for (std::size_t k = 0; k < n; ++k) list.push_back(daq::encode(ins[k]));
    const daq::Message answer =
        request("STEPS", json{{"ins", std::move(list)},
                                     {"wakes", std::vector<std::uint64_t>(wakes, wakes + n)},
                                     {"rx", json::binary(daq::bytes(port.rx, port.rx_len))}});
    take_answer(answer, out, port);
    const auto ran = answer.body.value("ran", std::size_t{0});
    if (ran < 1 || ran > n)
        throw daq::LinkError("board at " + options_.link.endpoint + ": its STEPS_OK #" + std::to_string(answer.seq) +
                             " says it ran " + std::to_string(ran) + " of " + std::to_string(n) + " calls");
    return ran;
}

void ZmqAdapter::take_answer(const daq::Message& answer, bmshil_board_outputs& out, bmshil_board_port& port) {
    try {
        out = daq::decode_outputs(daq::field(answer.body, "out"));
        const std::vector<std::uint8_t> tx = daq::bytes_of(answer.body, "tx");
        port.tx_len = std::min(tx.size(), port.tx_capacity);
        std::memcpy(port.tx, tx.data(), port.tx_len);
    } catch (const daq::BadMessage& e) {
        throw daq::LinkError("board at " + options_.link.endpoint + ": its " + answer.type + " #" + std::to_string(answer.seq) +
                             " does not follow " + daq::kProtocol + ": " + e.what());
    }
}

}  // namespace bmshil::rig
