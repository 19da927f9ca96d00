// The scenario language: every bundled scenario parses; bad input names the
// file, the line and what was expected.
#include <gtest/gtest.h>

#include <filesystem>

#include "scenario/scenario.h"

int sc_main(int, char*[]) { return 0; }

namespace bmshil::rig::scenario {
namespace {

std::string error_of(const std::string& yaml) {
    try {
        parse_scenario(yaml, "bad.yaml");
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "";
}

TEST(ScenarioParser, BundledScenariosParse) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(BMSHIL_SOURCE_DIR) + "/scenarios"))
        if (entry.path().extension() == ".yaml") {
            const Scenario s = load_scenario(entry.path().string());
            EXPECT_FALSE(s.steps.empty()) << entry.path();
            ++n;
        }
    EXPECT_GE(n, 5);
}

TEST(ScenarioParser, Durations) {
    EXPECT_DOUBLE_EQ(parse_duration("200 us"), 200e-6);
    EXPECT_DOUBLE_EQ(parse_duration("1.5 h"), 5400.0);
    EXPECT_DOUBLE_EQ(parse_duration("2 min"), 120.0);
    EXPECT_THROW(parse_duration("10"), ScenarioError);
    EXPECT_THROW(parse_duration("10 parsecs"), ScenarioError);
}

TEST(ScenarioParser, ConditionsAndSteps) {
    const Scenario s = parse_scenario(R"(
name: t
steps:
  - wait: 10 s
  - expect: {condition: "cell_max_V >= 3.65", within: [1 s, 2 s], parameter: 5}
  - repeat: {times: 3, steps: [{wait: 1 ms}]}
)", "t.yaml");
    ASSERT_EQ(s.steps.size(), 3u);
    EXPECT_EQ(s.steps[1].line, 5);
    const auto& e = std::get<Expect>(s.steps[1].action);
    EXPECT_EQ(e.condition->signal, "cell_max_V");
    EXPECT_EQ(e.condition->op, ">=");
    EXPECT_DOUBLE_EQ(e.condition->value, 3.65);
    EXPECT_DOUBLE_EQ(e.within_max_s, 2.0);
    EXPECT_EQ(e.parameter, 5);
    EXPECT_EQ(std::get<Repeat>(s.steps[2].action).times, 3);
}

TEST(ScenarioParser, UnknownKeyNamesFileLineAndTheKeysExpected) {
    const std::string err = error_of("name: t\nsteps:\n  - charger: {voltage_V: 58, curent_A: 20}\n");
    EXPECT_NE(err.find("bad.yaml:3: charger: unknown key 'curent_A'"), std::string::npos) << err;
    EXPECT_NE(err.find("current_A"), std::string::npos) << err;
}

TEST(ScenarioParser, BadValuesNameWhatWasExpected) {
    EXPECT_NE(error_of("name: t\nsteps:\n  - wait: 10\n").find("bad.yaml:3: wait"), std::string::npos);
    EXPECT_NE(error_of("name: t\nsteps:\n  - jump: 1 s\n").find("bad.yaml:3: unknown action 'jump'"), std::string::npos);
    EXPECT_NE(error_of("name: t\nsteps:\n  - expect: {condition: \"current_A => 3\", holds_for: 1 s}\n")
                  .find("unknown operator '=>'"),
              std::string::npos);
    EXPECT_NE(error_of("name: t\npack: {soc: 1.5}\nsteps: []\n").find("bad.yaml:2: pack soc: 1.5 outside [0, 1]"),
              std::string::npos);
    EXPECT_NE(error_of("steps: []\n").find("missing key 'name'"), std::string::npos);
    EXPECT_NE(error_of("name: t\nsteps:\n  - expect: {condition: \"x == 1\"}\n").find("within [min, max] or holds_for"),
              std::string::npos);
}

}  // namespace
}  // namespace bmshil::rig::scenario
