// --board URIs: each backend and key read, every mistake named.
#include "adapters/board_uri.h"

#include <gtest/gtest.h>


namespace bmshil::rig {
namespace {

std::string error_of(const std::string& uri) {
    try {
        parse_board_uri(uri);
    } catch (const BoardUriError& e) {
        return e.what();
    }
    return "";
}

TEST(BoardUri, ReadsEachBackendAndKey) {
    const BoardUri n = parse_board_uri("native:/lib/fw.so");
    EXPECT_EQ(n.kind, BoardUri::Kind::native);
    EXPECT_EQ(n.library, "/lib/fw.so");

    const BoardUri z = parse_board_uri("zmq:tcp://10.0.0.5:5555?mode=realtime&timeout_ms=750&resend_ms=125"
                                       "&server_key=s.key&client_key=c.key_secret&lookahead=off");
    EXPECT_EQ(z.kind, BoardUri::Kind::zmq);
    EXPECT_EQ(z.zmq.link.endpoint, "tcp://10.0.0.5:5555");
    EXPECT_EQ(z.zmq.mode, "realtime");
    EXPECT_EQ(z.zmq.link.timeout_ms, 750);
    EXPECT_EQ(z.zmq.link.resend_ms, 125);
    EXPECT_EQ(z.zmq.link.server_key_file, "s.key");
    EXPECT_EQ(z.zmq.link.client_key_file, "c.key_secret");
    EXPECT_EQ(z.zmq.max_calls_ahead, 1u);

    const BoardUri ipc = parse_board_uri("zmq:ipc:///tmp/board.ipc");
    EXPECT_EQ(ipc.zmq.link.endpoint, "ipc:///tmp/board.ipc");
    EXPECT_EQ(ipc.zmq.mode, "lockstep");
    EXPECT_EQ(ipc.zmq.link.timeout_ms, 5000);
    EXPECT_EQ(ipc.zmq.max_calls_ahead, 4096u);
}

TEST(BoardUri, NamesWhatIsWrong) {
    EXPECT_EQ(error_of("serial:/dev/ttyUSB0"),
              "board serial:/dev/ttyUSB0: unknown backend; use native:LIB, zmq:tcp://HOST:PORT or zmq:ipc://PATH");
    EXPECT_EQ(error_of("native:"), "board native:: native: needs a firmware library, native:LIB");
    EXPECT_EQ(error_of("zmq:udp://h:1"), "board zmq:udp://h:1: the address must be tcp://HOST:PORT or ipc://PATH, not 'udp://h:1'");
    EXPECT_EQ(error_of("zmq:tcp://host"), "board zmq:tcp://host: a tcp address needs a port, tcp://HOST:PORT");
    EXPECT_EQ(error_of("zmq:ipc:///b?mode=fast"), "board zmq:ipc:///b?mode=fast: mode=fast must be lockstep or realtime");
    EXPECT_EQ(error_of("zmq:ipc:///b?timeout_ms=0"),
              "board zmq:ipc:///b?timeout_ms=0: timeout_ms=0 must be a whole number of milliseconds, 1 to 3600000");
    EXPECT_EQ(error_of("zmq:ipc:///b?timeout_ms=2.5"),
              "board zmq:ipc:///b?timeout_ms=2.5: timeout_ms=2.5 must be a whole number of milliseconds, 1 to 3600000");
    EXPECT_EQ(error_of("zmq:ipc:///b?colour=red"),
              "board zmq:ipc:///b?colour=red: unknown key 'colour' (mode, timeout_ms, resend_ms, lookahead, server_key, client_key)");
    EXPECT_EQ(error_of("zmq:ipc:///b?server_key=s.key"), "board zmq:ipc:///b?server_key=s.key: CURVE needs both server_key= and client_key=");
    EXPECT_EQ(error_of("zmq:ipc:///b?mode"), "board zmq:ipc:///b?mode: 'mode' is not KEY=VALUE");
}

}  // namespace
}  // namespace bmshil::rig
