#include "rig.h"

#include <cstdio>

#include "adapters/board_uri.h"
#include "adapters/native/native_adapter.h"

namespace bmshil::rig {

using sc_core::sc_time;
using sc_core::SC_SEC;

Rig::Rig(const RigConfig& config) {
    if (config.make_adapter)
        adapter_ = config.make_adapter();
    else if (!config.board_uri.empty())
        adapter_ = make_board_adapter(parse_board_uri(config.board_uri), config.board);
    else
        adapter_ = std::make_unique<NativeAdapter>(config.firmware_library);
    auto type = std::make_shared<const model::CellType>(model::load_cell_params(config.cell_file));
    pack_ = std::make_unique<model::PackModule>("pack", config.pack, type);
    board_ = std::make_unique<Board>("board", *pack_, *adapter_, config.board);
    board_->power_on();
}

Rig::~Rig() = default;

double Rig::now_s() const { return board_->now().to_seconds(); }

void Rig::run_for(double seconds) {
    if (pace_ && !pacing_) {
        pacing_ = true;
        try {
            pace_(seconds);
        } catch (...) {
            pacing_ = false;
            throw;
        }
        pacing_ = false;
        return;
    }
    run_kernel_for(seconds);
}

void Rig::run_kernel_for(double seconds) {
    if (!(seconds <= kMaxSimulated_s - now_s())) {
        char what[160];
        std::snprintf(what, sizeof what, "%.6g s from %.6g s would pass the %.0f days a run can simulate", seconds,
                      now_s(), kMaxSimulated_s / 86400.0);
        throw SimulatedTimeError(what);
    }
    if (seconds > 0.0) {
        board_->set_run(sc_core::sc_time_stamp(), sc_core::sc_time_stamp() + sc_time(seconds, SC_SEC));
        sc_core::sc_start(sc_time(seconds, SC_SEC));
    }
    if (board_->failure()) std::rethrow_exception(board_->failure());
    pack_->sync();
}

bool Rig::run_until(const std::function<bool()>& cond, double timeout_s, double poll_s) {
    const double end = now_s() + timeout_s;
    pack_->sync();
    // Strides of poll_s, cut short whenever the firmware changes its outputs
    // or the AFE trips: what a condition usually waits for.
    board_->pause_on_output_change(true);
    bool held = cond();
    while (!held) {
        const double remaining = end - now_s();
        if (remaining <= 1e-12) break;
        run_for(std::min(poll_s, remaining));
        held = cond();
    }
    board_->pause_on_output_change(false);
    return held;
}

void Rig::inputs_changed() {
    pack_->sync();
    pack_->pack().inputs_changed();
    pack_->changed();
    board_->wake();
}

}  // namespace bmshil::rig
