// The trip value of a threshold: the stimulus ramps slowly across it, and the
// value judged is the one a confirmation delay before the reaction (the
// firmware decided then and waited out its delay).
#pragma once

#include <optional>
#include <string>

#include "check_run.h"

namespace bmshil::rig::oracle {

struct CrossingSeen {
    std::string what;                 // "cell over-voltage protection (#5)"
    std::string event;                // "tripped" or "recovered"
    std::string reaction;             // "charge FET opens"
    std::optional<double> reaction_s; // when the reaction (or its end) was seen; none: never
    double last_value = 0.0;          // where the ramp ended, for a reaction never seen
    double configured = 0.0;
    double tolerance = 0.0;
    double confirmation_s = 0.0;      // the delay between deciding and reacting
    std::string unit;
};

// Pure: the value at reaction - confirmation against the configured value.
Finding judge_crossing(Finding f, const Trace& trace, const CrossingSeen& seen);

Finding run_trip_value(CheckRun& run);

}  // namespace bmshil::rig::oracle
