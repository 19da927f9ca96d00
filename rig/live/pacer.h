// Simulated time held to the wall clock at a speed (1: real time). The
// simulation may never run ahead of the wall clock (a master's question would
// then be answered before it was asked); when it falls behind, the lateness
// is measured and counted, never hidden.
#pragma once

#include <chrono>
#include <cstdint>

namespace bmshil::rig::live {

struct PacingFigures {
    double simulated_s = 0.0;
    double wall_s = 0.0;
    double worst_lateness_s = 0.0;  // wall time behind the schedule, at its worst
    double worst_at_s = 0.0;        // the simulated time it was
    std::uint64_t checks = 0;       // how often lateness was measured
    std::uint64_t overruns = 0;     // times behind by more than one tick (of simulated time, in wall time)
    // Of those, the ones where the process was already that late when it woke
    // to run the slice: the host's scheduler (or hypervisor) held it, not the
    // work of the slice.
    std::uint64_t overruns_at_wake = 0;
    double achieved_speed() const { return wall_s > 0.0 ? simulated_s / wall_s : 0.0; }
};

class Pacer {
public:
    using Clock = std::chrono::steady_clock;

    // `tick_s`: the board's tick; being later than one tick's wall time is an overrun.
    Pacer(double speed, double tick_s);

    // From now on, simulated start_s is now on the wall clock.
    void start(double start_s);
    // Wall time (seconds from start) at which simulated t_s is due.
    double wall_due_s(double t_s) const { return (t_s - start_s_) / speed_; }
    double wall_now_s() const { return std::chrono::duration<double>(Clock::now() - wall_start_).count(); }
    // The simulated time the wall clock has reached.
    double simulated_now_s() const { return start_s_ + wall_now_s() * speed_; }
    // Seconds of wall time until simulated t_s is due (<= 0: it is).
    double wall_until_s(double t_s) const { return wall_due_s(t_s) - wall_now_s(); }
    // After the simulation reached t_s: how late it got there; `late_at_wake_s`
    // how late it already was when it woke to run that slice.
    void reached(double t_s, double late_at_wake_s = 0.0);

    double speed() const { return speed_; }
    const PacingFigures& figures() const { return figures_; }

private:
    double speed_, tick_s_;
    double start_s_ = 0.0;
    Clock::time_point wall_start_;
    PacingFigures figures_;
};

}  // namespace bmshil::rig::live
