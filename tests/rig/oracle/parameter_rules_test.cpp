// The manual's rules on a parameter set: a bad set is one error per broken
// rule, naming the file, the line, the parameter (number and key), its value
// and the rule; nothing else is needed to fix it.
#include <gtest/gtest.h>

#include "spec_fixture.h"

#include "oracle/parameter_file.h"
#include "oracle/parameter_rules.h"


namespace bmshil::rig::oracle {
namespace {

std::vector<std::string> messages(const std::string& yaml) {
    const ParameterSet set = parse_parameter_file(spec(), yaml, "user.yaml");
    std::vector<std::string> out;
    for (const RuleViolation& v : check_rules(set)) out.push_back(v.message(spec()));
    return out;
}

TEST(ParameterRules, TheDefaultsAreValid) { EXPECT_TRUE(check_rules(ParameterSet(spec())).empty()); }

TEST(ParameterRules, RecoveryOnTheWrongSideNamesFileLineParameterAndRule) {
    const auto m = messages("parameters:\n  5: 3.60\n  6: 3.70\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0],
              "user.yaml:3: parameter #6 single_cell_overvoltage_recovery = 3.7 V (Single Cell Overvoltage "
              "Recovery): a recovery must lie strictly below its trip #5 single_cell_overvoltage_protection = 3.6 V "
              "(hysteresis; INTERPRETATION.md)");
}

TEST(ParameterRules, AnUnderVoltageRecoveryMustLieAbove) {
    const auto m = messages("parameters:\n  8: 2.65\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_NE(m[0].find("user.yaml:2: parameter #8"), std::string::npos) << m[0];
    EXPECT_NE(m[0].find("strictly above its trip #7"), std::string::npos) << m[0];
}

TEST(ParameterRules, OnlyTheTripMovedNamesTheTrip) {
    // #51 moved to 60 A below its default recovery #52 (65 A): the line at fault is #51's.
    const auto m = messages("parameters:\n  51: 60\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_NE(m[0].find("user.yaml:2: parameter #51 charging_overcurrent_alarm = 60 A"), std::string::npos) << m[0];
    EXPECT_NE(m[0].find("its recovery #52"), std::string::npos) << m[0];
    // Moved together, the pair is valid: what a block write lets the firmware see.
    EXPECT_TRUE(messages("parameters:\n  51: 60\n  52: 55\n").empty());
}

TEST(ParameterRules, DischargeCurrentsCompareInMagnitude) {
    // #54 must be smaller in magnitude than #53 (-105 A): -106 A is not.
    const auto m = messages("parameters:\n  54: -106\n");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_NE(m[0].find("smaller in magnitude than its trip #53"), std::string::npos) << m[0];
}

TEST(ParameterRules, RangesCountsAndOrderings) {
    const auto range = messages("parameters:\n  5: 36.5\n");  // mV written as 10 mV units, or a typo
    ASSERT_FALSE(range.empty());
    EXPECT_NE(range[0].find("outside its range 2..3.9 V (spec/parameters.csv)"), std::string::npos) << range[0];
    const auto count = messages("parameters:\n  71: 2.5\n");
    ASSERT_EQ(count.size(), 1u);
    EXPECT_NE(count[0].find("a count must be a whole number"), std::string::npos);
    const auto capacity = messages("parameters:\n  60: 120\n");
    ASSERT_EQ(capacity.size(), 1u);
    EXPECT_NE(capacity[0].find("exceeds the rated capacity #59"), std::string::npos);
    const auto position = messages("parameters:\n  66: 8\n");
    EXPECT_EQ(position.size(), 2u) << "#84 = 9 and #86 = 13 both lie beyond 8 cells";
}

TEST(ParameterFile, BadEntriesNameFileLineAndValue) {
    const auto error = [](const std::string& yaml) {
        try {
            parse_parameter_file(spec(), yaml, "user.yaml");
        } catch (const ParameterFileError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_EQ(error("parameters:\n  99: 1\n"), "user.yaml:2: expected a parameter number 1..87, got '99'");
    EXPECT_EQ(error("parameters:\n  5: high\n"),
              "user.yaml:2: parameter #5 single_cell_overvoltage_protection: expected a number in V, got 'high'");
    EXPECT_EQ(error("parameters:\n  5: .nan\n"),
              "user.yaml:2: parameter #5 single_cell_overvoltage_protection: expected a number in V, got '.nan'");
    EXPECT_EQ(error("parameters:\n  5: 3.6\n  5: 3.61\n"), "user.yaml:3: key '5' given twice in one map (first at line 2); which one was meant?");
    EXPECT_EQ(error("switches:\n  31: maybe\n"), "user.yaml:2: switch 31: expected on or off, got 'maybe'");
    EXPECT_EQ(error("limits: {}\n"), "user.yaml:1: unknown key 'limits' (expected parameters or switches)");
}

TEST(ParameterFile, FormatReadsBack) {
    ParameterSet set(spec());
    set.set(5, 3.6);
    set.set(69, 45);
    set.set_switch(31, true);
    const ParameterSet back = parse_parameter_file(spec(), format_parameter_file(set, "a test"), "back.yaml");
    EXPECT_DOUBLE_EQ(back[5], 3.6);
    EXPECT_DOUBLE_EQ(back[69], 45);
    EXPECT_TRUE(back.switch_on(31));
    EXPECT_EQ(back.overridden_parameters().size(), 2u);
}

}  // namespace
}  // namespace bmshil::rig::oracle
