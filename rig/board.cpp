#include "board.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace bmshil::rig {

using sc_core::sc_time;
using sc_core::SC_SEC;

Board::Board(const sc_core::sc_module_name& name, model::PackModule& pack, BoardAdapter& adapter,
             const BoardConfig& config)
    : sc_module(name), pack_(pack), adapter_(adapter), config_(config), storage_(config.storage_bytes, 0xFF) {
    // The AFE writes each cell's reading straight into the contract's fields.
    if (pack_.pack().cell_count() != BMSHIL_MAX_CELLS)
        throw std::invalid_argument("board: the contract carries " + std::to_string(BMSHIL_MAX_CELLS) +
                                    " cells, the pack has " + std::to_string(pack_.pack().cell_count()));
    tx_.resize(config_.tx_capacity);
    SC_METHOD(run);
    sensitive << wake_ << pack_.sc_trip_event();
    dont_initialize();
    SC_METHOD(pause_if_asked);
    sensitive << outputs_changed_ << pack_.sc_trip_event();
    dont_initialize();
}

void Board::pause_if_asked() {
    if (!pause_on_change_) return;
    sc_core::sc_pause();
    paused_ = true;  // the kernel stops after this delta: no call may run ahead of it
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
    // Inside the board's own activation (a probe reading the port after a
    // call) at that call's time.
    now_ = now();
    pack_.sync_to(now_);
    call_firmware();
    apply_outputs();
}

std::vector<std::uint8_t> Board::take_sent() {
    std::vector<std::uint8_t> out;
    out.swap(sent_);
    return out;
}

sc_time Board::next_call_delay(const sc_time& at, std::uint64_t next_wake_us) const {
    const double now_s = at.to_seconds();
    double next_s = now_s + config_.tick_s;
    // A firmware that asked for a later wake sleeps until then.
    if (next_wake_us != 0) {
        const double asked_s = static_cast<double>(next_wake_us) * 1e-6;
        if (asked_s > now_s) next_s = asked_s;
    }
    return sc_time(next_s - now_s, SC_SEC);
}

void Board::run() {
    if (!powered_ || failure_) return;
    // Temporal decoupling with an exact horizon: the kernel would only wake
    // this method again at the next call, so while no other process has
    // anything due before it, the next call runs here, at its own time, on the
    // pack advanced to that time. The pack, the firmware and every reading see
    // the same sequence as with one activation per call, without the kernel's
    // cost per call. Anything another process must see (outputs changed, a
    // trip, bytes sent) ends the run ahead, and is notified at its own time.
    in_run_ = true;
    ++activations_;
    now_ = sc_core::sc_time_stamp();
    for (;;) {
        const bool latched_before = pack_.pack().sc_latched();
        const std::size_t sent_before = sent_.size();
        pack_.sync_to(now_);
        call_firmware();
        const bool changed = apply_outputs();
        const bool nothing_happened = !changed && pack_.pack().sc_latched() == latched_before &&
                                      sent_.size() == sent_before && !failure_;
        const sc_time next = now_ + next_call_delay(now_, out_.next_wake_us);
        if (!may_run_ahead(next, nothing_happened)) {
            wake_.notify(next - sc_core::sc_time_stamp());
            break;
        }
        now_ = next;
    }
    in_run_ = false;
}

bool Board::may_run_ahead(const sc_time& next, bool nothing_happened) const {
    if (!config_.run_ahead_of_kernel || !nothing_happened || !powered_ || paused_) return false;
    // Not past the caller's run (it may change the inputs at its end), nor up
    // to anything else pending: at an equal time the kernel picks the order.
    return next < horizon_ && next - sc_core::sc_time_stamp() < sc_core::sc_time_to_pending_activity();
}

void Board::fill_inputs(model::Pack& pack, const sc_time& at, bmshil_board_inputs& in) const {
    // Whole microseconds of the kernel's integer time, rounded half up.
    static const std::uint64_t ticks_per_us = sc_time(1.0, sc_core::SC_US).value();
    in.now_us = (at.value() + ticks_per_us / 2) / ticks_per_us;
    pack.measure(model::SensorSink{in.cell_tap_uv, &in.pack_terminal_mv, &in.shunt_current_ma, in.ntc_ohm});
    in.button_pressed = button_ ? 1 : 0;
    in.afe_sc_tripped = pack.sc_latched() ? 1 : 0;
    in.afe_sc_trip_time_us = static_cast<std::uint64_t>(std::llround(pack.sc_trip_time_s() * 1e6));
}

