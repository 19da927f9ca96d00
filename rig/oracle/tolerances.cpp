#include "tolerances.h"

#include <cmath>

namespace bmshil::rig::oracle {

double Tolerances::of(Quantity q) const {
    switch (q) {
        case Quantity::cell_max_V:
        case Quantity::cell_min_V: return cell_V;
        case Quantity::pack_V: return pack_V;
        case Quantity::terminal_V: return terminal_V;
        case Quantity::cell_spread_V: return spread_V;
        case Quantity::charge_current_A:
        case Quantity::discharge_current_A: return current_A;
        default: return temperature_degC;
    }
}

Tolerances tolerances(const model::PackConfig& pack, double tick_s) {
    const model::AfeConfig& afe = pack.afe;
    // Noise enters twice: as scatter of the sample that trips (3 sigma), and as
    // the bias of a confirmation that restarts whenever one sample falls back:
    // 100 samples in a row all past the threshold need the true value about
    // 2.6 sigma past it. 4 sigma covers the bias and its scatter.
    constexpr double kNoiseSigmas = 4.0;
    Tolerances t;
    // A cell tap: channel offset, noise, one code, and 1 mV of the firmware's rounding.
    t.cell_V = afe.cell_offset_max_V + kNoiseSigmas * afe.cell_noise_V + afe.cell_lsb_V + 1e-3;
    // The total is the sum of the taps: offsets add, noise adds in quadrature.
    const double n = static_cast<double>(pack.cell_count);
    t.pack_V = n * (afe.cell_offset_max_V + afe.cell_lsb_V + 1e-3) + kNoiseSigmas * std::sqrt(n) * afe.cell_noise_V;
    t.terminal_V = kNoiseSigmas * afe.pack_noise_V + 0.01;
    // A difference of two taps: both offsets and roundings, noise in quadrature.
    t.spread_V = 2.0 * (afe.cell_offset_max_V + afe.cell_lsb_V + 1e-3) + kNoiseSigmas * std::sqrt(2.0) * afe.cell_noise_V;
    // An NTC's R25 tolerance is at most ~0.32 K between -20 and 60 degC (Beta
    // 3435 K: dR/R = B/T^2 per K), plus the firmware's 0.1 degC resolution.
    t.temperature_degC = pack.ntc_tolerance / (pack.ntc.beta_K / (333.15 * 333.15)) + 0.1 + 0.05;
    // Shunt: offset, noise, one code; plus what a 0.1 A/s ramp moves in a second.
    t.current_A = afe.current_offset_max_A + kNoiseSigmas * afe.current_noise_A + afe.current_lsb_A + 0.1;
    t.tick_s = tick_s;
    return t;
}

Tolerances widened_for_daq(Tolerances t, const model::PackConfig& pack, const DaqSteps& steps, double link_s) {
    const double n = static_cast<double>(pack.cell_count);
    t.cell_V += 0.5 * steps.cell_V;
    t.spread_V += steps.cell_V;  // two channels
    t.pack_V += 0.5 * n * steps.cell_V;
    t.terminal_V += 0.5 * steps.pack_V;
    t.current_A += 0.5 * steps.current_A;
    // An NTC step in ohms, in kelvin where it is coarsest of the range the
    // thresholds use (60 degC: the resistance is smallest there).
    const double r60_ohm = pack.ntc.r25_ohm * std::exp(pack.ntc.beta_K * (1.0 / 333.15 - 1.0 / 298.15));
    t.temperature_degC += 0.5 * steps.ntc_ohm / r60_ohm / (pack.ntc.beta_K / (333.15 * 333.15));
    t.link_s = link_s;
    return t;
}

}  // namespace bmshil::rig::oracle
