// The generated checks of one threshold, one kind each (check_run.h lists
// them). Each runs on a fresh rig and yields one finding that names the
// parameter or switch, the configured value, the measured value and the
// tolerance.
#pragma once

#include "check_run.h"

namespace bmshil::rig::oracle {

Finding run_check(CheckContext& ctx, const Threshold& t, CheckKind kind);

}  // namespace bmshil::rig::oracle
