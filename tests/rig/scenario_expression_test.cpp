// Scenario expressions: units, parameter and switch references, dimension rules,
// precedence, and what every error says.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "scenario/expression.h"

namespace bmshil::rig::scenario {
namespace {

using ::testing::HasSubstr;

// A few parameters with their units and defaults as in spec/parameters.csv.
struct Param {
    const char* unit;
    double value;
};
const std::map<int, Param> kParams = {
    {5, {"V", 3.65}},     {6, {"V", 3.38}},       {15, {"V", 57.6}},    {25, {"°C", 55.0}},    {57, {"A", -250.0}},
    {58, {"ms", 2000.0}}, {59, {"Ah", 100.0}},    {64, {"V", 0.02}},    {65, {"hours", 10.0}}, {67, {"second", 10.0}},
    {69, {"ms", 30.0}},   {70, {"second", 60.0}}, {71, {"count", 5.0}}, {72, {"minute", 5.0}}, {78, {"hours", 48.0}},
    {81, {"%", 96.0}},    {83, {"mΩ", 10.0}},
};

Symbols symbols() {
    Symbols s;
    s.parameter_unit = [](int n) -> std::optional<std::string> {
        const auto it = kParams.find(n);
        if (it == kParams.end()) return std::nullopt;
        return std::string(it->second.unit);
    };
    s.switch_exists = [](int n) { return n >= 1 && n <= 64; };
    return s;
}

// Spec defaults, with overrides, and switches (off unless listed on). The Values
// it gives refer to it, so it must outlive them.
struct TestValues {
    std::map<int, double> overrides;
    std::map<int, bool> switches;
    Values values() const {
        Values v;
        v.parameter = [this](int n) {
            const auto it = overrides.find(n);
            return it != overrides.end() ? it->second : kParams.at(n).value;
        };
        v.switch_on = [this](int n) {
            const auto it = switches.find(n);
            return it != switches.end() && it->second;
        };
        return v;
    }
};

Expr parse(const std::string& text) { return Expr::parse(text, symbols()); }
double eval(const std::string& text, const TestValues& tv = {}) { return parse(text).evaluate(tv.values()); }

std::string parse_error(const std::string& text) {
    try {
        parse(text);
    } catch (const ExpressionError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string eval_error(const std::string& text, const TestValues& tv = {}) {
    try {
        parse(text).evaluate(tv.values());
    } catch (const ExpressionError& e) {
        return e.what();
    }
    return "(no error)";
}

// --- units

TEST(ScenarioExpressionUnits, ToString) {
    EXPECT_STREQ(to_string(Dimension::none), "none");
    EXPECT_STREQ(to_string(Dimension::time), "time (s)");
    EXPECT_STREQ(to_string(Dimension::voltage), "voltage (V)");
    EXPECT_STREQ(to_string(Dimension::current), "current (A)");
    EXPECT_STREQ(to_string(Dimension::temperature), "temperature (degC)");
    EXPECT_STREQ(to_string(Dimension::percent), "percent (%)");
    EXPECT_STREQ(to_string(Dimension::resistance), "resistance (ohm)");
    EXPECT_STREQ(to_string(Dimension::charge), "charge (Ah)");
}

struct UnitCase {
    const char* unit;
    Dimension dimension;
    double factor;
};

const UnitCase kExpressionUnits[] = {
    {"us", Dimension::time, 1e-6},    {"ms", Dimension::time, 1e-3},         {"s", Dimension::time, 1.0},
    {"min", Dimension::time, 60.0},   {"h", Dimension::time, 3600.0},        {"d", Dimension::time, 86400.0},
    {"V", Dimension::voltage, 1.0},   {"mV", Dimension::voltage, 1e-3},      {"A", Dimension::current, 1.0},
    {"mA", Dimension::current, 1e-3}, {"degC", Dimension::temperature, 1.0}, {"K", Dimension::temperature, 1.0},
    {"%", Dimension::percent, 1.0},   {"ohm", Dimension::resistance, 1.0},   {"mohm", Dimension::resistance, 1e-3},
    {"Ah", Dimension::charge, 1.0},
};

const UnitCase kSpecUnits[] = {
    {"V", Dimension::voltage, 1.0},     {"°C", Dimension::temperature, 1.0}, {"A", Dimension::current, 1.0},
    {"ms", Dimension::time, 1e-3},      {"second", Dimension::time, 1.0},    {"minute", Dimension::time, 60.0},
    {"hours", Dimension::time, 3600.0}, {"Ah", Dimension::charge, 1.0},      {"%", Dimension::percent, 1.0},
    {"count", Dimension::none, 1.0},    {"mΩ", Dimension::resistance, 1e-3},
};

TEST(ScenarioExpressionUnits, UnitToSiKnowsExpressionUnits) {
    for (const UnitCase& c : kExpressionUnits) {
        Dimension d = Dimension::none;
        double f = 0.0;
        ASSERT_TRUE(unit_to_si(c.unit, &d, &f)) << c.unit;
        EXPECT_EQ(d, c.dimension) << c.unit;
        EXPECT_DOUBLE_EQ(f, c.factor) << c.unit;
    }
}

TEST(ScenarioExpressionUnits, UnitToSiKnowsSpecUnits) {
    for (const UnitCase& c : kSpecUnits) {
        Dimension d = Dimension::charge;
        double f = 0.0;
        ASSERT_TRUE(unit_to_si(c.unit, &d, &f)) << c.unit;
        EXPECT_EQ(d, c.dimension) << c.unit;
        EXPECT_DOUBLE_EQ(f, c.factor) << c.unit;
    }
}

#ifdef BMSHIL_SOURCE_DIR  // defined by the CMake test targets
// Every unit the spec writes converts (the unit column comes before any quoted field).
TEST(ScenarioExpressionUnits, UnitToSiKnowsEveryUnitOfTheSpecFile) {
    std::ifstream in(std::string(BMSHIL_SOURCE_DIR) + "/spec/parameters.csv");
    ASSERT_TRUE(in) << "spec/parameters.csv";
    std::string line;
    std::getline(in, line);
    ASSERT_EQ(line.rfind("number,key,name,default,unit,", 0), 0u) << line;
    int rows = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        std::string field, unit;
        for (int i = 0; i < 5 && std::getline(fields, field, ','); ++i) unit = field;
        Dimension d;
        double f;
        EXPECT_TRUE(unit_to_si(unit, &d, &f)) << "unit '" << unit << "' in: " << line;
        ++rows;
    }
    EXPECT_GE(rows, 87);
}
#endif

TEST(ScenarioExpressionUnits, UnitToSiRefusesUnknownUnits) {
    for (const char* unit : {"sec", "", "MV", "v", "Volt", "µs", "mOhm", " V"}) {
        Dimension d = Dimension::charge;
        double f = 42.0;
        EXPECT_FALSE(unit_to_si(unit, &d, &f)) << unit;
        EXPECT_EQ(d, Dimension::charge) << unit;  // left alone
        EXPECT_EQ(f, 42.0) << unit;
    }
}

TEST(ScenarioExpressionUnits, EveryExpressionUnitAfterANumber) {
    for (const UnitCase& c : kExpressionUnits) {
        for (const std::string& text : {"3 " + std::string(c.unit), "3" + std::string(c.unit)}) {
            const Expr e = parse(text);
            EXPECT_EQ(e.dimension(), c.dimension) << text;
            EXPECT_DOUBLE_EQ(e.evaluate({}), 3 * c.factor) << text;
            EXPECT_TRUE(e.is_constant()) << text;
        }
    }
}

TEST(ScenarioExpressionUnits, NumberForms) {
    EXPECT_DOUBLE_EQ(eval("0.2 s"), 0.2);
    EXPECT_DOUBLE_EQ(eval("200us"), 200e-6);
    EXPECT_DOUBLE_EQ(eval("4 mV"), 0.004);
    EXPECT_DOUBLE_EQ(eval("1e-3"), 0.001);
    EXPECT_DOUBLE_EQ(eval("1e-3 s"), 0.001);
    EXPECT_DOUBLE_EQ(eval("1E3ms"), 1.0);
    EXPECT_DOUBLE_EQ(eval("2e+1"), 20.0);
    EXPECT_DOUBLE_EQ(eval(".5"), 0.5);
    EXPECT_DOUBLE_EQ(eval("3."), 3.0);
    EXPECT_DOUBLE_EQ(eval("3. min"), 180.0);
    EXPECT_DOUBLE_EQ(eval("  7  "), 7.0);
    EXPECT_EQ(parse("7").dimension(), Dimension::none);
    // "min" is a unit after a number and a function before '('.
    EXPECT_DOUBLE_EQ(eval("3 min + min(1 s, 2 s)"), 181.0);
}

TEST(ScenarioExpressionUnits, UnknownUnit) {
    EXPECT_EQ(parse_error("3 sec"),
              "unknown unit 'sec' in '3 sec' (us, ms, s, min, h, d, V, mV, A, mA, degC, K, %, ohm, mohm, Ah)");
    // The spec's spellings are parameter units, not expression units.
    EXPECT_THAT(parse_error("3 second"), HasSubstr("unknown unit 'second' in '3 second' (us, ms, s,"));
    EXPECT_THAT(parse_error("5 °C"), HasSubstr("unknown unit '°C'"));
    EXPECT_THAT(parse_error("5 count"), HasSubstr("unknown unit 'count'"));
    // An exponent needs digits, so "2em" is 2 with the unit "em".
    EXPECT_THAT(parse_error("2em"), HasSubstr("unknown unit 'em' in '2em'"));
}

// --- parameters and switches

TEST(ScenarioExpression, ParameterPlusTime) {
    const Expr e = parse("p70 + 0.2 s");
    EXPECT_EQ(e.dimension(), Dimension::time);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{}.values()), 60.2);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{{{70, 30.0}}, {}}.values()), 30.2);  // the value in force counts
}

