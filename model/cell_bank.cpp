#include "cell_bank.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "dilogarithm.h"

namespace bmshil::model {
namespace {

// Parameters are re-read from the tables when SOC or temperature has moved this
// far since the last read: below the tables' resolution, above per-step noise.
constexpr double kSocRefresh = 0.002;
constexpr double kTemperatureRefresh_K = 0.1;
constexpr double kSecondsPerMonth = 30.0 * 86400.0;
constexpr double kBeta1Squared = kSphereBeta1 * kSphereBeta1;
// Step lengths come from time differences and jitter in the last bits: the
// decay factors of a step within this (relative) of the last are reused.
constexpr double kSameStep = 1e-9;
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

}  // namespace

// The two loops over all cells (advance, update_emf) are built for AVX2 and
// SSE4.2 as well, picked when the program loads: both vectorise the loops with
// their flags, plain SSE2 does not. None of the builds uses FMA, so each
// rounds every operation alike and the results do not depend on the machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BMSHIL_VECTOR_CLONES __attribute__((target_clones("avx2", "sse4.2", "default")))
#else
#define BMSHIL_VECTOR_CLONES
#endif

CellBank::CellBank(std::shared_ptr<const CellType> type, std::size_t count, const CellVariation* variations,
                   const double* soc, double temperature_degC)
    : type_(std::move(type)),
      n_(count),
      reference_K_(type_->params().reference_temperature_degC + kKelvinOffset),
      // A fraction of the charge per month, as a current in amperes.
      self_discharge_A_ref_(type_->params().capacity_Ah * 3600.0 * type_->params().self_discharge_pct_per_month /
                            100.0 / kSecondsPerMonth),
      coulombic_efficiency_(type_->params().coulombic_efficiency) {
    if (count == 0 || count > kMaxCells)
        throw std::invalid_argument("cell bank: " + std::to_string(count) + " cells, must be 1.." +
                                    std::to_string(kMaxCells));
    for (std::size_t k = 0; k < n_; ++k) reset_cell(k, variations[k], soc[k], temperature_degC);
    update_emf();
}

void CellBank::reset_cell(std::size_t k, const CellVariation& variation, double soc, double temperature_degC) {
    variation_[k] = variation;
    capacity_Ah_[k] = type_->params().capacity_Ah * variation.capacity_scale;
    inv_capacity_Ah_[k] = 1.0 / capacity_Ah_[k];
    hysteresis_rate_per_A_[k] = 1.0 / (type_->params().hysteresis_transition_soc * capacity_Ah_[k] * 3600.0);
    temperature_K_[k] = temperature_degC + kKelvinOffset;
    charge_Ah_[k] = h_[k] = v_ct_[k] = v_rc_[k] = delta_[k] = 0.0;
    current_A_[k] = stored_charge_A_[k] = 0.0;
    cached_soc_[k] = cached_T_K_[k] = -1.0;
    r0_[k] = r_rc_[k] = inv_r_rc_[k] = i0_[k] = a_ct_[k] = 0.0;
    tau_rc_[k] = c_rc_[k] = c_ct_[k] = tau_d_[k] = 1.0;
    diffusion_gain_[k] = half_gap_cached_[k] = self_discharge_A_[k] = u_cached_[k] = dudt_cached_[k] = 0.0;
    cached_dt_[k] = -1.0;
    a_rc_[k] = diffusion_decay_[k] = k1_[k] = k2_[k] = 0.0;
    hyst_cached_i_[k] = hyst_target_[k] = hyst_gain_s_[k] = 0.0;
    hyst_decay_[k] = 1.0;
    ct_valid_[k] = w_valid_[k] = ct_ready_[k] = false;
    ct_current_A_[k] = ct_v_ss_[k] = ct_series_max_[k] = ct_zero_below_[k] = 0.0;
    ct_r_[k] = -1.0;
    ct_lambda_[k] = ct_decay_[k] = 1.0;
    ct_decay_dt_[k] = -1.0;
    for (int j = 0; j < 4; ++j) ct_ac_[j][k] = ct_d_[j][k] = gauss_decay_[k][j] = 0.0;
    w_[k] = 0.0;
    ocv_piece_[k] = -2.0;  // on no piece: the first update looks it up
    seg_[k] = Segment{};
    seg_steps_[k] = 0;
    seg_sum_b_[k] = seg_sum_b_sq_[k] = seg_sum_h_dt_[k] = seg_delta_ss_[k] = 0.0;
    gauss_time_[k] = gauss_tau_[k] = -1.0;
    energy_[k] = CellEnergy{};
    heat_untaken_J_[k] = 0.0;
    set_state(k, soc, 1.0);
}

void CellBank::set_state(std::size_t k, double soc, double hysteresis) {
    close_segment(k);
    charge_Ah_[k] = soc * capacity_Ah_[k];
    h_[k] = std::clamp(hysteresis, -1.0, 1.0);
    v_ct_[k] = v_rc_[k] = delta_[k] = 0.0;
    w_valid_[k] = ct_ready_[k] = false;
    refresh_parameters(k);
    ready_ = false;
}

void CellBank::set_temperature_degC(std::size_t k, double t) {
    close_segment(k);
    temperature_K_[k] = t + kKelvinOffset;
    ready_ = false;
}

void CellBank::refresh_parameters(std::size_t k) {
    close_segment(k);  // the parameters of the open segment are about to change
    const double s = std::clamp(soc(k), 0.0, 1.0);
    const CellType& t = *type_;
    const double temperature_K = temperature_K_[k];
    const double scale = t.arrhenius_factor(temperature_K) * variation_[k].resistance_scale;
    r0_[k] = t.r0_ref_ohm(s) * scale;
    r_rc_[k] = t.rc_ref_ohm(s) * scale;
    const double tau_rc = t.rc_tau_s(s);
    const double t_diff = t.diffusion_time_s(temperature_K);
    const double tau_d = t_diff / kBeta1Squared;
    if (tau_rc != tau_rc_[k] || tau_d != tau_d_[k]) cached_dt_[k] = -1.0;
    tau_rc_[k] = tau_rc;
    tau_d_[k] = tau_d;
    c_rc_[k] = tau_rc / r_rc_[k];
    inv_r_rc_[k] = 1.0 / r_rc_[k];
    // Steady surface offset of a sphere under constant flux: (t_diff/15) i/(3600 Q).
    diffusion_gain_[k] = t_diff / 15.0 / (3600.0 * capacity_Ah_[k]);
    // A cell with resistance_scale k has k times the charge-transfer resistance;
    // the capacitance has no temperature dependence and no spread.
    const double i0 = t.exchange_current_A(temperature_K) / variation_[k].resistance_scale;
    const double a = 2.0 * kGasConstant_J_per_molK * temperature_K / kFaraday_C_per_mol;
    const double c_ct = t.params().charge_transfer_capacitance_F;
    if (i0 != i0_[k] || a != a_ct_[k] || c_ct != c_ct_[k]) ct_valid_[k] = ct_ready_[k] = false;  // w from v_ct again
    i0_[k] = i0;
    a_ct_[k] = a;
    c_ct_[k] = c_ct;
    half_gap_cached_[k] = t.half_gap_V(s);
    // Self-discharge doubles per 10 K, a common rule for LFP storage loss.
    self_discharge_A_[k] = self_discharge_A_ref_ * variation_[k].self_discharge_scale *
                           std::pow(2.0, (temperature_K - reference_K_) / 10.0);
    u_cached_[k] = equilibrium_V(k);
    dudt_cached_[k] = t.entropic_V_per_K(s);
    cached_soc_[k] = soc(k);
    cached_T_K_[k] = temperature_K;
    r0_sum_stale_ = true;
}

// Charge transfer, C dv/dt = I - 2 I0 sinh(v/a), a = 2RT/F. With u = e^{v/a} it
// is the Riccati equation aC du/dt = -I0 (u - u+)(u - u-), roots
// u+- = (I +- sqrt(I^2 + 4 I0^2)) / (2 I0), u+ u- = -1. Under a constant I,
// w = (u - u+)/(u - u-) decays exactly as e^{-lambda t}, lambda = sqrt(I^2 + 4 I0^2)/(aC),
// and v = a ln u+ + a (log1p(-r w) - log1p(-w)), r = u-/u+ = -1/u+^2.
void CellBank::set_charge_transfer_current(std::size_t k, double current_A) {
    const double i = current_A;
    const double i0 = i0_[k], a = a_ct_[k];
    const double sq = std::sqrt(i * i + 4.0 * i0 * i0);
    // u+ without cancellation for either sign of I.
    const double up = i >= 0.0 ? (i + sq) / (2.0 * i0) : 2.0 * i0 / (sq - i);
    ct_current_A_[k] = i;
    ct_v_ss_[k] = a * std::log(up);
    ct_r_[k] = -1.0 / (up * up);
    ct_lambda_[k] = sq / (a * c_ct_[k]);
    ct_series_max_[k] = kSeriesLimit * std::min(1.0, up * up);  // kSeriesLimit / max(1, |r|)
    ct_zero_below_[k] = kWZeroRelative * ct_series_max_[k];
    constexpr double inv_j[4] = {1.0, 1.0 / 2.0, 1.0 / 3.0, 1.0 / 4.0};
    constexpr double inv_j2[4] = {1.0, 1.0 / 4.0, 1.0 / 9.0, 1.0 / 16.0};
    double rj = 1.0;
    for (int j = 0; j < 4; ++j) {
        rj *= ct_r_[k];
        ct_ac_[j][k] = a * (1.0 - rj) * inv_j[j];
        ct_d_[j][k] = (1.0 - rj) * inv_j2[j];
    }
    ct_decay_dt_[k] = -1.0;
    ct_valid_[k] = true;
    w_valid_[k] = false;
}

void CellBank::prepare_charge_transfer(std::size_t k, double current_A) {
    if (!ct_valid_[k] || current_A != ct_current_A_[k]) set_charge_transfer_current(k, current_A);
    if (ct_decay_dt_[k] != cached_dt_[k]) {
        ct_decay_[k] = std::exp(-ct_lambda_[k] * cached_dt_[k]);
        ct_decay_dt_[k] = cached_dt_[k];
    }
    if (!w_valid_[k]) {
        // w from v_ct: (e^x - 1)/(e^x - r), x = (v - v_ss)/a, without cancellation near w = 0.
        const double x = std::clamp((v_ct_[k] - ct_v_ss_[k]) / a_ct_[k], -700.0, 700.0);
        const double em = std::expm1(x);
        w_[k] = em / (1.0 + em - ct_r_[k]);
        w_valid_[k] = true;
    }
    ct_ready_[k] = true;
}

double CellBank::charge_transfer_li2_difference(std::size_t k, double w) const {
    if (std::abs(w) < ct_series_max_[k])
        return w * (ct_d_[0][k] + w * (ct_d_[1][k] + w * (ct_d_[2][k] + w * ct_d_[3][k])));
    return dilogarithm(w) - dilogarithm(ct_r_[k] * w);
}

double CellBank::r0_ohm(std::size_t k) const {
    const CellType& t = *type_;
    return t.r0_ref_ohm(std::clamp(soc(k), 0.0, 1.0)) * t.arrhenius_factor(temperature_K_[k]) *
           variation_[k].resistance_scale;
}

void CellBank::close_segment(std::size_t k) const {
    if (seg_steps_[k] == 0) return;
    ready_ = false;  // the next step opens a new segment
    const Segment& g = seg_[k];
    const double n = static_cast<double>(seg_steps_[k]);
    const double i = g.current_A, dt = g.dt_s;
    const double time = n * dt;
    const double sum_b = seg_sum_b_[k], sum_b_sq = seg_sum_b_sq_[k];

    // RC pair. Per step its voltage is v(t) = A + b e^{-t/tau} with A = i R and b
    // the step's start value less A; over a step its integral is A dt + b k1 and
    // the integral of its square A^2 dt + 2 A b k1 + b^2 k2 (k1, k2 of the step
    // length). Summed over the segment's n steps these need only sum(b), sum(b^2).
    const double a_rc = i * r_rc_[k];
    const double v_rc_int = n * a_rc * dt + k1_[k] * sum_b;
    const double v_rc_sq_int = n * a_rc * a_rc * dt + 2.0 * a_rc * k1_[k] * sum_b + k2_[k] * sum_b_sq;
    const double rc_stored = 0.5 * c_rc_[k] * (v_rc_[k] * v_rc_[k] - g.v_rc_start * g.v_rc_start);

    // Charge transfer. Over a step the integral of ln u is
    // dt ln u+ + (1/lambda) [Li2(w_k) - Li2(w_k+1) - Li2(r w_k) + Li2(r w_k+1)], which
    // telescopes over the segment. Its heat is the loss I * integral(v) less the
    // change of 1/2 C v^2: exactly the integral of v 2 I0 sinh(v/a), as
    // C dv/dt = I - 2 I0 sinh(v/a).
    double ct_loss = 0.0;
    if (i != 0.0) {
        const double v_ct_int = time * ct_v_ss_[k] + a_ct_[k] / ct_lambda_[k] *
                                                         (charge_transfer_li2_difference(k, g.w_start) -
                                                          charge_transfer_li2_difference(k, w_[k]));
        ct_loss = i * v_ct_int;
    }
    const double ct_stored = 0.5 * c_ct_[k] * (v_ct_[k] * v_ct_[k] - g.v_ct_start * g.v_ct_start);
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
        const double s0 = g.soc_start, ds = soc(k) - s0;
        const double d_ss = seg_delta_ss_[k], d0 = g.delta_start - d_ss;
        double* decay = gauss_decay_[k];
        // The decay at the nodes, cached with the segment's duration (segments
        // under load mostly last one thermal interval).
        if (time != gauss_time_[k] || tau_d_[k] != gauss_tau_[k]) {
            // Segments are mostly far shorter than tau_d (a step between two
            // readings): there a Taylor polynomial is exact to 1e-13 and cheaper.
            const bool short_segment = time < 0.01 * tau_d_[k];
            for (int j = 0; j < 4; ++j) {
                const double x = 0.5 * (1.0 + kGaussX[j]) * time / tau_d_[k];
                decay[j] = short_segment ? 1.0 - x * (1.0 - x * (0.5 - x * (1.0 / 6.0 - x * (1.0 / 24.0))))
                                         : std::exp(-x);
            }
            gauss_time_[k] = time;
            gauss_tau_[k] = tau_d_[k];
        }
        double bulk[4], surface[4];
        for (int j = 0; j < 4; ++j) {
            bulk[j] = s0 + ds * (0.5 * (1.0 + kGaussX[j]));
            surface[j] = bulk[j] + d_ss + d0 * decay[j];
        }
        const double sum = t.ocv_average_gauss4(surface, kGaussW) - t.ocv_average_gauss4(bulk, kGaussW);
        concentration = i * 0.5 * time * sum;
    }

