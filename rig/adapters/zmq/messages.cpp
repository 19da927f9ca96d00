#include "adapters/zmq/messages.h"

#include <cstring>

namespace bmshil::rig::daq {

using nlohmann::json;

namespace {

std::uint64_t load_le64(const void* p) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
    return v;
}

void store_le64(std::uint64_t v, std::uint8_t* b) {
    for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Little-endian arrays of 32-bit numbers, whatever the host's byte order.
template <typename T>
json::binary_t le32_array(const T* values, std::size_t n) {
    json::binary_t b;
    b.resize(4 * n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<std::uint32_t>(values[i]);
        for (int k = 0; k < 4; ++k) b[4 * i + k] = static_cast<std::uint8_t>(v >> (8 * k));
    }
    return b;
}

template <typename T>
void from_le32_array(const json& body, const char* key, T* values, std::size_t n) {
    const json& f = field(body, key);
    if (!f.is_binary() || f.get_binary().size() != 4 * n)
        throw BadMessage(std::string("'") + key + "' must be bin of " + std::to_string(n) + " little-endian 32-bit numbers");
    const auto& b = f.get_binary();
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t v = 0;
        for (int k = 3; k >= 0; --k) v = (v << 8) | b[4 * i + k];
        values[i] = static_cast<T>(v);
    }
}

template <typename T>
T number(const json& body, const char* key) {
    const json& f = field(body, key);
    if (!f.is_number() && !f.is_boolean()) throw BadMessage(std::string("'") + key + "' must be a number");
    return f.is_boolean() ? static_cast<T>(f.get<bool>()) : f.get<T>();
}

}  // namespace

const json& field(const json& body, const char* key) {
    if (!body.is_object()) throw BadMessage("the body is not a map");
    const auto it = body.find(key);
    if (it == body.end()) throw BadMessage(std::string("the body has no '") + key + "'");
    return *it;
}

bool send(zmq::socket_t& socket, const Message& m, const std::optional<zmq::message_t>& to) {
    // Once the first frame is queued the rest of the message is too.
    if (to) {
        if (!socket.send(zmq::buffer(to->data(), to->size()), zmq::send_flags::sndmore)) return false;
        socket.send(zmq::buffer(m.protocol), zmq::send_flags::sndmore);
    } else if (!socket.send(zmq::buffer(m.protocol), zmq::send_flags::sndmore)) {
        return false;
    }
    socket.send(zmq::buffer(m.type), zmq::send_flags::sndmore);
    std::uint8_t seq[8];
    store_le64(m.seq, seq);
    socket.send(zmq::buffer(seq, sizeof seq), zmq::send_flags::sndmore);
    const std::vector<std::uint8_t> body = json::to_msgpack(m.body);
    socket.send(zmq::buffer(body), zmq::send_flags::none);
    return true;
}

Message receive(zmq::socket_t& socket, zmq::message_t* from) {
    std::vector<zmq::message_t> frames;
    do {
        frames.emplace_back();
        if (!socket.recv(frames.back(), zmq::recv_flags::none)) throw BadMessage("receive interrupted");
    } while (frames.back().more());
    std::size_t k = 0;
    if (from != nullptr) {
        if (frames.empty()) throw BadMessage("no routing id");
        from->copy(frames[k++]);
    }
    Message m;
    if (frames.size() <= k) throw BadMessage("an empty message");
    m.protocol = frames[k].to_string();
    if (m.protocol != kProtocol) return m;  // the caller answers with its version
    if (frames.size() != k + 4)
        throw BadMessage("a message has " + std::to_string(frames.size() - k) + " frames, the protocol 4");
    m.type = frames[k + 1].to_string();
    if (frames[k + 2].size() != 8) throw BadMessage("the sequence frame is not 8 bytes");
    m.seq = load_le64(frames[k + 2].data());
    try {
        const auto* p = static_cast<const std::uint8_t*>(frames[k + 3].data());
        m.body = json::from_msgpack(p, p + frames[k + 3].size());
    } catch (const json::exception& e) {
        throw BadMessage(std::string("the body of ") + m.type + " is not MessagePack: " + e.what());
    }
    if (!m.body.is_object()) throw BadMessage("the body of " + m.type + " is not a map");
    return m;
}