TEST(ScenarioExpression, MillisecondParameterIsTimeInSeconds) {
    const Expr e = parse("p69");
    EXPECT_EQ(e.dimension(), Dimension::time);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{}.values()), 0.030);
}

TEST(ScenarioExpression, HoursParameterMinusAMinute) {
    const Expr e = parse("p78 - 1 min");
    EXPECT_EQ(e.dimension(), Dimension::time);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{}.values()), 172740.0);
    EXPECT_DOUBLE_EQ(eval("p78 + 1 min"), 172860.0);
    EXPECT_DOUBLE_EQ(eval("p72"), 300.0);  // minute
    EXPECT_DOUBLE_EQ(eval("p65"), 36000.0);
}

TEST(ScenarioExpression, VoltageParameterMinusMillivolts) {
    const Expr e = parse("p64 - 4 mV");
    EXPECT_EQ(e.dimension(), Dimension::voltage);
    EXPECT_NEAR(e.evaluate(TestValues{}.values()), 0.016, 1e-15);
}

TEST(ScenarioExpression, CountParameterIsBare) {
    const Expr e = parse("p71 - 1");
    EXPECT_EQ(e.dimension(), Dimension::none);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{}.values()), 4.0);
}

TEST(ScenarioExpression, AbsOfCurrentPlusAmps) {
    const Expr e = parse("abs(p57) + 50 A");
    EXPECT_EQ(e.dimension(), Dimension::current);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{}.values()), 300.0);
    EXPECT_DOUBLE_EQ(eval("-p57"), 250.0);
    EXPECT_EQ(parse("-p57").dimension(), Dimension::current);
}

