// The suite as CI uses it: the same seed gives byte-identical JSON and JUnit;
// an interrupted run keeps what finished.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <fcntl.h>

#include "json_report.h"
#include "junit_report.h"
#include "suite.h"


namespace bmshil::rig {
namespace {

SuiteOptions options(const std::string& results, const std::string& filter) {
    SuiteOptions o;
    o.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
    o.register_map = std::string(BMSHIL_SOURCE_DIR) + "/firmware_under_test/register_map.json";
    o.cell_file = std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml";
    o.spec_dir = std::string(BMSHIL_SOURCE_DIR) + "/spec";
    o.scenario_files = {std::string(BMSHIL_SOURCE_DIR) + "/scenarios/short_circuit.yaml"};
    o.filter = filter;
    o.results_dir = std::string(BMSHIL_BINARY_DIR) + "/suite_test/" + results;
    std::filesystem::remove_all(o.results_dir);
    o.seed = 7;
    return o;
}

TEST(Suite, SameSeedByteIdenticalReports) {
    const std::string filter = "p00[57]|p025|p056|short_circuit";
    SuiteResult a = run_suite(options("a", filter), nullptr);
    // The second run writes waveforms and plots: watching must not change
    // what is watched (a read over the port calls the firmware once more).
    SuiteOptions watched = options("b", filter);
    watched.vcd_dir = watched.results_dir + "/vcd";
    watched.plot_dir = watched.results_dir + "/plots";
    SuiteResult b = run_suite(watched, nullptr);
    ASSERT_EQ(a.scenarios.size(), 22u);  // 4 thresholds x their applicable kinds, and the scenario
    // Wall times are the machine's, not the run's: all else is the same bytes.
    for (SuiteResult* r : {&a, &b})
        for (ScenarioResult& s : r->scenarios) {
            EXPECT_GT(s.wall_s, 0.0) << s.name;
            s.wall_s = 0.0;
        }
    EXPECT_TRUE(a.passed());
    EXPECT_EQ(reports::result_json(a), reports::result_json(b));
    EXPECT_EQ(reports::junit_xml(a), reports::junit_xml(b));
    // Another seed draws another pack and other sensor noise.
    SuiteOptions other = options("c", filter);
    other.seed = 8;
    EXPECT_NE(reports::result_json(run_suite(other, nullptr)), reports::result_json(a));
}

TEST(Suite, InterruptedRunKeepsWhatFinished) {
    SuiteOptions o = options("interrupted", "");
    o.jobs = 1;
    std::size_t finished_before_stop = 0;
    o.progress = [&](const ScenarioResult&, std::size_t done, std::size_t) {
        if (done == 3) {
            finished_before_stop = done;
            std::raise(SIGINT);  // as a person pressing Ctrl-C
        }
    };
    bool interrupted = false;
    const SuiteResult r = run_suite(o, &interrupted);
    EXPECT_TRUE(interrupted);
    EXPECT_EQ(finished_before_stop, 3u);
    EXPECT_GE(r.scenarios.size(), 3u);
    EXPECT_LT(r.scenarios.size(), plan_suite(o).items.size());
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(o.results_dir)) files += e.path().extension() == ".json";
    EXPECT_EQ(files, r.scenarios.size()) << "every finished item is on disk";
    // Never a pass, and it says what did not run; coverage is what finished.
    EXPECT_TRUE(r.interrupted);
    EXPECT_FALSE(r.passed());
    EXPECT_EQ(r.not_run.size() + r.scenarios.size(), plan_suite(o).items.size());
    EXPECT_LT(r.coverage.parameters_verified.size(), 10u);
    const std::string json = reports::result_json(r);
    EXPECT_NE(json.find("\"interrupted\": true"), std::string::npos);
    EXPECT_NE(json.find("\"passed\": false"), std::string::npos);
    EXPECT_EQ(reports::parse_result_json(json, "r").not_run, r.not_run);
}

}  // namespace
}  // namespace bmshil::rig

