#include "recovery.h"

#include <algorithm>

#include "delay.h"
#include "oracle/format.h"
#include "trip_value.h"

namespace bmshil::rig::oracle {
namespace {

// Trips the threshold by a step past it; false when it never reacted.
bool trip(CheckRun& run, double over) {
    run.impose(over);
    return run.wait_for(true, run.bound() + 2.0);
}

Finding never_tripped(CheckRun& run) {
    Finding f = run.finding();
    f.message = run.threshold().name + ": never tripped, so its recovery cannot be seen";
    return f;
}

}  // namespace

Finding run_recovery(CheckRun& run) {
    const Threshold& t = run.threshold();
    const double start = run.short_of_trip();
    const double over = run.past_trip();
    if (t.recovery == 0) {
        // Over-currents recover by time (#70) once the cause is gone.
        if (auto already = run.prepare(start, {over, 0.0})) return *already;
        if (!trip(run, over)) return never_tripped(run);
        run.impose(0.0);
        TimingSeen s;
        s.step_s = run.now_s();
        const double wait = run.ctx().params[70];
        s.window_s = wait + 5.0;
        if (run.wait_for(false, s.window_s)) s.reaction_s = run.now_s();
        s.what = run.what(t.trip);
        s.event = "reclosed after";
        s.configured_s = wait;
        s.tolerance_s = run.timing_tolerance_s();
        s.detail = "with the current removed (#70)";
        Finding f = run.finding();
        f.parameter = 70;
        return judge_timing(f, s);
    }
    const double to = run.recovery_value() - run.direction() * run.margin();
    if (auto already = run.prepare(start, {over, to})) return *already;
    if (!trip(run, over)) return never_tripped(run);
    const double rate = run.ramp_rate();
    const double sign = to > over ? 1.0 : -1.0;
    const bool back = run.wait_for(false, std::abs(over - to) / rate + run.bound() + 5.0, [&](double elapsed) {
        const double v = over + sign * rate * elapsed;
        run.impose(sign > 0 ? std::min(v, to) : std::max(v, to));
    });
    CrossingSeen s;
    s.what = run.what(t.recovery);
    s.event = "recovered";
    s.reaction = to_string(t.reaction);
    if (back) s.reaction_s = run.now_s();
    s.last_value = run.quantity_now();
    s.configured = run.recovery_value();
    s.tolerance = run.tolerance();
    s.confirmation_s = run.delay();
    s.unit = unit_of(t.quantity);
    Finding f = run.finding();
    f.parameter = t.recovery;
    return judge_crossing(f, run.trace(), s);
}

Finding run_recovery_delay(CheckRun& run) {
    const Threshold& t = run.threshold();
    const double start = run.short_of_trip();
    const double over = run.past_trip();
    const double back = run.recovery_value() - run.direction() * run.margin();
    if (auto already = run.prepare(start, {over, back})) return *already;
    if (!trip(run, over)) return never_tripped(run);
    run.impose(back);
    TimingSeen s;
    s.step_s = run.now_s();
    s.window_s = run.delay() + 2.0;
    if (run.wait_for(false, s.window_s)) s.reaction_s = run.now_s();
    s.what = run.what(t.recovery);
    s.event = "recovered";
    s.configured_s = run.delay();
    s.tolerance_s = run.timing_tolerance_s();
    s.detail = "after a step back to " + fmt(back) + " " + unit_of(t.quantity);
    Finding f = run.finding();
    f.parameter = t.recovery;
    return judge_timing(f, s);
}

}  // namespace bmshil::rig::oracle
