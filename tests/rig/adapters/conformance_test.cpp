// One conformance suite, every adapter: the same suite items run natively and
// over BMSHIL-DAQ/1 against `bmshil virtual-board` (ipc and tcp), as cocotb
// runs each test on every simulator. Over lock-step a remote board must be the
// native one, call for call: same verdicts, same measured numbers, same bytes
// on the port.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>

#include "virtual_board_process.h"
#include "adapters/native/native_adapter.h"
#include "adapters/zmq/zmq_adapter.h"
#include "json_report.h"
#include "observer/modbus_observer.h"
#include "observer/register_map.h"
#include "rig.h"
#include "suite.h"


namespace bmshil::rig {
namespace {

const std::string kSource = BMSHIL_SOURCE_DIR;

// Thresholds of each kind of reaction (a cell, the pack, a current both ways,
// a temperature), the port's conformance cases, and two scenarios.
const char* kItems = "p00[56]\\.|p051\\.|p057\\.(trip_value|delay)|port\\.|scenarios/(short_circuit|balancing)$";

SuiteOptions options(const std::string& board, const std::string& name) {
    SuiteOptions o;
    o.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
    o.board_uri = board;
    o.register_map = kSource + "/firmware_under_test/register_map.json";
    o.cell_file = kSource + "/model/cell_sets/lfp_100ah_prismatic.yaml";
    o.spec_dir = kSource + "/spec";
    o.scenario_files = {kSource + "/scenarios/short_circuit.yaml", kSource + "/scenarios/balancing.yaml"};
    o.filter = kItems;
    o.results_dir = std::string(BMSHIL_BINARY_DIR) + "/test-scratch/conformance/" + name;
    std::filesystem::remove_all(o.results_dir);
    o.seed = 3;
    return o;
}

const SuiteResult& native_run() {
    static const SuiteResult r = run_suite(options("", "native"), nullptr);
    return r;
}

struct Backend {
    std::string name;
    std::string bind;  // "" = native
};

class Conformance : public ::testing::TestWithParam<Backend> {};

TEST_P(Conformance, SameVerdictsAndNumbersAsTheNativeBoard) {
    const SuiteResult& native = native_run();
    ASSERT_GE(native.scenarios.size(), 20u);
    ASSERT_TRUE(native.passed());

    std::unique_ptr<testing::VirtualBoardProcess> board;
    std::string uri;
    if (!GetParam().bind.empty()) {
        board = std::make_unique<testing::VirtualBoardProcess>(BMSHIL_FIRMWARE_LIBRARY, GetParam().bind);
        uri = "zmq:" + board->endpoint();
    }
    const SuiteResult remote = run_suite(options(uri, GetParam().name), nullptr);
    EXPECT_EQ(remote.firmware, native.firmware);
    EXPECT_EQ(remote.board.backend, uri.empty() ? "native:" BMSHIL_FIRMWARE_LIBRARY : uri);
    ASSERT_EQ(remote.scenarios.size(), native.scenarios.size());
    for (std::size_t i = 0; i < native.scenarios.size(); ++i) {
        const ScenarioResult& a = native.scenarios[i];
        const ScenarioResult& b = remote.scenarios[i];
        SCOPED_TRACE(a.name);
        EXPECT_EQ(b.name, a.name);
        EXPECT_EQ(b.status, ScenarioStatus::passed) << b.error;
        EXPECT_EQ(b.simulated_s, a.simulated_s);
        ASSERT_EQ(b.findings.size(), a.findings.size());
        for (std::size_t k = 0; k < a.findings.size(); ++k) {
            EXPECT_EQ(b.findings[k].measured, a.findings[k].measured) << a.findings[k].check;
            EXPECT_EQ(b.findings[k].message, a.findings[k].message);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EveryAdapter, Conformance,
                         ::testing::Values(Backend{"native", ""}, Backend{"zmq_ipc", "ipc://" BMSHIL_BINARY_DIR "/test-scratch/conformance.ipc"},
                                           Backend{"zmq_tcp", "tcp://127.0.0.1:*"}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace bmshil::rig
