// Everything in a scenario that can be checked before it runs, against the
// register map the run will use: every signal a condition or a mark reads
// (probes, reg:, bit:, param_bit:, at:<mark>:), every register a step or the
// settings write, and every mark an expectation counts from. The parser has
// already checked syntax, units and ranges; this is what needs the map.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "observer/register_map.h"
#include "oracle/parameter_rules.h"
#include "scenario.h"

namespace bmshil::rig::scenario {

// One message per problem, each "file:line: ...". Empty: nothing found.
std::vector<std::string> check_scenario(const Scenario& s, const RegisterMap& map, std::size_t cell_count);

// The scenario's settings applied to the parameters in force, against the
// manual's rules (what the runner would refuse when the item starts), and every
// write step of a constant value against its parameter's range, unless the
// step expects the refusal.
std::vector<std::string> check_settings(const Scenario& s, const RegisterMap& map, const oracle::ParameterSet& in_force);

}  // namespace bmshil::rig::scenario
