// The delay of a threshold, or of its recovery: a step across, and the time
// until the reaction (or its end) is seen.
#pragma once

#include <optional>
#include <string>

#include "check_run.h"

namespace bmshil::rig::oracle {

struct TimingSeen {
    std::string what;                  // "cell over-voltage protection (#5)"
    std::string event;                 // "reacted", "recovered", "reclosed"
    double step_s = 0.0;               // when the stimulus stepped
    std::optional<double> reaction_s;  // when the reaction was seen; none: not within the window
    double window_s = 0.0;
    double configured_s = 0.0;
    double tolerance_s = 0.0;          // one tick to see the step, one poll to see the reaction
    std::string detail;                // "after a step to 3.68 V"
};

// Pure: measured = reaction - step, against the configured delay.
Finding judge_timing(Finding f, const TimingSeen& seen);

Finding run_delay(CheckRun& run);

}  // namespace bmshil::rig::oracle