TEST(ScenarioExpression, MinAndMax) {
    const Expr e = parse("min(p5, 3.6 V)");
    EXPECT_EQ(e.dimension(), Dimension::voltage);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{}.values()), 3.6);  // p5 = 3.65
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{{{5, 3.5}}, {}}.values()), 3.5);
    EXPECT_DOUBLE_EQ(eval("max(p5, 3.6 V)"), 3.65);
    EXPECT_DOUBLE_EQ(eval("max(2, 3)"), 3.0);  // bare with bare
    EXPECT_DOUBLE_EQ(eval("min(p6, max(p5, 4 V))"), 3.38);
}

TEST(ScenarioExpression, MultiplyAndDivide) {
    const Expr twice = parse("2 * p5");
    EXPECT_EQ(twice.dimension(), Dimension::voltage);
    EXPECT_DOUBLE_EQ(twice.evaluate(TestValues{}.values()), 7.3);

    const Expr per_cell = parse("p15 / 16");
    EXPECT_EQ(per_cell.dimension(), Dimension::voltage);
    EXPECT_DOUBLE_EQ(per_cell.evaluate(TestValues{}.values()), 3.6);

    const Expr ratio = parse("p5 / p6");
    EXPECT_EQ(ratio.dimension(), Dimension::none);
    EXPECT_DOUBLE_EQ(ratio.evaluate(TestValues{}.values()), 3.65 / 3.38);

    EXPECT_EQ(parse("p5 * 2").dimension(), Dimension::voltage);
    EXPECT_EQ(parse("p71 * 1 s").dimension(), Dimension::time);
    EXPECT_DOUBLE_EQ(eval("p71 * 1 s"), 5.0);
    EXPECT_DOUBLE_EQ(eval("p70 / 1 min"), 1.0);  // time / time: a bare ratio
    EXPECT_DOUBLE_EQ(eval("6 / 4"), 1.5);
}

