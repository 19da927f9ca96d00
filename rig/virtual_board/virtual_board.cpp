#include "virtual_board/virtual_board.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "adapters/zmq/link.h"
#include "virtual_board/short_circuit_afe.h"

namespace bmshil::rig {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

struct VirtualBoard::Session {
    std::string mode;                      // lockstep or realtime
    std::unique_ptr<NativeAdapter> firmware;
    std::vector<std::uint8_t> storage;
    std::vector<std::uint8_t> tx_buffer;
    bmshil_board_outputs out{};
    std::uint64_t last_seq = 0;            // of the last request executed
    std::string last_type;                 // and its answer, for a resend
    json last_body;
    clock_type::time_point last_heard;
    // Real time: the board's own clock and what the DAQ holds on its pins.
    bool running = false;
    clock_type::time_point epoch;
    clock_type::time_point next_call;
    std::chrono::microseconds tick{10000};
    bmshil_board_inputs in{};
    std::vector<std::uint8_t> rx, tx;
    json edges = json::array();
    ShortCircuitAfe afe;  // in real time the board's AFE is its own, as on a real board
};

namespace {

std::string key_of(const zmq::message_t& id) { return std::string(static_cast<const char*>(id.data()), id.size()); }

std::uint64_t board_us(const clock_type::time_point& epoch) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - epoch).count());
}

bool same_outputs(const bmshil_board_outputs& a, const bmshil_board_outputs& b) {
    return a.charge_fet_on == b.charge_fet_on && a.discharge_fet_on == b.discharge_fet_on &&
           a.precharge_on == b.precharge_on && a.heater_on == b.heater_on && a.limiter_on == b.limiter_on &&
           a.afe_sc_clear == b.afe_sc_clear && a.balance_mask == b.balance_mask &&
           a.afe_sc_threshold_ma == b.afe_sc_threshold_ma && a.afe_sc_delay_us == b.afe_sc_delay_us;
}

}  // namespace

VirtualBoard::VirtualBoard(VirtualBoardOptions options)
    : options_(std::move(options)), router_(context_, zmq::socket_type::router) {
    // Load it once here: a library that does not load is an error at start,
    // not at the first session.
    firmware_name_ = NativeAdapter(options_.firmware_library).name();
    char dir[] = "/tmp/bmshil-virtual-board-XXXXXX";
    if (mkdtemp(dir) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    copies_dir_ = dir;

    daq::set_liveness_options(router_, options_.link_timeout_ms);
    router_.set(zmq::sockopt::router_mandatory, 0);  // a vanished peer's answer is dropped, not an error
    if (!options_.secret_key_file.empty()) {
        const daq::CurveKeys keys = daq::read_certificate(options_.secret_key_file);
        if (keys.secret_key.empty())
            throw std::runtime_error(options_.secret_key_file + ": not a secret certificate (no 'secret-key' line)");
        if (options_.allow_dir.empty())
            throw std::runtime_error("CURVE needs an allow-list: --allow DIR with the clients' *.key certificates");
        allowed_keys_ = daq::read_allowed_keys(options_.allow_dir);
        // The ZAP handler must exist before the first connection is made.
        zap_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::rep);
        zap_->bind("inproc://zeromq.zap.01");
        router_.set(zmq::sockopt::curve_server, 1);
        router_.set(zmq::sockopt::curve_secretkey, keys.secret_key);
        router_.set(zmq::sockopt::zap_domain, "bmshil");
    }
    try {
        router_.bind(options_.bind);
    } catch (const zmq::error_t& e) {
        std::filesystem::remove_all(copies_dir_);
        throw std::runtime_error("cannot bind " + options_.bind + ": " + e.what());
    }
    endpoint_ = router_.get(zmq::sockopt::last_endpoint);
}

VirtualBoard::~VirtualBoard() {
    sessions_.clear();
    std::error_code ec;
    std::filesystem::remove_all(copies_dir_, ec);
}

