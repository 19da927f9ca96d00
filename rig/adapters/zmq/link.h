// The rig's end of a BMSHIL-DAQ/1 link: a DEALER with a bounded answer time,
// resends under the same sequence number, and optional CURVE with a pinned
// server key. Also the certificate files both ends read (the format pyzmq's
// zmq.auth writes, so a Python bench agent shares them).
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "adapters/zmq/messages.h"

namespace bmshil::rig::daq {

// The link failed: no answer in time, a peer gone, a refusal. Its message names
// the address and what was lost.
struct LinkError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The board side answered ERROR.
struct RemoteError : LinkError {
    RemoteError(std::string code, const std::string& what) : LinkError(what), code(std::move(code)) {}
    std::string code;
};

struct CurveKeys {
    std::string public_key;  // Z85, 40 characters
    std::string secret_key;  // "" in a public certificate
};
// Reads a certificate: `NAME.key` (public) or `NAME.key_secret` (both keys).
CurveKeys read_certificate(const std::string& path);
// Writes DIR/NAME.key and DIR/NAME.key_secret (mode 0600); returns the keys.
CurveKeys write_certificates(const std::string& dir, const std::string& name);
// The public keys of every `*.key` in a directory: a server's allow-list.
std::vector<std::string> read_allowed_keys(const std::string& dir);

struct LinkOptions {
    std::string endpoint;           // tcp://HOST:PORT or ipc://PATH
    int timeout_ms = 5000;          // longest wait for one answer, resends included
    int resend_ms = 1000;           // send a request again after this long without an answer
    std::string server_key_file;    // the server's public certificate: CURVE on ("" = off)
    std::string client_key_file;    // this client's secret certificate (CURVE only)
};

// Socket options both ends use so a dead peer is noticed in bounded time.
void set_liveness_options(zmq::socket_t& socket, int timeout_ms);

class ClientLink {
public:
    ClientLink(zmq::context_t& context, LinkOptions options);
    ~ClientLink();
    ClientLink(const ClientLink&) = delete;
    ClientLink& operator=(const ClientLink&) = delete;

    // One request, its answer. ERROR answers throw RemoteError (VersionMismatch
    // for another protocol); silence past the timeout throws LinkError.
    Message request(const std::string& type, nlohmann::json body, int timeout_ms = -1);
    // The same request sent again, as a resend after a lost answer would be.
    // For tests of the board side's duplicate handling.
    Message resend_last(int timeout_ms = -1);
    // Without an answer (HEARTBEAT).
    void post(const std::string& type, nlohmann::json body = nlohmann::json::object());

    const LinkOptions& options() const { return options_; }
    std::uint64_t resends() const { return resends_; }
    std::uint64_t last_seq() const { return last_.seq; }

private:
    Message await_answer(const Message& request, int timeout_ms);

    LinkOptions options_;
    zmq::socket_t socket_;
    std::uint64_t next_seq_ = 1;
    Message last_;
    std::uint64_t resends_ = 0;
};

}  // namespace bmshil::rig::daq
