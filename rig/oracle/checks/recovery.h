// How a threshold recovers. By value (hysteresis): from past the trip the
// stimulus ramps back through the recovery value, judged a confirmation
// delay before the reaction ends; and a step back past the recovery value,
// timed against that delay. By time (the over-current protections): the
// cause removed, the FET recloses after #70.
#pragma once

#include "check_run.h"

namespace bmshil::rig::oracle {

Finding run_recovery(CheckRun& run);
Finding run_recovery_delay(CheckRun& run);

}  // namespace bmshil::rig::oracle
