// What every generated check shares: the context it runs in, the
// arrangement of its stimulus (which cell or sensor is set apart, which
// direction), isolation of the other protections its stimulus would cross,
// and waiting for the reaction while recording the quantity under test.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "oracle/catalog.h"
#include "oracle/isolation.h"
#include "oracle/spec.h"
#include "oracle/stimulus.h"
#include "oracle/tolerances.h"
#include "probes.h"
#include "rig.h"
#include "trace.h"
#include "verdict.h"

namespace bmshil::rig::oracle {

enum class CheckKind {
    trip_value,          // slow ramp across: the value it trips at
    delay,               // step across: the time it takes
    recovery,            // ramp back: the value it recovers at (or #70 for over-currents)
    recovery_delay,      // step back: the time recovery takes
    switch_off,          // its switch off: no reaction
    opposite_direction,  // a current the other way: no reaction
    other_sensors,       // the other temperature sensors past it: no reaction
};
const char* to_string(CheckKind k);
constexpr CheckKind kCheckKinds[] = {CheckKind::trip_value,     CheckKind::delay,
                                     CheckKind::recovery,       CheckKind::recovery_delay,
                                     CheckKind::switch_off,     CheckKind::opposite_direction,
                                     CheckKind::other_sensors};

// Whether a check of this kind means something for the threshold.
bool applicable(const Threshold& t, CheckKind kind, std::string* why);

struct CheckContext {
    Rig& rig;
    PortAccess& port;
    Probes& probes;
    const ParameterSet& params;
    Tolerances tol;
};

// The manual's discharge currents are negative; the rig works in magnitudes.
double magnitude(const Threshold& t, double value);
// The confirmation delay the threshold must wait (0 when the manual gives none).
double delay_s(const Threshold& t, const ParameterSet& p);
// The longest a reaction may take: the delay, or for an alarm without one,
// the delay of its protection, so an alarm never trails it.
double delay_bound_s(const Threshold& t, const ParameterSet& p);

class CheckRun {
public:
    CheckRun(CheckContext& ctx, const Threshold& t, CheckKind kind);

    // The plan with the stimulus at `x` (the threshold's quantity, or for
    // other_sensors / opposite_direction the quantity set past it instead).
    StimulusPlan plan_at(double x) const;
    // Turns off what the stimulus between these values would set off, applies
    // the plan at `start`, and lets the firmware settle. Returns the finding
    // to report when the reaction is already there.
    std::optional<Finding> prepare(double start, const std::vector<double>& also_visits);
    void impose(double x) { emulators_.apply(plan_at(x)); }

    bool reacted();
    // Runs until reacted() equals `want` or timeout; drive(elapsed) moves the
    // stimulus before each poll. Records the quantity under test.
    bool wait_for(bool want, double timeout_s, const std::function<void(double)>& drive = {});
    double now_s() const { return ctx_.rig.now_s(); }
    double quantity_now();

    // A margin well outside the sensing tolerance, in the quantity's unit,
    // and how fast a ramp moves (per second): slow enough that a confirmation
    // delay moves it less than its tolerance.
    double margin() const;
    double ramp_rate() const;
    double poll_s() const;  // flags are read every kFlagPoll_s, FETs every tick

    // The stimulus a margin short of the trip value, and a margin past it.
    double short_of_trip() const { return configured_ - t_.direction * margin(); }
    double past_trip() const { return configured_ + t_.direction * margin(); }
    // Seeing a timed reaction: one tick to see the step, one poll to see the reaction.
    double timing_tolerance_s() const { return ctx_.tol.tick_s + poll_s() + ctx_.tol.link_s + 1e-6; }
    // "cell over-voltage protection (#5), cell 7 set apart": the threshold,
    // the parameter a finding is about, and the arrangement if any.
    std::string what(int parameter) const;

    Finding finding() const;  // ids, parameter and unit filled in
    std::string arrangement() const;  // "cell 7 set apart", "NTC on cell 11", ...

    CheckContext& ctx() { return ctx_; }
    const Threshold& threshold() const { return t_; }
    CheckKind kind() const { return kind_; }
    double configured() const { return configured_; }
    double recovery_value() const { return recovery_value_; }
    double delay() const { return delay_; }
    double bound() const { return bound_; }
    double tolerance() const { return ctx_.tol.of(t_.quantity); }
    int direction() const { return t_.direction; }
    const Trace& trace() const { return trace_; }
    const std::vector<Isolation>& isolated() const { return isolated_; }

private:
    CheckContext& ctx_;
    const Threshold& t_;
    CheckKind kind_;
    Levels levels_;
    Emulators emulators_;
    std::vector<int> ntc_cells_;
    std::size_t test_cell_ = 0;  // 0-based
    std::size_t test_ntc_ = 0;   // index into ntc_cells_
    double configured_, recovery_value_, delay_, bound_;
    Probe quantity_probe_;
    std::vector<Probe> reaction_probes_;
    Trace trace_;
    std::vector<Isolation> isolated_;
};

}  // namespace bmshil::rig::oracle