    const double v_hyst_int = half_gap_cached_[k] * seg_sum_h_dt_[k];
    const double r0_loss = i * i * r0_[k] * time;
    const double loss = r0_loss + i * v_rc_int + ct_loss + concentration + i * v_hyst_int;
    const double stored = rc_stored + ct_stored;
    const double irreversible = r0_loss + v_rc_sq_int * inv_r_rc_[k] + ct_heat + concentration + i * v_hyst_int;
    // Reversible (entropic) heat: the reaction releases -T dS per charge moved,
    // with dS = F dU/dT per mole; charging (i > 0) where dU/dT > 0 warms the cell.
    const double reversible = i * temperature_K_[k] * dudt_cached_[k] * time;
    // Charge lost to coulombic inefficiency ends as heat.
    const double side = i > 0.0 ? i * (1.0 - coulombic_efficiency_) * u_cached_[k] * time : 0.0;

    CellEnergy& e = energy_[k];
    e.electrical_loss_J += loss;
    e.rc_stored_change_J += stored;
    e.heat_irreversible_J += irreversible;
    e.heat_charge_transfer_J += ct_heat;
    e.heat_concentration_J += concentration;
    e.heat_reversible_J += reversible;
    e.heat_side_reaction_J += side;
    heat_untaken_J_[k] += irreversible + reversible + side;
    seg_[k] = Segment{};
    seg_steps_[k] = 0;
    seg_sum_b_[k] = seg_sum_b_sq_[k] = seg_sum_h_dt_[k] = 0.0;
}

