// Checks that a threshold does NOT react: with its switch off; to a current
// in the other direction; to the temperature sensors it does not name.
#pragma once

#include <optional>
#include <string>

#include "check_run.h"

namespace bmshil::rig::oracle {

struct QuietSeen {
    std::string what;                        // "switch 10 off: cell over-voltage protection"
    std::optional<double> reacted_after_s;   // none: it stayed quiet for the whole window
    double window_s = 0.0;
};

// Pure: passes when nothing reacted within the window.
Finding judge_no_reaction(Finding f, const QuietSeen& seen);

Finding run_switch_off(CheckRun& run);
Finding run_opposite_direction(CheckRun& run);
Finding run_other_sensors(CheckRun& run);

}  // namespace bmshil::rig::oracle
