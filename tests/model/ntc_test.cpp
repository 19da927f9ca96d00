// The NTC by its Beta equation, its part tolerance, the wiring faults the
// board reports (open, short) and the reading it caches per temperature.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "ntc.h"

namespace bmshil::model {
namespace {

TEST(Ntc, BetaEquationAtThreeTemperatures) {
    const Ntc ntc(NtcConfig{10000.0, 3435.0}, 1.0);
    // R = R25 exp(B (1/T - 1/298.15 K)), worked by hand:
    // 0 degC: exp(3435 * 3.06976e-4) = 2.87043 -> 28704.3 ohm
    // 50 degC: exp(3435 * -2.59478e-4) = 0.41012 -> 4101.2 ohm
    std::printf("10k B3435: %.1f ohm at 0 degC, %.1f at 25, %.1f at 50\n", ntc.resistance_ohm(0.0),
                ntc.resistance_ohm(25.0), ntc.resistance_ohm(50.0));
    EXPECT_NEAR(ntc.resistance_ohm(25.0), 10000.0, 1e-9);
    EXPECT_NEAR(ntc.resistance_ohm(0.0), 28704.3, 0.5);
    EXPECT_NEAR(ntc.resistance_ohm(50.0), 4101.2, 0.5);
}

TEST(Ntc, ToleranceScalesTheResistance) {
    const Ntc low(NtcConfig{}, 0.99), high(NtcConfig{}, 1.01);
    EXPECT_NEAR(low.resistance_ohm(25.0), 9900.0, 1e-9);
    EXPECT_NEAR(high.resistance_ohm(25.0), 10100.0, 1e-9);
}

TEST(Ntc, FaultsAndTheCachedReading) {
    Ntc ntc(NtcConfig{}, 1.0);
    EXPECT_EQ(ntc.reading_ohm(25.0), 10000u);
    EXPECT_EQ(ntc.reading_ohm(0.0), 28704u);  // a new temperature, a new reading
    ntc.set_fault(NtcFault::open);
    EXPECT_EQ(ntc.reading_ohm(0.0), UINT32_MAX);
    ntc.set_fault(NtcFault::shorted);
    EXPECT_EQ(ntc.reading_ohm(0.0), 0u);
    ntc.set_fault(NtcFault::none);
    EXPECT_EQ(ntc.reading_ohm(0.0), 28704u);
    // Far below the table, the resistance saturates below the open-wire code.
    EXPECT_EQ(ntc.reading_ohm(-250.0), UINT32_MAX - 1);
}

TEST(Ntc, DriftedPartReadsAnotherTemperature) {
    Ntc ntc(NtcConfig{10000.0, 3435.0}, 1.0);
    EXPECT_EQ(ntc.reading_ohm(-5.0), 36290u);  // 10k exp(3435 (1/268.15 - 1/298.15)) = 36289.7
    ntc.set_drift(0.6, 3435.0);
    // 0.6 x 36289.7 = 21773.8 ohm: what a good part reads at 1/(1/268.15 + ln(0.6)/3435) = 279.29 K.
    EXPECT_EQ(ntc.reading_ohm(-5.0), 21774u);  // cached reading dropped with the drift
    const double believed_K = 1.0 / (1.0 / 298.15 + std::log(21774.0 / 10000.0) / 3435.0);
    std::printf("R25 x 0.6 at -5 degC reads as %.2f degC\n", believed_K - 273.15);
    EXPECT_NEAR(believed_K - 273.15, 6.14, 0.01);
    ntc.set_drift(1.0, 3000.0);  // Beta drifts instead: 10k exp(3000 (1/268.15 - 1/298.15)) = 30824.3
    EXPECT_EQ(ntc.reading_ohm(-5.0), 30824u);
    ntc.set_fault(NtcFault::open);
    EXPECT_EQ(ntc.reading_ohm(-5.0), UINT32_MAX) << "a fault rules over a drift";
}

}  // namespace
}  // namespace bmshil::model
