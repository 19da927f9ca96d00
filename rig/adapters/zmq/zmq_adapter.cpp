#include "adapters/zmq/zmq_adapter.h"

#include <algorithm>
#include <cstring>

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
    } catch (const json::exception& e) {
        throw daq::LinkError(where + ": its WELCOME does not follow " + daq::kProtocol + ": " + e.what());
    } catch (const daq::BadMessage& e) {
        throw daq::LinkError(where + ": its WELCOME does not follow " + daq::kProtocol + ": " + e.what());
    }
}

ZmqAdapter::~ZmqAdapter() {
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

void ZmqAdapter::reset(bmshil_board_storage&) { request("RESET", json::object()); }

void ZmqAdapter::step(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port) {
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
