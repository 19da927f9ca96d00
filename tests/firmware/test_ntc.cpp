// NTC ohms to 0.1 degC against the Beta equation (10 kOhm at 25 degC, B 3435 K).
#include <gtest/gtest.h>

#include <cmath>

extern "C" {
#include "ntc.h"
}

TEST(Ntc, MatchesTheBetaEquationWithinATenthOfADegree)
{
    for (int t_dc = -500; t_dc <= 1500; t_dc += 7) {
        const double t = t_dc / 10.0;
        const double r = 10000.0 * std::exp(3435.0 * (1.0 / (t + 273.15) - 1.0 / 298.15));
        const int got = bms_ntc_ohm_to_dc(static_cast<uint32_t>(std::lround(r)));
        EXPECT_NEAR(got, t_dc, 1) << t << " degC, " << r << " ohm";
    }
    EXPECT_EQ(bms_ntc_ohm_to_dc(10000), 250);
}

TEST(Ntc, MonotonicAndClamped)
{
    int last = bms_ntc_ohm_to_dc(60);
    for (uint32_t r = 61; r < 900000; r += r / 200 + 1) {
        const int t = bms_ntc_ohm_to_dc(r);
        EXPECT_LE(t, last) << r;
        last = t;
    }
    EXPECT_EQ(bms_ntc_ohm_to_dc(5000000), -550);
    EXPECT_EQ(bms_ntc_ohm_to_dc(60), 1550);
}

TEST(Ntc, OpenAndShort)
{
    EXPECT_EQ(bms_ntc_state_of(UINT32_MAX), BMS_NTC_OPEN);
    EXPECT_EQ(bms_ntc_state_of(1000000), BMS_NTC_OPEN);
    EXPECT_EQ(bms_ntc_state_of(999999), BMS_NTC_OK);
    EXPECT_EQ(bms_ntc_state_of(0), BMS_NTC_SHORT);
    EXPECT_EQ(bms_ntc_state_of(49), BMS_NTC_SHORT);
    EXPECT_EQ(bms_ntc_state_of(50), BMS_NTC_OK);
}
