// What a scenario names is checked against the register map before it runs:
// each problem one message with the file and line.
#include <gtest/gtest.h>

#include "observer/register_map.h"
#include "scenario/scenario.h"
#include "scenario/scenario_check.h"


namespace bmshil::rig::scenario {
namespace {

std::vector<std::string> problems(const std::string& steps) {
    static const RegisterMap map =
        RegisterMap::load(std::string(BMSHIL_SOURCE_DIR) + "/firmware_under_test/register_map.json");
    const Scenario s = parse_scenario("name: t\nsteps:\n" + steps, "t.yaml");
    return check_scenario(s, map, 16);
}

TEST(ScenarioCheck, TheBundledNamesPass) {
    EXPECT_TRUE(problems("  - mark: {name: m, record: [reg:history_count]}\n"
                         "  - expect: {condition: \"at:m:reg:history_count >= 0\", within: [0 s, 1 s], after: m}\n"
                         "  - expect: {condition: \"bit:fault_bits.short_circuit_lock == 0\", within: [0 s, 1 s]}\n"
                         "  - expect: {condition: \"param_bit:alarm_bits.1 == 0\", within: [0 s, 1 s]}\n"
                         "  - expect: {condition: \"reg:cell_16_voltage - cell16_V < 0.1\", within: [0 s, 1 s]}\n"
                         "  - write: {register: single_cell_overvoltage_protection, value: 3.6 V}\n")
                    .empty());
}

TEST(ScenarioCheck, EachUnknownNameIsOneMessageWithItsLine) {
    const auto p = problems("  - expect: {condition: \"nonsense_V > 3\", within: [0 s, 1 s]}\n"       // 3
                            "  - expect: {condition: \"reg:nope > 3\", within: [0 s, 1 s]}\n"         // 4
                            "  - expect: {condition: \"bit:alarm_bits.nope == 1\", within: [0 s, 1 s]}\n"  // 5
                            "  - expect: {condition: \"param_bit:999 == 1\", within: [0 s, 1 s]}\n"   // 6
                            "  - wait_until: {condition: \"cell17_V > 3\", timeout: 1 s}\n"           // 7
                            "  - write: {register: nope, value: 1}\n"                                // 8
                            "  - write: {register: soc, value: 1}\n"                                 // 9
                            "  - expect: {condition: \"charge_fet == on\", within: [0 s, 1 s], after: later}\n"  // 10
                            "  - mark: later\n"
                            "  - expect: {condition: \"at:later:reg:soc > 1\", within: [0 s, 1 s]}\n");  // 12
    ASSERT_EQ(p.size(), 9u);
    EXPECT_EQ(p[0].rfind("t.yaml:3: the condition 'nonsense_V > 3': unknown signal 'nonsense_V'", 0), 0u) << p[0];
    EXPECT_NE(p[1].find("t.yaml:4: the condition 'reg:nope > 3' names register 'nope', which the register map"),
              std::string::npos) << p[1];
    EXPECT_EQ(p[2], "t.yaml:5: the condition 'bit:alarm_bits.nope == 1' reads bit 'nope' of alarm_bits, which the "
                    "register map does not name");
    EXPECT_EQ(p[3], "t.yaml:6: the condition 'param_bit:999 == 1' reads the bit of parameter #999, which the register "
                    "map does not assign");
    EXPECT_EQ(p[4].rfind("t.yaml:7: the condition 'cell17_V > 3': unknown signal 'cell17_V'", 0), 0u) << p[4];
    EXPECT_NE(p[5].find("t.yaml:8: a write names register 'nope'"), std::string::npos) << p[5];
    EXPECT_EQ(p[6], "t.yaml:9: a write to register soc, which is read-only in the register map");
    EXPECT_EQ(p[7], "t.yaml:10: an expectation counts from mark 'later', which no step before it sets");
    EXPECT_EQ(p[8], "t.yaml:12: the condition 'at:later:reg:soc > 1' reads 'at:later:reg:soc', but mark 'later' does "
                    "not record reg:soc");
}

}  // namespace
}  // namespace bmshil::rig::scenario
