// The AFE's short-circuit comparator: arming at the threshold (within its
// relative 1e-12), the delay, the latch, and the exact time an exponential
// loop current crosses the threshold against ln of the ratio worked by hand.
#include "short_circuit_comparator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace bmshil::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ShortCircuitComparator, ArmsAtTheThresholdAndDisarmsBelow) {
    ShortCircuitComparator sc(2000.0, 200e-6);
    sc.observe(-1999.0, 1.0);  // discharging 1999 A: below
    EXPECT_FALSE(sc.armed());
    sc.observe(-2000.0, 1.5);  // at the threshold: arms, the delay runs from here
    EXPECT_TRUE(sc.armed());
    EXPECT_DOUBLE_EQ(sc.trip_at_s(), 1.5 + 200e-6);
    sc.observe(-2500.0, 1.5001);  // still above: the delay keeps its start
    EXPECT_DOUBLE_EQ(sc.trip_at_s(), 1.5 + 200e-6);
    sc.observe(-1000.0, 1.5002);  // back below: disarms
    EXPECT_FALSE(sc.armed());
    sc.observe(-2100.0, 2.0);  // a new excursion, a new delay
    EXPECT_DOUBLE_EQ(sc.trip_at_s(), 2.0 + 200e-6);
}

TEST(ShortCircuitComparator, ComparesWithinARelativeTolerance) {
    // 2000 A (1 - 1e-13) is "at" the threshold, 2000 A (1 - 1e-11) is not.
    ShortCircuitComparator sc(2000.0, 1e-4);
    sc.observe(-2000.0 * (1.0 - 1e-11), 0.0);
    EXPECT_FALSE(sc.armed());
    sc.observe(-2000.0 * (1.0 - 1e-13), 0.0);
    EXPECT_TRUE(sc.armed());
    // A charging current never arms, however large.
    ShortCircuitComparator charging(2000.0, 1e-4);
    charging.observe(+5000.0, 0.0);
    EXPECT_FALSE(charging.armed());
}

TEST(ShortCircuitComparator, CrossingTimeOfAnExponentialCurrent) {
    ShortCircuitComparator sc(2000.0, 200e-6);
    const double tau = 5e-7;
    // From -100 A toward -3000 A: 3000 - 2900 e^{-t/tau} = 2000 -> e^{-t/tau} = 1000/2900,
    // t = tau ln 2.9 = 5e-7 * 1.0647107370 = 5.3235537e-7 s.
    const double t1 = sc.crossing_in_s(-100.0, -3000.0, tau);
    std::printf("from -100 A toward -3000 A, tau 0.5 us: crosses 2000 A after %.10e s (hand 5.3235537e-7)\n", t1);
    EXPECT_NEAR(t1, 5.3235537e-7, 1e-13);
    // The current the exponential has at that time is the threshold.
    EXPECT_NEAR(-3000.0 + 2900.0 * std::exp(-t1 / tau), -2000.0, 1e-9);
    // From +50 A (charging) toward -3000 A: e^{-t/tau} = 1000/3050, t = tau ln 3.05 = 1.1151416 tau.
    const double t2 = sc.crossing_in_s(+50.0, -3000.0, tau);
    EXPECT_NEAR(t2 / tau, 1.1151416, 1e-7);
}

TEST(ShortCircuitComparator, NoCrossingWhenItCannotHappen) {
    ShortCircuitComparator sc(2000.0, 200e-6);
    EXPECT_EQ(sc.crossing_in_s(-100.0, -1999.0, 1e-6), kInf);   // settles below the threshold
    EXPECT_EQ(sc.crossing_in_s(-100.0, -2000.0, 1e-6), kInf);   // settles exactly at it: never strictly above
    EXPECT_EQ(sc.crossing_in_s(-2100.0, -3000.0, 1e-6), kInf);  // already above (observe arms it)
    EXPECT_EQ(sc.crossing_in_s(-100.0, +3000.0, 1e-6), kInf);   // heading to charge
    EXPECT_EQ(sc.crossing_in_s(-100.0, -3000.0, 0.0), kInf);    // no inductive transient: a jump, not a crossing
    sc.observe(-2500.0, 0.0);                                   // armed: the delay runs, no new crossing
    EXPECT_EQ(sc.crossing_in_s(-100.0, -3000.0, 1e-6), kInf);
}

TEST(ShortCircuitComparator, ArmAtCrossingThenTripLatches) {
    ShortCircuitComparator sc(1500.0, 300e-6);
    // The pack steps exactly to the crossing at t = 2.0 s: the current is the threshold.
    EXPECT_DOUBLE_EQ(sc.arm_at_crossing(2.0), -1500.0);
    EXPECT_TRUE(sc.armed());
    EXPECT_DOUBLE_EQ(sc.trip_at_s(), 2.0003);
    sc.trip(-2750.0);  // the delay ran out with 2750 A flowing
    EXPECT_TRUE(sc.latched());
    EXPECT_FALSE(sc.armed());
    EXPECT_DOUBLE_EQ(sc.trip_time_s(), 2.0003);
    EXPECT_DOUBLE_EQ(sc.trip_current_A(), -2750.0);
    // Latched: nothing arms it or predicts a crossing until it is cleared.
    sc.observe(-3000.0, 2.1);
    EXPECT_FALSE(sc.armed());
    EXPECT_EQ(sc.crossing_in_s(-100.0, -3000.0, 1e-6), kInf);
    sc.clear();
    EXPECT_FALSE(sc.latched());
    sc.observe(-3000.0, 2.2);
    EXPECT_TRUE(sc.armed());
    EXPECT_DOUBLE_EQ(sc.trip_at_s(), 2.2 + 300e-6);
    // The trip record stays until the next trip.
    EXPECT_DOUBLE_EQ(sc.trip_time_s(), 2.0003);
}

TEST(ShortCircuitComparator, ReportedLatchAndReconfiguration) {
    ShortCircuitComparator sc(2000.0, 200e-6);
    sc.observe(-2500.0, 1.0);
    sc.latch_reported(0.9995, -2400.0);  // the board's own AFE tripped earlier
    EXPECT_TRUE(sc.latched());
    EXPECT_FALSE(sc.armed());
    EXPECT_DOUBLE_EQ(sc.trip_time_s(), 0.9995);
    EXPECT_DOUBLE_EQ(sc.trip_current_A(), -2400.0);
    sc.clear();
    sc.configure(3000.0, 400e-6);  // the firmware's own setting
    EXPECT_DOUBLE_EQ(sc.threshold_A(), 3000.0);
    EXPECT_DOUBLE_EQ(sc.delay_s(), 400e-6);
    sc.observe(-2500.0, 5.0);  // was above the old threshold, below the new
    EXPECT_FALSE(sc.armed());
    // The crossing follows the new threshold: 4000 - 3900 e^{-t/tau} = 3000, t = tau ln 3.9.
    EXPECT_NEAR(sc.crossing_in_s(-100.0, -4000.0, 1e-6), 1e-6 * std::log(3.9), 1e-15);
}

}  // namespace
}  // namespace bmshil::model
