// The generated checks of one threshold: its trip value (slow ramp), its delay
// (a step across), its recovery value (ramp back), and its switch (off: no
// reaction). Each runs on a fresh rig and yields one finding that names the
// parameter, the configured value, the measured value and the tolerance.
#pragma once

#include <string>

#include "catalog.h"
#include "rig.h"
#include "scenario/scenario_runner.h"
#include "spec.h"
#include "verdict.h"

namespace bmshil::rig::oracle {

// How closely the rig can see a threshold, derived from the sensor models and
// the firmware tick, never from the firmware: see tolerances().
struct Tolerances {
    double cell_V;
    double pack_V;
    double terminal_V;
    double spread_V;
    double temperature_degC;
    double current_A;
    double tick_s;
    double of(Quantity q) const;
};
Tolerances tolerances(const model::PackConfig& pack, double tick_s);

enum class CheckKind { trip_value, delay, recovery, switch_off };
const char* to_string(CheckKind k);

struct CheckContext {
    Rig& rig;
    scenario::PortAccess& port;
    const ParameterSet& params;
    Tolerances tol;
};

// Whether a check can run with what this rig has (e.g. an alarm needs the port).
bool applicable(const Threshold& t, CheckKind kind, std::string* why);

Finding run_threshold_check(CheckContext& ctx, const Threshold& t, CheckKind kind);

}  // namespace bmshil::rig::oracle
