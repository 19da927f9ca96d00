// Which other protections a check's stimulus would set off, so the reaction
// seen is the one under test: worked out from the stimulus plans at the ends
// of the check and the parameter set in force, never from the defaults'
// coincidences (at the defaults, for instance, the total under-voltage #17 is
// 16 times the cell's #7, so both trip together).
#pragma once

#include <string>
#include <vector>

#include "catalog.h"
#include "spec.h"
#include "stimulus.h"
#include "tolerances.h"

namespace bmshil::rig::oracle {

struct Isolation {
    int switch_number = 0;
    std::string why;  // "cell under-voltage protection (#7 = 2.7 V) reached by the lowest cell voltage"
};

// Whether another reaction would be mistaken for, or would end the stimulus
// of, threshold `t`'s reaction.
bool collides(const Threshold& t, Reaction other);

// The switches to turn off while `t` is checked with these plans (the ends of
// its stimulus). Thresholds whose switch is already off are left alone.
std::vector<Isolation> isolate(const Threshold& t, const std::vector<StimulusPlan>& plans, const ParameterSet& params,
                               const Tolerances& tol, const std::vector<int>& ntc_cells);

}  // namespace bmshil::rig::oracle
