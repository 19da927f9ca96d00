// The seam as the rig sees it: one interface, one folder per backend. The
// native adapter calls a firmware library in-process; the zmq adapter carries
// the same structs to another process or a bench (zmq/PROTOCOL.md).
// Scenarios never know which.
#pragma once

#include <string>

#include "board_contract.h"
#include "verdict.h"  // BoardIdentity

namespace bmshil::rig {

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
};

}  // namespace bmshil::rig
