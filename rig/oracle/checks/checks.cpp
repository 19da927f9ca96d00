#include "checks.h"

#include "delay.h"
#include "no_reaction.h"
#include "recovery.h"
#include "trip_value.h"

namespace bmshil::rig::oracle {

Finding run_check(CheckContext& ctx, const Threshold& t, CheckKind kind) {
    CheckRun run(ctx, t, kind);
    Finding f;
    switch (kind) {
        case CheckKind::trip_value: f = run_trip_value(run); break;
        case CheckKind::delay: f = run_delay(run); break;
        case CheckKind::recovery: f = run_recovery(run); break;
        case CheckKind::recovery_delay: f = run_recovery_delay(run); break;
        case CheckKind::switch_off: f = run_switch_off(run); break;
        case CheckKind::opposite_direction: f = run_opposite_direction(run); break;
        case CheckKind::other_sensors: f = run_other_sensors(run); break;
    }
    // Say what else was held off, so a reader knows what the check assumed.
    if (!run.isolated().empty()) {
        std::string list;
        for (const Isolation& i : run.isolated()) list += (list.empty() ? "" : ", ") + std::to_string(i.switch_number);
        f.message += " (switches off meanwhile: " + list + ")";
    }
    return f;
}

}  // namespace bmshil::rig::oracle
