// The seam as the rig sees it: one interface, one folder per backend. The
// native adapter calls a firmware library in-process; a remote adapter carries
// the same structs to another process or a bench. Scenarios never know which.
#pragma once

#include <string>

#include "board_contract.h"

namespace bmshil::rig {

class BoardAdapter {
public:
    virtual ~BoardAdapter() = default;
    virtual std::string name() const = 0;
    // Power-on reset of the board; storage outlives it.
    virtual void reset(bmshil_board_storage& storage) = 0;
    // One firmware run at in.now_us.
    virtual void step(const bmshil_board_inputs& in, bmshil_board_outputs& out, bmshil_board_port& port) = 0;
};

}  // namespace bmshil::rig
