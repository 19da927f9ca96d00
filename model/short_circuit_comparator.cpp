#include "short_circuit_comparator.h"

#include <cmath>

namespace bmshil::model {

void ShortCircuitComparator::observe(double current_A, double now_s) {
    if (latched_) return;
    // The threshold is compared within a relative 1e-12: a current placed at
    // the crossing must count as at it.
    if (-current_A >= threshold_A_ * (1.0 - 1e-12)) {
        if (!armed_) {
            armed_ = true;
            trip_at_s_ = now_s + delay_s_;
        }
    } else {
        armed_ = false;
    }
}

double ShortCircuitComparator::crossing_in_s(double current_A, double infinity_A, double tau_s) const {
    if (latched_ || armed_ || tau_s <= 0.0) return std::numeric_limits<double>::infinity();
    const double now = -current_A, target = -infinity_A;
    if (!(target > threshold_A_ && now < threshold_A_)) return std::numeric_limits<double>::infinity();
    return -tau_s * std::log((threshold_A_ - target) / (now - target));
}

double ShortCircuitComparator::arm_at_crossing(double now_s) {
    armed_ = true;
    trip_at_s_ = now_s + delay_s_;
    return -threshold_A_;
}

void ShortCircuitComparator::trip(double current_A) {
    armed_ = false;
    latched_ = true;
    trip_time_s_ = trip_at_s_;
    trip_current_A_ = current_A;
}

void ShortCircuitComparator::latch_reported(double trip_time_s, double current_A) {
    armed_ = false;
    latched_ = true;
    trip_time_s_ = trip_time_s;
    trip_current_A_ = current_A;
}

}  // namespace bmshil::model
