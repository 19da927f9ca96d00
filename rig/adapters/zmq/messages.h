// BMSHIL-DAQ/1 messages (PROTOCOL.md beside this file): four frames, the body
// MessagePack through nlohmann-json, the contract's arrays as little-endian
// `bin`. Shared by the rig's adapter and `bmshil virtual-board`.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "board_contract.h"

namespace bmshil::rig::daq {

inline constexpr const char* kProtocol = "BMSHIL-DAQ/1";
inline constexpr int kMajor = 1;
inline constexpr int kMinor = 0;

// A message that does not follow the protocol (a frame missing, a key absent).
struct BadMessage : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The peer speaks another protocol or another major version.
struct VersionMismatch : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Message {
    std::string protocol = kProtocol;  // frame 0, as received
    std::string type;
    std::uint64_t seq = 0;
    nlohmann::json body = nlohmann::json::object();
};

// Sends `m` (with a routing id in front when `to` is given, on a ROUTER).
// Returns false when the socket would block (a DEALER with no peer and a send
// timeout of 0): nothing of it was queued.
bool send(zmq::socket_t& socket, const Message& m, const std::optional<zmq::message_t>& to = std::nullopt);
// Receives one message; on a ROUTER, `from` gets the sender's routing id.
// A message with another frame 0 is returned as is (protocol set) so the
// caller can answer it; frames that do not decode throw BadMessage.
Message receive(zmq::socket_t& socket, zmq::message_t* from = nullptr);

nlohmann::json encode(const bmshil_board_inputs& in);
bmshil_board_inputs decode_inputs(const nlohmann::json& in);
nlohmann::json encode(const bmshil_board_outputs& out);
bmshil_board_outputs decode_outputs(const nlohmann::json& out);

nlohmann::json::binary_t bytes(const std::uint8_t* data, std::size_t size);
std::vector<std::uint8_t> bytes_of(const nlohmann::json& body, const char* key);

// The field `key` of a body, or BadMessage naming it.
const nlohmann::json& field(const nlohmann::json& body, const char* key);

// An ERROR message's body.
nlohmann::json error_body(const std::string& code, const std::string& message, std::uint64_t seq);

}  // namespace bmshil::rig::daq
