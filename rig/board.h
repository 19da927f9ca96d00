// The simulated board in the kernel: it turns the pack's sensor readings into
// the contract's inputs, calls the firmware through an adapter, and applies the
// firmware's outputs to the power stage and the AFE. It calls the firmware at
// every tick (default 10 ms), at the time the firmware asked to be woken when it
// sleeps, on the AFE's short-circuit trip, and on demand (port traffic, button).
#pragma once

#include <chrono>
#include <deque>
#include <exception>
#include <cstdint>
#include <functional>
#include <systemc>
#include <vector>

#include "adapters/board_adapter.h"
#include "pack_module.h"

namespace bmshil::rig {

struct BoardConfig {
    double tick_s = 0.010;
    std::size_t storage_bytes = 4096;
    std::size_t tx_capacity = 1024;
    bool measure_firmware_time = false;  // wall time spent inside the firmware
    // Run the next calls inside the same kernel activation while nothing else
    // is due before them (see Board::run). Off: one activation per call.
    bool run_ahead_of_kernel = true;
};

class Board : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Board);
    Board(const sc_core::sc_module_name& name, model::PackModule& pack, BoardAdapter& adapter,
          const BoardConfig& config);

    // Power-on reset of the firmware (storage kept), then run it at once.
    void power_on();
    // Power lost: the firmware is not called, every output is off (FETs open),
    // the port is silent, until power_on(). Storage is kept.
    void power_off();
    bool powered() const { return powered_; }
    // The button, as a person holds it; pressing it wakes a sleeping firmware.
    void set_button(bool pressed);
    // An interrupt: run the firmware as soon as the kernel allows (a charger
    // plugged in wakes a real board the same way).
    void wake();

    // The RS485 port. send() queues bytes for the board; run_now() delivers
    // them; take_sent() returns what the board transmitted since.
    void send(const std::vector<std::uint8_t>& bytes);
    void run_now();
    std::vector<std::uint8_t> take_sent();

    const bmshil_board_outputs& outputs() const { return out_; }
    // The board's time: inside its activation, the time of the call it is
    // making, which may be ahead of the kernel's; elsewhere the kernel's.
    sc_core::sc_time now() const { return in_run_ ? now_ : sc_core::sc_time_stamp(); }
    // While set, a change of the firmware's outputs pauses the kernel
    // (sc_pause), so a caller running ahead in long strides sees it at once.
    void pause_on_output_change(bool on) { pause_on_change_ = on; }
    // The kernel's current run (Rig::run_for). Calls ahead are predicted only
    // inside it: at its end the caller may change the inputs, and at its start
    // wakes from outside (and a tick left over at the last run's end) may
    // still be pending.
    void set_run(const sc_core::sc_time& start, const sc_core::sc_time& end) {
        run_start_ = start;
        horizon_ = end;
        paused_ = false;
    }
    // Calls the firmware ran ahead that the kernel has not reached yet.
    std::size_t calls_ahead_pending() const { return predicted_.size(); }
    std::uint64_t exchanges() const { return exchanges_; }  // adapter steps: round trips on a remote board
    // Called after every firmware call (a waveform samples here).
    void set_after_call(std::function<void()> fn) { after_call_ = std::move(fn); }
    std::vector<std::uint8_t>& storage() { return storage_; }
    std::uint64_t calls() const { return calls_; }
    // The kernel's activations of the board: fewer than calls() where calls
    // ran ahead of the kernel.
    std::uint64_t activations() const { return activations_; }
    const bmshil_board_inputs& inputs() const { return in_; }  // of the last call
    // A board link that failed inside the kernel (a remote board gone): the
    // kernel is paused and Rig::run_for rethrows it.
    std::exception_ptr failure() const { return failure_; }
    double firmware_wall_s() const { return firmware_wall_s_; }

private:
    void run();  // the method: one firmware call, then plan the next
    void pause_if_asked();
    void call_firmware();
    // Applies out_ to the power stage and the AFE; whether anything changed.
    bool apply_outputs();
    // Whether the call after this one, at `next`, may run in this activation:
    // nothing happened in this call that another process must see, and
    // nothing else is due in the kernel up to `next`.
    bool may_run_ahead(const sc_core::sc_time& next, bool nothing_happened) const;
    // The pack's readings at `at` (synced there) straight into the firmware's input fields.
    void fill_inputs(model::Pack& pack, const sc_core::sc_time& at, bmshil_board_inputs& in) const;
    // The delay to the next call from `at` when the firmware asked for
    // `next_wake_us` (0 = the next regular tick), as run() plans it.
    sc_core::sc_time next_call_delay(const sc_core::sc_time& at, std::uint64_t next_wake_us) const;
    // The next calls, predicted on a copy of the pack with the outputs held
    // and the firmware asking for the same wake interval as it last did:
    // in_ first, then one per call while nothing else happens.
    struct PlannedCall {
        bmshil_board_inputs in;
        std::uint64_t wake_us;  // the next_wake_us the prediction assumes it asks for
    };
    std::vector<PlannedCall> predict_calls(std::size_t max) const;
    // A call the firmware ran ahead, taken at its tick.
    bool replay_call();

    struct CallAhead {
        bmshil_board_inputs in;
        bmshil_board_outputs out;
        std::vector<std::uint8_t> tx;
    };

    model::PackModule& pack_;
    BoardAdapter& adapter_;
    BoardConfig config_;
    sc_core::sc_event wake_{"wake"};
    sc_core::sc_event outputs_changed_{"outputs_changed"};
    bool pause_on_change_ = false;
    std::function<void()> after_call_;
    bmshil_board_inputs in_{};
    bmshil_board_outputs out_{};
    bmshil_board_outputs applied_{};
    bool applied_once_ = false;
    std::vector<std::uint8_t> storage_;
    std::vector<std::uint8_t> rx_, tx_, sent_;
    sc_core::sc_time now_;  // the call's time (see now())
    bool in_run_ = false;
    bool paused_ = false;  // this board paused the kernel's current run
    bool button_ = false;
    bool powered_ = true;
    std::uint64_t calls_ = 0;
    std::uint64_t activations_ = 0;
    double firmware_wall_s_ = 0.0;
    std::exception_ptr failure_;
    sc_core::sc_time run_start_, horizon_;
    bool last_sc_tripped_ = false;
    std::uint64_t last_call_us_ = 0;  // the call whose outputs out_ holds
    std::deque<CallAhead> predicted_;
    std::size_t lookahead_ = 8;  // grows while the firmware's outputs hold
    std::uint64_t exchanges_ = 0;
};

}  // namespace bmshil::rig
