#include "delay.h"

#include <cmath>

#include "oracle/format.h"

namespace bmshil::rig::oracle {

Finding judge_timing(Finding f, const TimingSeen& s) {
    f.configured = s.configured_s;
    f.tolerance = s.tolerance_s;
    f.unit = "s";
    f.measured = s.reaction_s ? *s.reaction_s - s.step_s : s.window_s;
    f.passed = s.reaction_s.has_value() && std::abs(f.measured - s.configured_s) <= s.tolerance_s;
    f.stimulus_s = s.step_s;
    if (s.reaction_s) f.reaction_s = *s.reaction_s;
    f.window_from_s = s.step_s + s.configured_s - s.tolerance_s;
    f.window_to_s = s.step_s + s.configured_s + s.tolerance_s;
    f.message = s.what + ": " +
                (s.reaction_s ? s.event + " " + fmt(f.measured) + " s" : "not " + s.event + " within " + fmt(s.window_s) + " s") +
                (s.detail.empty() ? "" : " " + s.detail) + ", configured " + fmt(s.configured_s) + " +- " +
                fmt(s.tolerance_s) + " s";
    return f;
}

Finding run_delay(CheckRun& run) {
    const Threshold& t = run.threshold();
    const double start = run.short_of_trip();
    const double target = run.past_trip();
    if (auto already = run.prepare(start, {target})) return *already;
    run.impose(target);
    TimingSeen s;
    s.step_s = run.now_s();
    s.window_s = run.bound() + 2.0;
    if (run.wait_for(true, s.window_s)) s.reaction_s = run.now_s();
    s.what = run.what(t.trip);
    s.event = "reacted";
    s.configured_s = run.delay();
    s.tolerance_s = run.timing_tolerance_s();
    s.detail = "after a step to " + fmt(target) + " " + unit_of(t.quantity);
    Finding f = run.finding();
    if (t.delay == DelaySource::parameter) f.parameter = t.delay_parameter;
    return judge_timing(f, s);
}

}  // namespace bmshil::rig::oracle
