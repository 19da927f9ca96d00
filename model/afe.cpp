#include "afe.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace bmshil::model {
namespace {

// Vectorised when built for SSE4.1 and up (its rounding instruction); no FMA
// in any build, so every build rounds alike.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BMSHIL_VECTOR_CLONES __attribute__((target_clones("avx2", "sse4.2", "default")))
#else
#define BMSHIL_VECTOR_CLONES
#endif

// What each channel's sense wires carry: the cell's terminal voltage and the
// drop of any link its upper wire lands beyond.
BMSHIL_VECTOR_CLONES void channel_inputs(std::size_t n, const double* emf_V, const double* cell_current_A,
                                         const double* r0_ohm, const double* link_in_tap_ohm, double current_A,
                                         double* input_V) {
    if (cell_current_A) {
        for (std::size_t k = 0; k < n; ++k)
            input_V[k] = emf_V[k] + cell_current_A[k] * r0_ohm[k] + link_in_tap_ohm[k] * current_A;
    } else {  // every cell carries the loop current
        for (std::size_t k = 0; k < n; ++k)
            input_V[k] = emf_V[k] + current_A * r0_ohm[k] + link_in_tap_ohm[k] * current_A;
    }
}

// The channels' codes (offset and noise added, clipped to the ADC's range) in
// microvolts as the AFE's driver reports them.
BMSHIL_VECTOR_CLONES void quantise(std::size_t n, const double* input_V, const double* offset_V, const double* noise,
                                   double noise_V, double lsb_V, double max_code, std::int32_t* out_uV) {
    const double inv_lsb = 1.0 / lsb_V;
    const double lsb_uV = lsb_V * 1e6;
    for (std::size_t k = 0; k < n; ++k) {
        const double v = input_V[k] + offset_V[k] + noise_V * noise[k];
        double code = std::nearbyint(v * inv_lsb);
        code = code < 0.0 ? 0.0 : code;
        code = code > max_code ? max_code : code;
        out_uV[k] = static_cast<std::int32_t>(std::nearbyint(code * lsb_uV));
    }
}

}  // namespace

Afe::Afe(const AfeConfig& config, const NtcConfig& ntc, double ntc_tolerance, std::vector<int> ntc_cells,
         std::vector<double> link_in_tap_ohm, Random& rng, std::uint64_t noise_seed)
    : config_(config),
      ntc_cells_(std::move(ntc_cells)),
      link_in_tap_ohm_(std::move(link_in_tap_ohm)),
      max_code_(std::ldexp(1.0, config.cell_adc_bits) - 1.0),
      noise_(noise_seed) {
    const std::size_t n = link_in_tap_ohm_.size();
    if (ntc_cells_.size() != 4)
        throw std::invalid_argument("pack: ntc_cells must name 4 cells (got " + std::to_string(ntc_cells_.size()) + ")");
    for (int cell : ntc_cells_)
        if (cell < 1 || static_cast<std::size_t>(cell) > n)
            throw std::invalid_argument("pack: NTC on cell " + std::to_string(cell) + " outside the pack");
    for (std::size_t k = 0; k < n; ++k)
        tap_offset_V_.push_back(rng.uniform(-config_.cell_offset_max_V, config_.cell_offset_max_V));
    current_offset_A_ = rng.uniform(-config_.current_offset_max_A, config_.current_offset_max_A);
    for (std::size_t i = 0; i < kNtcCount; ++i) ntcs_.emplace_back(ntc, 1.0 + rng.uniform(-ntc_tolerance, ntc_tolerance));
}

void Afe::input_voltages(const AfeInputs& truth, double* input_V) {
    const CellBank& cells = truth.cells;
    channel_inputs(cells.size(), cells.emf_V(), truth.cell_current_A, cells.r0_cached_ohm(), link_in_tap_ohm_.data(),
                   truth.current_A, input_V);
    if (open_wires_) settle_open_wires(truth, input_V);
}

// An open wire's input (the node above cell j, the node below it fixed) on the
// two channels' filter capacitors, 2C to fixed nodes: 2C du/dt = -I_bias
// - g_lo u + g_hi (S - u), u its voltage above the node below, S the two
// cells' voltage, g the bleed resistors' conductances where on. Exact for the
// interval since the last update with S and the resistors as they are now;
// the clamp diodes stop it a diode drop beyond either neighbour.
void Afe::settle_open_wires(const AfeInputs& truth, double* input_V) {
    const double dt = std::max(0.0, truth.now_s - floating_since_s_);
    const double c2 = 2.0 * config_.input_filter_F;
    for (std::size_t j = 1; j < truth.cells.size(); ++j) {
        if (!((open_wires_ >> j) & 1u)) continue;
        const std::size_t lo = j - 1, hi = j;
        const double sum_V = input_V[lo] + input_V[hi];
        const double g_lo = (truth.balance_mask >> lo) & 1u ? 1.0 / truth.bleed_ohm : 0.0;
        const double g_hi = (truth.balance_mask >> hi) & 1u ? 1.0 / truth.bleed_ohm : 0.0;
        const double rate = (g_lo + g_hi) / c2;
        const double drive = (-config_.input_bias_A + g_hi * sum_V) / c2;
        double u = floating_V_[j];
        if (rate > 0.0) {
            const double settled = drive / rate;
            u = settled + (u - settled) * std::exp(-rate * dt);
        } else {
            u += drive * dt;
        }
        u = std::clamp(u, -config_.input_clamp_V, sum_V + config_.input_clamp_V);
        floating_V_[j] = u;
        input_V[lo] = u;
        input_V[hi] = sum_V - u;
    }
    floating_since_s_ = truth.now_s;
}

