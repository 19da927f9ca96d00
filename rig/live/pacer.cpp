#include "pacer.h"

#include <algorithm>
#include <stdexcept>

namespace bmshil::rig::live {

Pacer::Pacer(double speed, double tick_s) : speed_(speed), tick_s_(tick_s) {
    if (!(speed > 0.0)) throw std::invalid_argument("--speed must be above 0");
    start(0.0);
}

void Pacer::start(double start_s) {
    start_s_ = start_s;
    wall_start_ = Clock::now();
    figures_ = PacingFigures{};
}

void Pacer::reached(double t_s, double late_at_wake_s) {
    const double wall = wall_now_s();
    const double late_s = wall - wall_due_s(t_s);
    figures_.simulated_s = t_s - start_s_;
    figures_.wall_s = wall;
    ++figures_.checks;
    if (late_s > figures_.worst_lateness_s) {
        figures_.worst_lateness_s = late_s;
        figures_.worst_at_s = t_s;
    }
    if (late_s > tick_s_ / speed_) {
        ++figures_.overruns;
        if (late_at_wake_s > tick_s_ / speed_) ++figures_.overruns_at_wake;
    }
}

}  // namespace bmshil::rig::live
