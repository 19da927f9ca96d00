// The rig as a library: a pack model, a board running a firmware through an
// adapter, in one SystemC elaboration. Scenarios, the CLI and the Python module
// drive it through this class. The kernel elaborates once per process, so one
// Rig lives per process; the suite runs each scenario in a forked child.
#pragma once

#include "simulated_time.h"

#include <stdexcept>

#include <functional>
#include <memory>
#include <string>

#include "adapters/board_adapter.h"
#include "board.h"
#include "pack_module.h"

namespace bmshil::rig {

struct RigConfig {
    std::string cell_file;
    std::string firmware_library;  // a shared library exporting bmshil_firmware_get
    // The board behind the seam (adapters/board_uri.h): native:LIB,
    // zmq:tcp://HOST:PORT, zmq:ipc://PATH; empty = native:firmware_library.
    std::string board_uri;
    // Any other backend; takes precedence over both.
    std::function<std::unique_ptr<BoardAdapter>()> make_adapter;
    model::PackConfig pack;
    BoardConfig board;
};

class Rig {
public:
    // Elaborates the model and the board and powers the board on.
    explicit Rig(const RigConfig& config);
    ~Rig();

    // Advance simulated time; throws SimulatedTimeError past kMaxSimulated_s.
    void run_for(double seconds);
    // Advance until cond() holds (checked every poll_s) or timeout_s passes.
    // Returns whether it held.
    bool run_until(const std::function<bool()>& cond, double timeout_s, double poll_s = 0.01);
    double now_s() const;

    model::Pack& pack() { return pack_->pack(); }  // synced to now
    model::PackModule& pack_module() { return *pack_; }
    Board& board() { return *board_; }
    BoardAdapter& adapter() { return *adapter_; }
    // After editing pack() inputs (charger, loads, faults) from outside a process.
    void inputs_changed();

private:
    std::unique_ptr<BoardAdapter> adapter_;
    std::unique_ptr<model::PackModule> pack_;
    std::unique_ptr<Board> board_;
};

}  // namespace bmshil::rig
