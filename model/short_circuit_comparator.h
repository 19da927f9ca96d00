// The AFE's short-circuit comparator: it watches the discharge current through
// the shunt and, once that current has stayed at or above its threshold for
// its delay, opens the discharge FET in hardware and latches until cleared.
//
// The loop current approaches its final value exponentially, so the moment it
// crosses the threshold is known in closed form: the pack steps exactly to it.
#pragma once

#include <limits>

namespace bmshil::model {

class ShortCircuitComparator {
public:
    ShortCircuitComparator(double threshold_A, double delay_s) : threshold_A_(threshold_A), delay_s_(delay_s) {}

    // The firmware's setting (the power-on one until it writes its own).
    void configure(double threshold_A, double delay_s) {
        threshold_A_ = threshold_A;
        delay_s_ = delay_s;
    }
    double threshold_A() const { return threshold_A_; }
    double delay_s() const { return delay_s_; }

    // The loop current (+ = charging) at now_s: arms at or above the threshold,
    // disarms below it.
    void observe(double current_A, double now_s);
    // Time from now until a current i(t) = infinity + (now - infinity) e^{-t/tau}
    // crosses the threshold while nothing is armed or latched; infinity if it does not.
    double crossing_in_s(double current_A, double infinity_A, double tau_s) const;
    // The crossing happened at now_s: the current is at the threshold, the delay runs.
    // Returns the loop current at the crossing (the threshold, discharging).
    double arm_at_crossing(double now_s);
    // The delay ran out with current_A flowing: the discharge FET opens.
    void trip(double current_A);
    // A board whose AFE trips by itself reported its trip at trip_time_s.
    void latch_reported(double trip_time_s, double current_A);
    void clear() { latched_ = false; }

    bool armed() const { return armed_; }
    double trip_at_s() const { return trip_at_s_; }
    bool latched() const { return latched_; }
    double trip_time_s() const { return trip_time_s_; }
    double trip_current_A() const { return trip_current_A_; }

private:
    double threshold_A_;
    double delay_s_;
    bool armed_ = false;
    double trip_at_s_ = 0.0;
    bool latched_ = false;
    double trip_time_s_ = 0.0;
    double trip_current_A_ = 0.0;
};

}  // namespace bmshil::model
