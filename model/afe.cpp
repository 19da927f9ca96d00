#include "afe.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace bmshil::model {

Afe::Afe(const AfeConfig& config, const NtcConfig& ntc, double ntc_tolerance, std::vector<int> ntc_cells,
         std::vector<double> link_in_tap_ohm, Random& rng, std::uint64_t noise_seed)
    : config_(config),
      ntc_cells_(std::move(ntc_cells)),
      link_in_tap_ohm_(std::move(link_in_tap_ohm)),
      noise_(noise_seed) {
    const std::size_t n = link_in_tap_ohm_.size();
    if (ntc_cells_.size() != 4) throw std::invalid_argument("AFE: four cell NTCs, got " + std::to_string(ntc_cells_.size()));
    for (int cell : ntc_cells_)
        if (cell < 1 || static_cast<std::size_t>(cell) > n)
            throw std::invalid_argument("pack: NTC on cell " + std::to_string(cell) + " outside the pack");
    for (std::size_t k = 0; k < n; ++k)
        tap_offset_V_.push_back(rng.uniform(-config_.cell_offset_max_V, config_.cell_offset_max_V));
    current_offset_A_ = rng.uniform(-config_.current_offset_max_A, config_.current_offset_max_A);
    for (std::size_t i = 0; i < kNtcCount; ++i) ntcs_.emplace_back(ntc, 1.0 + rng.uniform(-ntc_tolerance, ntc_tolerance));
}

void Afe::measure(const AfeInputs& truth, SensorReadings& out) {
    const CellBank& cells = truth.cells;
    const std::size_t n = cells.size();
    const AfeConfig& afe = config_;
    out.cell_tap_uV.resize(n);
    const double inv_lsb = 1.0 / afe.cell_lsb_V;
    const double lsb_uV = afe.cell_lsb_V * 1e6;
    const double* emf = cells.emf_V();
    for (std::size_t k = 0; k < n; ++k) {
        const double i_cell = truth.cell_current_A ? truth.cell_current_A[k] : truth.current_A;
        const double v = emf[k] + i_cell * cells.r0_cached_ohm(k) + link_in_tap_ohm_[k] * truth.current_A +
                         tap_offset_V_[k] + afe.cell_noise_V * noise_.next();
        // The AFE's code, then microvolts as its driver reports them.
        const long code = std::lrint(v * inv_lsb);
        out.cell_tap_uV[k] = static_cast<std::int32_t>(std::lrint(static_cast<double>(code) * lsb_uV));
    }
    out.pack_terminal_mV =
        static_cast<std::int32_t>(std::nearbyint((truth.terminal_V + afe.pack_noise_V * noise_.next()) * 1e3));
    const double i = truth.current_A + current_offset_A_ + afe.current_noise_A * noise_.next();
    out.shunt_current_mA =
        static_cast<std::int32_t>(std::nearbyint(std::nearbyint(i / afe.current_lsb_A) * afe.current_lsb_A * 1e3));
    for (std::size_t j = 0; j < 4; ++j) {
        const std::size_t cell = static_cast<std::size_t>(ntc_cells_[j] - 1);
        out.ntc_ohm[j] = ntcs_[j].reading_ohm(cells.temperature_degC(cell));
    }
    out.ntc_ohm[4] = ntcs_[4].reading_ohm(truth.ambient_degC);
    out.ntc_ohm[5] = ntcs_[5].reading_ohm(truth.power_stage_degC);
}

}  // namespace bmshil::model
