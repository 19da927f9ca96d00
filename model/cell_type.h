// The tables of one LiFePO4 cell type on uniform grids, shared by every cell
// of that type, and the type's temperature laws. Equations:
// model/cell_sets/FORMAT.md.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "cell_params.h"
#include "uniform_table.h"

namespace bmshil::model {

constexpr double kKelvinOffset = 273.15;
constexpr double kGasConstant_J_per_molK = 8.314462618;
constexpr double kFaraday_C_per_mol = 96485.33212;
// First positive root of tan(b) = b: the slowest diffusion mode of a sphere.
constexpr double kSphereBeta1 = 4.493409457909064;

// The tables of one cell type on uniform grids, shared by every cell of that type.
class CellType {
public:
    explicit CellType(CellParams params);

    const CellParams& params() const { return params_; }

    // OCV beyond the table's ends rises (falls) as a steep wall, so over-charge
    // and over-discharge show as voltage the way they do in a real cell.
    double ocv_average_V(double soc) const;
    // sum_j w[j] ocv_average_V(x[j]) over four points (a Gauss-Legendre rule):
    // one lookup when the points share a linear piece of the table.
    double ocv_average_gauss4(const double x[4], const double w[4]) const;
    // Open-circuit voltage of a rested cell (no gradient, no polarisation) at a
    // SOC, a hysteresis state (-1..1) and a temperature.
    double rested_ocv_V(double soc, double hysteresis, double temperature_K) const;
    // Its inverse: a SOC in [-0.2, 1.2] where the rested OCV crosses v (the
    // OCV is piecewise linear in SOC: a search over the grid's nodes, then the
    // piece's line); the range's end where it does not reach v.
    double rested_soc_at_V(double v, double hysteresis, double temperature_K) const;
    double half_gap_V(double soc) const { return half_gap_V_(soc); }
    double entropic_V_per_K(double soc) const { return entropic_V_per_K_(soc); }

    // The three OCV terms at one SOC in one lookup (the hot path).
    struct OcvTerms {
        double average_V;
        double half_gap_V;
        double entropic_V_per_K;
    };
    OcvTerms ocv_terms(double soc) const {
        if (soc < 0.0 || soc > 1.0)
            return {ocv_average_V(soc), half_gap_V(soc < 0.0 ? 0.0 : 1.0), entropic_V_per_K(soc < 0.0 ? 0.0 : 1.0)};
        return ocv_terms_inside(ocv_grid_.data(), soc);
    }
    // The same for a SOC in [0, 1], from the grid (a loop over cells reads the
    // grid's address once).
    static OcvTerms ocv_terms_inside(const OcvTerms* grid, double soc) {
        const double pos = soc * kLastIndex;
        // A signed index converts without the unsigned conversion's extra branch.
        std::int64_t i = static_cast<std::int64_t>(pos);
        if (i > static_cast<std::int64_t>(kGridPoints) - 2) i = static_cast<std::int64_t>(kGridPoints) - 2;
        const double f = pos - static_cast<double>(i);
        const OcvTerms& a = grid[i];
        const OcvTerms& b = grid[i + 1];
        return {a.average_V + f * (b.average_V - a.average_V), a.half_gap_V + f * (b.half_gap_V - a.half_gap_V),
                a.entropic_V_per_K + f * (b.entropic_V_per_K - a.entropic_V_per_K)};
    }
    const OcvTerms* ocv_grid() const { return ocv_grid_.data(); }
    static constexpr std::size_t kGridPoints = 2001;
    static constexpr double kLastIndex = static_cast<double>(kGridPoints - 1);
    double r0_ref_ohm(double soc) const { return r0_ohm_(soc); }
    double rc_ref_ohm(double soc) const { return rc_ohm_(soc); }
    double rc_tau_s(double soc) const { return rc_tau_s_(soc); }
    // R(T) / R(T_ref) of R0 and the RC pair.
    double arrhenius_factor(double temperature_K) const;
    // Exchange current I0(T) of the charge-transfer element (nominal cell).
    double exchange_current_A(double temperature_K) const;
    // Diffusion time R^2/D at a temperature.
    double diffusion_time_s(double temperature_K) const;

    static constexpr double kWallSlope_V_per_soc = 20.0;

private:
    // Whether the rested OCV rises from node to node over the whole table.
    bool rises_throughout(double dT_K, double hysteresis) const;
    // The range of temperatures (from the reference) over which it does, for
    // the last hysteresis asked: cells are placed again and again at the same
    // one. One process's model is one thread's.
    mutable struct {
        double hysteresis = 0.0;
        double from_dT_K = std::numeric_limits<double>::quiet_NaN();
        double to_dT_K = std::numeric_limits<double>::quiet_NaN();
    } rises_for_;

    CellParams params_;
    UniformTable ocv_V_, half_gap_V_, entropic_V_per_K_;
    UniformTable r0_ohm_, rc_ohm_, rc_tau_s_;
    std::vector<OcvTerms> ocv_grid_;
    double reference_K_;
};

}  // namespace bmshil::model
