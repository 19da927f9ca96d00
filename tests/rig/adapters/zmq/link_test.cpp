// The link's failure behaviour, each against a real peer: a fake board (a
// ROUTER in a thread) where the fault has to be made, `bmshil virtual-board`
// as its own process where it does not.
#include "adapters/zmq/link.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../virtual_board_process.h"
#include "fake_board.h"
#include "adapters/zmq/zmq_adapter.h"
#include "virtual_board/virtual_board.h"


namespace bmshil::rig {
namespace {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

std::string scratch(const std::string& name) {
    const std::string dir = std::string(BMSHIL_BINARY_DIR) + "/test-scratch/link_test";
    std::filesystem::create_directories(dir);
    return dir + "/" + name;
}

double ms_since(clock_type::time_point t) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

json welcome_body() {
    return {{"major", 1}, {"minor", 0}, {"session", "fake"}, {"capabilities", {"lockstep"}},
            {"identity", {{"board", "fake"}, {"firmware", "fake"}, {"daq", "none"}, {"calibration", "none"}}},
            {"daq", json::object()}, {"heartbeat_ms", 1000}, {"link_timeout_ms", 1000}};
}

ZmqAdapterOptions adapter_options(const std::string& endpoint, int timeout_ms) {
    ZmqAdapterOptions o;
    o.link.endpoint = endpoint;
    o.link.timeout_ms = timeout_ms;
    o.link.resend_ms = std::max(50, timeout_ms / 4);
    return o;
}

TEST(Link, AnotherProtocolVersionIsAClearErrorAtTheHandshake) {
    const std::string endpoint = "ipc://" + scratch("v2.ipc");
    testing::FakeBoard board(endpoint, testing::answer_as_version_2);
    const auto start = clock_type::now();
    try {
        ZmqAdapter adapter(adapter_options(endpoint, 2000));
        FAIL() << "a board speaking BMSHIL-DAQ/2 was accepted";
    } catch (const daq::VersionMismatch& e) {
        EXPECT_NE(std::string(e.what()).find("BMSHIL-DAQ/2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(endpoint), std::string::npos) << e.what();
    }
    EXPECT_LT(ms_since(start), 1000.0);  // at once, not at the timeout
}

TEST(Link, VirtualBoardRefusesAnotherMajorVersion) {
    testing::VirtualBoardProcess board(BMSHIL_FIRMWARE_LIBRARY, "ipc://" + scratch("vb-major.ipc"));
    zmq::context_t context;
    daq::LinkOptions o;
    o.endpoint = board.endpoint();
    o.timeout_ms = 2000;
    daq::ClientLink link(context, o);
    try {
        link.request("HELLO", {{"major", 2}, {"minor", 0}, {"mode", "lockstep"}});
        FAIL() << "HELLO major 2 accepted";
    } catch (const daq::VersionMismatch& e) {
        EXPECT_NE(std::string(e.what()).find("(version)"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("major version 2"), std::string::npos) << e.what();
    }
    // A message in another protocol's frames gets ERROR version with our frame 0.
    zmq::socket_t raw(context, zmq::socket_type::dealer);
    raw.set(zmq::sockopt::linger, 0);
    raw.connect(board.endpoint());
    raw.send(zmq::str_buffer("BMSHIL-DAQ/2"), zmq::send_flags::sndmore);
    raw.send(zmq::str_buffer("HELLO"), zmq::send_flags::none);
    raw.set(zmq::sockopt::rcvtimeo, 2000);
    const daq::Message answer = daq::receive(raw);
    EXPECT_EQ(answer.protocol, daq::kProtocol);
    EXPECT_EQ(answer.type, "ERROR");
    EXPECT_EQ(answer.body.at("code"), "version");
}

TEST(Link, AStalledBoardIsAnErrorWithinItsTimeout) {
    const std::string endpoint = "ipc://" + scratch("stalled.ipc");
    testing::FakeBoard board(endpoint, [](zmq::socket_t& s, const zmq::message_t& from, const daq::Message& m) {
        daq::Message w;
        w.type = "WELCOME";
        w.seq = m.seq;
        w.body = welcome_body();
        daq::send(s, w, zmq::message_t(from.data(), from.size()));
    });
    const int timeout_ms = 400;
    ZmqAdapter adapter(adapter_options(endpoint, timeout_ms));
    EXPECT_EQ(adapter.identity().board, "fake");
    bmshil_board_inputs in{};
    bmshil_board_outputs out{};
    std::uint8_t tx[64];
    bmshil_board_port port{nullptr, 0, tx, sizeof tx, 0};
    const auto start = clock_type::now();
    try {
        adapter.step(in, out, port);
        FAIL() << "a silent board answered";
    } catch (const daq::LinkError& e) {
        EXPECT_NE(std::string(e.what()).find("no answer to STEP #2 within 400 ms"), std::string::npos) << e.what();
    }
    const double waited = ms_since(start);
    EXPECT_GE(waited, timeout_ms);
    EXPECT_LT(waited, timeout_ms + 1500.0);
    // It was sent again, under the same number, before giving up: HELLO + STEP + 3 resends.
    EXPECT_EQ(adapter.link().resends(), 3u);
    EXPECT_EQ(board.received(), 5);
}

TEST(Link, NoBoardAtTheAddressIsAnErrorWithinTheTimeout) {
    const auto start = clock_type::now();
    EXPECT_THROW(ZmqAdapter(adapter_options("ipc://" + scratch("nobody.ipc"), 300)), daq::LinkError);
    EXPECT_LT(ms_since(start), 1800.0);
}

// A resend (the answer was lost) gets the answer again; the firmware runs once.
TEST(Link, ARetriedStepIsNotExecutedTwice) {
    VirtualBoardOptions vo;
    vo.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
    vo.bind = "ipc://" + scratch("retry.ipc");
    VirtualBoard board(vo);
    std::atomic<bool> stop{false};
    std::thread serving([&] { board.serve(stop); });
    {
        zmq::context_t context;
        daq::LinkOptions o;
        o.endpoint = board.endpoint();
        daq::ClientLink link(context, o);
        link.request("HELLO", {{"major", 1}, {"minor", 0}, {"mode", "lockstep"}});
        link.request("RESET", json::object());
        bmshil_board_inputs in{};
        for (auto& v : in.cell_tap_uv) v = 3300000;
        for (auto& r : in.ntc_ohm) r = 10000;
        in.now_us = 10000;
        const daq::Message first = link.request("STEP", {{"in", daq::encode(in)}, {"rx", json::binary({})}});
        EXPECT_EQ(board.firmware_calls(), 1u);
        const daq::Message again = link.resend_last();
        EXPECT_EQ(again.seq, first.seq);
        EXPECT_EQ(again.body, first.body);
        EXPECT_EQ(board.firmware_calls(), 1u);
        in.now_us = 20000;
        link.request("STEP", {{"in", daq::encode(in)}, {"rx", json::binary({})}});
        EXPECT_EQ(board.firmware_calls(), 2u);
    }
    stop = true;
    serving.join();
}

TEST(Link, CurveLetsInTheAllowedKeyAndNoOther) {
    const std::string dir = scratch("curve");
    std::filesystem::remove_all(dir);
    daq::write_certificates(dir + "/server", "board");
    daq::write_certificates(dir + "/allowed", "rig");
    daq::write_certificates(dir + "/other", "intruder");
    testing::VirtualBoardProcess board(BMSHIL_FIRMWARE_LIBRARY, "tcp://127.0.0.1:*",
                                       {"--curve-secret", dir + "/server/board.key_secret", "--allow", dir + "/allowed"});
    ZmqAdapterOptions ok = adapter_options(board.endpoint(), 2000);
    ok.link.server_key_file = dir + "/server/board.key";
    ok.link.client_key_file = dir + "/allowed/rig.key_secret";
    EXPECT_NE(ZmqAdapter(ok).identity().firmware, "");

    ZmqAdapterOptions refused = ok;
    refused.link.timeout_ms = 500;
    refused.link.client_key_file = dir + "/other/intruder.key_secret";
    EXPECT_THROW(ZmqAdapter{refused}, daq::LinkError);

    // Without CURVE the board does not answer either.
    ZmqAdapterOptions plain = adapter_options(board.endpoint(), 500);
    EXPECT_THROW(ZmqAdapter{plain}, daq::LinkError);
}

TEST(Link, CertificatesReadBackAndBadOnesAreNamed) {
    const std::string dir = scratch("certs");
    const daq::CurveKeys keys = daq::write_certificates(dir, "x");
    EXPECT_EQ(keys.public_key.size(), 40u);
    EXPECT_EQ(daq::read_certificate(dir + "/x.key").public_key, keys.public_key);
    EXPECT_EQ(daq::read_certificate(dir + "/x.key").secret_key, "");
    EXPECT_EQ(daq::read_certificate(dir + "/x.key_secret").secret_key, keys.secret_key);
    std::ofstream(dir + "/bad.key") << "public-key = \"short\"\n";
    try {
        daq::read_certificate(dir + "/bad.key");
        FAIL();
    } catch (const daq::LinkError& e) {
        EXPECT_NE(std::string(e.what()).find(dir + "/bad.key"), std::string::npos);
    }
}

}  // namespace
}  // namespace bmshil::rig
