// A 10 kOhm NTC thermistor by its Beta equation, with a part tolerance and the
// wiring faults a BMS must detect (open and short).
#pragma once

#include <cmath>
#include <cstdint>

namespace bmshil::model {

enum class NtcFault { none, open, shorted };

struct NtcConfig {
    double r25_ohm = 10000.0;
    double beta_K = 3435.0;
};

class Ntc {
public:
    Ntc() = default;
    Ntc(NtcConfig config, double tolerance_scale)
        : config_(config), scale_(tolerance_scale), beta_K_(config.beta_K) {}

    // Resistance at a temperature; the contract's encoding for faults.
    double resistance_ohm(double temperature_degC) const {
        const double t_K = temperature_degC + 273.15;
        return scale_ * r25_drift_ * config_.r25_ohm * std::exp(beta_K_ * (1.0 / t_K - 1.0 / 298.15));
    }

    // What the board reads: ohms, 0 when shorted, UINT32_MAX when open.
    std::uint32_t reading_ohm(double temperature_degC) const {
        if (fault_ == NtcFault::open) return UINT32_MAX;
        if (fault_ == NtcFault::shorted) return 0;
        if (temperature_degC != cached_degC_) {
            cached_degC_ = temperature_degC;
            const double r = resistance_ohm(temperature_degC);
            cached_ohm_ = r >= 4.0e9 ? UINT32_MAX - 1 : static_cast<std::uint32_t>(std::lround(r));
        }
        return cached_ohm_;
    }

    void set_fault(NtcFault f) { fault_ = f; }
    NtcFault fault() const { return fault_; }
    // The part has drifted (ageing, a cracked bead, moisture): its R25 is
    // r25_factor times what it was, its Beta now beta_K. Faults still rule.
    void set_drift(double r25_factor, double beta_K) {
        r25_drift_ = r25_factor;
        beta_K_ = beta_K;
        cached_degC_ = NAN;
    }
    double r25_drift() const { return r25_drift_; }
    double beta_K() const { return beta_K_; }

private:
    NtcConfig config_;
    double scale_ = 1.0;
    double r25_drift_ = 1.0;
    double beta_K_ = NtcConfig{}.beta_K;
    NtcFault fault_ = NtcFault::none;
    mutable double cached_degC_ = NAN;
    mutable std::uint32_t cached_ohm_ = 0;
};

}  // namespace bmshil::model