double CellBank::take_heat_J(std::size_t k) {
    close_segment(k);
    const double q = heat_untaken_J_[k];
    heat_untaken_J_[k] = 0.0;
    return q;
}

void CellBank::prepare(std::size_t k, double current_A, double dt_s) {
    if (std::abs(soc(k) - cached_soc_[k]) > kSocRefresh ||
        std::abs(temperature_K_[k] - cached_T_K_[k]) > kTemperatureRefresh_K)
        refresh_parameters(k);
    if (std::abs(dt_s - cached_dt_[k]) > kSameStep * dt_s) {
        close_segment(k);
        a_rc_[k] = std::exp(-dt_s / tau_rc_[k]);
        k1_[k] = tau_rc_[k] * (1.0 - a_rc_[k]);
        k2_[k] = 0.5 * tau_rc_[k] * (1.0 - a_rc_[k] * a_rc_[k]);
        diffusion_decay_[k] = std::exp(-dt_s / tau_d_[k]);
        cached_dt_[k] = dt_s;
        hyst_cached_i_[k] = 0.0;
        ct_ready_[k] = false;  // its decay is for the last dt
    }
    const double i = current_A;
    if (seg_steps_[k] != 0 && i != seg_[k].current_A) close_segment(k);
    current_A_[k] = i;
    stored_charge_A_[k] = i > 0.0 ? i * coulombic_efficiency_ : i;
    if (seg_steps_[k] == 0) {
        // Within a segment the current and the parameters stay; whatever
        // changes them closes the segment first.
        if (!ct_ready_[k] || i != ct_current_A_[k]) prepare_charge_transfer(k, i);
        // w too small to show in v_ct is zero (and its decay no subnormal number).
        if (std::abs(w_[k]) < ct_zero_below_[k] && w_[k] != 0.0) {
            w_[k] = 0.0;
            v_ct_[k] = ct_v_ss_[k];
        }
        Segment& g = seg_[k];
        g.current_A = i;
        g.dt_s = cached_dt_[k];
        g.v_rc_start = v_rc_[k];
        g.v_ct_start = v_ct_[k];
        g.w_start = w_[k];
        g.soc_start = soc(k);
        g.delta_start = delta_[k];
        seg_delta_ss_[k] = stored_charge_A_[k] * diffusion_gain_[k];
    }
    // Hysteresis moves toward the branch of the current's sign with charge
    // throughput; over a step its exact solution is exponential in |i| dt.
    if (i != 0.0) {
        if (i != hyst_cached_i_[k]) {
            const double rate = std::abs(i) * hysteresis_rate_per_A_[k];
            hyst_decay_[k] = std::exp(-rate * dt_s);
            hyst_gain_s_[k] = (1.0 - hyst_decay_[k]) / rate;
            hyst_cached_i_[k] = i;
        }
        hyst_target_[k] = i > 0.0 ? 1.0 : -1.0;
    } else {
        // No throughput: h stays, its integral is h dt.
        hyst_target_[k] = 0.0;
        hyst_decay_[k] = 1.0;
        hyst_gain_s_[k] = dt_s;
        hyst_cached_i_[k] = 0.0;
    }
}

