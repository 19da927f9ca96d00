#include "parameter_rules.h"

#include <cmath>

#include "catalog.h"

#include "format.h"

namespace bmshil::rig::oracle {
namespace {

std::string describe(const Spec& spec, int number, double value) {
    const Parameter& p = spec.parameter(number);
    return "#" + std::to_string(number) + " " + p.key + " = " + fmt(value) + " " + p.unit;
}

bool is_discharge_current(const Parameter& p) { return p.unit == "A" && p.default_value < 0.0; }

}  // namespace

std::string RuleViolation::message(const Spec& spec) const {
    return origin.where() + "parameter " + describe(spec, parameter, value) + " (" + spec.parameter(parameter).name +
           "): " + rule;
}

std::vector<RecoveryPair> recovery_pairs(const Spec& spec) {
    std::vector<RecoveryPair> pairs;
    for (const Threshold& t : spec.thresholds()) {
        if (t.recovery == 0) continue;
        // A threshold that trips upwards recovers below its trip, and the other way round.
        pairs.push_back({t.trip, t.recovery, t.direction > 0});
    }
    // Heating is on below #37 and off again at #38; balancing starts at a
    // difference of #63 and ends at #64 (INTERPRETATION.md, groups 37-38 and 9, 63-65).
    pairs.push_back({37, 38, false});
    pairs.push_back({63, 64, true});
    return pairs;
}

std::vector<RuleViolation> check_rules(const ParameterSet& set) {
    const Spec& spec = set.spec();
    std::vector<RuleViolation> out;
    const auto add = [&](int number, const std::string& rule) {
        out.push_back({number, set[number], rule, set.origin_of_parameter(number)});
    };
    for (const auto& [n, p] : spec.parameters()) {
        const double v = set[n];
        if (!std::isfinite(v)) {
            add(n, "not a finite number");
            continue;
        }
        if (v < p.min_value || v > p.max_value)
            add(n, "outside its range " + fmt(p.min_value) + ".." + fmt(p.max_value) + " " + p.unit + " (spec/parameters.csv)");
        if (p.integral() && v != std::floor(v)) add(n, "a count must be a whole number");
    }
    for (const RecoveryPair& pair : recovery_pairs(spec)) {
        const Parameter& trip = spec.parameter(pair.trip);
        // The manual writes discharge currents as negative numbers; "below"
        // means smaller in magnitude.
        const double sign = is_discharge_current(trip) ? -1.0 : 1.0;
        const double t = sign * set[pair.trip], r = sign * set[pair.recovery];
        const bool ok = pair.recovery_below ? r < t : r > t;
        if (ok) continue;
        const std::string side = pair.recovery_below ? (sign < 0 ? "smaller in magnitude than" : "below")
                                                     : (sign < 0 ? "larger in magnitude than" : "above");
        const std::string rule = "a recovery must lie strictly " + side + " its trip " +
                                 describe(spec, pair.trip, set[pair.trip]) + " (hysteresis; INTERPRETATION.md)";
        // Name the value the user gave: the recovery, unless only the trip was moved.
        const bool trip_moved = set.overridden_parameters().count(pair.trip) != 0;
        const bool recovery_moved = set.overridden_parameters().count(pair.recovery) != 0;
        if (trip_moved && !recovery_moved)
            add(pair.trip, "its recovery " + describe(spec, pair.recovery, set[pair.recovery]) + " must lie strictly " +
                               side + " it (hysteresis; INTERPRETATION.md)");
        else
            add(pair.recovery, rule);
    }
    // The remaining capacity is part of the rated one.
    if (set[60] > set[59]) add(60, "the remaining capacity exceeds the rated capacity " + describe(spec, 59, set[59]));
    // Compensation points sit after a cell of the string.
    for (int pos : {84, 86})
        if (set[pos] > set[66]) add(pos, "a cell position beyond the series count " + describe(spec, 66, set[66]));
    return out;
}

}  // namespace bmshil::rig::oracle