TEST(ScenarioExpression, OtherDimensionsFromParameters) {
    EXPECT_EQ(parse("p25").dimension(), Dimension::temperature);
    EXPECT_DOUBLE_EQ(eval("p25 - 5 K"), 50.0);
    EXPECT_DOUBLE_EQ(eval("p25 + 1 degC"), 56.0);
    EXPECT_EQ(parse("p81").dimension(), Dimension::percent);
    EXPECT_DOUBLE_EQ(eval("p81 - 5 %"), 91.0);
    EXPECT_EQ(parse("p83").dimension(), Dimension::resistance);
    EXPECT_DOUBLE_EQ(eval("p83"), 0.010);
    EXPECT_DOUBLE_EQ(eval("p83 + 2 mohm"), 0.012);
    EXPECT_EQ(parse("p59 / 2").dimension(), Dimension::charge);
    EXPECT_DOUBLE_EQ(eval("p59 / 2"), 50.0);
    EXPECT_DOUBLE_EQ(eval("p58"), 2.0);
}

TEST(ScenarioExpression, Switches) {
    const Expr e = parse("s31");
    EXPECT_EQ(e.dimension(), Dimension::none);
    EXPECT_FALSE(e.is_constant());
    EXPECT_FALSE(e.references_parameters());
    EXPECT_EQ(e.switches(), std::vector<int>{31});
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{{}, {{31, true}}}.values()), 1.0);
    EXPECT_DOUBLE_EQ(e.evaluate(TestValues{{}, {{31, false}}}.values()), 0.0);
    // A switch scales a quantity: the load only when the switch is on.
    const Expr load = parse("s40 * abs(p57)");
    EXPECT_EQ(load.dimension(), Dimension::current);
    EXPECT_DOUBLE_EQ(load.evaluate(TestValues{{}, {{40, true}}}.values()), 250.0);
    EXPECT_DOUBLE_EQ(load.evaluate(TestValues{{}, {{40, false}}}.values()), 0.0);
}

TEST(ScenarioExpression, Precedence) {
    EXPECT_DOUBLE_EQ(eval("1 + 2 * 3"), 7.0);
    EXPECT_DOUBLE_EQ(eval("(1 + 2) * 3"), 9.0);
    EXPECT_DOUBLE_EQ(eval("-(2 - 5)"), 3.0);
    EXPECT_DOUBLE_EQ(eval("2 - 3 - 4"), -5.0);
    EXPECT_DOUBLE_EQ(eval("24 / 4 / 2"), 3.0);
    EXPECT_DOUBLE_EQ(eval("2 * -3"), -6.0);
    EXPECT_DOUBLE_EQ(eval("2 - -3"), 5.0);
    EXPECT_DOUBLE_EQ(eval("-2 * 3 + 1"), -5.0);
    EXPECT_DOUBLE_EQ(eval("+4 - +1"), 3.0);
    EXPECT_DOUBLE_EQ(eval("--1"), 1.0);
    EXPECT_DOUBLE_EQ(eval("1+2*3-4/2"), 5.0);
    EXPECT_DOUBLE_EQ(eval("abs(2 - 5) * 2"), 6.0);
}

TEST(ScenarioExpression, ReferencesListed) {
    const Expr e = parse("p70 + p69 * 2 + max(p70, p67) + s31 * 0 s + s2 * 0 s + s31 * 1 s");
    EXPECT_EQ(e.parameters(), (std::vector<int>{67, 69, 70}));
    EXPECT_EQ(e.switches(), (std::vector<int>{2, 31}));
    EXPECT_TRUE(e.references_parameters());
    EXPECT_FALSE(e.is_constant());

    const Expr c = parse("1 s + 2 s");
    EXPECT_TRUE(c.parameters().empty());
    EXPECT_TRUE(c.switches().empty());
    EXPECT_TRUE(c.is_constant());
    EXPECT_FALSE(c.references_parameters());
}

TEST(ScenarioExpression, TextAsWritten) {
    EXPECT_EQ(parse("p70 + 0.2 s").text(), "p70 + 0.2 s");
    EXPECT_EQ(parse("  p70+0.2s ").text(), "  p70+0.2s ");
    const Expr e = parse("abs(p57) + 50 A");
    const Expr copy = e;  // copies share the tree
    EXPECT_EQ(copy.text(), "abs(p57) + 50 A");
    EXPECT_DOUBLE_EQ(copy.evaluate(TestValues{}.values()), 300.0);
}

