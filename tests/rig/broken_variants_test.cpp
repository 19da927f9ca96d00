// The suite must fail against broken firmware, with a finding that names the
// parameter (or switch) at fault, under every parameter set the main job and
// the tests use: the manual's defaults, the separating set and random valid
// sets. Each variant differs from the bundled firmware at one line
// (firmware_under_test/core/variants.h). The profile comes from the
// environment (BMSHIL_PROFILE: defaults, separating or random:N), so ctest
// runs one entry per profile. BMSHIL_BOARD=zmq runs each firmware behind
// `bmshil virtual-board` over the DAQ protocol instead of in-process, and the
// whole suite's JSON must then equal the native run's byte for byte, the
// board's identity aside.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <memory>

#include "adapters/virtual_board_process.h"
#include "json_report.h"
#include "oracle/profiles.h"
#include "suite.h"


namespace bmshil::rig {
namespace {

struct Variant {
    const char* library;
    const char* filter;  // the items that concern it (the whole suite catches it too)
    int parameter;       // named by a failed finding (0 = by switch)
    int switch_number;
    // The wrong one of two parameters equal at the defaults cannot be told
    // from the right one there; the other sets pull them apart.
    bool hidden_at_defaults = false;
};

std::string profile() {
    const char* p = std::getenv("BMSHIL_PROFILE");
    return p ? p : "defaults";
}

bool over_zmq() {
    const char* b = std::getenv("BMSHIL_BOARD");
    return b != nullptr && std::string(b) == "zmq";
}

// The board for a run: in-process, or a virtual board process over ipc.
struct BoardFor {
    explicit BoardFor(SuiteOptions& o) {
        if (!over_zmq()) return;
        const std::string ipc = "ipc://" + o.results_dir + ".ipc";
        std::filesystem::create_directories(std::filesystem::path(o.results_dir).parent_path());
        process = std::make_unique<testing::VirtualBoardProcess>(o.firmware_library, ipc);
        o.board_uri = "zmq:" + process->endpoint();
    }
    std::unique_ptr<testing::VirtualBoardProcess> process;
};

SuiteOptions options_for(const std::string& library, const std::string& filter, const std::string& results) {
    SuiteOptions o;
    o.firmware_library = std::string(BMSHIL_FIRMWARE_DIR) + "/" + library;
    o.register_map = std::string(BMSHIL_SOURCE_DIR) + "/firmware_under_test/register_map.json";
    o.cell_file = std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml";
    o.spec_dir = std::string(BMSHIL_SOURCE_DIR) + "/spec";
    o.scenario_files = {std::string(BMSHIL_SOURCE_DIR) + "/scenarios/short_circuit.yaml"};
    o.filter = filter;
    std::string dir = profile();
    for (char& c : dir)
        if (c == ':') c = '_';
    o.results_dir = std::string(BMSHIL_BINARY_DIR) + "/broken_variants/" + dir + (over_zmq() ? "_zmq/" : "/") + results;
    o.jobs = 2;
    const oracle::Spec spec = oracle::Spec::load(o.spec_dir);
    const std::string p = profile();
    if (p == "separating") {
        set_overrides(o, oracle::separating_set(spec));
    } else if (p.rfind("random:", 0) == 0) {
        set_overrides(o, oracle::random_set(spec, std::stoull(p.substr(7))));
    } else if (p != "defaults") {
        ADD_FAILURE() << "BMSHIL_PROFILE: expected defaults, separating or random:N, got '" << p << "'";
    }
    return o;
}

class BrokenVariant : public ::testing::TestWithParam<Variant> {};

TEST_P(BrokenVariant, IsCaughtByAFindingNamingTheParameter) {
    const Variant& v = GetParam();
    SuiteOptions o = options_for(v.library, v.filter, v.library);
    const BoardFor board(o);
    const SuiteResult result = run_suite(o, nullptr);
    ASSERT_FALSE(result.scenarios.empty());
    if (v.hidden_at_defaults && profile() == "defaults") {
        EXPECT_TRUE(result.passed()) << v.library << ": at the defaults it should be indistinguishable";
        std::printf("%s [%s]: indistinguishable at the defaults, as expected\n", v.library, profile().c_str());
        return;
    }
    EXPECT_FALSE(result.passed()) << v.library << " passed the suite under " << profile();
    bool named = false;
    for (const ScenarioResult& s : result.scenarios)
        for (const Finding& f : s.findings)
            if (!f.passed && ((v.parameter && f.parameter == v.parameter) || (v.switch_number && f.switch_number == v.switch_number))) {
                if (!named)
                    std::printf("%s [%s]: caught by %s (#%d, switch %d): %s\n", v.library, profile().c_str(),
                                f.check.c_str(), f.parameter, f.switch_number, f.message.c_str());
                named = true;
            }
    EXPECT_TRUE(named) << v.library << ": no failed finding names #" << v.parameter << " / switch " << v.switch_number;
}

// The whole suite, generated checks and every scenario, against the bundled firmware.
TEST(BundledFirmware, PassesTheWholeSuite) {
    SuiteOptions o = options_for("libbms_firmware.so", "", "bundled");
    o.scenario_files.clear();
    for (const auto& entry : std::filesystem::directory_iterator(std::string(BMSHIL_SOURCE_DIR) + "/scenarios"))
        if (entry.path().extension() == ".yaml") o.scenario_files.push_back(entry.path().string());
    std::sort(o.scenario_files.begin(), o.scenario_files.end());
    const BoardFor board(o);
    const SuiteResult result = run_suite(o, nullptr);
    std::size_t passed = 0;
    for (const ScenarioResult& s : result.scenarios) {
        passed += s.status == ScenarioStatus::passed;
        EXPECT_EQ(s.status, ScenarioStatus::passed) << s.name << ": " << s.error;
        for (const Finding& f : s.findings) EXPECT_TRUE(f.passed) << s.name << " " << f.check << ": " << f.message;
    }
    std::printf("bundled firmware [%s%s]: %zu of %zu items passed\n", profile().c_str(), over_zmq() ? ", over zmq" : "",
                passed, result.scenarios.size());
    EXPECT_GT(result.scenarios.size(), 150u);
    if (!over_zmq()) return;
    // The same run in-process: the remote board is the native one, call for call.
    SuiteOptions native = o;
    native.board_uri.clear();
    native.results_dir += "-native";
    SuiteResult in_process = run_suite(native, nullptr);
    SuiteResult remote = result;
    EXPECT_EQ(remote.board.backend, o.board_uri);
    EXPECT_EQ(remote.board.firmware, in_process.board.firmware);
    for (SuiteResult* r : {&remote, &in_process}) {
        r->board = BoardIdentity{};
        r->firmware_file.clear();
        for (ScenarioResult& s : r->scenarios) s.wall_s = 0.0;  // the machine's, not the run's
    }
    EXPECT_EQ(reports::result_json(remote), reports::result_json(in_process));
}

INSTANTIATE_TEST_SUITE_P(
    Variants, BrokenVariant,
    ::testing::Values(Variant{"libbms_firmware_ov_plus_50mv.so", "p005.trip_value", 5, 0},
                      Variant{"libbms_firmware_ocd_delay_half.so", "p056.delay", 68, 0},
                      Variant{"libbms_firmware_no_hysteresis.so", "p005.recovery$", 6, 0},
                      Variant{"libbms_firmware_lock_count_off_by_one.so", "short_circuit", 71, 0},
                      Variant{"libbms_firmware_sc_lock_disabled.so", "short_circuit", 0, 40},
                      Variant{"libbms_firmware_temp_wrong_sensor.so", "p025", 25, 0},
                      // min vs max: over-voltage judged on the lowest cell
                      Variant{"libbms_firmware_ov_lowest_cell.so", "p005.trip_value", 5, 0},
                      // wrong sensor position: only the first cell NTC makes the hottest
                      Variant{"libbms_firmware_first_cell_ntc_only.so", "p025.trip_value", 25, 0},
                      // the wrong one of #4 / #8, equal at the defaults
                      Variant{"libbms_firmware_uv_recovers_at_p4.so", "p007.recovery$", 8, 0, true},
                      // a recovery without its confirmation delay
                      Variant{"libbms_firmware_ov_recovery_unconfirmed.so", "p005.recovery_delay", 6, 0},
                      // a current protection in the wrong direction too
                      Variant{"libbms_firmware_occ_both_directions.so", "p055.opposite_direction", 55, 0},
                      // a function acting while its switch is off
                      Variant{"libbms_firmware_charger_ov_ignores_switch.so", "p019.switch_off", 0, 41}),
    [](const ::testing::TestParamInfo<Variant>& info) {
        std::string n = info.param.library;
        n = n.substr(3, n.size() - 6);  // lib...so
        for (char& c : n)
            if (c == '.' || c == '-') c = '_';
        return n;
    });

}  // namespace
}  // namespace bmshil::rig
