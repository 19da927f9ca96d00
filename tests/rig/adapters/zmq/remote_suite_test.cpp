// The suite over a remote board when the board fails: the board process dies
// mid-item, or speaks another version. Each against `bmshil virtual-board` as
// its own process.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

#include "../virtual_board_process.h"
#include "fake_board.h"
#include "suite.h"


namespace bmshil::rig {
namespace {

const std::string kSource = BMSHIL_SOURCE_DIR;
const std::string kScratch = std::string(BMSHIL_BINARY_DIR) + "/test-scratch/remote_suite";

SuiteOptions options(const std::string& board, const std::string& name, const std::string& filter) {
    SuiteOptions o;
    o.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
    o.board_uri = board;
    o.register_map = kSource + "/firmware_under_test/register_map.json";
    o.cell_file = kSource + "/model/cell_sets/lfp_100ah_prismatic.yaml";
    o.spec_dir = kSource + "/spec";
    o.filter = filter;
    o.results_dir = kScratch + "/" + name;
    std::filesystem::remove_all(o.results_dir);
    o.jobs = 1;
    return o;
}

// The board process dies in the first item (its firmware crashes it one second
// into the run); whoever runs the bench starts it again, here a watcher thread,
// and the next item connects to the new one.
TEST(RemoteSuite, ABoardThatDiesMidItemIsAnErrorAndTheRunGoesOnAfterAReconnect) {
    std::filesystem::create_directories(kScratch);
    const std::string bind = "ipc://" + kScratch + "/dies.ipc";
    auto board = std::make_unique<testing::VirtualBoardProcess>(BMSHIL_CRASHING_FIRMWARE, bind);
    std::atomic<bool> restarted{false}, stop{false};
    std::unique_ptr<testing::VirtualBoardProcess> second;
    std::thread watcher([&] {
        int status = 0;
        while (!stop && waitpid(board->pid(), &status, WNOHANG) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (stop) return;
        board->forget();
        second = std::make_unique<testing::VirtualBoardProcess>(BMSHIL_FIRMWARE_LIBRARY, bind);
        restarted = true;
        // The board dies with the thread that started it (PR_SET_PDEATHSIG).
        while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        second.reset();
    });
    const SuiteResult r = run_suite(options("zmq:" + bind + "?timeout_ms=1500", "dies", "p005.delay|p007.delay"), nullptr);
    stop = true;
    watcher.join();
    ASSERT_TRUE(restarted);
    ASSERT_EQ(r.scenarios.size(), 2u);
    const ScenarioResult& lost = r.scenarios[0];
    EXPECT_EQ(lost.name, "generated/p005.delay");
    EXPECT_EQ(lost.status, ScenarioStatus::error);
    EXPECT_NE(lost.error.find("board at " + bind), std::string::npos) << lost.error;
    // Either the rig's resends met silence, or the board came back first and
    // did not know the session: both say what was lost.
    const bool silent = lost.error.find("no answer to STEP") != std::string::npos &&
                        lost.error.find("within 1500 ms") != std::string::npos;
    const bool forgotten = lost.error.find("lost this session at STEP") != std::string::npos &&
                           lost.error.find("the firmware's state is gone") != std::string::npos;
    EXPECT_TRUE(silent || forgotten) << lost.error;
    // The next item ran on the board that came back, and verified its parameter.
    const ScenarioResult& next = r.scenarios[1];
    EXPECT_EQ(next.name, "generated/p007.delay");
    EXPECT_EQ(next.status, ScenarioStatus::passed) << next.error;
    ASSERT_EQ(next.findings.size(), 1u);
    EXPECT_EQ(next.findings[0].parameter, 7);
    EXPECT_FALSE(r.passed());
    EXPECT_EQ(r.board.backend, "zmq:" + bind);
    EXPECT_EQ(r.board.firmware, "misbehaving test firmware");  // as the board introduced itself at the start
}

TEST(RemoteSuite, AVersionMismatchIsAnErrorBeforeAnyItem) {
    std::filesystem::create_directories(kScratch);
    const std::string endpoint = "ipc://" + kScratch + "/v2.ipc";
    testing::FakeBoard board(endpoint, testing::answer_as_version_2);
    const SuiteOptions o = options("zmq:" + endpoint, "v2", "p005");
    try {
        run_suite(o, nullptr);
        ADD_FAILURE() << "the suite ran against a board of another version";
    } catch (const InfrastructureError& e) {
        EXPECT_NE(std::string(e.what()).find("BMSHIL-DAQ/2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nothing was run"), std::string::npos) << e.what();
    }
    std::size_t results = 0;
    if (std::filesystem::exists(o.results_dir))
        for (const auto& f : std::filesystem::directory_iterator(o.results_dir)) results += f.path().extension() == ".json";
    EXPECT_EQ(results, 0u);
}

}  // namespace
}  // namespace bmshil::rig
