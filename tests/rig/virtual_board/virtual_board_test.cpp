// The virtual board: sessions apart (a fresh firmware each), calls ahead that
// stop where the outputs move, a silent session dropped.
#include "virtual_board/virtual_board.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "adapters/zmq/link.h"


namespace bmshil::rig {
namespace {

using nlohmann::json;

class Served {
public:
    explicit Served(int link_timeout_ms = 30000) {
        const std::string dir = std::string(BMSHIL_BINARY_DIR) + "/test-scratch/virtual_board_test";
        std::filesystem::create_directories(dir);
        VirtualBoardOptions o;
        o.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
        o.bind = "ipc://" + dir + "/board.ipc";
        o.link_timeout_ms = link_timeout_ms;
        board_ = std::make_unique<VirtualBoard>(o);
        thread_ = std::thread([this] { board_->serve(stop_); });
    }
    ~Served() {
        stop_ = true;
        thread_.join();
    }
    VirtualBoard& board() { return *board_; }
    std::unique_ptr<daq::ClientLink> session() {
        daq::LinkOptions o;
        o.endpoint = board_->endpoint();
        o.timeout_ms = 2000;
        auto link = std::make_unique<daq::ClientLink>(context_, o);
        link->request("HELLO", {{"major", 1}, {"minor", 0}, {"mode", "lockstep"}});
        link->request("RESET", json::object());
        return link;
    }

private:
    zmq::context_t context_;
    std::unique_ptr<VirtualBoard> board_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

bmshil_board_inputs nominal(std::uint64_t now_us) {
    bmshil_board_inputs in{};
    in.now_us = now_us;
    for (auto& v : in.cell_tap_uv) v = 3300000;
    in.pack_terminal_mv = 52800;
    for (auto& r : in.ntc_ohm) r = 10000;
    return in;
}

bmshil_board_outputs step(daq::ClientLink& link, std::uint64_t now_us) {
    const daq::Message a = link.request("STEP", {{"in", daq::encode(nominal(now_us))}, {"rx", json::binary({})}});
    return daq::decode_outputs(a.body.at("out"));
}

TEST(VirtualBoard, EachSessionHasAFirmwareOfItsOwn) {
    Served served;
    auto a = served.session();
    const bmshil_board_outputs first = step(*a, 0);
    bmshil_board_outputs later{};
    for (int k = 1; k <= 300; ++k) later = step(*a, 10000ull * k);
    // The bundled firmware closes the discharge FET a tick after power-on.
    EXPECT_EQ(first.charge_fet_on, 1);
    EXPECT_EQ(first.discharge_fet_on, 0);
    EXPECT_EQ(later.discharge_fet_on, 1);
    auto b = served.session();
    const bmshil_board_outputs b_first = step(*b, 0);
    EXPECT_EQ(b_first.discharge_fet_on, 0) << "a second session saw the first one's firmware state";
    EXPECT_EQ(served.board().sessions(), 2u);
    EXPECT_EQ(served.board().firmware_calls(), 302u);
}

TEST(VirtualBoard, CallsAheadStopWhereTheOutputsMove) {
    Served served;
    auto link = served.session();
    const auto steps = [&](std::uint64_t from_us, int n, std::uint64_t wake) {
        json ins = json::array();
        std::vector<std::uint64_t> wakes;
        for (int k = 0; k < n; ++k) {
            ins.push_back(daq::encode(nominal(from_us + 10000ull * k)));
            wakes.push_back(wake);
        }
        return link->request("STEPS", {{"ins", ins}, {"wakes", wakes}, {"rx", json::binary({})}}).body;
    };
    // From power-on the first call sets the outputs: it stops there; the
    // second closes the discharge FET: it stops there too.
    EXPECT_EQ(steps(0, 50, 0).at("ran"), 1);
    const json second = steps(10000, 50, 0);
    EXPECT_EQ(second.at("ran"), 1);
    EXPECT_EQ(second.at("out").at("discharge_fet"), true);
    // Then the outputs hold at the regular tick: all 50 run.
    EXPECT_EQ(steps(20000, 50, 0).at("ran"), 50);
    EXPECT_EQ(served.board().firmware_calls(), 52u);
    // A prediction that assumed another wake ends at the first call.
    EXPECT_EQ(steps(520000, 50, 99).at("ran"), 1);
}

TEST(VirtualBoard, ASilentSessionIsDropped) {
    Served served(200);
    auto link = served.session();
    std::this_thread::sleep_for(std::chrono::milliseconds(450));
    EXPECT_EQ(served.board().sessions(), 0u);
    try {
        step(*link, 0);
        FAIL() << "a dropped session answered";
    } catch (const daq::RemoteError& e) {
        EXPECT_EQ(e.code, "no_session");
    }
}

}  // namespace
}  // namespace bmshil::rig
