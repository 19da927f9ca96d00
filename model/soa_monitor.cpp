#include "soa_monitor.h"

#include <algorithm>

namespace bmshil::model {
namespace {

// Whether every cell's voltage emf + i R0 lies within [min_V, max_V]: one loop
// without branches (vectorised when built for SSE4.2 and up).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "sse4.2", "default")))
#endif
bool all_within(std::size_t n, const double* emf_V, const double* r0_ohm, double current_A, double min_V,
                double max_V) {
    int outside = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const double v = emf_V[k] + current_A * r0_ohm[k];
        outside |= static_cast<int>(v > max_V) | static_cast<int>(v < min_V);
    }
    return outside == 0;
}

}  // namespace

const char* to_string(SoaKind kind) {
    switch (kind) {
        case SoaKind::charge_below_min_temperature: return "charge_below_min_temperature";
        case SoaKind::cell_over_voltage: return "cell_over_voltage";
        case SoaKind::cell_under_voltage: return "cell_under_voltage";
        case SoaKind::cell_over_temperature: return "cell_over_temperature";
    }
    return "unknown";
}

SoaMonitor::SoaMonitor(const SoaLimits& limits, std::size_t cell_count)
    : limits_(limits),
      cells_(cell_count),
      open_(4 * cell_count, -1),
      since_s_(4 * cell_count, -1.0),
      pending_worst_(4 * cell_count, 0.0) {}

void SoaMonitor::check(double now_s, const CellBank& cells, double current_A, const double* cell_current_A,
                       double hottest_degC, double coldest_degC) {
    const SoaLimits& lim = limits_;
    const std::size_t n = cells_;
    const double* emf = cells.emf_V();
    if (open_count_ == 0 && cell_current_A == nullptr) {
        // Fast path: nothing open, one current for all cells, every cell inside
        // its limits. Temperatures change only at a thermal flush.
        const bool charging_cold = current_A > lim.charging_threshold_A && coldest_degC < lim.charge_min_degC;
        if (hottest_degC <= lim.cell_max_degC && !charging_cold &&
            all_within(n, emf, cells.r0_cached_ohm(), current_A, lim.cell_min_V, lim.cell_max_V))
            return;
    }
    for (std::size_t k = 0; k < n; ++k) {
        const double i = cell_current_A ? cell_current_A[k] : current_A;
        const double v = emf[k] + i * cells.r0_cached_ohm(k);
        const double t = cells.temperature_degC(k);
        const bool active[4] = {i > lim.charging_threshold_A && t < lim.charge_min_degC, v > lim.cell_max_V,
                                v < lim.cell_min_V, t > lim.cell_max_degC};
        const double value[4] = {t, v, v, t};
        for (int kind = 0; kind < 4; ++kind) {
            const std::size_t at = static_cast<std::size_t>(kind) * n + k;
            int& open = open_[at];
            double& since = since_s_[at];
            // Under-voltage and cold charging are worse lower, the others higher.
            const bool lower_is_worse = kind == 2 || kind == 0;
            if (active[kind]) {
                if (open == -1) {  // begins: pending until it lasts
                    since = now_s;
                    open = -2;
                    ++open_count_;
                    pending_worst_[at] = value[kind];
                }
                if (open == -2) {
                    // The limits are for sustained operation: a dip under a short,
                    // an inrush, or the tick a charge flows before a BMS can react,
                    // shorter than min_excursion_s, is not a violation. Its worst
                    // counts from its start once it is one.
                    double& worst = pending_worst_[at];
                    if (lower_is_worse ? value[kind] < worst : value[kind] > worst) worst = value[kind];
                    if (now_s - since >= lim.min_excursion_s) {
                        open = static_cast<int>(violations_.size());
                        violations_.push_back({static_cast<SoaKind>(kind), static_cast<int>(k + 1), since, -1.0, worst});
                    }
                } else {
                    SoaViolation& s = violations_[static_cast<std::size_t>(open)];
                    if (lower_is_worse ? value[kind] < s.worst : value[kind] > s.worst) s.worst = value[kind];
                }
            } else {
                if (open >= 0) violations_[static_cast<std::size_t>(open)].end_s = now_s;
                if (open != -1) --open_count_;
                open = -1;
                since = -1.0;
            }
        }
    }
}

}  // namespace bmshil::model
