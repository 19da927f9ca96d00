// The AFE's short-circuit comparator of a board on its own clock (the virtual
// board in real time), as a real AFE has it: the discharge current at or past
// the threshold the firmware set, for the delay it set, trips it; it latches
// and opens the discharge path by itself, and releases when the firmware asks.
// Its trip time is exact on the board's clock.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace bmshil::rig {

class ShortCircuitAfe {
public:
    void configure(std::int32_t threshold_mA, std::uint32_t delay_us) {
        threshold_mA_ = threshold_mA;
        delay_us_ = delay_us;
    }
    // The shunt current (+ = charging) from board time `at_us` on.
    void sense(std::int32_t current_mA, std::uint64_t at_us) {
        const bool over = threshold_mA_ > 0 && current_mA <= -threshold_mA_;
        if (over && !over_) over_since_us_ = at_us;
        over_ = over;
    }
    // When it trips if nothing changes; 0 = it will not.
    std::uint64_t trip_due_us() const { return over_ && !latched_ ? over_since_us_ + delay_us_ : 0; }
    // Trips if due by `now_us`; true if it tripped just now.
    bool update(std::uint64_t now_us) {
        const std::uint64_t due = trip_due_us();
        if (due == 0 || now_us < due) return false;
        latched_ = true;
        trip_us_ = due;
        return true;
    }
    void release() {
        latched_ = false;
        over_ = false;  // a current still past the threshold counts again from now
    }
    bool latched() const { return latched_; }
    std::uint64_t trip_us() const { return trip_us_; }

private:
    std::int32_t threshold_mA_ = 0;
    std::uint32_t delay_us_ = 0;
    bool over_ = false;
    std::uint64_t over_since_us_ = 0;
    bool latched_ = false;
    std::uint64_t trip_us_ = 0;
};

}  // namespace bmshil::rig
