#include "isolation.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "format.h"

namespace bmshil::rig::oracle {
namespace {

// The manual writes discharge currents as negative; the catalog's quantities are magnitudes.
double trip_value(const Threshold& t, const ParameterSet& p) {
    return t.quantity == Quantity::discharge_current_A ? std::abs(p[t.trip]) : p[t.trip];
}

struct Range {
    double lo = 1e300, hi = -1e300;
};

}  // namespace

bool collides(const Threshold& t, Reaction other) {
    if (!opens_a_fet(other)) return false;  // a flag is a bit of its own
    // An opened FET ends a current stimulus, whatever this threshold reacts with.
    if (is_current(t.quantity)) return true;
    if (!opens_a_fet(t.reaction)) return false;
    // Both open: either FET opening by another cause is half of it.
    if (t.reaction == Reaction::open_both || other == Reaction::open_both) return true;
    return other == t.reaction;
}

std::vector<Isolation> isolate(const Threshold& t, const std::vector<StimulusPlan>& plans, const ParameterSet& params,
                               const Tolerances& tol, const std::vector<int>& ntc_cells) {
    std::vector<Isolation> out;
    std::set<int> chosen;
    const auto add = [&](int sw, const std::string& why) {
        if (sw == t.switch_number || !params.switch_on(sw) || !chosen.insert(sw).second) return;
        out.push_back({sw, why});
    };
    const auto range_of = [&](Quantity q) {
        Range r;
        for (const StimulusPlan& p : plans) {
            const double v = quantity_of(p, q, ntc_cells);
            r.lo = std::min(r.lo, v);
            r.hi = std::max(r.hi, v);
        }
        return r;
    };
    // A threshold counts as reached when the stimulus comes within twice the
    // sensing tolerance of it: noise could set it off there.
    for (const Threshold& u : params.spec().thresholds()) {
        if (u.trip == t.trip || !collides(t, u.reaction)) continue;
        const Range r = range_of(u.quantity);
        const double trip = trip_value(u, params);
        const double near = 2.0 * tol.of(u.quantity);
        const bool reached = u.direction > 0 ? r.hi >= trip - near : r.lo <= trip + near;
        if (reached)
            add(u.switch_number, u.name + " (#" + std::to_string(u.trip) + " = " + fmt(params[u.trip]) + " " +
                                     unit_of(u.quantity) + ") reached by the " + to_string(u.quantity));
    }
    // Functions of the manual that act on the same outputs (INTERPRETATION.md).
    const Range charge = range_of(Quantity::charge_current_A);
    // Group 72: the passive limiter (switch 56) switches the 10 A limiter in at
    // the #51 charge current, which caps any charge current stimulus above it.
    if (is_current(t.quantity) && charge.hi >= params[51] - 2.0 * tol.current_A)
        add(56, "the passive current limiter (switch 56) acts at the #51 charge current " + fmt(params[51]) + " A");
    double soc_lo = 1e300, soc_hi = -1e300;
    bool charger = false;
    double coldest = 1e300;
    for (const StimulusPlan& p : plans) {
        soc_lo = std::min(soc_lo, p.counted_soc_pct);
        soc_hi = std::max(soc_hi, p.counted_soc_pct);
        charger |= p.charger_connected;
        coldest = std::min(coldest, quantity_of(p, Quantity::cell_min_degC, ntc_cells));
    }
    // Groups 59-60, 79-82: the SOC protection (#80, switch 44) stops discharge;
    // gap recharge (#81, switch 42) holds the charge FET open after a full charge.
    if (collides(t, Reaction::open_discharge) && soc_lo <= params[80] + 1.0)
        add(44, "the SOC protection (#80 = " + fmt(params[80]) + " %) at the counted SOC " + fmt(soc_lo) + " %");
    if (collides(t, Reaction::open_charge) && soc_hi >= params[81] - 1.0)
        add(42, "gap recharge (#81 = " + fmt(params[81]) + " %) at the counted SOC " + fmt(soc_hi) + " %");
    // Groups 37-38: with heating on (switch 31), a charger and a cell below #37
    // hold the charge FET open while the heater warms the pack.
    if (charger && collides(t, Reaction::open_charge) && coldest <= params[37] + 2.0 * tol.temperature_degC)
        add(31, "heating (switch 31) holds charging below #37 = " + fmt(params[37]) + " degC");
    return out;
}

}  // namespace bmshil::rig::oracle
