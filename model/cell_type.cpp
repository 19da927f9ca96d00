#include "cell_type.h"

#include <algorithm>
#include <cmath>

namespace bmshil::model {
namespace {

std::vector<double> scaled(const std::vector<double>& v, double k) {
    std::vector<double> out(v);
    for (double& x : out) x *= k;
    return out;
}

}  // namespace

CellType::CellType(CellParams p) : params_(std::move(p)) {
    const auto& s = params_.ocv_soc;
    ocv_V_ = UniformTable(s, params_.ocv_average_V, 0.0, 1.0, kGridPoints);
    half_gap_V_ = UniformTable(s, scaled(params_.hysteresis_gap_mV, 0.5e-3), 0.0, 1.0, kGridPoints);
    entropic_V_per_K_ = UniformTable(s, scaled(params_.entropic_mV_per_K, 1e-3), 0.0, 1.0, kGridPoints);
    const auto& rs = params_.resistance_soc;
    r0_ohm_ = UniformTable(rs, scaled(params_.r0_mohm, 1e-3), 0.0, 1.0, kGridPoints);
    rc_ohm_ = UniformTable(rs, scaled(params_.rc_mohm, 1e-3), 0.0, 1.0, kGridPoints);
    rc_tau_s_ = UniformTable(rs, params_.rc_tau_s, 0.0, 1.0, kGridPoints);
    reference_K_ = params_.reference_temperature_degC + kKelvinOffset;
    ocv_grid_.resize(kGridPoints);
    for (std::size_t i = 0; i < kGridPoints; ++i) {
        const double soc = static_cast<double>(i) / kLastIndex;
        ocv_grid_[i] = {ocv_V_(soc), half_gap_V_(soc), entropic_V_per_K_(soc)};
    }
}

double CellType::ocv_average_V(double soc) const {
    // The walls stop at 0 V and 5 V: a cell driven past them is destroyed,
    // which the safe-operating-area monitor has long reported.
    if (soc > 1.0) return std::min(5.0, params_.ocv_average_V.back() + (soc - 1.0) * kWallSlope_V_per_soc);
    if (soc < 0.0) return std::max(0.0, params_.ocv_average_V.front() + soc * kWallSlope_V_per_soc);
    return ocv_V_(soc);
}

double CellType::ocv_average_gauss4(const double x[4], const double w[4]) const {
    const double lo = std::min(std::min(x[0], x[1]), std::min(x[2], x[3]));
    const double hi = std::max(std::max(x[0], x[1]), std::max(x[2], x[3]));
    if (lo >= 0.0 && hi <= 1.0 && static_cast<std::size_t>(lo * kLastIndex) == static_cast<std::size_t>(hi * kLastIndex)) {
        // One linear piece: the weighted sum is the weights' sum (2) times the
        // value at the weighted mean.
        const double mean = 0.5 * (w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3] * x[3]);
        return 2.0 * ocv_V_(mean);
    }
    // All on one of the walls beyond the table, short of where it stops: linear too
    // (a charge near full puts the surface SOC there).
    const bool upper_wall = lo > 1.0 && params_.ocv_average_V.back() + (hi - 1.0) * kWallSlope_V_per_soc < 5.0;
    const bool lower_wall = hi < 0.0 && params_.ocv_average_V.front() + lo * kWallSlope_V_per_soc > 0.0;
    if (upper_wall || lower_wall) {
        const double mean = 0.5 * (w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3] * x[3]);
        return 2.0 * ocv_average_V(mean);
    }
    return w[0] * ocv_average_V(x[0]) + w[1] * ocv_average_V(x[1]) + w[2] * ocv_average_V(x[2]) +
           w[3] * ocv_average_V(x[3]);
}

double CellType::arrhenius_factor(double temperature_K) const {
    return std::exp(params_.activation_energy_J_per_mol / kGasConstant_J_per_molK *
                    (1.0 / temperature_K - 1.0 / reference_K_));
}

double CellType::exchange_current_A(double temperature_K) const {
    return params_.exchange_current_A * std::exp(-params_.charge_transfer_activation_energy_J_per_mol /
                                                 kGasConstant_J_per_molK * (1.0 / temperature_K - 1.0 / reference_K_));
}

double CellType::diffusion_time_s(double temperature_K) const {
    return params_.diffusion_time_s * std::exp(params_.diffusion_activation_energy_J_per_mol /
                                               kGasConstant_J_per_molK * (1.0 / temperature_K - 1.0 / reference_K_));
}

double CellType::rested_ocv_V(double soc, double hysteresis, double temperature_K) const {
    const double s = std::clamp(soc, 0.0, 1.0);
    return ocv_average_V(soc) + entropic_V_per_K(s) * (temperature_K - reference_K_) + hysteresis * half_gap_V(s);
}

}  // namespace bmshil::model