void CellBank::step(double current_A, double dt_s) {
    if (dt_s <= 0.0) return;
    const double tolerance = kSameStep * dt_s;
    if (!(ready_ && current_A == ready_current_A_ && std::abs(dt_s - ready_dt_min_s_) <= tolerance &&
          std::abs(dt_s - ready_dt_max_s_) <= tolerance)) {
        for (std::size_t k = 0; k < n_; ++k) prepare(k, current_A, dt_s);
        ready_current_A_ = current_A;
        ready_dt_min_s_ = *std::min_element(cached_dt_, cached_dt_ + n_);
        ready_dt_max_s_ = *std::max_element(cached_dt_, cached_dt_ + n_);
        ready_ = true;
    }
    advance(dt_s);
}

void CellBank::step(const double* current_A, double dt_s) {
    if (dt_s <= 0.0) return;
    for (std::size_t k = 0; k < n_; ++k) prepare(k, current_A[k], dt_s);
    ready_ = false;
    advance(dt_s);
}

BMSHIL_VECTOR_CLONES void CellBank::advance(double dt_s) {
    const std::size_t n = n_;
    int log_needed = 0;
    // Every cell's states under a constant current, solved exactly: one loop
    // without branches, which the compiler vectorises.
    for (std::size_t k = 0; k < n; ++k) {
        const double i = current_A_[k];
        // RC pair: v(t) = i R + (v0 - i R) e^{-t/tau}.
        const double b = v_rc_[k] - i * r_rc_[k];
        v_rc_[k] = i * r_rc_[k] + b * a_rc_[k];
        seg_sum_b_[k] += b;
        seg_sum_b_sq_[k] += b * b;
        // Charge transfer: w decays exactly; v_ct follows from it, by the series
        // while w is small (the log form for the others below).
        const double w = w_[k] * ct_decay_[k];
        w_[k] = w;
        const double w2 = w * w;
        v_ct_[k] = ct_v_ss_[k] + w * ((ct_ac_[0][k] + w * ct_ac_[1][k]) + w2 * (ct_ac_[2][k] + w * ct_ac_[3][k]));
        log_needed |= static_cast<int>(!(std::abs(w) < ct_series_max_[k]));
        // Solid diffusion, first mode of a sphere: delta relaxes exponentially
        // toward its steady state under the stored-charge current.
        delta_[k] = seg_delta_ss_[k] + (delta_[k] - seg_delta_ss_[k]) * diffusion_decay_[k];
        // Hysteresis toward the branch of the current's sign.
        const double h = h_[k], target = hyst_target_[k];
        seg_sum_h_dt_[k] += target * dt_s + (h - target) * hyst_gain_s_[k];
        h_[k] = target + (h - target) * hyst_decay_[k];
        seg_steps_[k] += 1;
        // Charge: coulombic loss while charging, self-discharge always. Self-discharge
        // is a leakage: it fades as an empty cell's voltage collapses. (Both loads
        // ahead of the select: a load only on one side keeps the loop scalar.)
        const double charge = charge_Ah_[k], self_discharge_A = self_discharge_A_[k];
        const double leak_A = charge > 0.0 ? self_discharge_A : 0.0;
        charge_Ah_[k] = charge + (stored_charge_A_[k] - leak_A) * dt_s * (1.0 / 3600.0);
    }
    // The few cells outside the series' range take the log form.
    if (log_needed) {
        for (std::size_t k = 0; k < n; ++k) {
            const double w = w_[k];
            if (!(std::abs(w) < ct_series_max_[k]))
                v_ct_[k] = ct_v_ss_[k] + a_ct_[k] * (std::log1p(-ct_r_[k] * w) - std::log1p(-w));
        }
    }
    update_emf();
}

