// One LiFePO4 cell: Thevenin model with R0 and two RC pairs, OCV with
// charge/discharge hysteresis and an entropic term, Arrhenius resistance,
// coulombic efficiency and self-discharge. Current is positive while charging.
//
// Under a constant current over a step the RC equations are solved exactly,
// so a step may be as long as the inputs stay constant; only the SOC- and
// temperature-dependent parameters limit it (they are refreshed when SOC or
// temperature has moved enough, see kSocRefresh / kTemperatureRefresh_K).
#pragma once

#include <memory>
#include <vector>

#include "cell_params.h"
#include "uniform_table.h"

namespace bmshil::model {

constexpr double kKelvinOffset = 273.15;
constexpr double kGasConstant_J_per_molK = 8.314462618;

// The tables of one cell type on uniform grids, shared by every cell of that type.
class CellType {
public:
    explicit CellType(CellParams params);

    const CellParams& params() const { return params_; }

    // OCV beyond the table's ends rises (falls) as a steep wall, so over-charge
    // and over-discharge show as voltage the way they do in a real cell.
    double ocv_average_V(double soc) const;
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
        const double pos = soc * kLastIndex;
        std::size_t i = static_cast<std::size_t>(pos);
        if (i >= kGridPoints - 1) i = kGridPoints - 2;
        const double f = pos - static_cast<double>(i);
        const OcvTerms& a = ocv_grid_[i];
        const OcvTerms& b = ocv_grid_[i + 1];
        return {a.average_V + f * (b.average_V - a.average_V), a.half_gap_V + f * (b.half_gap_V - a.half_gap_V),
                a.entropic_V_per_K + f * (b.entropic_V_per_K - a.entropic_V_per_K)};
    }
    static constexpr std::size_t kGridPoints = 2001;
    static constexpr double kLastIndex = static_cast<double>(kGridPoints - 1);
    double r0_ref_ohm(double soc) const { return r0_ohm_(soc); }
    double r1_ref_ohm(double soc) const { return r1_ohm_(soc); }
    double tau1_s(double soc) const { return tau1_s_(soc); }
    double r2_ref_ohm(double soc) const { return r2_ohm_(soc); }
    double tau2_s(double soc) const { return tau2_s_(soc); }
    // R(T) / R(T_ref).
    double arrhenius_factor(double temperature_K) const;

    static constexpr double kWallSlope_V_per_soc = 20.0;

private:
    CellParams params_;
    UniformTable ocv_V_, half_gap_V_, entropic_V_per_K_;
    UniformTable r0_ohm_, r1_ohm_, tau1_s_, r2_ohm_, tau2_s_;
    std::vector<OcvTerms> ocv_grid_;
    double reference_K_;
};

// How this cell differs from the type's nominal values (pack spread, ageing).
struct CellVariation {
    double capacity_scale = 1.0;
    double resistance_scale = 1.0;
    double self_discharge_scale = 1.0;
};

// Energy bookkeeping, for the energy-balance check and the thermal network.
struct CellEnergy {
    double electrical_loss_J = 0.0;      // integral of I * (V - U_eq)
    double rc_stored_change_J = 0.0;     // sum of changes of 1/2 C v^2 in the RC pairs
    double heat_irreversible_J = 0.0;    // R0, RC resistors, hysteresis
    double heat_reversible_J = 0.0;      // entropic: +I T dU/dT (I > 0 charging)
    double heat_side_reaction_J = 0.0;   // charge lost to coulombic inefficiency
};

class Cell {
public:
    Cell(std::shared_ptr<const CellType> type, CellVariation variation, double soc,
         double temperature_degC);

    // Advances the cell by dt_s under a constant terminal current.
    void step(double current_A, double dt_s);
    // The heat generated since the last call, J (irreversible, entropic and
    // side reactions).
    double take_heat_J();

    // Rest the cell fully: RC pairs discharged, hysteresis on a branch (-1..1).
    void set_state(double soc, double hysteresis);