void VirtualBoard::serve(const std::atomic<bool>& stop) {
    while (!stop.load()) {
        std::vector<zmq::pollitem_t> items{{router_.handle(), 0, ZMQ_POLLIN, 0}};
        if (zap_) items.push_back({zap_->handle(), 0, ZMQ_POLLIN, 0});
        try {
            zmq::poll(items.data(), items.size(), std::min(time_to_next_tick(), std::chrono::milliseconds(100)));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) continue;  // a signal: `stop` says whether to go on
            throw;
        }
        if (zap_ && (items[1].revents & ZMQ_POLLIN)) handle_zap();
        if (items[0].revents & ZMQ_POLLIN) {
            zmq::message_t from;
            daq::Message m;
            try {
                m = daq::receive(router_, &from);
            } catch (const daq::BadMessage& e) {
                if (from.size() > 0) refuse(from, "bad_message", e.what(), 0);
                continue;
            }
            handle(from, m);
        }
        run_due_ticks();
        drop_idle_sessions();
    }
}

void VirtualBoard::handle_zap() {
    // ZAP 1.0 (RFC 27): version, request id, domain, address, routing id,
    // mechanism, then the client's 32-byte public key.
    std::vector<zmq::message_t> frames;
    do {
        frames.emplace_back();
        if (!zap_->recv(frames.back())) return;
    } while (frames.back().more());
    std::string status = "400", text = "key not on the allow-list";
    if (frames.size() >= 7 && frames[5].to_string() == "CURVE" && frames[6].size() == 32) {
        char z85[41];
        zmq_z85_encode(z85, static_cast<const std::uint8_t*>(frames[6].data()), 32);
        if (std::find(allowed_keys_.begin(), allowed_keys_.end(), std::string(z85)) != allowed_keys_.end()) {
            status = "200";
            text = "OK";
        } else {
            std::fprintf(stderr, "virtual-board: refused a client with key %s (not in %s)\n", z85,
                         options_.allow_dir.c_str());
        }
    }
    const std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
    zap_->send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
    zap_->send(zmq::buffer(request_id), zmq::send_flags::sndmore);
    zap_->send(zmq::buffer(status), zmq::send_flags::sndmore);
    zap_->send(zmq::buffer(text), zmq::send_flags::sndmore);
    zap_->send(zmq::buffer(std::string()), zmq::send_flags::sndmore);
    zap_->send(zmq::buffer(std::string()), zmq::send_flags::none);
}

void VirtualBoard::refuse(const zmq::message_t& to, const std::string& code, const std::string& message,
                          std::uint64_t seq) {
    daq::Message e;
    e.type = "ERROR";
    e.seq = seq;
    e.body = daq::error_body(code, message, seq);
    daq::send(router_, e, zmq::message_t(to.data(), to.size()));
}

void VirtualBoard::answer(const zmq::message_t& to, Session* s, const daq::Message& request, const std::string& type,
                          json body) {
    daq::Message a;
    a.type = type;
    a.seq = request.seq;
    a.body = std::move(body);
    if (s != nullptr) {
        s->last_seq = request.seq;
        s->last_type = a.type;
        s->last_body = a.body;
    }
    daq::send(router_, a, zmq::message_t(to.data(), to.size()));
}

