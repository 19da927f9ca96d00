// Parameter sets to run the suite under, generated from spec/ alone.
//
// - The separating set: every value that is equal (or nearly so) to another
//   of its kind at the manual's defaults is pulled apart - the cell voltage
//   recoveries #2 and #6, the totals that are 16 times a cell value (#17 = 16 x
//   #7), the charge and discharge over-current protections #55 and #56, ... -
//   so a firmware that uses the wrong one of two parameters fails; delays,
//   counts and times are moved off their defaults; temperatures sit off whole
//   degrees. Valid by the manual's rules.
// - Random sets: each behaviour parameter drawn around its default from a
//   seed, trip and recovery moved together so the recovery stays on its side.
//
// Parameters that describe the pack itself (capacity, cell count, where its
// interconnects sit) keep their defaults: a bench configures them to match
// the pack, they are not behaviour to vary.
#pragma once

#include <cstdint>

#include "spec.h"

namespace bmshil::rig::oracle {

ParameterSet separating_set(const Spec& spec);
ParameterSet random_set(const Spec& spec, std::uint64_t seed);

// The resolution the manual writes a unit in (V to the mV, degC and A to a
// tenth, the rest whole); generated values are rounded to it.
double resolution_of(const std::string& unit);

}  // namespace bmshil::rig::oracle