namespace {

// The first input two sets differ in, "" if none.
std::string first_difference(const bmshil_board_inputs& predicted, const bmshil_board_inputs& actual) {
    const auto differ = [](const char* field, long long p, long long a) {
        return std::string(field) + " " + std::to_string(a) + " (predicted " + std::to_string(p) + ")";
    };
    if (predicted.now_us != actual.now_us) return differ("now_us", predicted.now_us, actual.now_us);
    for (std::size_t i = 0; i < BMSHIL_MAX_CELLS; ++i)
        if (predicted.cell_tap_uv[i] != actual.cell_tap_uv[i])
            return differ(("cell_tap_uv[" + std::to_string(i) + "]").c_str(), predicted.cell_tap_uv[i], actual.cell_tap_uv[i]);
    if (predicted.pack_terminal_mv != actual.pack_terminal_mv)
        return differ("pack_terminal_mv", predicted.pack_terminal_mv, actual.pack_terminal_mv);
    if (predicted.shunt_current_ma != actual.shunt_current_ma)
        return differ("shunt_current_ma", predicted.shunt_current_ma, actual.shunt_current_ma);
    for (std::size_t i = 0; i < BMSHIL_NTC_COUNT; ++i)
        if (predicted.ntc_ohm[i] != actual.ntc_ohm[i])
            return differ(("ntc_ohm[" + std::to_string(i) + "]").c_str(), predicted.ntc_ohm[i], actual.ntc_ohm[i]);
    if (predicted.button_pressed != actual.button_pressed)
        return differ("button_pressed", predicted.button_pressed, actual.button_pressed);
    if (predicted.afe_sc_tripped != actual.afe_sc_tripped)
        return differ("afe_sc_tripped", predicted.afe_sc_tripped, actual.afe_sc_tripped);
    if (predicted.afe_sc_trip_time_us != actual.afe_sc_trip_time_us)
        return differ("afe_sc_trip_time_us", static_cast<long long>(predicted.afe_sc_trip_time_us),
                      static_cast<long long>(actual.afe_sc_trip_time_us));
    return "";
}

}  // namespace

std::vector<Board::PlannedCall> Board::predict_calls(std::size_t max) const {
    // The interval the firmware asked for last time (0: the regular tick).
    const std::uint64_t interval_us =
        out_.next_wake_us > last_call_us_ ? out_.next_wake_us - last_call_us_ : 0;
    const auto wake_after = [&](const bmshil_board_inputs& in) { return interval_us ? in.now_us + interval_us : 0; };
    std::vector<PlannedCall> calls{{in_, wake_after(in_)}};
    // The kernel's course until the horizon with the outputs held: the board
    // ticks, and the pack's own wakes in between, replayed on a copy in the
    // order and with the arithmetic the kernel uses, so the copy's readings
    // are the ones the pack will give.
    model::Pack ahead = pack_.pack();
    const bool latched = ahead.sc_latched();
    sc_time wake = pack_.scheduled_wake();
    sc_time t = now_;
    while (calls.size() < max) {
        t += next_call_delay(t, calls.back().wake_us);
        if (t >= horizon_) break;
        while (wake <= t) {
            if (wake == t) return calls;  // which of the two runs first is the kernel's choice
            ahead.advance_to(wake.to_seconds());
            if (ahead.sc_latched() != latched) return calls;  // the trip wakes the board off its schedule
            wake += model::PackModule::wake_delay(ahead, wake.to_seconds());
        }
        ahead.advance_to(t.to_seconds());
        if (ahead.sc_latched() != latched) return calls;
        PlannedCall next{};
        fill_inputs(ahead, t, next.in);
        next.wake_us = wake_after(next.in);
        calls.push_back(next);
    }
    return calls;
}

bool Board::replay_call() {
    if (predicted_.empty()) return false;
    CallAhead call = std::move(predicted_.front());
    predicted_.pop_front();
    const std::string difference = first_difference(call.in, in_);
    if (!difference.empty()) {
        // The firmware ran on inputs the pack did not give: never judge that.
        char at[64];
        std::snprintf(at, sizeof at, "at %.6f s", now_.to_seconds());
        failure_ = std::make_exception_ptr(std::logic_error(
            std::string(at) + " the board's inputs differ from those its calls ahead ran with: " + difference +
            ": the rig predicted the pack wrongly (a rig fault; lookahead=off in the board's URI avoids it)"));
        predicted_.clear();
        sc_core::sc_pause();
        return true;
    }
    out_ = call.out;
    sent_.insert(sent_.end(), call.tx.begin(), call.tx.end());
    return true;
}

