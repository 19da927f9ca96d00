#include "cell.h"

#include <algorithm>
#include <cmath>

#include "dilogarithm.h"

namespace bmshil::model {
namespace {

// Parameters are re-read from the tables when SOC or temperature has moved this
// far since the last read: below the tables' resolution, above per-step noise.
constexpr double kSocRefresh = 0.002;
constexpr double kTemperatureRefresh_K = 0.1;
constexpr std::size_t kGridPoints = CellType::kGridPoints;
constexpr double kSecondsPerMonth = 30.0 * 86400.0;
constexpr double kBeta1Squared = kSphereBeta1 * kSphereBeta1;
// The charge-transfer variable w takes the 4-term series of log1p(-r w) - log1p(-w)
// (and of Li2(w) - Li2(r w)) while max(|w|, |r w|) is below this: the remainder is
// below 1e-15 of a (2 R T / F), and the steady state costs no log.
constexpr double kSeriesLimit = 1e-3;
// At a segment start, w below this (relative to the series limit) is set to zero
// and v_ct to its steady state: its share of v_ct is below 2e-18 a (1e-19 V), and
// its decay never runs into subnormal numbers (slow on x86).
constexpr double kWZeroRelative = 1e-15;
// 4-point Gauss-Legendre on [-1, 1].
constexpr double kGaussX[4] = {-0.86113631159405258, -0.33998104358485626, 0.33998104358485626,
                               0.86113631159405258};
constexpr double kGaussW[4] = {0.34785484513745386, 0.65214515486254614, 0.65214515486254614,
                               0.34785484513745386};

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
    v_ct_ = v_rc_ = delta_ = 0.0;
    w_valid_ = ct_ready_ = false;
    refresh_parameters();
}

void Cell::refresh_parameters() {
    close_segment();  // the parameters of the open segment are about to change
    const double s = std::clamp(soc(), 0.0, 1.0);
    const CellType& t = *type_;
    const double k = t.arrhenius_factor(temperature_K_) * variation_.resistance_scale;
    r0_ = t.r0_ref_ohm(s) * k;
    r_rc_ = t.rc_ref_ohm(s) * k;
    const double tau_rc = t.rc_tau_s(s);
    const double t_diff = t.diffusion_time_s(temperature_K_);
    const double tau_d = t_diff / kBeta1Squared;
    if (tau_rc != tau_rc_ || tau_d != tau_d_) cached_dt_ = -1.0;
    tau_rc_ = tau_rc;
    tau_d_ = tau_d;
    c_rc_ = tau_rc_ / r_rc_;
    inv_r_rc_ = 1.0 / r_rc_;
    // Steady surface offset of a sphere under constant flux: (t_diff/15) i/(3600 Q).
    diffusion_gain_ = t_diff / 15.0 / (3600.0 * capacity_Ah_);
    // A cell with resistance_scale k has k times the charge-transfer resistance;
    // the capacitance has no temperature dependence and no spread.
    const double i0 = t.exchange_current_A(temperature_K_) / variation_.resistance_scale;
    const double a = 2.0 * kGasConstant_J_per_molK * temperature_K_ / kFaraday_C_per_mol;
    const double c_ct = t.params().charge_transfer_capacitance_F;
    if (i0 != i0_ || a != a_ct_ || c_ct != c_ct_) ct_.valid = ct_ready_ = false;  // w is re-derived from v_ct
    i0_ = i0;
    a_ct_ = a;
    c_ct_ = c_ct;
    half_gap_cached_ = t.half_gap_V(s);
    // Self-discharge doubles per 10 K, a common rule for LFP storage loss.
    self_discharge_A_ = self_discharge_A_ref_ * variation_.self_discharge_scale *
                        std::pow(2.0, (temperature_K_ - reference_K_) / 10.0);
    u_cached_ = equilibrium_V();
    dudt_cached_ = t.entropic_V_per_K(s);
    cached_soc_ = soc();
    cached_T_K_ = temperature_K_;
}

// Charge transfer, C dv/dt = I - 2 I0 sinh(v/a), a = 2RT/F. With u = e^{v/a} it
// is the Riccati equation aC du/dt = -I0 (u - u+)(u - u-), roots
// u+- = (I +- sqrt(I^2 + 4 I0^2)) / (2 I0), u+ u- = -1. Under a constant I,
// w = (u - u+)/(u - u-) decays exactly as e^{-lambda t}, lambda = sqrt(I^2 + 4 I0^2)/(aC),
// and v = a ln u+ + a (log1p(-r w) - log1p(-w)), r = u-/u+ = -1/u+^2.
void Cell::set_charge_transfer_current(double current_A) {
    const double i = current_A;
    const double sq = std::sqrt(i * i + 4.0 * i0_ * i0_);
    // u+ without cancellation for either sign of I.
    const double up = i >= 0.0 ? (i + sq) / (2.0 * i0_) : 2.0 * i0_ / (sq - i);
    ct_.current_A = i;
    ct_.v_ss = a_ct_ * std::log(up);
    ct_.r = -1.0 / (up * up);
    ct_.lambda = sq / (a_ct_ * c_ct_);
    ct_.series_max = kSeriesLimit * std::min(1.0, up * up);  // kSeriesLimit / max(1, |r|)
    ct_.zero_below = kWZeroRelative * ct_.series_max;
    constexpr double inv_k[4] = {1.0, 1.0 / 2.0, 1.0 / 3.0, 1.0 / 4.0};
    constexpr double inv_k2[4] = {1.0, 1.0 / 4.0, 1.0 / 9.0, 1.0 / 16.0};
    double rk = 1.0;
    for (int k = 0; k < 4; ++k) {
        rk *= ct_.r;
        ct_.ac[k] = a_ct_ * (1.0 - rk) * inv_k[k];
        ct_.d[k] = (1.0 - rk) * inv_k2[k];
    }
    ct_.decay_dt = -1.0;
    ct_.valid = true;
    w_valid_ = false;
}

void Cell::prepare_charge_transfer(double current_A) {
    if (!ct_.valid || current_A != ct_.current_A) set_charge_transfer_current(current_A);
    if (ct_.decay_dt != cached_dt_) {
        ct_.decay = std::exp(-ct_.lambda * cached_dt_);
        ct_.decay_dt = cached_dt_;
    }
    if (!w_valid_) {
        // w from v_ct: (e^x - 1)/(e^x - r), x = (v - v_ss)/a, without cancellation near w = 0.
        const double x = std::clamp((v_ct_ - ct_.v_ss) / a_ct_, -700.0, 700.0);
        const double em = std::expm1(x);
        w_ = em / (1.0 + em - ct_.r);
        w_valid_ = true;
    }
    ct_ready_ = true;
}

double Cell::charge_transfer_li2_difference(double w) const {
    if (std::abs(w) < ct_.series_max) {
        const double* d = ct_.d;
        return w * (d[0] + w * (d[1] + w * (d[2] + w * d[3])));
    }
    return dilogarithm(w) - dilogarithm(ct_.r * w);
}

double CellType::rested_ocv_V(double soc, double hysteresis, double temperature_K) const {
    const double s = std::clamp(soc, 0.0, 1.0);
    return ocv_average_V(soc) + entropic_V_per_K(s) * (temperature_K - reference_K_) + hysteresis * half_gap_V(s);
}

double Cell::equilibrium_V() const { return type_->rested_ocv_V(soc(), 0.0, temperature_K_); }

double Cell::ocv_V() const { return type_->rested_ocv_V(soc(), h_, temperature_K_); }

double Cell::r0_ohm() const {
    const CellType& t = *type_;
    return t.r0_ref_ohm(std::clamp(soc(), 0.0, 1.0)) * t.arrhenius_factor(temperature_K_) *
           variation_.resistance_scale;
}

void Cell::close_segment() const {
    Segment& g = seg_;
    if (g.steps == 0) return;
    const double n = static_cast<double>(g.steps);
    const double i = g.current_A, dt = g.dt_s;
    const double time = n * dt;

    // RC pair. Per step its voltage is v(t) = A + b e^{-t/tau} with A = i R and b
    // the step's start value less A; over a step its integral is A dt + b k1 and
    // the integral of its square A^2 dt + 2 A b k1 + b^2 k2 (k1, k2 of the step
    // length). Summed over the segment's n steps these need only sum(b), sum(b^2).
    const double a_rc = i * r_rc_;
    const double v_rc_int = n * a_rc * dt + k1_ * g.sum_b;
    const double v_rc_sq_int = n * a_rc * a_rc * dt + 2.0 * a_rc * k1_ * g.sum_b + k2_ * g.sum_b_sq;
    const double rc_stored = 0.5 * c_rc_ * (v_rc_ * v_rc_ - g.v_rc_start * g.v_rc_start);

    // Charge transfer. Over a step the integral of ln u is
    // dt ln u+ + (1/lambda) [Li2(w_k) - Li2(w_k+1) - Li2(r w_k) + Li2(r w_k+1)], which
    // telescopes over the segment. Its heat is the loss I * integral(v) less the
    // change of 1/2 C v^2: exactly the integral of v 2 I0 sinh(v/a), as
    // C dv/dt = I - 2 I0 sinh(v/a).
    double ct_loss = 0.0;
    if (i != 0.0) {
        const double v_ct_int = time * ct_.v_ss + a_ct_ / ct_.lambda *
                                                      (charge_transfer_li2_difference(g.w_start) -
                                                       charge_transfer_li2_difference(w_));
        ct_loss = i * v_ct_int;
    }
    const double ct_stored = 0.5 * c_ct_ * (v_ct_ * v_ct_ - g.v_ct_start * g.v_ct_start);
    const double ct_heat = ct_loss - ct_stored;

    // Concentration overpotential dU = ocv_average(s + delta) - ocv_average(s),
    // dissipated while current flows: I times its integral, by 4-point
    // Gauss-Legendre along the segment's exact s(t) (linear) and delta(t)
    // (exponential). The free energy left in the concentration profile
    // (of order 0.5 dU/ds Q delta^2) is not held back: it is booked as heat
    // while the current flows, and the rest that follows releases nothing.
    double concentration = 0.0;
    if (i != 0.0) {
        const CellType& t = *type_;
        const double s0 = g.soc_start, ds = soc() - s0;
        const double d_ss = g.delta_ss, d0 = g.delta_start - d_ss;
        // The decay at the nodes, cached with the segment's duration (segments
        // under load mostly last one thermal interval).
        if (time != gauss_time_ || tau_d_ != gauss_tau_) {
            // Segments are mostly far shorter than tau_d (a step between two
            // readings): there a Taylor polynomial is exact to 1e-13 and cheaper.
            const bool short_segment = time < 0.01 * tau_d_;
            for (int j = 0; j < 4; ++j) {
                const double x = 0.5 * (1.0 + kGaussX[j]) * time / tau_d_;
                gauss_decay_[j] = short_segment ? 1.0 - x * (1.0 - x * (0.5 - x * (1.0 / 6.0 - x * (1.0 / 24.0))))
                                                : std::exp(-x);
            }
            gauss_time_ = time;
            gauss_tau_ = tau_d_;
        }
        double bulk[4], surface[4];
        for (int j = 0; j < 4; ++j) {
            bulk[j] = s0 + ds * (0.5 * (1.0 + kGaussX[j]));
            surface[j] = bulk[j] + d_ss + d0 * gauss_decay_[j];
        }
        const double sum = t.ocv_average_gauss4(surface, kGaussW) - t.ocv_average_gauss4(bulk, kGaussW);
        concentration = i * 0.5 * time * sum;
    }

    const double v_hyst_int = half_gap_cached_ * g.sum_h_dt;
    const double r0_loss = i * i * r0_ * time;
    const double loss = r0_loss + i * v_rc_int + ct_loss + concentration + i * v_hyst_int;
    const double stored = rc_stored + ct_stored;
    const double irreversible = r0_loss + v_rc_sq_int * inv_r_rc_ + ct_heat + concentration + i * v_hyst_int;
    // Reversible (entropic) heat: the reaction releases -T dS per charge moved,
    // with dS = F dU/dT per mole; charging (i > 0) where dU/dT > 0 warms the cell.
    const double reversible = i * temperature_K_ * dudt_cached_ * time;
    // Charge lost to coulombic inefficiency ends as heat.
    const double side = i > 0.0 ? i * (1.0 - type_->params().coulombic_efficiency) * u_cached_ * time : 0.0;

    energy_.electrical_loss_J += loss;
    energy_.rc_stored_change_J += stored;
    energy_.heat_irreversible_J += irreversible;
    energy_.heat_charge_transfer_J += ct_heat;
    energy_.heat_concentration_J += concentration;
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
        a_rc_ = std::exp(-dt_s / tau_rc_);
        k1_ = tau_rc_ * (1.0 - a_rc_);
        k2_ = 0.5 * tau_rc_ * (1.0 - a_rc_ * a_rc_);
        diffusion_decay_ = std::exp(-dt_s / tau_d_);
        cached_dt_ = dt_s;
        hyst_cached_i_ = 0.0;
        ct_ready_ = false;  // its decay is for the last dt
    }
    const double i = current_A;
    if (seg_.steps != 0 && i != seg_.current_A) close_segment();
    // The current that changes the stored charge (without the leak).
    const double stored_charge_A = i > 0.0 ? i * type_->params().coulombic_efficiency : i;
    if (seg_.steps == 0) {
        // Within a segment the current and the parameters stay; whatever
        // changes them closes the segment first.
        if (!ct_ready_ || i != ct_.current_A) prepare_charge_transfer(i);
        // w too small to show in v_ct is zero (and its decay no subnormal number).
        if (std::abs(w_) < ct_.zero_below && w_ != 0.0) {
            w_ = 0.0;
            v_ct_ = ct_.v_ss;
        }
        seg_.current_A = i;
        seg_.dt_s = cached_dt_;
        seg_.v_rc_start = v_rc_;
        seg_.v_ct_start = v_ct_;
        seg_.w_start = w_;
        seg_.soc_start = soc();
        seg_.delta_start = delta_;
        seg_.delta_ss = stored_charge_A * diffusion_gain_;
    }