TEST(ScenarioExpression, DefaultAndConstant) {
    const Expr zero;
    EXPECT_EQ(zero.dimension(), Dimension::none);
    EXPECT_TRUE(zero.is_constant());
    EXPECT_DOUBLE_EQ(zero.evaluate({}), 0.0);
    EXPECT_EQ(zero.text(), "0");

    const Expr wait = Expr::constant(0.2, Dimension::time);
    EXPECT_EQ(wait.dimension(), Dimension::time);
    EXPECT_TRUE(wait.is_constant());
    EXPECT_DOUBLE_EQ(wait.evaluate({}), 0.2);
    EXPECT_EQ(wait.text(), "0.2 s");
    EXPECT_EQ(Expr::constant(3.6, Dimension::voltage).text(), "3.6 V");
    EXPECT_EQ(Expr::constant(4, Dimension::none).text(), "4");
    EXPECT_EQ(Expr::constant(96, Dimension::percent).text(), "96 %");

    // The text of a constant reads back as the same constant.
    const std::pair<double, Dimension> cases[] = {
        {0.2, Dimension::time},         {-1e-6, Dimension::time},      {3.6, Dimension::voltage},
        {-250, Dimension::current},     {-10, Dimension::temperature}, {96, Dimension::percent},
        {0.002, Dimension::resistance}, {100, Dimension::charge},      {0.1 + 0.2, Dimension::none},
    };
    for (const auto& [value, dim] : cases) {
        const Expr c = Expr::constant(value, dim);
        const Expr back = parse(c.text());
        EXPECT_EQ(back.dimension(), dim) << c.text();
        EXPECT_EQ(back.evaluate({}), value) << c.text();
    }
    EXPECT_THROW(Expr::constant(NAN, Dimension::time), ExpressionError);
    EXPECT_THROW(Expr::constant(INFINITY, Dimension::none), ExpressionError);
}

// --- dimension errors

TEST(ScenarioExpressionErrors, AddingABareNumber) {
    EXPECT_THAT(parse_error("p70 + 2"),
                HasSubstr("in 'p70 + 2': cannot add a time (s) and a bare number; give 2 a unit (e.g. 2 s)"));
    EXPECT_THAT(parse_error("2 + p70"), HasSubstr("cannot add a bare number and a time (s); give 2 a unit"));
    EXPECT_THAT(parse_error("p64 - 4"),
                HasSubstr("in 'p64 - 4': cannot subtract a bare number from a voltage (V); give 4 a unit (e.g. 4 V)"));
    EXPECT_THAT(parse_error("p25 + 2"), HasSubstr("give 2 a unit (e.g. 2 K)"));  // a temperature difference
    EXPECT_THAT(parse_error("p70 + -2"), HasSubstr("give -2 a unit (e.g. -2 s)"));
    // A bare operand that is not a number is multiplied by a unit instead.
    EXPECT_THAT(
        parse_error("p70 + p71"),
        HasSubstr("cannot add a time (s) and a bare number; p71 has no unit; multiply it by one (e.g. p71 * 1 s)"));
    EXPECT_THAT(parse_error("p70 * 2 + (p71 - 1)"), HasSubstr("(e.g. (p71 - 1) * 1 s)"));
    EXPECT_THAT(parse_error("p70 + p71 / 2"), HasSubstr("(e.g. (p71 / 2) * 1 s)"));
    // Bare with bare is fine.
    EXPECT_DOUBLE_EQ(eval("p71 + 2"), 7.0);
}

TEST(ScenarioExpressionErrors, MismatchedDimensions) {
    EXPECT_THAT(parse_error("p70 + p5"), HasSubstr("in 'p70 + p5': cannot add a time (s) and a voltage (V)"));
    EXPECT_THAT(parse_error("1 s - 1 A"), HasSubstr("cannot subtract a current (A) from a time (s)"));
    EXPECT_THAT(parse_error("min(p5, 3.6)"),
                HasSubstr("in 'min(p5, 3.6)': min needs equal dimensions, got a voltage (V) and a bare number; "
                          "give 3.6 a unit (e.g. 3.6 V)"));
    EXPECT_THAT(parse_error("max(1 s, 1 V)"),
                HasSubstr("max needs equal dimensions, got a time (s) and a voltage (V)"));
    EXPECT_THAT(
        parse_error("p5 * p57"),
        HasSubstr("in 'p5 * p57': cannot multiply a voltage (V) by a current (A); at most one factor may have a unit"));
    EXPECT_THAT(parse_error("2 / p70"), HasSubstr("in '2 / p70': cannot divide a bare number by a time (s)"));
    EXPECT_THAT(parse_error("p5 / p57"), HasSubstr("cannot divide a voltage (V) by a current (A)"));
    // Checked inside functions and parentheses too.
    EXPECT_THAT(parse_error("abs(p70 + 2)"), HasSubstr("cannot add a time (s) and a bare number; give 2 a unit"));
}

