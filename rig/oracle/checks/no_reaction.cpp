#include "no_reaction.h"

#include "oracle/format.h"

namespace bmshil::rig::oracle {

Finding judge_no_reaction(Finding f, const QuietSeen& s) {
    f.configured = 0.0;
    f.unit = "s";
    f.measured = s.reacted_after_s.value_or(s.window_s);
    f.passed = !s.reacted_after_s.has_value();
    f.message = s.what + (s.reacted_after_s ? " still reacted after " + fmt(*s.reacted_after_s) + " s"
                                            : " did not react in " + fmt(s.window_s) + " s");
    return f;
}

namespace {

// Steps to `over` (of whatever quantity the run moves) and watches for a
// reaction over three times the longest delay, plus two seconds.
QuietSeen watch(CheckRun& run, double over) {
    QuietSeen s;
    s.window_s = 3.0 * run.bound() + 2.0;
    run.impose(over);
    const double t0 = run.now_s();
    if (run.wait_for(true, s.window_s)) s.reacted_after_s = run.now_s() - t0;
    return s;
}

}  // namespace

Finding run_switch_off(CheckRun& run) {
    const Threshold& t = run.threshold();
    const double start = run.short_of_trip();
    const double over = run.past_trip();
    if (auto already = run.prepare(start, {over})) return *already;
    run.ctx().port.write_switch(t.switch_number, false);
    QuietSeen s = watch(run, over);
    s.what = "switch " + std::to_string(t.switch_number) + " off: " + t.name;
    Finding f = run.finding();
    f.parameter = 0;
    f.switch_number = t.switch_number;
    return judge_no_reaction(f, s);
}

Finding run_opposite_direction(CheckRun& run) {
    const Threshold& t = run.threshold();
    // The same magnitude past the threshold, flowing the other way.
    const double over = run.configured() + run.margin();
    if (auto already = run.prepare(0.0, {over})) return *already;
    QuietSeen s = watch(run, over);
    s.what = run.what(t.trip) + ": " + fmt(over) + " A of " +
             (t.quantity == Quantity::charge_current_A ? "discharge" : "charge") + " current";
    return judge_no_reaction(run.finding(), s);
}

Finding run_other_sensors(CheckRun& run) {
    const Threshold& t = run.threshold();
    // Its own sensor stays neutral; every other one goes past its trip value.
    const double start = run.short_of_trip();
    const double over = run.past_trip();
    if (auto already = run.prepare(start, {over})) return *already;
    QuietSeen s = watch(run, over);
    const char* others = t.quantity == Quantity::ambient_degC ? "the cell and power sensors"
                         : t.quantity == Quantity::power_degC ? "the cell and ambient sensors"
                                                              : "the ambient and power sensors";
    s.what = run.what(t.trip) + ": " + others + " at " + fmt(over) + " degC";
    return judge_no_reaction(run.finding(), s);
}

}  // namespace bmshil::rig::oracle
