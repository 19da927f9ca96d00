// The suite must fail against broken firmware, with a finding that names the
// parameter (or switch) at fault. Each variant differs from the bundled
// firmware at one line (firmware_under_test/core/variants.h).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "suite.h"

int sc_main(int, char*[]) { return 0; }

namespace bmshil::rig {
namespace {

struct Variant {
    const char* library;
    const char* filter;  // the items that concern it (the whole suite catches it too)
    int parameter;       // named by a failed finding (0 = by switch)
    int switch_number;
};

SuiteOptions options_for(const std::string& library, const std::string& filter) {
    SuiteOptions o;
    o.firmware_library = std::string(BMSHIL_FIRMWARE_DIR) + "/" + library;
    o.register_map = std::string(BMSHIL_SOURCE_DIR) + "/firmware_under_test/register_map.json";
    o.cell_file = std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml";
    o.spec_dir = std::string(BMSHIL_SOURCE_DIR) + "/spec";
    o.scenario_files = {std::string(BMSHIL_SOURCE_DIR) + "/scenarios/short_circuit.yaml"};
    o.filter = filter;
    o.results_dir = std::string(BMSHIL_BINARY_DIR) + "/broken_variants/" + library;
    o.jobs = 2;
    return o;
}

class BrokenVariant : public ::testing::TestWithParam<Variant> {};

TEST_P(BrokenVariant, IsCaughtByAFindingNamingTheParameter) {
    const Variant& v = GetParam();
    const SuiteResult result = run_suite(options_for(v.library, v.filter), nullptr);
    ASSERT_FALSE(result.scenarios.empty());
    EXPECT_FALSE(result.passed()) << v.library << " passed the suite";
    bool named = false;
    for (const ScenarioResult& s : result.scenarios)
        for (const Finding& f : s.findings)
            if (!f.passed && ((v.parameter && f.parameter == v.parameter) || (v.switch_number && f.switch_number == v.switch_number))) {
                named = true;
                std::printf("%s: caught by %s (#%d, switch %d): %s\n", v.library, f.check.c_str(), f.parameter,
                            f.switch_number, f.message.c_str());
            }
    EXPECT_TRUE(named) << v.library << ": no failed finding names #" << v.parameter << " / switch " << v.switch_number;
}

TEST(BundledFirmware, PassesTheSameItems) {
    const SuiteResult result = run_suite(options_for("libbms_firmware.so", "p005|p056|p025|short_circuit"), nullptr);
    for (const ScenarioResult& s : result.scenarios) {
        EXPECT_EQ(s.status, ScenarioStatus::passed) << s.name << ": " << s.error;
        for (const Finding& f : s.findings) EXPECT_TRUE(f.passed) << f.check << ": " << f.message;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, BrokenVariant,
    ::testing::Values(Variant{"libbms_firmware_ov_plus_50mv.so", "p005.trip_value", 5, 0},
                      Variant{"libbms_firmware_ocd_delay_half.so", "p056.delay", 68, 0},
                      Variant{"libbms_firmware_no_hysteresis.so", "p005.recovery", 6, 0},
                      Variant{"libbms_firmware_lock_count_off_by_one.so", "short_circuit", 71, 0},
                      Variant{"libbms_firmware_sc_lock_disabled.so", "short_circuit", 0, 40},
                      Variant{"libbms_firmware_temp_wrong_sensor.so", "p025.trip_value", 25, 0}),
    [](const ::testing::TestParamInfo<Variant>& info) {
        std::string n = info.param.library;
        n = n.substr(3, n.size() - 6);  // lib...so
        for (char& c : n)
            if (c == '.' || c == '-') c = '_';
        return n;
    });

}  // namespace
}  // namespace bmshil::rig
