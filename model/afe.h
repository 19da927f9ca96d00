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
    int cell_adc_bits = 14;              // codes 0..2^bits - 1: readings clip there
    double cell_offset_max_V = 2e-3;     // per-channel offset, uniform +-
    double cell_noise_V = 0.5e-3;        // sigma
    double pack_noise_V = 0.02;
    double current_lsb_A = 0.01;
    double current_offset_max_A = 0.02;
    double current_noise_A = 0.03;
    // The cell inputs' network, which decides what an input reads once its
    // sense wire is open: a filter capacitor across each channel, the current
    // an input draws (out of the node, into the AFE), and the ESD diodes that
    // stop the node a diode drop beyond its neighbours.
    double input_filter_F = 0.1e-6;
    double input_bias_A = 1e-6;
    double input_clamp_V = 0.3;
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

// Where a reading goes, field by field: straight into the structure the
// firmware is handed (no copy on the way), or into a SensorReadings.
struct SensorSink {
    std::int32_t* cell_tap_uV;  // one per cell
    std::int32_t* pack_terminal_mV;
    std::int32_t* shunt_current_mA;
    std::uint32_t* ntc_ohm;     // six
};

// The physical truth at the moment of a reading.
struct AfeInputs {
    double now_s;
    const CellBank& cells;
    const double* cell_current_A;  // per cell (bleeding cells differ), or null: current_A for all
    double current_A;              // loop current, + = charging
    double terminal_V;
    double ambient_degC;
    double power_stage_degC;
    std::uint32_t balance_mask;    // bleed resistors on (across the channels' inputs)
    double bleed_ohm;
};

class Afe {
public:
    static constexpr std::size_t kNtcCount = 6;

    // Offsets and NTC tolerances are drawn from rng (taps, current, NTCs, in
    // that order); link_in_tap_ohm[k] is the link resistance tap k sees.
    Afe(const AfeConfig& config, const NtcConfig& ntc, double ntc_tolerance, std::vector<int> ntc_cells,
        std::vector<double> link_in_tap_ohm, Random& rng, std::uint64_t noise_seed);

    void measure(const AfeInputs& truth, const SensorSink& out);
    void measure(const AfeInputs& truth, SensorReadings& out);

    // Sensor faults on the physical circuit.
    // The sense wire at the junction above cell `above_cell` (1-based,
    // 1..n-1) comes off (open) or back. While it is open, that input floats
    // on its filter capacitors: the input current drags it until a clamp
    // diode holds it, a bleed resistor on either side pulls it to that side,
    // and the two channels it shares read that, their sum still the two
    // cells' voltage. Changes apply from now_s (the truth then given).
    void set_sense_wire_open(int above_cell, bool open, const AfeInputs& truth);
    bool sense_wire_open(int above_cell) const { return (open_wires_ >> above_cell) & 1u; }
    std::uint32_t open_wire_mask() const { return open_wires_; }  // bit j: the wire above cell j
    // Brings the floating inputs up to truth.now_s (before the bleed resistors change).
    void settle_inputs(const AfeInputs& truth);
    // The shunt channel's offset drifts by offset_A more than the part's own,
    // reached linearly over `over_s` from now_s (0: at once).
    void drift_shunt_offset(double offset_A, double over_s, double now_s);
    double shunt_offset_A(double now_s) const;

    Ntc& ntc(std::size_t index) { return ntcs_[index]; }
    const std::vector<int>& ntc_cells() const { return ntc_cells_; }
    const AfeConfig& config() const { return config_; }

private:
    // The channels' input voltages (what the sense wires carry) with the open
    // wires' floating inputs brought to now.
    void input_voltages(const AfeInputs& truth, double* input_V);
    void settle_open_wires(const AfeInputs& truth, double* input_V);

    AfeConfig config_;
    std::uint32_t open_wires_ = 0;
    double floating_V_[CellBank::kMaxCells] = {};  // per open wire: its input above the cell below it
    double floating_since_s_ = 0.0;                // when the floating inputs were last brought up to date
    double drift_from_A_ = 0.0, drift_to_A_ = 0.0;  // shunt offset drift, linear over [drift_t0_s_, drift_t1_s_]
    double drift_t0_s_ = 0.0, drift_t1_s_ = 0.0;
    std::vector<int> ntc_cells_;
    std::vector<double> link_in_tap_ohm_;
    double max_code_;  // the cell ADC's highest code
    std::vector<double> tap_offset_V_;
    double current_offset_A_ = 0.0;
    std::vector<Ntc> ntcs_;
    NoiseTable noise_;
};

}  // namespace bmshil::model
