#include "cell.h"

#include <algorithm>
#include <cmath>

namespace bmshil::model {
namespace {

// Parameters are re-read from the tables when SOC or temperature has moved this
// far since the last read: below the tables' resolution, above per-step noise.
constexpr double kSocRefresh = 0.002;
constexpr double kTemperatureRefresh_K = 0.1;
constexpr std::size_t kGridPoints = CellType::kGridPoints;
constexpr double kSecondsPerMonth = 30.0 * 86400.0;

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
    r1_ohm_ = UniformTable(rs, scaled(params_.r1_mohm, 1e-3), 0.0, 1.0, kGridPoints);
    r2_ohm_ = UniformTable(rs, scaled(params_.r2_mohm, 1e-3), 0.0, 1.0, kGridPoints);
    tau1_s_ = UniformTable(rs, params_.tau1_s, 0.0, 1.0, kGridPoints);
    tau2_s_ = UniformTable(rs, params_.tau2_s, 0.0, 1.0, kGridPoints);
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

double CellType::arrhenius_factor(double temperature_K) const {
    return std::exp(params_.activation_energy_J_per_mol / kGasConstant_J_per_molK *
                    (1.0 / temperature_K - 1.0 / reference_K_));
}

Cell::Cell(std::shared_ptr<const CellType> type, CellVariation variation, double soc,
           double temperature_degC)
    : type_(std::move(type)),
      variation_(variation),
      capacity_Ah_(type_->params().capacity_Ah * variation.capacity_scale),
      inv_capacity_Ah_(1.0 / capacity_Ah_),
      reference_K_(type_->params().reference_temperature_degC + kKelvinOffset),
      // A fraction of the charge per month, as a current in amperes.
      self_discharge_A_ref_(type_->params().capacity_Ah * 3600.0 *
                            type_->params().self_discharge_pct_per_month / 100.0 / kSecondsPerMonth),
      hysteresis_rate_per_A_(1.0 / (type_->params().hysteresis_transition_soc * capacity_Ah_ * 3600.0)),
      temperature_K_(temperature_degC + kKelvinOffset) {
    set_state(soc, 1.0);
}

void Cell::set_state(double soc, double hysteresis) {
    close_segment();
    charge_Ah_ = soc * capacity_Ah_;
    h_ = std::clamp(hysteresis, -1.0, 1.0);
    v1_ = v2_ = 0.0;
    refresh_parameters();
}

void Cell::refresh_parameters() {
    close_segment();  // the parameters of the open segment are about to change
    const double s = std::clamp(soc(), 0.0, 1.0);
    const CellType& t = *type_;
    const double k = t.arrhenius_factor(temperature_K_) * variation_.resistance_scale;
    r0_ = t.r0_ref_ohm(s) * k;
    r1_ = t.r1_ref_ohm(s) * k;
    r2_ = t.r2_ref_ohm(s) * k;
    const double tau1 = t.tau1_s(s);
    const double tau2 = t.tau2_s(s);
    if (tau1 != tau1_ || tau2 != tau2_) cached_dt_ = -1.0;
    tau1_ = tau1;
    tau2_ = tau2;
    c1_ = tau1_ / r1_;
    c2_ = tau2_ / r2_;
    inv_r1_ = 1.0 / r1_;
    inv_r2_ = 1.0 / r2_;
    half_gap_cached_ = t.half_gap_V(s);
    // Self-discharge doubles per 10 K, a common rule for LFP storage loss.
    self_discharge_A_ = self_discharge_A_ref_ * variation_.self_discharge_scale *
                        std::pow(2.0, (temperature_K_ - reference_K_) / 10.0);
    u_cached_ = equilibrium_V();
    dudt_cached_ = t.entropic_V_per_K(s);
    cached_soc_ = soc();
    cached_T_K_ = temperature_K_;
}

double Cell::equilibrium_V() const {
    const double s = soc();
    const CellType& t = *type_;
    const double ref_K = t.params().reference_temperature_degC + kKelvinOffset;
    return t.ocv_average_V(s) + t.entropic_V_per_K(std::clamp(s, 0.0, 1.0)) * (temperature_K_ - ref_K);
}

double Cell::ocv_V() const {
    return equilibrium_V() + h_ * type_->half_gap_V(std::clamp(soc(), 0.0, 1.0));
}

double Cell::r0_ohm() const {
    const CellType& t = *type_;
    return t.r0_ref_ohm(std::clamp(soc(), 0.0, 1.0)) * t.arrhenius_factor(temperature_K_) *
           variation_.resistance_scale;
}

void Cell::close_segment() const {
    Segment& g = seg_;
    if (g.steps == 0) return;
    // Per step the RC voltage is v(t) = a + b e^{-t/tau} with a = i R and b the
    // step's start value less a; over a step its integral is a dt + b k1 and the
    // integral of its square a^2 dt + 2 a b k1 + b^2 k2 (k1, k2 of the step
    // length). Summed over the segment's n steps these need only sum(b), sum(b^2).
    const double n = static_cast<double>(g.steps);
    const double i = g.current_A, dt = g.dt_s;
    const double a1 = i * r1_, a2 = i * r2_;
    const double v1_int = n * a1 * dt + k1_[0] * g.sum_b1;
    const double v2_int = n * a2 * dt + k1_[1] * g.sum_b2;
    const double v1_sq_int = n * a1 * a1 * dt + 2.0 * a1 * k1_[0] * g.sum_b1 + k2_[0] * g.sum_b1_sq;
    const double v2_sq_int = n * a2 * a2 * dt + 2.0 * a2 * k1_[1] * g.sum_b2 + k2_[1] * g.sum_b2_sq;
    const double time = n * dt;
    const double v_hyst_int = half_gap_cached_ * g.sum_h_dt;

    const double r0_loss = i * i * r0_ * time;
    const double loss = r0_loss + i * (v1_int + v2_int) + i * v_hyst_int;
    const double stored = 0.5 * c1_ * (v1_ * v1_ - g.v1_start * g.v1_start) +
                          0.5 * c2_ * (v2_ * v2_ - g.v2_start * g.v2_start);
    const double irreversible = r0_loss + v1_sq_int * inv_r1_ + v2_sq_int * inv_r2_ + i * v_hyst_int;
    // Reversible (entropic) heat: the reaction releases -T dS per charge moved,
    // with dS = F dU/dT per mole; charging (i > 0) where dU/dT > 0 warms the cell.
    const double reversible = i * temperature_K_ * dudt_cached_ * time;
    // Charge lost to coulombic inefficiency ends as heat.
    const double side = i > 0.0 ? i * (1.0 - type_->params().coulombic_efficiency) * u_cached_ * time : 0.0;

    energy_.electrical_loss_J += loss;
    energy_.rc_stored_change_J += stored;
    energy_.heat_irreversible_J += irreversible;
    energy_.heat_reversible_J += reversible;
    energy_.heat_side_reaction_J += side;
    heat_untaken_J_ += irreversible + reversible + side;
    g = Segment{};
}

double Cell::take_heat_J() {
    close_segment();
    const double q = heat_untaken_J_;
    heat_untaken_J_ = 0.0;
    return q;
}

void Cell::step(double current_A, double dt_s) {
    if (dt_s <= 0.0) return;
    if (std::abs(soc() - cached_soc_) > kSocRefresh ||
        std::abs(temperature_K_ - cached_T_K_) > kTemperatureRefresh_K)
        refresh_parameters();
    // Step lengths come from time differences and jitter in the last bits;
    // the decay factors of a step within 1e-9 of the last are reused.
    if (std::abs(dt_s - cached_dt_) > 1e-9 * dt_s) {
        close_segment();
        a1_ = std::exp(-dt_s / tau1_);
        a2_ = std::exp(-dt_s / tau2_);
        k1_[0] = tau1_ * (1.0 - a1_);
        k2_[0] = 0.5 * tau1_ * (1.0 - a1_ * a1_);
        k1_[1] = tau2_ * (1.0 - a2_);
        k2_[1] = 0.5 * tau2_ * (1.0 - a2_ * a2_);
        cached_dt_ = dt_s;
        hyst_cached_i_ = 0.0;
    }
    const double i = current_A;
    if (seg_.steps != 0 && i != seg_.current_A) close_segment();
    if (seg_.steps == 0) {
        seg_.current_A = i;
        seg_.dt_s = cached_dt_;
        seg_.v1_start = v1_;
        seg_.v2_start = v2_;
    }

    // RC pairs: exact solution v(t) = i R + (v0 - i R) e^{-t/tau}.
    const double b1 = v1_ - i * r1_, b2 = v2_ - i * r2_;
    v1_ = i * r1_ + b1 * a1_;
    v2_ = i * r2_ + b2 * a2_;
    seg_.sum_b1 += b1;
    seg_.sum_b1_sq += b1 * b1;
    seg_.sum_b2 += b2;
    seg_.sum_b2_sq += b2 * b2;

    // Hysteresis moves toward the branch of the current's sign with charge
    // throughput; over a step its exact solution is exponential in |i| dt.
    double h_int_dt = h_ * dt_s;  // integral of h over the step
    if (i != 0.0) {
        if (i != hyst_cached_i_) {
            const double rate = std::abs(i) * hysteresis_rate_per_A_;
            hyst_decay_ = std::exp(-rate * dt_s);
            hyst_gain_s_ = (1.0 - hyst_decay_) / rate;
            hyst_cached_i_ = i;
        }
        const double target = i > 0.0 ? 1.0 : -1.0;
        h_int_dt = target * dt_s + (h_ - target) * hyst_gain_s_;
        h_ = target + (h_ - target) * hyst_decay_;
    }
    seg_.sum_h_dt += h_int_dt;
    ++seg_.steps;

    // Charge: coulombic loss while charging, self-discharge always. Self-discharge
    // is a leakage: it fades as an empty cell's voltage collapses.
    const double stored_charge_A = i > 0.0 ? i * type_->params().coulombic_efficiency : i;
    const double leak_A = charge_Ah_ > 0.0 ? self_discharge_A_ : 0.0;
    charge_Ah_ += (stored_charge_A - leak_A) * dt_s * (1.0 / 3600.0);
}

}  // namespace bmshil::model