json encode(const bmshil_board_inputs& in) {
    return json{{"now_us", in.now_us},
                {"cell_tap_uV", json::binary(le32_array(in.cell_tap_uv, BMSHIL_MAX_CELLS))},
                {"pack_terminal_mV", in.pack_terminal_mv},
                {"shunt_current_mA", in.shunt_current_ma},
                {"ntc_ohm", json::binary(le32_array(in.ntc_ohm, BMSHIL_NTC_COUNT))},
                {"button", in.button_pressed != 0},
                {"afe_sc_tripped", in.afe_sc_tripped != 0},
                {"afe_sc_trip_time_us", in.afe_sc_trip_time_us}};
}

bmshil_board_inputs decode_inputs(const json& j) {
    bmshil_board_inputs in{};
    in.now_us = number<std::uint64_t>(j, "now_us");
    from_le32_array(j, "cell_tap_uV", in.cell_tap_uv, BMSHIL_MAX_CELLS);
    in.pack_terminal_mv = number<std::int32_t>(j, "pack_terminal_mV");
    in.shunt_current_ma = number<std::int32_t>(j, "shunt_current_mA");
    from_le32_array(j, "ntc_ohm", in.ntc_ohm, BMSHIL_NTC_COUNT);
    in.button_pressed = number<std::uint8_t>(j, "button");
    in.afe_sc_tripped = number<std::uint8_t>(j, "afe_sc_tripped");
    in.afe_sc_trip_time_us = number<std::uint64_t>(j, "afe_sc_trip_time_us");
    return in;
}

json encode(const bmshil_board_outputs& out) {
    return json{{"charge_fet", out.charge_fet_on != 0},
                {"discharge_fet", out.discharge_fet_on != 0},
                {"precharge", out.precharge_on != 0},
                {"heater", out.heater_on != 0},
                {"limiter", out.limiter_on != 0},
                {"afe_sc_clear", out.afe_sc_clear != 0},
                {"balance_mask", out.balance_mask},
                {"afe_sc_threshold_mA", out.afe_sc_threshold_ma},
                {"afe_sc_delay_us", out.afe_sc_delay_us},
                {"next_wake_us", out.next_wake_us}};
}

bmshil_board_outputs decode_outputs(const json& j) {
    bmshil_board_outputs out{};
    out.charge_fet_on = number<std::uint8_t>(j, "charge_fet");
    out.discharge_fet_on = number<std::uint8_t>(j, "discharge_fet");
    out.precharge_on = number<std::uint8_t>(j, "precharge");
    out.heater_on = number<std::uint8_t>(j, "heater");
    out.limiter_on = number<std::uint8_t>(j, "limiter");
    out.afe_sc_clear = number<std::uint8_t>(j, "afe_sc_clear");
    out.balance_mask = number<std::uint32_t>(j, "balance_mask");
    out.afe_sc_threshold_ma = number<std::int32_t>(j, "afe_sc_threshold_mA");
    out.afe_sc_delay_us = number<std::uint32_t>(j, "afe_sc_delay_us");
    out.next_wake_us = number<std::uint64_t>(j, "next_wake_us");
    return out;
}

json::binary_t bytes(const std::uint8_t* data, std::size_t size) { return json::binary_t(std::vector<std::uint8_t>(data, data + size)); }

std::vector<std::uint8_t> bytes_of(const json& body, const char* key) {
    const json& f = field(body, key);
    if (!f.is_binary()) throw BadMessage(std::string("'") + key + "' must be bin");
    return f.get_binary();
}

json error_body(const std::string& code, const std::string& message, std::uint64_t seq) {
    return json{{"code", code}, {"message", message}, {"seq", seq}};
}

}  // namespace bmshil::rig::daq