// The OCV terms of cell k at its surface SOC from the grid, keeping the linear
// piece it lies on for the next update.
double CellBank::emf_on_new_piece(std::size_t k) {
    const CellType& type = *type_;
    const double surface = soc(k) + delta_[k];
    CellType::OcvTerms t;
    if (surface >= 0.0 && surface <= 1.0) {
        const double pos = surface * CellType::kLastIndex;
        const double piece = std::trunc(pos);
        if (piece <= CellType::kLastIndex - 1.0) {
            const CellType::OcvTerms* grid = type.ocv_grid() + static_cast<std::int64_t>(piece);
            ocv_piece_[k] = piece;
            ocv_average_V_[k] = grid[0].average_V;
            ocv_average_slope_V_[k] = grid[1].average_V - grid[0].average_V;
            ocv_half_gap_V_[k] = grid[0].half_gap_V;
            ocv_half_gap_slope_V_[k] = grid[1].half_gap_V - grid[0].half_gap_V;
            ocv_entropic_V_per_K_[k] = grid[0].entropic_V_per_K;
            ocv_entropic_slope_V_per_K_[k] = grid[1].entropic_V_per_K - grid[0].entropic_V_per_K;
        }
        t = CellType::ocv_terms_inside(type.ocv_grid(), surface);
    } else {
        t = type.ocv_terms(surface);
    }
    return t.average_V + t.entropic_V_per_K * (temperature_K_[k] - reference_K_) + h_[k] * t.half_gap_V + v_ct_[k] +
           v_rc_[k];
}