    // RC pair: exact solution v(t) = i R + (v0 - i R) e^{-t/tau}.
    const double b = v_rc_ - i * r_rc_;
    v_rc_ = i * r_rc_ + b * a_rc_;
    seg_.sum_b += b;
    seg_.sum_b_sq += b * b;

    // Charge transfer: w decays exactly; v_ct follows from it.
    const double w = w_ * ct_.decay;
    w_ = w;
    if (std::abs(w) < ct_.series_max) {
        const double* c = ct_.ac;  // a (1 - r^k)/k
        const double w2 = w * w;
        v_ct_ = ct_.v_ss + w * ((c[0] + w * c[1]) + w2 * (c[2] + w * c[3]));
    } else {
        v_ct_ = ct_.v_ss + a_ct_ * (std::log1p(-ct_.r * w) - std::log1p(-w));
    }

    // Solid diffusion, first mode of a sphere: delta relaxes exponentially
    // toward its steady state under the stored-charge current.
    delta_ = seg_.delta_ss + (delta_ - seg_.delta_ss) * diffusion_decay_;

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
    const double leak_A = charge_Ah_ > 0.0 ? self_discharge_A_ : 0.0;
    charge_Ah_ += (stored_charge_A - leak_A) * dt_s * (1.0 / 3600.0);
}

}  // namespace bmshil::model
