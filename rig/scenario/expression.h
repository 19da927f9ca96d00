// Expressions with physical dimensions, for scenario files: a wait of
// `p70 + 0.2 s`, a window `[p78 - 1 min, p78 + 1 min]`, a condition value
// `p64 - 4 mV`, a repeat count `p71 - 1`, a load of `abs(p57) + 50 A`.
//
// pN is firmware parameter #N in its spec unit (spec/parameters.csv), sN is
// function switch N (1 or 0). Numbers carry an optional unit; + - * / abs min
// max follow the usual precedence. Every dimension rule is checked when the
// text is parsed, so a scenario with `p70 + 2` is refused before it runs.
// Pure C++17: no SystemC, no yaml-cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bmshil::rig::scenario {

// Bad expression text, a bad reference, or a failed evaluation. The message
// quotes the text and says what was expected; the scenario parser wraps it
// with file:line.
class ExpressionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Each dimension has one SI unit in which values are computed: time s,
// voltage V, current A, temperature degC, percent %, resistance ohm, charge Ah.
enum class Dimension { none, time, voltage, current, temperature, percent, resistance, charge };

// "none", "time (s)", "voltage (V)", "current (A)", "temperature (degC)",
// "percent (%)", "resistance (ohm)", "charge (Ah)".
const char* to_string(Dimension d);

// A unit as written in spec/parameters.csv or in an expression -> its dimension
// and factor to SI. Spec units: V, °C, A, ms, second(s), minute(s), hour(s),
// Ah, %, count (none, 1), mΩ (resistance, 1e-3). Expression units: us, ms, s, min,
// h, d, V, mV, A, mA, degC, K (a temperature difference, factor 1), %, ohm, mohm,
// Ah. Returns false (and leaves *dim, *factor alone) for an unknown unit.
bool unit_to_si(const std::string& unit, Dimension* dim, double* factor);

// What an expression may refer to. parameter_unit(n) gives the unit string of
// parameter #n as in spec/parameters.csv, or std::nullopt when there is no such
// parameter; switch_exists(n) likewise for function switches. An empty function
// means none exist.
struct Symbols {
    std::function<std::optional<std::string>(int)> parameter_unit;
    std::function<bool(int)> switch_exists;
};

// The values in force when evaluated: parameter #n in its spec unit (e.g. #69 =
// 30 for 30 ms), switch n on/off.
struct Values {
    std::function<double(int)> parameter;
    std::function<bool(int)> switch_on;
};

// A parsed, checked expression. Immutable; copies share the parsed tree.
class Expr {
public:
    Expr();  // the constant 0, dimension none

    // A constant in SI units of `d`; its text() is the value with that unit
    // ("0.2 s", "3.6 V", "4"), which parses back to the same constant.
    // Throws ExpressionError for a value that is not finite.
    static Expr constant(double value_si, Dimension d);

    // Parses; checks every parameter/switch reference against `symbols` and
    // every dimension rule. Throws ExpressionError.
    static Expr parse(const std::string& text, const Symbols& symbols);

    Dimension dimension() const;
    bool is_constant() const;  // no parameter or switch references
    bool references_parameters() const;
    std::vector<int> parameters() const;  // numbers referenced, sorted, unique
    std::vector<int> switches() const;    // likewise

    // Value in SI units of its dimension (time in s, voltage in V, ...).
    // Parameters are converted from their spec unit (#69 = 30 with unit ms ->
    // 0.030 s; #78 = 48 hours -> 172800 s; #83 in mΩ -> ohm), using the units
    // known when parsed. Switches are 1 or 0. Throws ExpressionError on a
    // division by zero, a non-finite result, or a reference `values` cannot give.
    double evaluate(const Values& values) const;

    const std::string& text() const;  // as written

    struct Tree;  // the parsed nodes; defined in expression.cpp

private:
    explicit Expr(std::shared_ptr<const Tree> tree);
    // Reads the root node to word its hint.
    friend void check_dimension(const Expr& e, Dimension expected, bool bare_allowed);
    std::shared_ptr<const Tree> tree_;  // never null
};

// For a field of a known dimension: a bare (dimension none) result is taken in
// the field's own unit (`bare_factor` to SI, e.g. 1e-3 for a field named
// resistance_mohm) when `bare_allowed`; a result of another dimension is an
// ExpressionError naming both dimensions. Returns the value in SI. For
// expected == none the result must be bare and is returned as it is
// (bare_allowed and bare_factor only concern dimensioned fields).
double evaluate_as(const Expr& e, Dimension expected, bool bare_allowed, double bare_factor, const Values& values);

// Parse-time form of the same check (no values needed): throws ExpressionError
// when evaluate_as would refuse the dimension.
void check_dimension(const Expr& e, Dimension expected, bool bare_allowed);

}  // namespace bmshil::rig::scenario