void VirtualBoard::hello(const zmq::message_t& from, const daq::Message& m) {
    const int major = m.body.value("major", -1);
    if (major != daq::kMajor) {
        refuse(from, "version",
               "this board speaks " + std::string(daq::kProtocol) + " " + std::to_string(daq::kMajor) + "." +
                   std::to_string(daq::kMinor) + ", the HELLO major version " + std::to_string(major),
               m.seq);
        return;
    }
    const std::string mode = m.body.value("mode", std::string());
    if (mode != "lockstep" && mode != "realtime") {
        refuse(from, "mode", "mode '" + mode + "': this board runs lockstep or realtime", m.seq);
        return;
    }
    auto s = std::make_unique<Session>();
    s->mode = mode;
    try {
        // A copy of its own: dlopen would hand back the loaded one, globals and all.
        const std::string copy = copies_dir_ + "/firmware-" + std::to_string(next_copy_++) + ".so";
        std::filesystem::copy_file(options_.firmware_library, copy, std::filesystem::copy_options::overwrite_existing);
        s->firmware = std::make_unique<NativeAdapter>(copy);
        std::filesystem::remove(copy);  // the mapping stays
    } catch (const std::exception& e) {
        refuse(from, "firmware", std::string("cannot load the firmware: ") + e.what(), m.seq);
        return;
    }
    const auto storage_bytes = m.body.value("storage_bytes", std::size_t{4096});
    const auto tx_capacity = m.body.value("tx_capacity", std::size_t{1024});
    if (storage_bytes > (1u << 24) || tx_capacity > (1u << 20)) {
        refuse(from, "bad_message", "storage_bytes or tx_capacity too large", m.seq);
        return;
    }
    s->storage.assign(storage_bytes, 0xFF);
    s->tx_buffer.assign(tx_capacity, 0);
    s->tick = std::chrono::microseconds(std::max<std::int64_t>(100, m.body.value("tick_us", std::int64_t{10000})));
    s->last_heard = clock_type::now();
    Session* raw = s.get();
    sessions_[key_of(from)] = std::move(s);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    const json welcome = {
        {"major", daq::kMajor},
        {"minor", daq::kMinor},
        {"session", std::to_string(getpid()) + "-" + std::to_string(next_copy_)},
        {"capabilities", mode == "realtime" ? json::array({"lockstep", "realtime", "rs485", "edge_capture", "afe_on_board"})
                                            : json::array({"lockstep", "realtime", "rs485", "edge_capture"})},
        {"identity",
         {{"board", options_.board_name + " on " + host},
          {"firmware", firmware_name_},
          {"daq", "none: the rig's values reach the firmware as sent"},
          {"calibration", "none"}}},
        // The contract's own units: the firmware sees what the rig sends.
        {"daq",
         {{"cell_voltage_resolution_uV", 1},
          {"pack_voltage_resolution_mV", 1},
          {"current_resolution_mA", 1},
          {"ntc_resolution_ohm", 1},
          {"input_latency_us", 0},
          {"edge_resolution_us", 1}}},
        {"heartbeat_ms", options_.heartbeat_ms},
        {"link_timeout_ms", options_.link_timeout_ms}};
    answer(from, raw, m, "WELCOME", welcome);
}

void VirtualBoard::call_firmware(Session& s) {
    bmshil_board_port port{s.rx.data(), s.rx.size(), s.tx_buffer.data(), s.tx_buffer.size(), 0};
    if (s.mode == "realtime") {
        s.in.afe_sc_tripped = s.afe.latched() ? 1 : 0;
        s.in.afe_sc_trip_time_us = s.afe.trip_us();
    }
    s.out.afe_sc_clear = 0;
    s.firmware->step(s.in, s.out, port);
    if (s.mode == "realtime") {
        s.afe.configure(s.out.afe_sc_threshold_ma, s.out.afe_sc_delay_us);
        if (s.out.afe_sc_clear) s.afe.release();
        s.afe.sense(s.in.shunt_current_ma, s.in.now_us);
    }
    ++firmware_calls_;
    s.rx.clear();
    s.tx.insert(s.tx.end(), s.tx_buffer.begin(), s.tx_buffer.begin() + static_cast<long>(std::min(port.tx_len, s.tx_buffer.size())));
}