// --- syntax errors

TEST(ScenarioExpressionErrors, EmptyText) {
    EXPECT_THAT(parse_error(""), HasSubstr("empty expression: expected a number"));
    EXPECT_THAT(parse_error("   "), HasSubstr("empty expression"));
}

TEST(ScenarioExpressionErrors, TrailingGarbage) {
    EXPECT_THAT(parse_error("1 2"),
                HasSubstr("in '1 2': expected an operator (+ - * /) or the end after '1', got '2'"));
    EXPECT_THAT(parse_error("p70 + 1 s foo"), HasSubstr("after 'p70 + 1 s', got 'foo'"));
    EXPECT_THAT(parse_error("2 p5"), HasSubstr("after '2', got 'p5'"));
    EXPECT_THAT(parse_error("2 min(1, 2)"), HasSubstr("after '2', got 'min'"));
    EXPECT_THAT(parse_error("3 s s"), HasSubstr("after '3 s', got 's'"));
    EXPECT_THAT(parse_error("1 , 2"), HasSubstr("got ','"));
}

TEST(ScenarioExpressionErrors, UnbalancedParentheses) {
    EXPECT_THAT(parse_error("(1 + 2"),
                HasSubstr("in '(1 + 2': expected ')' to close the '(' at column 1, got the end"));
    EXPECT_THAT(parse_error("((1) + 2"), HasSubstr("expected ')' to close the '(' at column 1"));
    EXPECT_THAT(parse_error("1 + 2)"), HasSubstr("in '1 + 2)': unbalanced ')' at column 6: there is no '(' to close"));
    EXPECT_THAT(
        parse_error("()"),
        HasSubstr("expected a number, a parameter (pN), a switch (sN), abs, min, max or '(' at column 2, got ')'"));
    EXPECT_THAT(parse_error("abs(p57"), HasSubstr("expected ')' to close the '(' at column 4, got the end"));
}

TEST(ScenarioExpressionErrors, MissingOperands) {
    EXPECT_THAT(parse_error("1 +"), HasSubstr("in '1 +': expected a number, a parameter (pN), a switch (sN), abs, min, "
                                              "max or '(' at the end, got the end"));
    EXPECT_THAT(parse_error("* 2"), HasSubstr("at column 1, got '*'"));
    EXPECT_THAT(parse_error("2 * / 3"), HasSubstr("at column 5, got '/'"));
}

TEST(ScenarioExpressionErrors, UnitAfterSomethingOtherThanANumber) {
    EXPECT_THAT(parse_error("p70 s"),
                HasSubstr("in 'p70 s': a unit cannot follow the parameter p70: its spec unit 'second' makes it a "
                          "time (s); got 's'"));
    EXPECT_THAT(parse_error("p81 %"), HasSubstr("a unit cannot follow the parameter p81"));
    EXPECT_THAT(parse_error("p71 ms"),
                HasSubstr("a unit cannot follow the parameter p71: its spec unit 'count' makes it a bare number"));
    EXPECT_THAT(parse_error("s31 s"), HasSubstr("a unit cannot follow the switch s31 (it is 1 or 0); got 's'"));
    EXPECT_THAT(parse_error("(1 + 2) s"),
                HasSubstr("a unit can only follow a number; got 's' after '(1 + 2)' (write (1 + 2) * 1 s)"));
    EXPECT_THAT(parse_error("abs(-2) V"), HasSubstr("a unit can only follow a number; got 'V' after 'abs(-2)'"));
}

TEST(ScenarioExpressionErrors, UnknownNames) {
    const std::string expected = "; expected pN for a parameter (p70), sN for a switch (s31), or abs, min, max";
    EXPECT_THAT(parse_error("foo + 1"), HasSubstr("in 'foo + 1': unknown name 'foo'" + expected));
    EXPECT_THAT(parse_error("P70"), HasSubstr("unknown name 'P70'"));
    EXPECT_THAT(parse_error("p70x"), HasSubstr("unknown name 'p70x'"));
    EXPECT_THAT(parse_error("p"), HasSubstr("unknown name 'p'"));
    EXPECT_THAT(parse_error("s"), HasSubstr("unknown name 's'"));
    EXPECT_THAT(parse_error("sqrt(4)"), HasSubstr("unknown name 'sqrt'"));
    EXPECT_THAT(parse_error("1 # 2"), HasSubstr("in '1 # 2': unexpected character '#' at column 3; expected a number"));
}

