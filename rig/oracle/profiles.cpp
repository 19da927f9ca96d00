#include "profiles.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "parameter_rules.h"

namespace bmshil::rig::oracle {
namespace {

// Kinds of value that a firmware could mix up, with the smallest distance at
// which the rig tells two of them apart (several times its sensing tolerance),
// in the kind's own scale.
enum class Kind { cell_voltage, terminal_voltage, difference, temperature, current, other };

struct KindTraits {
    double separation;
};
KindTraits traits(Kind k) {
    switch (k) {
        case Kind::cell_voltage: return {0.015};  // per cell (totals are divided by the cell count)
        case Kind::terminal_voltage: return {0.5};
        case Kind::difference: return {0.010};
        case Kind::temperature: return {1.0};
        case Kind::current: return {2.0};
        case Kind::other: return {0.0};
    }
    return {0.0};
}

Kind kind_of(Quantity q) {
    switch (q) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V:
        case Quantity::pack_V: return Kind::cell_voltage;
        case Quantity::terminal_V: return Kind::terminal_voltage;
        case Quantity::cell_spread_V: return Kind::difference;
        case Quantity::charge_current_A:
        case Quantity::discharge_current_A: return Kind::current;
        default: return Kind::temperature;
    }
}

struct Member {
    int number;
    Kind kind;
    double scale;  // value x scale is compared within the kind (totals per cell, currents as magnitudes)
};

// Which parameters are values of which kind: every trip and recovery of the
// catalog, the balancing start voltage (#9) and differences (#63/#64), and
// heating (#37/#38).
std::vector<Member> members(const Spec& spec, std::size_t cell_count) {
    std::map<int, Member> out;
    for (const Threshold& t : spec.thresholds()) {
        const Kind k = kind_of(t.quantity);
        double scale = t.quantity == Quantity::pack_V ? 1.0 / static_cast<double>(cell_count) : 1.0;
        for (int n : {t.trip, t.recovery}) {
            if (n == 0) continue;
            const double s = spec.parameter(n).default_value < 0.0 && k == Kind::current ? -scale : scale;
            out.emplace(n, Member{n, k, s});
        }
    }
    out.emplace(9, Member{9, Kind::cell_voltage, 1.0});
    out.emplace(63, Member{63, Kind::difference, 1.0});
    out.emplace(64, Member{64, Kind::difference, 1.0});
    out.emplace(37, Member{37, Kind::temperature, 1.0});
    out.emplace(38, Member{38, Kind::temperature, 1.0});
    std::vector<Member> v;
    for (const auto& [n, m] : out) v.push_back(m);
    return v;
}

double round_to(double v, double step) { return std::round(v / step) * step; }

bool valid(const ParameterSet& set) { return check_rules(set).empty(); }

bool is_timing_or_count(const Parameter& p) {
    return !p.describes_pack && (p.unit == "ms" || p.unit == "second" || p.unit == "minute" || p.unit == "hours" ||
                                 p.unit == "count" || p.unit == "%");
}

// Moves a time, count or percentage off its default: up by 30 % for odd
// numbers, down by 30 % for even ones (the other way where that leaves the
// range), at least one step.
double moved_off_default(const Parameter& p) {
    const double step = resolution_of(p.unit);
    for (double factor : {p.number % 2 ? 1.3 : 0.7, p.number % 2 ? 0.7 : 1.3}) {
        double v = round_to(p.default_value * factor, step);
        if (v == p.default_value) v = p.default_value + (factor > 1.0 ? step : -step);
        if (v >= p.min_value && v <= p.max_value && v != p.default_value) return v;
    }
    return p.default_value;
}

// A plausible set keeps the order the defaults give to thresholds on the same
// quantity (an alarm before its protection, a charging limit inside the
// discharging one, ...), and the SOC alarm (#79) above its protection (#80).
// Not a rule of the manual - a user may order them otherwise - but what a
// drawn set should look like.
bool plausible(const ParameterSet& set) {
    const Spec& spec = set.spec();
    const auto& ts = spec.thresholds();
    for (const Threshold& a : ts)
        for (const Threshold& b : ts) {
            if (a.trip >= b.trip || a.quantity != b.quantity || a.direction != b.direction) continue;
            const double da = std::abs(spec.parameter(a.trip).default_value), db = std::abs(spec.parameter(b.trip).default_value);
            const double va = std::abs(set[a.trip]), vb = std::abs(set[b.trip]);
            if (da < db && !(va < vb)) return false;
            if (da > db && !(va > vb)) return false;
        }
    if (!(set[79] > set[80])) return false;
    // Drawn sets separate as the separating set does: no two values of a
    // kind closer than the rig can tell apart.
    const std::vector<Member> all = members(spec, static_cast<std::size_t>(spec.parameter(66).default_value));
    for (std::size_t i = 0; i < all.size(); ++i)
        for (std::size_t j = i + 1; j < all.size(); ++j)
            if (all[i].kind == all[j].kind &&
                std::abs(set[all[i].number] * all[i].scale - set[all[j].number] * all[j].scale) <
                    traits(all[i].kind).separation - 1e-9)
                return false;
    return true;
}

}  // namespace

