// The seam as the rig sees it: one interface, one folder per backend. The
// native adapter calls a firmware library in-process; the zmq adapter carries
// the same structs to another process or a bench (zmq/PROTOCOL.md).
// Scenarios never know which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "board_contract.h"
#include "verdict.h"  // BoardIdentity

namespace bmshil::rig {

// What a board's DAQ declares of itself (PROTOCOL.md, WELCOME `daq`): the
// steps its emulators set values in, and its latencies. All 0 for a board
// that gets the rig's values as they are.
struct DaqDeclaration {
    double cell_voltage_resolution_uV = 0.0;
    double pack_voltage_resolution_mV = 0.0;
    double current_resolution_mA = 0.0;
    double ntc_resolution_ohm = 0.0;
    double input_latency_us = 0.0;
    double edge_resolution_us = 0.0;
};

class BoardAdapter {
public:
    virtual ~BoardAdapter() = default;
    // The firmware's name.
    virtual std::string name() const = 0;
    // Which board, firmware, DAQ and calibration this is, for the reports.
    virtual BoardIdentity identity() const = 0;
    // Power-on reset of the board; storage outlives it. A remote board keeps
    // its own storage (its flash); `storage` is the rig's, for a local one.
    virtual void reset(bmshil_board_storage& storage) = 0;
    // One firmware run at in.now_us.
    virtual void step(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port) = 0;

    // Calls ahead, for a board where each exchange costs a round trip. How
    // many calls step_ahead takes at once; 1 = it cannot.
    virtual std::size_t max_calls_ahead() const { return 1; }
    // Runs the calls for ins[0..n) in order and stops after the first call
    // that changes the outputs it was entered with (`out` on entry, with
    // afe_sc_clear 0, as every call is entered; next_wake_us aside), sends
    // bytes, or asks for another wake than wakes[k] (the next_wake_us the
    // caller's prediction assumed). Returns how many calls ran; `out` and
    // `port.tx` are those of the last. port.rx goes to the first.
    virtual std::size_t step_ahead(const bmshil_board_inputs* ins, const std::uint64_t* wakes, std::size_t n,
                                   bmshil_board_outputs& out, bmshil_board_port& port) {
        (void)wakes;
        (void)n;
        step(ins[0], out, port);
        return 1;
    }

    // A board on its own clock (real time): what the rig learns besides the
    // outputs. Native and lock-step boards have none of it.
    virtual bool real_time() const { return false; }
    // The board's AFE trips by itself (the rig's model must not).
    virtual bool afe_on_board() const { return false; }
    // The board's AFE latch as the board reported it: tripped, and when (rig time).
    virtual bool board_afe_tripped(double* trip_s) const {
        (void)trip_s;
        return false;
    }
    // When the last change of the outputs happened on the board, in rig
    // seconds (its edge capture); < 0 if none since the start.
    virtual double last_edge_s() const { return -1.0; }
    // How late the board's outputs may reach the rig beyond a call's own
    // time: the link's delay and the DAQ's declared latencies (0 in lock-step).
    virtual double timing_slack_s() const { return 0.0; }
    // Why the item cannot be judged on this board ("" = it can): real-time
    // pacing that fell behind too often.
    virtual std::string inconclusive_reason() const { return ""; }
    virtual DaqDeclaration daq() const { return {}; }
    // One line of the link's figures for the log ("" = nothing to say).
    virtual std::string link_figures() const { return ""; }
};

}  // namespace bmshil::rig
