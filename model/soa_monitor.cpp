#include "soa_monitor.h"

#include <algorithm>

namespace bmshil::model {

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
    : limits_(limits), cells_(cell_count), open_(4 * cell_count, -1), since_s_(4 * cell_count, -1.0) {}

void SoaMonitor::check(double now_s, const CellBank& cells, double current_A, const double* cell_current_A,
                       double hottest_degC, double coldest_degC) {
    const SoaLimits& lim = limits_;
    const std::size_t n = cells_;
    const double* emf = cells.emf_V();
    if (open_count_ == 0 && cell_current_A == nullptr) {
        // Fast path: nothing open, one current for all cells, every cell inside
        // its limits. Temperatures change only at a thermal flush.
        const double i = current_A;
        double v_max = -1e9, v_min = 1e9;
        for (std::size_t k = 0; k < n; ++k) {
            const double v = emf[k] + i * cells.r0_cached_ohm(k);
            v_max = std::max(v_max, v);
            v_min = std::min(v_min, v);
        }
        const bool charging_cold = i > lim.charging_threshold_A && coldest_degC < lim.charge_min_degC;
        if (v_max <= lim.cell_max_V && v_min >= lim.cell_min_V && hottest_degC <= lim.cell_max_degC && !charging_cold)
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
            int& open = open_[static_cast<std::size_t>(kind) * n + k];
            double& since = since_s_[static_cast<std::size_t>(kind) * n + k];
            if (active[kind]) {
                if (open == -1) {  // begins: pending until it lasts
                    since = now_s;
                    open = -2;
                    ++open_count_;
                }
                if (open == -2) {
                    // The limits are for sustained operation: a dip under a short,
                    // an inrush, or the tick a charge flows before a BMS can react,
                    // shorter than min_excursion_s, is not a violation.
                    if (now_s - since >= lim.min_excursion_s) {
                        open = static_cast<int>(violations_.size());
                        violations_.push_back(
                            {static_cast<SoaKind>(kind), static_cast<int>(k + 1), since, -1.0, value[kind]});
                    }
                } else {
                    SoaViolation& s = violations_[static_cast<std::size_t>(open)];
                    const bool worse = (kind == 2 || kind == 0) ? value[kind] < s.worst : value[kind] > s.worst;
                    if (worse) s.worst = value[kind];
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