BMSHIL_VECTOR_CLONES void CellBank::update_emf() {
    const std::size_t n = n_;
    const double reference_K = reference_K_;
    int off_piece = 0, refresh_due = 0;
    // Every cell's EMF from the linear piece of the OCV grid it was on: no
    // lookup, and the loop vectorises. A cell that left its piece (or the
    // grid) is looked up below.
    for (std::size_t k = 0; k < n; ++k) {
        const double soc = charge_Ah_[k] * inv_capacity_Ah_[k];
        const double f = (soc + delta_[k]) * CellType::kLastIndex - ocv_piece_[k];
        off_piece |= static_cast<int>(f < 0.0) | static_cast<int>(f >= 1.0);
        const double average = ocv_average_V_[k] + f * ocv_average_slope_V_[k];
        const double half_gap = ocv_half_gap_V_[k] + f * ocv_half_gap_slope_V_[k];
        const double entropic = ocv_entropic_V_per_K_[k] + f * ocv_entropic_slope_V_per_K_[k];
        emf_V_[k] = average + entropic * (temperature_K_[k] - reference_K) + h_[k] * half_gap + v_ct_[k] + v_rc_[k];
        // A cell whose SOC moved past the re-read distance has its tables read
        // before its next step.
        refresh_due |= static_cast<int>(std::abs(soc - cached_soc_[k]) > kSocRefresh);
    }
    if (off_piece) {
        for (std::size_t k = 0; k < n; ++k) {
            const double f = (soc(k) + delta_[k]) * CellType::kLastIndex - ocv_piece_[k];
            if (f < 0.0 || f >= 1.0) emf_V_[k] = emf_on_new_piece(k);
        }
    }
    // The sum in four interleaved partial sums (fixed in the source, so every
    // build adds in the same order): four short chains of dependent adds
    // instead of one long one.
    double partial[4] = {0.0, 0.0, 0.0, 0.0};
    std::size_t k = 0;
    for (; k + 4 <= n; k += 4)
        for (int j = 0; j < 4; ++j) partial[j] += emf_V_[k + static_cast<std::size_t>(j)];
    for (; k < n; ++k) partial[0] += emf_V_[k];
    emf_sum_V_ = (partial[0] + partial[1]) + (partial[2] + partial[3]);
    if (refresh_due) ready_ = false;
}

}  // namespace bmshil::model
