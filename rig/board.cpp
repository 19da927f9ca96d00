#include "board.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace bmshil::rig {

using sc_core::sc_time;
using sc_core::SC_SEC;

Board::Board(const sc_core::sc_module_name& name, model::PackModule& pack, BoardAdapter& adapter,
             const BoardConfig& config)
    : sc_module(name), pack_(pack), adapter_(adapter), config_(config), storage_(config.storage_bytes, 0xFF) {
    tx_.resize(config_.tx_capacity);
    SC_METHOD(run);
    sensitive << wake_ << pack_.sc_trip_event();
    dont_initialize();
    SC_METHOD(pause_if_asked);
    sensitive << outputs_changed_ << pack_.sc_trip_event();
    dont_initialize();
}

void Board::pause_if_asked() {
    if (pause_on_change_) sc_core::sc_pause();
}

void Board::power_on() {
    powered_ = true;
    bmshil_board_storage s{storage_.data(), storage_.size()};
    adapter_.reset(s);
    out_ = bmshil_board_outputs{};
    applied_once_ = false;
    wake();
}

void Board::power_off() {
    pack_.sync();
    powered_ = false;
    wake_.cancel();
    // An unpowered board drives nothing; the AFE keeps its last threshold.
    const bmshil_board_outputs last = out_;
    out_ = bmshil_board_outputs{};
    out_.afe_sc_threshold_ma = last.afe_sc_threshold_ma;
    out_.afe_sc_delay_us = last.afe_sc_delay_us;
    apply_outputs();
    rx_.clear();
}

void Board::set_button(bool pressed) {
    button_ = pressed;
    wake();
}

void Board::wake() {
    wake_.cancel();
    wake_.notify(sc_core::SC_ZERO_TIME);
}

void Board::send(const std::vector<std::uint8_t>& bytes) { rx_.insert(rx_.end(), bytes.begin(), bytes.end()); }

void Board::run_now() {
    if (!powered_) return;
    pack_.sync();
    call_firmware();
    apply_outputs();
}

std::vector<std::uint8_t> Board::take_sent() {
    std::vector<std::uint8_t> out;
    out.swap(sent_);
    return out;
}

void Board::run() {
    if (!powered_ || failure_) return;
    pack_.sync();
    call_firmware();
    apply_outputs();
    // A firmware that asked for a later wake sleeps until then.
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    double next_s = now_s + config_.tick_s;
    if (out_.next_wake_us != 0) {
        const double asked_s = static_cast<double>(out_.next_wake_us) * 1e-6;
        if (asked_s > now_s) next_s = asked_s;
    }
    wake_.notify(sc_time(next_s - now_s, SC_SEC));
}

void Board::call_firmware() {
    pack_.pack().measure(readings_);
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    in_.now_us = static_cast<std::uint64_t>(std::llround(now_s * 1e6));
    const std::size_t n = std::min<std::size_t>(readings_.cell_tap_uV.size(), BMSHIL_MAX_CELLS);
    std::copy_n(readings_.cell_tap_uV.begin(), n, in_.cell_tap_uv);
    in_.pack_terminal_mv = readings_.pack_terminal_mV;
    in_.shunt_current_ma = readings_.shunt_current_mA;
    std::copy(std::begin(readings_.ntc_ohm), std::end(readings_.ntc_ohm), in_.ntc_ohm);
    in_.button_pressed = button_ ? 1 : 0;
    in_.afe_sc_tripped = readings_.sc_latched ? 1 : 0;
    in_.afe_sc_trip_time_us = static_cast<std::uint64_t>(std::llround(readings_.sc_trip_time_s * 1e6));

    bmshil_board_port port{rx_.data(), rx_.size(), tx_.data(), tx_.size(), 0};
    out_.afe_sc_clear = 0;
    try {
        if (config_.measure_firmware_time) {
            const auto start = std::chrono::steady_clock::now();
            adapter_.step(in_, out_, port);
            firmware_wall_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        } else {
            adapter_.step(in_, out_, port);
        }
    } catch (const std::exception&) {
        // Thrown out of a process, it would reach the caller as a kernel
        // report; kept, it reaches it as itself.
        if (!sc_core::sc_get_current_process_handle().valid()) throw;
        failure_ = std::current_exception();
        sc_core::sc_pause();
        return;
    }
    ++calls_;
    rx_.clear();
    if (after_call_) after_call_();
    sent_.insert(sent_.end(), tx_.begin(), tx_.begin() + static_cast<long>(std::min(port.tx_len, tx_.size())));
}

void Board::apply_outputs() {
    model::Pack& pack = pack_.pack();
    bool changed = false;
    const bool switches_differ = !applied_once_ || out_.charge_fet_on != applied_.charge_fet_on ||
                                 out_.discharge_fet_on != applied_.discharge_fet_on ||
                                 out_.precharge_on != applied_.precharge_on || out_.heater_on != applied_.heater_on ||
                                 out_.limiter_on != applied_.limiter_on || out_.balance_mask != applied_.balance_mask;
    if (switches_differ) {
        model::PowerStageCommand cmd;
        cmd.charge_fet = out_.charge_fet_on != 0;
        cmd.discharge_fet = out_.discharge_fet_on != 0;
        cmd.precharge = out_.precharge_on != 0;
        cmd.heater = out_.heater_on != 0;
        cmd.limiter = out_.limiter_on != 0;
        cmd.balance_mask = out_.balance_mask;
        pack.command(cmd);
        changed = true;
        outputs_changed_.notify(sc_core::SC_ZERO_TIME);
    }
    if (!applied_once_ || out_.afe_sc_threshold_ma != applied_.afe_sc_threshold_ma ||
        out_.afe_sc_delay_us != applied_.afe_sc_delay_us) {
        if (out_.afe_sc_threshold_ma > 0)
            pack.configure_sc_comparator(out_.afe_sc_threshold_ma * 1e-3, out_.afe_sc_delay_us * 1e-6);
        changed = true;
    }
    if (out_.afe_sc_clear && pack.sc_latched()) {
        pack.clear_sc_latch();
        changed = true;
    }
    applied_ = out_;
    applied_once_ = true;
    if (changed) pack_.changed();
}

}  // namespace bmshil::rig