void VirtualBoard::handle(const zmq::message_t& from, daq::Message& m) {
    if (m.protocol != daq::kProtocol) {
        refuse(from, "version",
               "this board speaks " + std::string(daq::kProtocol) + ", the message " + m.protocol.substr(0, 64), 0);
        return;
    }
    const std::string key = key_of(from);
    auto it = sessions_.find(key);
    Session* s = it == sessions_.end() ? nullptr : it->second.get();
    if (s != nullptr) s->last_heard = clock_type::now();
    if (m.type == "HEARTBEAT") return;
    // A resend of the request last executed gets its answer again; an older
    // one is stale. Neither runs the firmware.
    if (s != nullptr && m.seq <= s->last_seq) {
        if (m.seq == s->last_seq) {
            daq::Message again;
            again.type = s->last_type;
            again.seq = s->last_seq;
            again.body = s->last_body;
            daq::send(router_, again, zmq::message_t(from.data(), from.size()));
        }
        return;
    }
    if (m.type == "HELLO") {
        if (s != nullptr) sessions_.erase(it);
        hello(from, m);
        return;
    }
    if (s == nullptr) {
        refuse(from, "no_session", m.type + " without a session: HELLO first (or the session timed out)", m.seq);
        return;
    }
    try {
        if (m.type == "BYE") {
            answer(from, nullptr, m, "BYE_OK", json::object());
            sessions_.erase(it);
        } else if (m.type == "PING") {
            const std::uint64_t now = s->running ? board_us(s->epoch) : 0;
            answer(from, s, m, "PONG", {{"rig_us", daq::field(m.body, "rig_us")}, {"board_us", now}});
        } else if (s->mode == "lockstep" && m.type == "RESET") {
            power_on(*s);
            answer(from, s, m, "RESET_OK", json::object());
        } else if (s->mode == "lockstep" && m.type == "STEP") {
            s->in = daq::decode_inputs(daq::field(m.body, "in"));
            s->rx = daq::bytes_of(m.body, "rx");
            s->tx.clear();
            call_firmware(*s);
            answer(from, s, m, "STEP_OK", {{"out", daq::encode(s->out)}, {"tx", json::binary(std::move(s->tx))}});
            s->tx.clear();
        } else if (s->mode == "lockstep" && m.type == "STEPS") {
            const json& list = daq::field(m.body, "ins");
            const json& wakes = daq::field(m.body, "wakes");
            if (!list.is_array() || list.empty() || list.size() > 65536)
                throw daq::BadMessage("'ins' must be a list of 1 to 65536 inputs");
            if (!wakes.is_array() || wakes.size() != list.size())
                throw daq::BadMessage("'wakes' must be a list as long as 'ins'");
            s->rx = daq::bytes_of(m.body, "rx");
            s->tx.clear();
            std::size_t ran = 0;
            for (std::size_t k = 0; k < list.size(); ++k) {
                s->in = daq::decode_inputs(list[k]);
                s->out.afe_sc_clear = 0;
                const bmshil_board_outputs entered = s->out;
                call_firmware(*s);
                ++ran;
                // Where the outputs move or the firmware asks for another
                // wake, the rig's prediction of the next inputs ends.
                if (!s->tx.empty() || !same_outputs(entered, s->out) || s->out.next_wake_us != wakes[k].get<std::uint64_t>())
                    break;
            }
            answer(from, s, m, "STEPS_OK",
                   {{"ran", ran}, {"out", daq::encode(s->out)}, {"tx", json::binary(std::move(s->tx))}});
            s->tx.clear();
        } else if (s->mode == "realtime" && m.type == "START") {
            power_on(*s);
            s->epoch = clock_type::now();
            s->running = true;
            s->next_call = s->epoch;  // the first call at once, as at power-on
            answer(from, s, m, "START_OK", {{"board_us", 0}});
        } else if (s->mode == "realtime" && m.type == "APPLY") {
            if (!s->running) {
                refuse(from, "bad_message", "APPLY before START", m.seq);
                return;
            }
            const bmshil_board_inputs before = s->in;
            const std::uint64_t now_us = board_us(s->epoch);
            const bool tripped = s->afe.update(now_us);  // on the current the pins held until now
            s->in = daq::decode_inputs(daq::field(m.body, "in"));
            s->afe.sense(s->in.shunt_current_ma, now_us);
            const std::vector<std::uint8_t> rx = daq::bytes_of(m.body, "rx");
            s->rx.insert(s->rx.end(), rx.begin(), rx.end());
            // What a real board takes as an interrupt runs the firmware at once.
            const bool interrupt = !rx.empty() || s->in.button_pressed != before.button_pressed || tripped;
            if (interrupt) call_on_own_clock(*s);
            json body = {{"board_us", board_us(s->epoch)},
                         {"out", daq::encode(s->out)},
                         {"edges", std::move(s->edges)},
                         {"tx", json::binary(std::move(s->tx))},
                         {"afe_sc_tripped", s->afe.latched()},
                         {"afe_sc_trip_board_us", s->afe.trip_us()}};
            s->edges = json::array();
            s->tx.clear();
            answer(from, s, m, "APPLY_OK", std::move(body));
        } else if (s->mode == "realtime" && m.type == "STOP") {
            s->running = false;
            s->out = bmshil_board_outputs{};
            answer(from, s, m, "STOP_OK", json::object());
        } else {
            refuse(from, "bad_message", m.type + " is not a request of " + s->mode + " mode", m.seq);
        }
    } catch (const daq::BadMessage& e) {
        refuse(from, "bad_message", m.type + ": " + e.what(), m.seq);
    } catch (const nlohmann::json::exception& e) {
        refuse(from, "bad_message", m.type + ": " + e.what(), m.seq);
    }
}

