#include "cell_type.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

bool CellType::rises_throughout(double dT_K, double hysteresis) const {
    if (hysteresis != rises_for_.hysteresis || std::isnan(rises_for_.from_dT_K)) {
        // Each piece's rise, a + h g + dT e (average, gap, entropic terms), is
        // linear in dT: above zero on a half-line. Their intersection is the
        // range of temperatures over which this hysteresis rises throughout.
        double from = -std::numeric_limits<double>::infinity(), to = std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i + 1 < ocv_grid_.size(); ++i) {
            const OcvTerms& a = ocv_grid_[i];
            const OcvTerms& b = ocv_grid_[i + 1];
            const double rise = b.average_V - a.average_V + hysteresis * (b.half_gap_V - a.half_gap_V);
            const double per_K = b.entropic_V_per_K - a.entropic_V_per_K;
            if (per_K > 0.0) from = std::max(from, -rise / per_K);
            else if (per_K < 0.0) to = std::min(to, -rise / per_K);
            else if (!(rise > 0.0)) from = std::numeric_limits<double>::infinity();  // flat or falling at every temperature
        }
        rises_for_ = {hysteresis, from, to};
    }
    return dT_K > rises_for_.from_dT_K && dT_K < rises_for_.to_dT_K;
}

double CellType::rested_soc_at_V(double v, double hysteresis, double temperature_K) const {
    constexpr double kLowest = -0.2, kHighest = 1.2;
    const double dT = temperature_K - reference_K_;
    const auto at_node = [&](std::size_t i) {
        const OcvTerms& t = ocv_grid_[i];
        return t.average_V + t.entropic_V_per_K * dT + hysteresis * t.half_gap_V;
    };
    const auto bisect = [&] {  // the walls where they stop at 0 V and 5 V
        double lo = kLowest, hi = kHighest;
        for (int k = 0; k < 60; ++k) {
            const double mid = 0.5 * (lo + hi);
            (rested_ocv_V(mid, hysteresis, temperature_K) < v ? lo : hi) = mid;
        }
        return 0.5 * (lo + hi);
    };
    const double first = at_node(0), last = at_node(kGridPoints - 1);
    if (v <= first) {
        // On the lower wall: the OCV falls at the wall's slope, the other terms held.
        const double soc = std::max(kLowest, (v - first) / kWallSlope_V_per_soc);
        return params_.ocv_average_V.front() + soc * kWallSlope_V_per_soc > 0.0 ? soc : bisect();
    }
    if (v > last) {
        const double soc = std::min(kHighest, 1.0 + (v - last) / kWallSlope_V_per_soc);
        return params_.ocv_average_V.back() + (soc - 1.0) * kWallSlope_V_per_soc < 5.0 ? soc : bisect();
    }
    // Where the OCV does not rise over the whole table at this temperature and
    // hysteresis (a cold cell's gap can fold it), it crosses v more than once:
    // the bisection over the whole range picks the crossing it always picked.
    if (!rises_throughout(dT, hysteresis)) return bisect();
    // at_node(lo) < v <= at_node(hi) throughout: the piece found holds the crossing.
    std::size_t lo = 0, hi = kGridPoints - 1;
    while (hi - lo > 1) {
        const std::size_t mid = (lo + hi) / 2;
        (at_node(mid) < v ? lo : hi) = mid;
    }
    const double f_lo = at_node(lo), f_hi = at_node(hi);
    return (static_cast<double>(lo) + (v - f_lo) / (f_hi - f_lo)) / kLastIndex;
}

}  // namespace bmshil::model