    double soc() const { return charge_Ah_ * inv_capacity_Ah_; }
    double capacity_Ah() const { return capacity_Ah_; }
    double hysteresis() const { return h_; }
    double v1_V() const { return v1_; }
    double v2_V() const { return v2_; }
    double temperature_degC() const { return temperature_K_ - kKelvinOffset; }
    void set_temperature_degC(double t) {
        close_segment();
        temperature_K_ = t + kKelvinOffset;
    }

    // Equilibrium voltage (no hysteresis): average branch plus entropic shift.
    double equilibrium_V() const;
    // Open-circuit voltage on the current hysteresis state.
    double ocv_V() const;
    // Voltage internal to R0: OCV plus the RC polarisation.
    double emf_V() const {
        const CellType::OcvTerms t = type_->ocv_terms(soc());
        return t.average_V + t.entropic_V_per_K * (temperature_K_ - reference_K_) + h_ * t.half_gap_V + v1_ + v2_;
    }
    double r0_ohm() const;
    // R0 as last read from the tables (refreshed with SOC and temperature).
    double r0_cached_ohm() const { return r0_; }
    double terminal_V(double current_A) const { return emf_V() + current_A * r0_ohm(); }

    void set_self_discharge_scale(double s) { variation_.self_discharge_scale = s; }
    const CellVariation& variation() const { return variation_; }
    const CellEnergy& energy() const {
        close_segment();
        return energy_;
    }
    const CellType& type() const { return *type_; }

private:
    void refresh_parameters();
    // Energy is booked per segment, a run of steps with the same current, step
    // length and parameters: each step adds to a few sums, and closing the
    // segment turns them into the exact integrals (see cell.cpp).
    void close_segment() const;

    std::shared_ptr<const CellType> type_;
    CellVariation variation_;
    double capacity_Ah_;
    double inv_capacity_Ah_;
    double reference_K_;
    double self_discharge_A_ref_;  // leakage at T_ref
    double hysteresis_rate_per_A_; // 1/s per ampere of throughput

    // State.
    double charge_Ah_ = 0.0;
    double h_ = 0.0;
    double v1_ = 0.0;
    double v2_ = 0.0;
    double temperature_K_;

    // Parameters at (cached_soc_, cached_T_K_).
    double cached_soc_ = -1.0;
    double cached_T_K_ = -1.0;
    double r0_ = 0.0, r1_ = 0.0, r2_ = 0.0, tau1_ = 1.0, tau2_ = 1.0;
    double c1_ = 1.0, c2_ = 1.0;   // F
    double inv_r1_ = 0.0, inv_r2_ = 0.0;
    double half_gap_cached_ = 0.0;
    double self_discharge_A_ = 0.0;
    double u_cached_ = 0.0;
    double dudt_cached_ = 0.0;
    // exp(-dt/tau) for the last dt.
    double cached_dt_ = -1.0;
    double a1_ = 0.0, a2_ = 0.0;
    double k1_[2] = {0.0, 0.0}, k2_[2] = {0.0, 0.0};  // RC integral constants of the step
    // Hysteresis decay for the last (current, dt).
    double hyst_cached_i_ = 0.0;
    double hyst_decay_ = 1.0, hyst_gain_s_ = 0.0;

    // The open segment (mutable: reading the energy closes it).
    struct Segment {
        long steps = 0;
        double current_A = 0.0, dt_s = 0.0;
        double v1_start = 0.0, v2_start = 0.0;
        double sum_b1 = 0.0, sum_b1_sq = 0.0, sum_b2 = 0.0, sum_b2_sq = 0.0;  // b = v0 - i R per step
        double sum_h_dt = 0.0;  // integral of the hysteresis state
    };
    mutable Segment seg_;
    mutable CellEnergy energy_;
    mutable double heat_untaken_J_ = 0.0;
};

}  // namespace bmshil::model
