// Shared helpers of the report tests: scratch files and a suite result with
// one of everything.
#pragma once

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "verdict.h"

namespace bmshil::test {

// A file name unique to this process and test, so ctest -j runs do not collide.
inline std::string scratch_path(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return ::testing::TempDir() + "bmshil_reports_" + std::to_string(::getpid()) + "_" + info->test_suite_name() +
           "_" + info->name() + "_" + name;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// Two groups, all four statuses, a passed and a failed finding, a safety
// finding still open at the end, a waveform, markup in a message.
inline rig::SuiteResult sample_suite() {
    using rig::ScenarioStatus;
    rig::SuiteResult r;
    r.firmware = "ref-bms 1.2 <debug>";
    r.firmware_file = "build/lib/libbms_firmware.so";
    r.board = {"zmq:tcp://127.0.0.1:5555", "bench 2", "ref-bms 1.2 <debug>", "DAQ & shunt", "2026-11-30"};
    r.seed = 42;

    rig::ScenarioResult ov;
    ov.name = "generated/p005.trip_value";
    ov.group = "generated";
    ov.status = ScenarioStatus::failed;
    ov.simulated_s = 12.5;
    ov.findings.push_back({"p005.trip_value", 5, 0, "trip_value", true, 3.65, 3.652, 0.01, "V", "tripped in band"});
    ov.findings.push_back({"p006.delay", 6, 0, "delay", false, 2.0, 2.75, 0.1, "s", "tripped 0.75 s late"});
    ov.safety.push_back({"cell_over_voltage", 3, 11.25, -1.0, 3.712});
    ov.vcd_file = "results/generated_p005.trip_value.vcd";
    ov.wall_s = 0.25;
    ov.findings.back().stimulus_s = 10.0;
    ov.findings.back().reaction_s = 12.75;
    ov.findings.back().window_from_s = 11.9;
    ov.findings.back().window_to_s = 12.1;

    rig::ScenarioResult sw;
    sw.name = "generated/s012.switch_off";
    sw.group = "generated";
    sw.status = ScenarioStatus::passed;
    sw.simulated_s = 3.0;
    sw.findings.push_back({"s012.switch_off", 0, 12, "switch_off", true, 0.0, 0.0, 0.0, "count", ""});
    sw.wall_s = 0.125;

    rig::ScenarioResult crash;
    crash.name = "scenarios/charge_in_freeze";
    crash.group = "scenarios";
    crash.source = "scenarios/charge_in_freeze.yaml";
    crash.status = ScenarioStatus::error;
    crash.error = "firmware crashed: SIGSEGV in bms_tick";
    crash.wall_s = 0.5;

    rig::ScenarioResult hang;
    hang.name = "scenarios/standby_48h";
    hang.group = "scenarios";
    hang.source = "scenarios/standby_48h.yaml";
    hang.status = ScenarioStatus::timeout;
    hang.simulated_s = 172800.0;
    hang.error = "no answer within 30 s wall";
    hang.wall_s = 30.0;

    r.scenarios = {ov, sw, crash, hang};
    r.coverage.parameters_verified = {5, 6};
    r.coverage.switches_verified = {12};
    r.coverage.parameters_not_verifiable = {{80, "display language"}};
    r.coverage.switches_not_verifiable = {{63, "factory test mode"}, {64, "reserved"}};
    return r;
}

}  // namespace bmshil::test
