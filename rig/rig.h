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

    // A live run (bmshil serve): from now on every run_for goes through
    // `pace`, which advances with run_kernel_for in slices held to the wall
    // clock and serves the outside world between them. Empty: no pacing.
    void set_pace(std::function<void(double seconds)> pace) { pace_ = std::move(pace); }
    // The kernel alone for `seconds` (what run_for does without pacing).
    void run_kernel_for(double seconds);

private:
    std::function<void(double)> pace_;
    bool pacing_ = false;  // inside pace_: its own run_for calls go to the kernel
    std::unique_ptr<BoardAdapter> adapter_;
    std::unique_ptr<model::PackModule> pack_;
    std::unique_ptr<Board> board_;
};

}  // namespace bmshil::rig