namespace bmshil::rig {
namespace {

TEST(Suite, HungAndCrashingFirmwareAreReportedAndTheRunGoesOn) {
    for (const bool hang : {true, false}) {
        SuiteOptions o = options(hang ? "hang" : "crash", "p005.delay|p007.delay");
        o.firmware_library = hang ? BMSHIL_HANGING_FIRMWARE : BMSHIL_CRASHING_FIRMWARE;
        o.timeout_s = 3.0;
        const SuiteResult r = run_suite(o, nullptr);
        ASSERT_EQ(r.scenarios.size(), 2u) << "both items ran";
        for (const ScenarioResult& s : r.scenarios) {
            // A crash is a finding against the firmware (exit 1), not a rig error.
            EXPECT_EQ(s.status, hang ? ScenarioStatus::timeout : ScenarioStatus::failed) << s.name << ": " << s.error;
            EXPECT_NE(s.error.find(hang ? "no result within 3 s" : "signal 11"), std::string::npos) << s.error;
        }
        EXPECT_FALSE(r.passed());
        // Neither verified anything.
        EXPECT_TRUE(r.coverage.parameters_verified.empty());
        EXPECT_EQ(r.coverage.parameters_not_verifiable.size(), 87u);
    }
}

// A waveform that cannot be written (its folder cannot be made) leaves the
// verdict and its findings as they were, with a note.
TEST(Suite, AWaveformErrorKeepsTheFindings) {
    SuiteOptions o = options("vcd_error", "p005.recovery$");
    o.firmware_library = std::string(BMSHIL_FIRMWARE_DIR) + "/libbms_firmware_no_hysteresis.so";
    std::filesystem::create_directories(o.results_dir);
    std::ofstream(o.results_dir + "/a_file") << "not a folder";
    o.vcd_dir = o.results_dir + "/a_file/vcd";
    const SuiteResult r = run_suite(o, nullptr);
    ASSERT_EQ(r.scenarios.size(), 1u);
    const ScenarioResult& s = r.scenarios[0];
    EXPECT_EQ(s.status, ScenarioStatus::failed);
    ASSERT_FALSE(s.findings.empty());
    EXPECT_EQ(s.findings[0].check, "p005.recovery");
    EXPECT_FALSE(s.findings[0].passed);
    EXPECT_NE(s.error.find("the waveform could not be written"), std::string::npos) << s.error;
    EXPECT_TRUE(s.vcd_file.empty());
}

// A firmware that calls exit(0) in reset(): every item's process ends with
// status 0 and no result. An earlier run's passing files in the same folder
// must not be taken for this run's.
TEST(Suite, AFirmwareThatExitsIsNeverPassedFromAnEarlierRunsFiles) {
    SuiteOptions o = options("exit_in_reset", "p005.delay|p007.delay");
    const SuiteResult good = run_suite(o, nullptr);
    ASSERT_TRUE(good.passed());
    SuiteOptions bad = o;
    bad.results_dir = o.results_dir;  // the same folder, with the passing files in it
    std::filesystem::create_directories(bad.results_dir);
    bad.firmware_library = BMSHIL_EXIT_IN_RESET_FIRMWARE;
    const SuiteResult r = run_suite(bad, nullptr);
    ASSERT_EQ(r.scenarios.size(), 2u);
    EXPECT_FALSE(r.passed());
    for (const ScenarioResult& s : r.scenarios) {
        EXPECT_EQ(s.status, ScenarioStatus::failed) << s.name;
        EXPECT_NE(s.error.find("without writing its result"), std::string::npos) << s.error;
    }
}

// A library that crashes or exits while it is loaded ends a child of the
// parent, which names the library and goes on to report.
TEST(Suite, AFirmwareThatCrashesOrExitsWhileLoadingIsAClearError) {
    for (const bool crash : {true, false}) {
        SuiteOptions o = options(crash ? "crash_on_load" : "exit_on_load", "p005.delay");
        o.firmware_library = crash ? BMSHIL_CRASH_ON_LOAD_FIRMWARE : BMSHIL_EXIT_ON_LOAD_FIRMWARE;
        try {
            run_suite(o, nullptr);
            ADD_FAILURE() << "no error";
        } catch (const FirmwareLoadError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(o.firmware_library), std::string::npos) << what;
            EXPECT_NE(what.find(crash ? "signal 11" : "exit"), std::string::npos) << what;
        }
    }
}

// Two scenarios of the same file name in different folders are two items,
// each with its own result, run after run.
TEST(Suite, SameNamedScenariosInDifferentFoldersEachReportTheirOwn) {
    const std::string root = std::string(BMSHIL_BINARY_DIR) + "/suite_test/same_name";
    std::filesystem::remove_all(root);
    for (const char* folder : {"pass", "fail"}) {
        std::filesystem::create_directories(root + "/" + folder);
        std::ofstream f(root + "/" + folder + "/check.yaml");
        f << "name: check\nsteps:\n  - wait: 1 s\n  - expect: {condition: \"charge_fet == "
          << (std::string(folder) == "pass" ? "on" : "off") << "\", within: [0 s, 0.1 s]}\n";
    }
    for (int run = 0; run < 20; ++run) {
        SuiteOptions o = options("same_name_results", "scenarios/");
        o.generated = false;
        o.scenario_files = {root + "/pass/check.yaml", root + "/fail/check.yaml"};
        const SuiteResult r = run_suite(o, nullptr);
        ASSERT_EQ(r.scenarios.size(), 2u);
        EXPECT_EQ(r.scenarios[0].name, "scenarios/fail/check");
        EXPECT_EQ(r.scenarios[0].status, ScenarioStatus::failed) << "run " << run;
        EXPECT_EQ(r.scenarios[1].name, "scenarios/pass/check");
        EXPECT_EQ(r.scenarios[1].status, ScenarioStatus::passed) << "run " << run;
    }
}

TEST(Suite, FailuresLeaveAWaveform) {
    SuiteOptions o = options("vcd", "p005.recovery$|p007.delay$");
    o.firmware_library = std::string(BMSHIL_FIRMWARE_DIR) + "/libbms_firmware_no_hysteresis.so";
    o.vcd_dir = o.results_dir + "/vcd";
    const SuiteResult r = run_suite(o, nullptr);
    ASSERT_EQ(r.scenarios.size(), 2u);
    const ScenarioResult& failed = r.scenarios[0];  // generated/p005.recovery
    ASSERT_EQ(failed.status, ScenarioStatus::failed);
    ASSERT_FALSE(failed.vcd_file.empty());
    std::ifstream vcd(failed.vcd_file);
    std::string text((std::istreambuf_iterator<char>(vcd)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("$var wire 1 "), std::string::npos);
    EXPECT_NE(text.find("charge_fet"), std::string::npos);
    EXPECT_NE(text.find("$enddefinitions $end"), std::string::npos);
    EXPECT_TRUE(r.scenarios[1].vcd_file.empty()) << "a passed item leaves none";
    EXPECT_FALSE(std::filesystem::exists(o.results_dir + "/generated_p007.delay.json.vcd.partial"));
}

}  // namespace
}  // namespace bmshil::rig

