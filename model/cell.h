// One LiFePO4 cell: R0, a Butler-Volmer charge-transfer element with a
// capacitance in parallel, one slow linear RC pair, solid diffusion (the
// surface SOC lags the bulk SOC), OCV with charge/discharge hysteresis and an
// entropic term, Arrhenius kinetics, coulombic efficiency and self-discharge.
// Current is positive while charging. Equations: model/cell_sets/FORMAT.md.
//
// Under a constant current over a step every state equation is solved exactly
// (the charge-transfer element's is a Riccati equation), so a step may be as
// long as the inputs stay constant; only the SOC- and temperature-dependent
// parameters limit it (they are refreshed when SOC or temperature has moved
// enough, see kSocRefresh / kTemperatureRefresh_K).
#pragma once

#include <memory>
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
    CellParams params_;
    UniformTable ocv_V_, half_gap_V_, entropic_V_per_K_;
    UniformTable r0_ohm_, rc_ohm_, rc_tau_s_;
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
    double rc_stored_change_J = 0.0;     // changes of 1/2 C v^2 in the RC pair and the charge-transfer capacitance
    double heat_irreversible_J = 0.0;    // R0, RC resistor, charge transfer, concentration, hysteresis
    double heat_charge_transfer_J = 0.0; // part of heat_irreversible_J: the Butler-Volmer element
    double heat_concentration_J = 0.0;   // part of heat_irreversible_J: I times the diffusion overpotential
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

    // Rest the cell fully: charge transfer and RC pair discharged, no
    // concentration gradient, hysteresis on a branch (-1..1).
    void set_state(double soc, double hysteresis);

    // Bulk SOC (charge / capacity).
    double soc() const { return charge_Ah_ * inv_capacity_Ah_; }
    // SOC at the particles' surface: the OCV is read there.
    double surface_soc() const { return soc() + delta_; }
    double capacity_Ah() const { return capacity_Ah_; }
    double hysteresis() const { return h_; }
    // Voltage across the charge-transfer element and across the RC pair.
    double v_ct_V() const { return v_ct_; }
    double v_rc_V() const { return v_rc_; }
    double temperature_degC() const { return temperature_K_ - kKelvinOffset; }
    void set_temperature_degC(double t) {
        close_segment();
        temperature_K_ = t + kKelvinOffset;
    }

    // Equilibrium voltage (no hysteresis) at the bulk SOC: average branch plus
    // entropic shift (the rested cell's).
    double equilibrium_V() const;
    // Open-circuit voltage at the bulk SOC on the current hysteresis state.
    double ocv_V() const;
    // Voltage internal to R0: OCV at the surface SOC plus the charge-transfer
    // and RC polarisation (the pack reads it every step: no log here).
    double emf_V() const {
        const CellType::OcvTerms t = type_->ocv_terms(soc() + delta_);
        return t.average_V + t.entropic_V_per_K * (temperature_K_ - reference_K_) + h_ * t.half_gap_V + v_ct_ + v_rc_;
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
    // The charge-transfer constants of a current (sqrt, log: at a segment start).
    void set_charge_transfer_current(double current_A);
    // Makes ct_ and w_ ready for a step of current_A over cached_dt_.
    void prepare_charge_transfer(double current_A);
    // Li2(w) - Li2(r w) of the element's working variable w.
    double charge_transfer_li2_difference(double w) const;

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
    double v_ct_ = 0.0;   // charge-transfer element
    double v_rc_ = 0.0;   // slow RC pair
    double delta_ = 0.0;  // surface SOC minus bulk SOC
    double temperature_K_;

    // Parameters at (cached_soc_, cached_T_K_).
    double cached_soc_ = -1.0;
    double cached_T_K_ = -1.0;
    double r0_ = 0.0, r_rc_ = 0.0, tau_rc_ = 1.0;
    double c_rc_ = 1.0;  // F
    double inv_r_rc_ = 0.0;
    double i0_ = 0.0;       // exchange current, A
    double a_ct_ = 0.0;     // 2 R T / F, V
    double c_ct_ = 1.0;     // F
    double tau_d_ = 1.0;    // diffusion time constant, s
    double diffusion_gain_ = 0.0;  // steady surface offset per ampere of stored-charge current
    double half_gap_cached_ = 0.0;
    double self_discharge_A_ = 0.0;
    double u_cached_ = 0.0;
    double dudt_cached_ = 0.0;
    // exp(-dt/tau) for the last dt.
    double cached_dt_ = -1.0;
    double a_rc_ = 0.0, diffusion_decay_ = 0.0;
    double k1_ = 0.0, k2_ = 0.0;  // RC integral constants of the step
    // Hysteresis decay for the last (current, dt).
    double hyst_cached_i_ = 0.0;
    double hyst_decay_ = 1.0, hyst_gain_s_ = 0.0;

    // Charge transfer under a constant current (see cell.cpp): w decays by
    // `decay` a step, v_ct = v_ss + a (log1p(-r w) - log1p(-w)).
    struct ChargeTransfer {
        bool valid = false;  // for current_A and the parameters (i0_, a_ct_, c_ct_)
        double current_A = 0.0;
        double v_ss = 0.0;    // a ln u+, the steady state
        double r = -1.0;      // u-/u+ = -1/u+^2
        double lambda = 1.0;  // 1/s
        double series_max = 0.0;  // |w| below this: the series
        double zero_below = 0.0;  // |w| below this: zero
        double ac[4] = {};    // a (1 - r^k)/k
        double d[4] = {};     // (1 - r^k)/k^2
        double decay = 1.0;   // exp(-lambda dt) for decay_dt
        double decay_dt = -1.0;
    };
    ChargeTransfer ct_;
    double w_ = 0.0;         // the element's working state, valid if w_valid_
    bool w_valid_ = false;
    bool ct_ready_ = false;  // ct_ valid for ct_.current_A, its decay for cached_dt_, w_ valid

    // The open segment (mutable: reading the energy closes it).
    struct Segment {
        long steps = 0;
        double current_A = 0.0, dt_s = 0.0;
        double v_rc_start = 0.0;
        double sum_b = 0.0, sum_b_sq = 0.0;  // b = v0 - i R per step
        double sum_h_dt = 0.0;  // integral of the hysteresis state
        double v_ct_start = 0.0, w_start = 0.0;
        double soc_start = 0.0, delta_start = 0.0, delta_ss = 0.0;
    };
    mutable Segment seg_;
    // exp(-t/tau_d) at the Gauss-Legendre nodes of a segment of gauss_time_.
    mutable double gauss_time_ = -1.0, gauss_tau_ = -1.0;
    mutable double gauss_decay_[4] = {};
    mutable CellEnergy energy_;
    mutable double heat_untaken_J_ = 0.0;
};

}  // namespace bmshil::model
