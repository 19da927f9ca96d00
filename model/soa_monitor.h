// The safe-operating-area monitor: the physical truth about the cells, whatever
// the firmware believes. It reports each excursion of a cell beyond its limits
// (over- and under-voltage, over-temperature, charging below the minimum
// temperature) that lasts longer than a transient, with its start, end and
// worst value.
#pragma once

#include <cstddef>
#include <vector>

#include "cell_bank.h"

namespace bmshil::model {

struct SoaLimits {
    double cell_max_V = 3.65;
    double cell_min_V = 2.5;
    double charge_min_degC = 0.0;
    double cell_max_degC = 60.0;
    double charging_threshold_A = 0.1;  // a cell current above this counts as charging
    double min_excursion_s = 0.1;        // shorter excursions are transients, not findings
};

enum class SoaKind { charge_below_min_temperature, cell_over_voltage, cell_under_voltage, cell_over_temperature };
const char* to_string(SoaKind kind);

struct SoaViolation {
    SoaKind kind;
    int cell;               // 1-based
    double start_s;
    double end_s;           // < 0 while it lasts
    double worst;           // V or degC
};

class SoaMonitor {
public:
    SoaMonitor(const SoaLimits& limits, std::size_t cell_count);

    // The cells at now_s, each carrying current_A, or cell_current_A[k] where
    // that is given (cells with their bleed resistor on); hottest and coldest
    // are the cells' extreme temperatures.
    void check(double now_s, const CellBank& cells, double current_A, const double* cell_current_A,
               double hottest_degC, double coldest_degC);

    const std::vector<SoaViolation>& violations() const { return violations_; }
    const SoaLimits& limits() const { return limits_; }

private:
    SoaLimits limits_;
    std::size_t cells_;
    std::vector<SoaViolation> violations_;
    std::vector<int> open_;      // index into violations_ per (kind, cell); -1 none, -2 pending
    int open_count_ = 0;         // conditions pending or open
    std::vector<double> since_s_;  // when each (kind, cell) condition began, -1 if not
    std::vector<double> pending_worst_;  // its worst value while it is pending
};

}  // namespace bmshil::model