namespace bmshil::rig {
namespace {

// A user's set that moves an alarm and its recovery together (#51 60 A, #52
// 55 A): one at a time, the first write would be refused; as a block it is
// one valid set, and the trip is then seen at the new value.
TEST(Suite, ASetIsWrittenAsAWhole) {
    SuiteOptions o = options("block", "p051.trip_value");
    o.scenario_files.clear();
    o.parameters = {{51, 60.0, {"user.yaml", 2}}, {52, 55.0, {"user.yaml", 3}}};
    const SuiteResult r = run_suite(o, nullptr);
    ASSERT_EQ(r.scenarios.size(), 1u);
    ASSERT_EQ(r.scenarios[0].status, ScenarioStatus::passed) << r.scenarios[0].error;
    const Finding& f = r.scenarios[0].findings.at(0);
    EXPECT_DOUBLE_EQ(f.configured, 60.0);
    EXPECT_NEAR(f.measured, 60.0, f.tolerance);
    std::printf("#51 = 60 A with #52 = 55 A: %s\n", f.message.c_str());
}

// A value the manual's rules allow but this firmware does not (#19 above its
// 65 V limit): the refusal names the parameter, where it was given and the
// Modbus exception. One its register cannot even hold is named as well.
TEST(Suite, ARefusedSettingNamesTheParameterAndTheException) {
    for (const double v : {65.2, 70.0}) {
        SuiteOptions o = options(v < 66 ? "refused" : "too_big", "p005.delay$");
        o.scenario_files.clear();
        o.parameters = {{19, v, {"user.yaml", 4}}};
        const SuiteResult r = run_suite(o, nullptr);
        ASSERT_EQ(r.scenarios.size(), 1u);
        // The firmware refusing (or its map not holding) a value the manual
        // allows is a finding against it, not a rig error.
        EXPECT_EQ(r.scenarios[0].status, ScenarioStatus::failed);
        const std::string& e = r.scenarios[0].error;
        std::printf("#19 = %g V: %s\n", v, e.c_str());
        EXPECT_NE(e.find("user.yaml:4: parameter #19 charging_overvoltage_protection = " + std::string(v < 66 ? "65.2" : "70") + " V"),
                  std::string::npos) << e;
        if (v < 66)
            EXPECT_NE(e.find("Modbus exception 3, illegal data value"), std::string::npos) << e;
        else
            EXPECT_NE(e.find("holds 0..65.535 V"), std::string::npos) << e;
    }
}

}  // namespace
}  // namespace bmshil::rig

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace bmshil::rig {
namespace {

// bmshil itself, in a process group of its own, against the hanging firmware:
// the items hang one simulated second in; then `sig` goes to bmshil alone.
// Returns the seconds from the signal to bmshil's exit, and whether any
// process of its group is left 5 s after that.
struct Stopped {
    double seconds = 0.0;
    int status = 0;
    bool group_left = true;
};
Stopped stop_hung_run(int sig, const std::string& results) {
    const std::string bmshil = std::string(BMSHIL_BINARY_DIR) + "/bin/bmshil";
    std::filesystem::remove_all(results);
    const pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        const int null = ::open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(bmshil.c_str(), bmshil.c_str(), "suite", "--firmware", BMSHIL_HANGING_FIRMWARE, "--filter",
              "p00[57].delay", "--timeout-s", "600", "--results-dir", results.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // both items started and hung
    const auto t0 = std::chrono::steady_clock::now();
    kill(pid, sig);
    Stopped s;
    if (sig == SIGKILL) {
        waitpid(pid, &s.status, 0);
    } else {
        for (int waited_ms = 0; waitpid(pid, &s.status, WNOHANG) == 0; waited_ms += 10) {
            if (waited_ms > 10000) {
                kill(-pid, SIGKILL);
                waitpid(pid, &s.status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (int k = 0; k < 500 && s.group_left; ++k) {
        s.group_left = kill(-pid, 0) == 0;
        if (s.group_left) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (s.group_left) kill(-pid, SIGKILL);
    return s;
}

TEST(Suite, CtrlCStopsHungItemsAtOnceAndLeavesNoChild) {
    const Stopped s = stop_hung_run(SIGINT, std::string(BMSHIL_BINARY_DIR) + "/suite_test/sigint");
    std::printf("SIGINT with two hung items: bmshil exited after %.3f s\n", s.seconds);
    EXPECT_LT(s.seconds, 2.0);
    ASSERT_TRUE(WIFEXITED(s.status));
    EXPECT_EQ(WEXITSTATUS(s.status), 130) << "interrupted, never a pass";
    EXPECT_FALSE(s.group_left) << "a child outlived bmshil";
}

TEST(Suite, AKilledParentLeavesNoChild) {
    const Stopped s = stop_hung_run(SIGKILL, std::string(BMSHIL_BINARY_DIR) + "/suite_test/sigkill");
    EXPECT_FALSE(s.group_left) << "a hung child outlived its killed parent by 5 s";
}

}  // namespace
}  // namespace bmshil::rig