void Afe::settle_inputs(const AfeInputs& truth) {
    if (!open_wires_) return;
    double input_V[CellBank::kMaxCells];
    input_voltages(truth, input_V);
}

void Afe::set_sense_wire_open(int above_cell, bool open, const AfeInputs& truth) {
    const int n = static_cast<int>(truth.cells.size());
    if (above_cell < 1 || above_cell >= n)
        throw std::invalid_argument("sense wire above cell " + std::to_string(above_cell) + ": the wires between cells are above cells 1.." +
                                    std::to_string(n - 1));
    const std::uint32_t bit = 1u << above_cell;
    if (open && (open_wires_ & ((bit << 1) | (bit >> 1))))
        throw std::invalid_argument("sense wire above cell " + std::to_string(above_cell) +
                                    ": its neighbour is open already; two adjacent open wires are not modelled");
    settle_inputs(truth);
    if (open && !(open_wires_ & bit)) {
        // The input holds, on its capacitors, what it read the moment its wire came off.
        double input_V[CellBank::kMaxCells];
        input_voltages(truth, input_V);
        floating_V_[above_cell] = input_V[above_cell - 1];
        floating_since_s_ = truth.now_s;
        open_wires_ |= bit;
    } else if (!open) {
        open_wires_ &= ~bit;
    }
}

double Afe::shunt_offset_A(double now_s) const {
    double drift_A;
    if (now_s >= drift_t1_s_)
        drift_A = drift_to_A_;
    else if (now_s <= drift_t0_s_)
        drift_A = drift_from_A_;
    else
        drift_A = drift_from_A_ + (drift_to_A_ - drift_from_A_) * (now_s - drift_t0_s_) / (drift_t1_s_ - drift_t0_s_);
    return current_offset_A_ + drift_A;
}

void Afe::drift_shunt_offset(double offset_A, double over_s, double now_s) {
    drift_from_A_ = shunt_offset_A(now_s) - current_offset_A_;
    drift_to_A_ = offset_A;
    drift_t0_s_ = now_s;
    drift_t1_s_ = now_s + std::max(0.0, over_s);
}

void Afe::measure(const AfeInputs& truth, const SensorSink& out) {
    const CellBank& cells = truth.cells;
    const std::size_t n = cells.size();
    const AfeConfig& afe = config_;
    // The noise of every channel, drawn in the order the channels take it:
    // the cells, the pack voltage, the current.
    double noise[CellBank::kMaxCells + 2];
    noise_.fill(noise, n + 2);
    double input_V[CellBank::kMaxCells];
    input_voltages(truth, input_V);
    quantise(n, input_V, tap_offset_V_.data(), noise, afe.cell_noise_V, afe.cell_lsb_V, max_code_, out.cell_tap_uV);
    // (lrint: the nearest integer as the rounding instruction gives it, no library call.)
    *out.pack_terminal_mV = static_cast<std::int32_t>(std::lrint((truth.terminal_V + afe.pack_noise_V * noise[n]) * 1e3));
    const double i = truth.current_A + shunt_offset_A(truth.now_s) + afe.current_noise_A * noise[n + 1];
    const double current_code = static_cast<double>(std::lrint(i / afe.current_lsb_A));
    *out.shunt_current_mA = static_cast<std::int32_t>(std::lrint(current_code * afe.current_lsb_A * 1e3));
    for (std::size_t j = 0; j < 4; ++j) {
        const std::size_t cell = static_cast<std::size_t>(ntc_cells_[j] - 1);
        out.ntc_ohm[j] = ntcs_[j].reading_ohm(cells.temperature_degC(cell));
    }
    out.ntc_ohm[4] = ntcs_[4].reading_ohm(truth.ambient_degC);
    out.ntc_ohm[5] = ntcs_[5].reading_ohm(truth.power_stage_degC);
}

void Afe::measure(const AfeInputs& truth, SensorReadings& out) {
    out.cell_tap_uV.resize(truth.cells.size());
    measure(truth, SensorSink{out.cell_tap_uV.data(), &out.pack_terminal_mV, &out.shunt_current_mA, out.ntc_ohm});
}

}  // namespace bmshil::model
