// The board's analog front end as it sees the pack: a cell-voltage ADC on
// each tap (sense wires landing beyond any interconnect, a per-channel
// offset, noise, whole codes), the pack-voltage and shunt-current channels,
// and the six NTC thermistors (four on cells, ambient, power stage).
//
// Readings are produced only when the board reads them, from the physical
// truth the pack hands over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cell_bank.h"
#include "ntc.h"
#include "random.h"

namespace bmshil::model {

struct AfeConfig {
    double cell_lsb_V = 382e-6;          // typical 14-bit cell ADC
    double cell_offset_max_V = 2e-3;     // per-channel offset, uniform +-
    double cell_noise_V = 0.5e-3;        // sigma
    double pack_noise_V = 0.02;
    double current_lsb_A = 0.01;
    double current_offset_max_A = 0.02;
    double current_noise_A = 0.03;
    // Short-circuit comparator power-on setting, until the firmware writes its own.
    double sc_threshold_A = 500.0;
    double sc_delay_s = 200e-6;
};

// What the board's sensors report, in the AFE's integer units.
struct SensorReadings {
    std::vector<std::int32_t> cell_tap_uV;
    std::int32_t pack_terminal_mV = 0;
    std::int32_t shunt_current_mA = 0;
    std::uint32_t ntc_ohm[6] = {};  // cell 1-4, ambient, power
    bool sc_latched = false;
    double sc_trip_time_s = 0.0;
};

// The physical truth at the moment of a reading.
struct AfeInputs {
    const CellBank& cells;
    const double* cell_current_A;  // per cell (bleeding cells differ), or null: current_A for all
    double current_A;              // loop current, + = charging
    double terminal_V;
    double ambient_degC;
    double power_stage_degC;
};

class Afe {
public:
    static constexpr std::size_t kNtcCount = 6;

    // Offsets and NTC tolerances are drawn from rng (taps, current, NTCs, in
    // that order); link_in_tap_ohm[k] is the link resistance tap k sees.
    Afe(const AfeConfig& config, const NtcConfig& ntc, double ntc_tolerance, std::vector<int> ntc_cells,
        std::vector<double> link_in_tap_ohm, Random& rng, std::uint64_t noise_seed);

    void measure(const AfeInputs& truth, SensorReadings& out);

    Ntc& ntc(std::size_t index) { return ntcs_[index]; }
    const std::vector<int>& ntc_cells() const { return ntc_cells_; }
    const AfeConfig& config() const { return config_; }

private:
    AfeConfig config_;
    std::vector<int> ntc_cells_;
    std::vector<double> link_in_tap_ohm_;
    std::vector<double> tap_offset_V_;
    double current_offset_A_ = 0.0;
    std::vector<Ntc> ntcs_;
    NoiseTable noise_;
};

}  // namespace bmshil::model