TEST(ScenarioExpressionErrors, UnknownReferences) {
    EXPECT_THAT(parse_error("p99 + 1 s"), HasSubstr("in 'p99 + 1 s': no parameter #99"));
    EXPECT_THAT(parse_error("p0"), HasSubstr("no parameter #0"));
    EXPECT_THAT(parse_error("p1000"), HasSubstr("no parameter #1000"));
    EXPECT_THAT(parse_error("p99999999999999"), HasSubstr("no parameter #99999999999999"));
    EXPECT_THAT(parse_error("s99"), HasSubstr("in 's99': no switch #99"));
    EXPECT_THAT(parse_error("s0"), HasSubstr("no switch #0"));
    // Without symbols nothing exists.
    try {
        Expr::parse("p70", Symbols{});
        ADD_FAILURE() << "no error";
    } catch (const ExpressionError& e) {
        EXPECT_THAT(e.what(), HasSubstr("no parameter #70"));
    }
    EXPECT_THROW(Expr::parse("s31", Symbols{}), ExpressionError);
    // A parameter whose spec unit expressions cannot convert.
    Symbols odd = symbols();
    odd.parameter_unit = [](int) -> std::optional<std::string> { return std::string("furlong"); };
    try {
        Expr::parse("p1", odd);
        ADD_FAILURE() << "no error";
    } catch (const ExpressionError& e) {
        EXPECT_THAT(e.what(), HasSubstr("parameter #1 has the unit 'furlong', which expressions do not know"));
    }
}

TEST(ScenarioExpressionErrors, FunctionArguments) {
    EXPECT_THAT(parse_error("abs 2"), HasSubstr("in 'abs 2': expected '(' after abs, got '2'"));
    EXPECT_THAT(parse_error("min(1)"), HasSubstr("min takes two arguments: expected ',' after '1', got ')'"));
    EXPECT_THAT(parse_error("max(1, 2, 3)"), HasSubstr("max takes two arguments: expected ')', got ','"));
    EXPECT_THAT(parse_error("abs(1, 2)"), HasSubstr("abs takes one argument: expected ')', got ','"));
    EXPECT_THAT(parse_error("min"), HasSubstr("expected '(' after min, got the end"));
}

TEST(ScenarioExpressionErrors, NumbersOutOfRangeAndDeepNesting) {
    EXPECT_THAT(parse_error("1e999 s"), HasSubstr("in '1e999 s': number '1e999' is out of range"));
    EXPECT_THAT(parse_error(std::string(200, '(') + "1" + std::string(200, ')')),
                HasSubstr("nested more than 100 levels deep"));
    EXPECT_DOUBLE_EQ(eval(std::string(50, '(') + "1" + std::string(50, ')')), 1.0);
    EXPECT_THAT(parse_error(std::string(200, '-') + "1"), HasSubstr("nested more than 100 levels deep"));
}

// --- evaluation errors

TEST(ScenarioExpressionErrors, DivisionByZero) {
    EXPECT_THAT(eval_error("p70 / (p71 - 5)"), HasSubstr("in 'p70 / (p71 - 5)': division by zero ('(p71 - 5)' is 0)"));
    EXPECT_DOUBLE_EQ(eval("p70 / (p71 - 5)", TestValues{{{71, 7.0}}, {}}), 30.0);
    EXPECT_THAT(eval_error("1 / s31"), HasSubstr("division by zero ('s31' is 0)"));
}

TEST(ScenarioExpressionErrors, NonFiniteResults) {
    EXPECT_THAT(eval_error("1e300 * 1e300"),
                HasSubstr("in '1e300 * 1e300': the value of '1e300 * 1e300' is not finite (inf)"));
    // Inside min, where the result alone would look fine.
    EXPECT_THAT(eval_error("min(1e308 * 10, 1)"), HasSubstr("the value of '1e308 * 10' is not finite"));
    EXPECT_THAT(eval_error("p70 + 1 s", TestValues{{{70, NAN}}, {}}), HasSubstr("parameter #70 is nan"));
}