void Board::call_firmware() {
    const bool tripped_before = last_sc_tripped_;
    fill_inputs(pack_.pack(), now_, in_);
    last_sc_tripped_ = in_.afe_sc_tripped != 0;

    const bool in_kernel = sc_core::sc_get_current_process_handle().valid();
    if (in_kernel && replay_call()) {
        last_call_us_ = in_.now_us;
        ++calls_;
        rx_.clear();
        if (after_call_) after_call_();
        return;
    }
    bmshil_board_port port{rx_.data(), rx_.size(), tx_.data(), tx_.size(), 0};
    out_.afe_sc_clear = 0;
    try {
        // The clock is read only when asked to: a read costs ~27 ns here, a
        // tenth of the harness's share of a call.
        const auto start = config_.measure_firmware_time ? std::chrono::steady_clock::now()
                                                          : std::chrono::steady_clock::time_point{};
        // Calls ahead while the firmware ticks with nothing on its port: the
        // remote board runs them in one exchange and stops where the outputs move.
        const std::size_t max_ahead = adapter_.max_calls_ahead();
        // Not where another wake may be pending at this time: at the run's
        // start, or where the AFE has just tripped (its event wakes the board).
        const bool quiet = now_ > run_start_ && (in_.afe_sc_tripped != 0) == tripped_before;
        if (in_kernel && max_ahead > 1 && rx_.empty() && quiet && !failure_) {
            const std::vector<PlannedCall> calls = predict_calls(std::min(lookahead_, max_ahead));
            std::vector<bmshil_board_inputs> ins;
            std::vector<std::uint64_t> wakes;
            for (const PlannedCall& c : calls) {
                ins.push_back(c.in);
                wakes.push_back(c.wake_us);
            }
            const bmshil_board_outputs before = out_;
            const std::size_t ran = adapter_.step_ahead(ins.data(), wakes.data(), ins.size(), out_, port);
            if (ran > 1) {
                // This call and the ones up to the last left the outputs as
                // they were and asked for the wakes the prediction assumed.
                const auto held = [&](std::size_t k) {
                    bmshil_board_outputs o = before;
                    o.next_wake_us = wakes[k];
                    return o;
                };
                CallAhead last{ins[ran - 1], out_,
                               std::vector<std::uint8_t>(tx_.begin(), tx_.begin() + static_cast<long>(std::min(port.tx_len, tx_.size())))};
                for (std::size_t k = 1; k + 1 < ran; ++k) predicted_.push_back({ins[k], held(k), {}});
                predicted_.push_back(std::move(last));
                out_ = held(0);
                port.tx_len = 0;
            }
            lookahead_ = ran == ins.size() ? std::min<std::size_t>(2 * lookahead_, 4096) : std::max<std::size_t>(8, lookahead_ / 2);
        } else {
            adapter_.step(in_, out_, port);
        }
        ++exchanges_;
        if (config_.measure_firmware_time)
            firmware_wall_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } catch (const std::exception&) {
        // Thrown out of a process, it would reach the caller as a kernel
        // report; kept, it reaches it as itself.
        if (!in_kernel) throw;
        failure_ = std::current_exception();
        sc_core::sc_pause();
        return;
    }
    last_call_us_ = in_.now_us;
    ++calls_;
    rx_.clear();
    if (after_call_) after_call_();
    sent_.insert(sent_.end(), tx_.begin(), tx_.begin() + static_cast<long>(std::min(port.tx_len, tx_.size())));
}

bool Board::apply_outputs() {
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
        outputs_changed_.notify(now() - sc_core::sc_time_stamp());
    }
    if (adapter_.afe_on_board()) {
        // The board's own AFE trips and releases; the model mirrors its latch
        // and never trips by itself.
        double trip_s = 0.0;
        const bool tripped = adapter_.board_afe_tripped(&trip_s);
        if (!applied_once_) pack.configure_sc_comparator(1e12, 1.0);
        if (tripped && !pack.sc_latched()) {
            pack.latch_sc_reported(trip_s);
            changed = true;
        } else if (!tripped && pack.sc_latched()) {
            pack.clear_sc_latch();
            changed = true;
        }
    } else {
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
    }
    applied_ = out_;
    applied_once_ = true;
    if (changed) pack_.changed_at(now());
    return changed;
}

}  // namespace bmshil::rig