double resolution_of(const std::string& unit) {
    if (unit == "V") return 0.001;
    if (unit == "A" || unit == "Ah" || unit.find("C") != std::string::npos) return 0.1;  // A, Ah, degC
    if (unit.find("\xce\xa9") != std::string::npos) return 0.01;                        // mOhm
    return 1.0;
}

namespace {

// Pulls apart the values of a kind that sit closer than the rig can tell:
// per kind, in number order, a value too close to one already placed moves
// by whole separations, alternately up and down, to the nearest place that
// keeps the set valid. False when some value has no such place.
bool separate(ParameterSet& set) {
    const Spec& spec = set.spec();
    const std::vector<Member> all = members(spec, static_cast<std::size_t>(spec.parameter(66).default_value));
    std::map<Kind, std::vector<double>> placed;
    for (const Member& m : all) {
        const Parameter& p = spec.parameter(m.number);
        const double sep = traits(m.kind).separation;
        const double step = resolution_of(p.unit);
        std::vector<double>& here = placed[m.kind];
        const auto clear = [&](double scaled) {
            for (double v : here)
                if (std::abs(v - scaled) < sep - 1e-9) return false;
            return true;
        };
        const double start = set[m.number];
        if (!clear(start * m.scale)) {
            bool found = false;
            for (int k = 1; k <= 40 && !found; ++k)
                for (int sign : {+1, -1}) {
                    const double candidate = round_to(start + sign * k * sep / std::abs(m.scale), step);
                    if (candidate < p.min_value || candidate > p.max_value || !clear(candidate * m.scale)) continue;
                    ParameterSet trial = set;
                    trial.set(m.number, candidate);
                    if (!valid(trial)) continue;
                    set.set(m.number, candidate);
                    found = true;
                    break;
                }
            if (!found) return false;
        }
        here.push_back(set[m.number] * m.scale);
    }
    return true;
}

}  // namespace

ParameterSet separating_set(const Spec& spec) {
    ParameterSet set(spec);
    if (!separate(set)) throw std::logic_error("separating set: some value has no place apart from the others");
    const std::vector<Member> all = members(spec, static_cast<std::size_t>(spec.parameter(66).default_value));
    // Temperatures off whole degrees, all by the same amount so their order
    // and the recoveries' sides stay as they are.
    for (const Member& m : all)
        if (m.kind == Kind::temperature) set.set(m.number, round_to(set[m.number] + 0.3, 0.1));
    for (const auto& [n, p] : spec.parameters())
        if (is_timing_or_count(p)) set.set(n, moved_off_default(p));
    // Moving times and percentages may order what the rules order (none do
    // today); the set must be valid whatever spec/ says.
    const auto bad = check_rules(set);
    if (!bad.empty()) throw std::logic_error("separating set breaks a rule: " + bad.front().message(spec));
    return set;
}

ParameterSet random_set(const Spec& spec, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    const std::size_t cell_count = static_cast<std::size_t>(spec.parameter(66).default_value);
    // How far a value may wander from its default, per kind, in the kind's
    // scale: wide enough to matter, narrow enough to stay a plausible set for
    // a 16S LiFePO4 pack.
    const auto width = [](Kind k) {
        switch (k) {
            case Kind::cell_voltage: return 0.040;
            case Kind::terminal_voltage: return 1.0;
            case Kind::difference: return 0.008;
            case Kind::temperature: return 4.0;
            case Kind::current: return 8.0;
            case Kind::other: return 0.0;
        }
        return 0.0;
    };
    const std::vector<Member> all = members(spec, cell_count);
    std::map<int, Member> by_number;
    for (const Member& m : all) by_number.emplace(m.number, m);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        ParameterSet set(spec);
        // A trip and its recovery move together (the recovery keeps its side
        // and a gap of 60-140 % of the default's); lone values move alone.
        std::set<int> done;
        const auto draw = [&](int trip, int recovery) {
            const Member& m = by_number.at(trip);
            const Parameter& pt = spec.parameter(trip);
            const double shift = unit(rng) * width(m.kind) / std::abs(m.scale);
            set.set(trip, round_to(pt.default_value + shift, resolution_of(pt.unit)));
            done.insert(trip);
            if (recovery == 0) return;
            const Parameter& pr = spec.parameter(recovery);
            const double gap = pt.default_value - pr.default_value;
            const double factor = 1.0 + 0.4 * unit(rng);
            set.set(recovery, round_to(set[trip] - gap * factor, resolution_of(pr.unit)));
            done.insert(recovery);
        };
        for (const RecoveryPair& pair : recovery_pairs(spec)) draw(pair.trip, pair.recovery);
        for (const Member& m : all)
            if (!done.count(m.number)) draw(m.number, 0);
        for (const auto& [n, p] : spec.parameters()) {
            if (!is_timing_or_count(p)) continue;
            std::uniform_real_distribution<double> factor(0.6, 1.5);
            const double v = round_to(p.default_value * factor(rng), resolution_of(p.unit));
            set.set(n, std::clamp(v, p.min_value, p.max_value));
        }
        if (valid(set) && separate(set) && plausible(set)) return set;
    }
    throw std::logic_error("random set: no valid set in 1000 draws for seed " + std::to_string(seed));
}

}  // namespace bmshil::rig::oracle