std::chrono::milliseconds VirtualBoard::time_to_next_tick() const {
    auto wait = std::chrono::milliseconds(100);
    const auto now = clock_type::now();
    for (const auto& [key, s] : sessions_) {
        if (!s->running) continue;
        auto next = s->next_call;
        if (const std::uint64_t due = s->afe.trip_due_us())
            next = std::min(next, s->epoch + std::chrono::microseconds(due));
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - now);
        wait = std::min(wait, std::max(left, std::chrono::milliseconds(0)));
    }
    return wait;
}

void VirtualBoard::run_due_ticks() {
    const auto now = clock_type::now();
    for (auto& [key, s] : sessions_) {
        if (!s->running) continue;
        // The AFE's trip is an interrupt: the firmware runs at once.
        const bool tripped = s->afe.update(board_us(s->epoch));
        if (!tripped && now < s->next_call) continue;
        call_on_own_clock(*s);
    }
}

void VirtualBoard::power_on(Session& s) {
    bmshil_board_storage storage{s.storage.data(), s.storage.size()};
    s.firmware->reset(storage);
    s.out = bmshil_board_outputs{};
    s.afe = ShortCircuitAfe{};
}

void VirtualBoard::call_on_own_clock(Session& s) {
    // A call at the board's own time, in real time: a tick or an interrupt.
    const bmshil_board_outputs was = s.out;
    s.in.now_us = board_us(s.epoch);
    call_firmware(s);
    if (!same_outputs(was, s.out)) s.edges.push_back({{"board_us", s.in.now_us}, {"out", daq::encode(s.out)}});
    plan_next_call(s);
}

void VirtualBoard::plan_next_call(Session& s) {
    // After every call, an interrupt's too, as the board in the rig plans it:
    // the next tick, or later if the firmware asked to sleep.
    auto next = clock_type::now() + s.tick;
    if (s.out.next_wake_us > s.in.now_us) next = s.epoch + std::chrono::microseconds(s.out.next_wake_us);
    s.next_call = next;
}

void VirtualBoard::drop_idle_sessions() {
    const auto now = clock_type::now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (now - it->second->last_heard > std::chrono::milliseconds(options_.link_timeout_ms)) {
            std::fprintf(stderr, "virtual-board: session %s silent for %d ms, dropped\n",
                         it->second->mode.c_str(), options_.link_timeout_ms);
            it = sessions_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace bmshil::rig
