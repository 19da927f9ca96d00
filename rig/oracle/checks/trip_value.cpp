#include "trip_value.h"

#include <cmath>

#include "oracle/format.h"

namespace bmshil::rig::oracle {

Finding judge_crossing(Finding f, const Trace& trace, const CrossingSeen& s) {
    f.configured = s.configured;
    f.tolerance = s.tolerance;
    f.unit = s.unit;
    if (!s.reaction_s) {
        f.measured = s.last_value;
        f.passed = false;
        f.message = s.what + ": " + (s.event == "tripped" ? "no " + s.reaction + " up to " : "did not recover down to ") +
                    fmt(s.last_value) + " " + s.unit;
        return f;
    }
    // The value judged is the one the reaction's confirmation started at.
    f.stimulus_s = *s.reaction_s - s.confirmation_s;
    f.reaction_s = *s.reaction_s;
    const std::optional<double> judged = trace.value_at(*s.reaction_s - s.confirmation_s);
    f.measured = judged.value_or(s.last_value);
    f.passed = judged.has_value() && std::abs(f.measured - f.configured) <= f.tolerance;
    f.message = s.what + ": " + s.event + " at " + fmt(f.measured) + " " + s.unit + ", configured " + fmt(f.configured) +
                " +- " + fmt(f.tolerance);
    return f;
}

Finding run_trip_value(CheckRun& run) {
    const Threshold& t = run.threshold();
    const double from = run.short_of_trip();
    // Far enough past the threshold for the reaction to come, delay included.
    const double span = 3.0 * run.margin() + run.ramp_rate() * run.bound();
    const double to = from + run.direction() * span;
    if (auto already = run.prepare(from, {to})) return *already;
    const bool seen = run.wait_for(true, span / run.ramp_rate(), [&](double elapsed) {
        run.impose(from + run.direction() * run.ramp_rate() * elapsed);
    });
    CrossingSeen s;
    s.what = run.what(t.trip);
    s.event = "tripped";
    s.reaction = to_string(t.reaction);
    if (seen) s.reaction_s = run.now_s();
    s.last_value = run.quantity_now();
    s.configured = run.configured();
    // An alarm without a delay of its own may take as long as its protection;
    // the ramp moves this much meanwhile.
    s.tolerance = run.tolerance() + (t.delay == DelaySource::unspecified ? run.ramp_rate() * run.bound() : 0.0);
    s.confirmation_s = run.delay();
    s.unit = unit_of(t.quantity);
    return judge_crossing(run.finding(), run.trace(), s);
}

}  // namespace bmshil::rig::oracle