TEST(ScenarioExpressionErrors, MissingValues) {
    const Expr e = parse("p70 + 1 s");
    try {
        e.evaluate(Values{});
        ADD_FAILURE() << "no error";
    } catch (const ExpressionError& err) {
        EXPECT_THAT(err.what(), HasSubstr("in 'p70 + 1 s': no value for parameter #70"));
    }
    EXPECT_THROW(parse("s31").evaluate(Values{}), ExpressionError);
    EXPECT_DOUBLE_EQ(parse("2 s").evaluate(Values{}), 2.0);  // constants need none
}

// --- fields of a known dimension

TEST(ScenarioExpressionFields, EvaluateAsTakesBareNumbersInTheFieldsUnit) {
    const TestValues defaults;  // outlives the Values that point into it
    const Values v = defaults.values();
    // A field named resistance_mohm: a bare 2 means 2 mΩ.
    EXPECT_DOUBLE_EQ(evaluate_as(parse("2"), Dimension::resistance, true, 1e-3, v), 0.002);
    EXPECT_DOUBLE_EQ(evaluate_as(parse("p71 / 2"), Dimension::resistance, true, 1e-3, v), 0.0025);
    // A dimensioned value is taken as it is.
    EXPECT_DOUBLE_EQ(evaluate_as(parse("2 ohm"), Dimension::resistance, true, 1e-3, v), 2.0);
    EXPECT_DOUBLE_EQ(evaluate_as(parse("p83 + 2 mohm"), Dimension::resistance, true, 1e-3, v), 0.012);
    EXPECT_DOUBLE_EQ(evaluate_as(parse("p70 + 0.2 s"), Dimension::time, false, 1.0, v), 60.2);
    // A bare field takes a bare result as it is.
    EXPECT_DOUBLE_EQ(evaluate_as(parse("p71 - 1"), Dimension::none, false, 1.0, v), 4.0);
    EXPECT_DOUBLE_EQ(evaluate_as(parse("p71 - 1"), Dimension::none, true, 1e-3, v), 4.0);
}

TEST(ScenarioExpressionFields, EvaluateAsRefusesOtherDimensions) {
    const TestValues defaults;  // outlives the Values that point into it
    const Values v = defaults.values();
    try {
        evaluate_as(parse("p5"), Dimension::time, true, 1.0, v);
        ADD_FAILURE() << "no error";
    } catch (const ExpressionError& e) {
        EXPECT_THAT(e.what(), HasSubstr("in 'p5': expected a time (s), got a voltage (V)"));
    }
    try {
        evaluate_as(parse("2"), Dimension::time, false, 1.0, v);
        ADD_FAILURE() << "no error";
    } catch (const ExpressionError& e) {
        EXPECT_THAT(e.what(), HasSubstr("in '2': expected a time (s), got a bare number; give 2 a unit (e.g. 2 s)"));
    }
    try {
        evaluate_as(parse("p70"), Dimension::none, true, 1.0, v);
        ADD_FAILURE() << "no error";
    } catch (const ExpressionError& e) {
        EXPECT_THAT(e.what(), HasSubstr("in 'p70': expected a bare number, got a time (s)"));
    }
}

TEST(ScenarioExpressionFields, CheckDimension) {
    EXPECT_THROW(check_dimension(parse("p5 - 4 mV"), Dimension::time, false), ExpressionError);
    EXPECT_THROW(check_dimension(parse("p5 - 4 mV"), Dimension::time, true), ExpressionError);
    try {
        check_dimension(parse("p5 - 4 mV"), Dimension::time, true);
    } catch (const ExpressionError& e) {
        EXPECT_THAT(e.what(), HasSubstr("in 'p5 - 4 mV': expected a time (s), got a voltage (V)"));
    }
    EXPECT_NO_THROW(check_dimension(parse("p70 + 0.2 s"), Dimension::time, false));
    EXPECT_NO_THROW(check_dimension(parse("10"), Dimension::time, true));
    EXPECT_NO_THROW(check_dimension(parse("p71"), Dimension::none, false));
    try {
        check_dimension(parse("p71 - 1"), Dimension::time, false);
        ADD_FAILURE() << "no error";
    } catch (const ExpressionError& e) {
        EXPECT_THAT(e.what(),
                    HasSubstr("got a bare number; p71 - 1 has no unit; multiply it by one (e.g. (p71 - 1) * 1 s)"));
    }
    EXPECT_NO_THROW(check_dimension(Expr(), Dimension::none, false));
    EXPECT_THROW(check_dimension(Expr::constant(1, Dimension::current), Dimension::voltage, true), ExpressionError);
}

}  // namespace
}  // namespace bmshil::rig::scenario
