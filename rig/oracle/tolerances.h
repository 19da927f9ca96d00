// How closely the rig can see a threshold, derived from the sensor models and
// the firmware tick, never from the firmware.
#pragma once

#include "catalog.h"
#include "pack.h"

namespace bmshil::rig::oracle {

struct Tolerances {
    double cell_V = 0.0;
    double pack_V = 0.0;
    double terminal_V = 0.0;
    double spread_V = 0.0;
    double temperature_degC = 0.0;
    double current_A = 0.0;
    double tick_s = 0.0;
    // How much later a remote board's reaction may reach the rig than the
    // call that made it (the link and the DAQ's declared latencies; 0 for a
    // board in lock-step).
    double link_s = 0.0;
    double of(Quantity q) const;
};

Tolerances tolerances(const model::PackConfig& pack, double tick_s);

// The same on a board in real time behind a DAQ: its emulators set each value
// only to their declared resolution (half a step each way), and its reactions
// reach the rig `link_s` late.
struct DaqSteps {
    double cell_V = 0.0, pack_V = 0.0, current_A = 0.0, ntc_ohm = 0.0;
};
Tolerances widened_for_daq(Tolerances t, const model::PackConfig& pack, const DaqSteps& steps, double link_s);

// How long a flag read over the port may trail its change: the oracle looks
// at flags every 50 ms (one Modbus transaction each); FETs every tick.
constexpr double kFlagPoll_s = 0.05;

}  // namespace bmshil::rig::oracle
