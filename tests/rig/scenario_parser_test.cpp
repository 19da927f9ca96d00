// The scenario language: every bundled scenario parses; bad input names the
// file, the line and what was expected.
#include <gtest/gtest.h>

#include <filesystem>

#include "oracle/spec.h"
#include "scenario/scenario.h"


namespace bmshil::rig::scenario {
namespace {

const oracle::Spec& spec() {
    static const oracle::Spec s = oracle::Spec::load(std::string(BMSHIL_SOURCE_DIR) + "/spec");
    return s;
}

std::string error_of(const std::string& yaml) {
    try {
        parse_scenario(yaml, "bad.yaml", &spec());
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "";
}

TEST(ScenarioParser, BundledScenariosParse) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(BMSHIL_SOURCE_DIR) + "/scenarios"))
        if (entry.path().extension() == ".yaml") {
            const Scenario s = load_scenario(entry.path().string(), &spec());
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
    EXPECT_DOUBLE_EQ(e.condition->value.evaluate({}), 3.65);
    EXPECT_DOUBLE_EQ(e.within_max->evaluate({}), 2.0);
    EXPECT_EQ(e.parameter, 5);
    EXPECT_DOUBLE_EQ(std::get<Repeat>(s.steps[2].action).times.evaluate({}), 3.0);
}

// Values that lean on a parameter name it, and are evaluated with the values
// in force when the step runs.
TEST(ScenarioParser, ExpressionsReferToTheParametersInForce) {
    const Scenario s = parse_scenario(R"(
name: t
steps:
  - wait: p70 + 0.2 s
  - expect: {condition: "cell_spread_V <= p64 - 4 mV", within: [p78 - 1 min, p78 + 1 min], parameter: 64}
  - repeat: {times: p71 - 1, steps: [{wait: p69}]}
  - load: {name: surge, current_A: abs(p57) + 50 A}
  - write: {register: single_cell_overvoltage_protection, value: p5 - 50 mV}
)", "t.yaml", &spec());
    oracle::ParameterSet in_force(spec());
    in_force.set(70, 30);
    in_force.set(64, 0.03);
    in_force.set(78, 24);
    in_force.set(71, 3);
    in_force.set(69, 50);
    in_force.set(57, -200);
    Values values;
    values.parameter = [&](int n) { return in_force[n]; };
    values.switch_on = [&](int n) { return in_force.switch_on(n); };
    EXPECT_DOUBLE_EQ(std::get<Wait>(s.steps[0].action).duration.evaluate(values), 30.2);
    const auto& e = std::get<Expect>(s.steps[1].action);
    EXPECT_NEAR(e.condition->value.evaluate(values), 0.026, 1e-12);
    EXPECT_DOUBLE_EQ(e.within_min->evaluate(values), 24 * 3600.0 - 60.0);
    EXPECT_DOUBLE_EQ(e.within_max->evaluate(values), 24 * 3600.0 + 60.0);
    const auto& r = std::get<Repeat>(s.steps[2].action);
    EXPECT_DOUBLE_EQ(r.times.evaluate(values), 2.0);
    EXPECT_DOUBLE_EQ(std::get<Wait>(r.steps[0].action).duration.evaluate(values), 0.050);
    EXPECT_DOUBLE_EQ(std::get<LoadStep>(s.steps[3].action).value->evaluate(values), 250.0);
    EXPECT_NEAR(std::get<WriteRegister>(s.steps[4].action).value.evaluate(values), 3.60, 1e-12);
}

TEST(ScenarioParser, ExpressionErrorsNameFileLineAndWhy) {
    // A duration without a unit, a voltage where a time is meant, a parameter the manual lacks.
    EXPECT_NE(error_of("name: t\nsteps:\n  - wait: p70 + 2\n").find("bad.yaml:3: wait"), std::string::npos);
    EXPECT_NE(error_of("name: t\nsteps:\n  - wait: p70 + 2\n").find("give 2 a unit"), std::string::npos);
    const std::string voltage = error_of("name: t\nsteps:\n  - wait: p5\n");
    EXPECT_NE(voltage.find("bad.yaml:3"), std::string::npos) << voltage;
    EXPECT_NE(voltage.find("voltage"), std::string::npos) << voltage;
    EXPECT_NE(error_of("name: t\nsteps:\n  - wait: p99 * 1 s\n").find("no parameter #99"), std::string::npos);
    const std::string cond = error_of("name: t\nsteps:\n  - expect: {condition: \"cell_max_V >= p70\", holds_for: 1 s}\n");
    EXPECT_NE(cond.find("bad.yaml:3"), std::string::npos) << cond;
    EXPECT_NE(cond.find("time"), std::string::npos) << cond;
    EXPECT_NE(error_of("name: t\nsteps:\n  - repeat: {times: 2.5, steps: [{wait: 1 s}]}\n").find("whole number"),
              std::string::npos);
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
