// Which backend sits behind the seam, named by one string (the suite's and the
// CLI's --board):
//   native:LIB                          a firmware library in this process
//   zmq:tcp://HOST:PORT[?KEY=VALUE&...]  a board over BMSHIL-DAQ/1
//   zmq:ipc://PATH[?...]
// Keys of a zmq board: mode (lockstep | realtime), timeout_ms, resend_ms,
// lookahead (on | off: calls ahead in one exchange, lock-step only), server_key (the server's public certificate: CURVE on), client_key (this
// client's secret certificate).
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "adapters/board_adapter.h"
#include "adapters/zmq/zmq_adapter.h"

namespace bmshil::rig {

struct BoardUriError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct BoardUri {
    enum class Kind { native, zmq } kind = Kind::native;
    std::string library;        // native
    ZmqAdapterOptions zmq;      // zmq (storage and tick filled in by the rig)
    std::string text;           // as given
};

// Throws BoardUriError naming what is wrong with `text`.
BoardUri parse_board_uri(const std::string& text);

struct BoardConfig;
// The adapter the URI names, for a board configured as `board`.
std::unique_ptr<BoardAdapter> make_board_adapter(const BoardUri& uri, const BoardConfig& board);

}  // namespace bmshil::rig
