// The rules a parameter set must keep (spec/INTERPRETATION.md, "Settings"):
// each value inside its range from spec/parameters.csv, counts whole, every
// recovery strictly on the safe side of its trip, and the orderings the
// interpretation fixes. A set that breaks one is refused before anything runs.
#pragma once

#include <string>
#include <vector>

#include "spec.h"

namespace bmshil::rig::oracle {

struct RuleViolation {
    int parameter = 0;
    double value = 0.0;
    std::string rule;   // what it breaks, with the other value involved
    Origin origin;      // where the offending value was given (empty: a default)
    // "params.yaml:4: parameter #6 single_cell_overvoltage_recovery = 3.7 V: <rule>"
    std::string message(const Spec& spec) const;
};

// Every violation of the set, in parameter order (empty: the set is valid).
std::vector<RuleViolation> check_rules(const ParameterSet& set);

// A trip and the recovery that must lie on its safe side. `recovery_below`:
// the recovery must be smaller (in magnitude, for the manual's negative
// discharge currents) than the trip.
struct RecoveryPair {
    int trip = 0;
    int recovery = 0;
    bool recovery_below = true;
};
// From the threshold catalog, plus heating (#37/#38) and balancing (#63/#64).
std::vector<RecoveryPair> recovery_pairs(const Spec& spec);

}  // namespace bmshil::rig::oracle
