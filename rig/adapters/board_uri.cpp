#include "adapters/board_uri.h"

#include <cmath>
#include <sstream>

#include "adapters/native/native_adapter.h"
#include "board.h"

namespace bmshil::rig {

namespace {

int positive_ms(const std::string& uri, const std::string& key, const std::string& value) {
    std::size_t used = 0;
    long v = 0;
    try {
        v = std::stol(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != value.size() || v <= 0 || v > 3600000)
        throw BoardUriError("board " + uri + ": " + key + "=" + value + " must be a whole number of milliseconds, 1 to 3600000");
    return static_cast<int>(v);
}

}  // namespace

BoardUri parse_board_uri(const std::string& text) {
    BoardUri u;
    u.text = text;
    const auto colon = text.find(':');
    const std::string scheme = colon == std::string::npos ? "" : text.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (scheme == "native") {
        if (rest.empty()) throw BoardUriError("board " + text + ": native: needs a firmware library, native:LIB");
        u.kind = BoardUri::Kind::native;
        u.library = rest;
        return u;
    }
    if (scheme != "zmq")
        throw BoardUriError("board " + text + ": unknown backend; use native:LIB, zmq:tcp://HOST:PORT or zmq:ipc://PATH");
    u.kind = BoardUri::Kind::zmq;
    const auto q = rest.find('?');
    const std::string endpoint = rest.substr(0, q);
    if (endpoint.rfind("tcp://", 0) != 0 && endpoint.rfind("ipc://", 0) != 0)
        throw BoardUriError("board " + text + ": the address must be tcp://HOST:PORT or ipc://PATH, not '" + endpoint + "'");
    if (endpoint.rfind("tcp://", 0) == 0 && endpoint.find(':', 6) == std::string::npos)
        throw BoardUriError("board " + text + ": a tcp address needs a port, tcp://HOST:PORT");
    u.zmq.link.endpoint = endpoint;
    if (q == std::string::npos) return u;
    std::istringstream query(rest.substr(q + 1));
    for (std::string pair; std::getline(query, pair, '&');) {
        const auto eq = pair.find('=');
        if (eq == std::string::npos) throw BoardUriError("board " + text + ": '" + pair + "' is not KEY=VALUE");
        const std::string key = pair.substr(0, eq), value = pair.substr(eq + 1);
        if (key == "mode") {
            if (value != "lockstep" && value != "realtime")
                throw BoardUriError("board " + text + ": mode=" + value + " must be lockstep or realtime");
            u.zmq.mode = value;
        } else if (key == "timeout_ms") {
            u.zmq.link.timeout_ms = positive_ms(text, key, value);
        } else if (key == "resend_ms") {
            u.zmq.link.resend_ms = positive_ms(text, key, value);
        } else if (key == "lookahead") {
            if (value != "on" && value != "off")
                throw BoardUriError("board " + text + ": lookahead=" + value + " must be on or off");
            u.zmq.max_calls_ahead = value == "on" ? 4096 : 1;
        } else if (key == "server_key") {
            u.zmq.link.server_key_file = value;
        } else if (key == "client_key") {
            u.zmq.link.client_key_file = value;
        } else {
            throw BoardUriError("board " + text + ": unknown key '" + key +
                                "' (mode, timeout_ms, resend_ms, lookahead, server_key, client_key)");
        }
    }
    if (u.zmq.link.server_key_file.empty() != u.zmq.link.client_key_file.empty())
        throw BoardUriError("board " + text + ": CURVE needs both server_key= and client_key=");
    return u;
}

std::unique_ptr<BoardAdapter> make_board_adapter(const BoardUri& uri, const BoardConfig& board) {
    if (uri.kind == BoardUri::Kind::native) return std::make_unique<NativeAdapter>(uri.library);
    ZmqAdapterOptions o = uri.zmq;
    o.storage_bytes = board.storage_bytes;
    o.tx_capacity = board.tx_capacity;
    o.tick_us = static_cast<std::uint32_t>(std::llround(board.tick_s * 1e6));
    return std::make_unique<ZmqAdapter>(o);
}

}  // namespace bmshil::rig
