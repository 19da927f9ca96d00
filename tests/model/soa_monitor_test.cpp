// The safe-operating-area monitor on a bank of four 100 Ah cells: which cell
// and kind it reports, when an excursion starts and ends, its worst value, and
// that excursions shorter than min_excursion_s are transients, not findings.
// Times are binary fractions (2.0, 2.0625, 2.125 s) so that the differences
// compared with min_excursion_s = 0.1 s are exact.
#include "soa_monitor.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "cell.h"
#include "test_support.h"

namespace bmshil::model {
namespace {

class SoaMonitorTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto type = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")));
        // Four cells at SOC 0.5 (on the charge branch); cell 3 has 1.5 x the resistance.
        CellVariation v[4];
        v[2].resistance_scale = 1.5;
        const double soc[4] = {0.5, 0.5, 0.5, 0.5};
        bank_ = std::make_unique<CellBank>(type, 4, v, soc, 25.0);
    }
    // The cell's terminal voltage by its own readout: EMF + i R0.
    double v(std::size_t k, double i) const { return CellView(*bank_, k).terminal_V(i); }
    std::unique_ptr<CellBank> bank_;
};

TEST_F(SoaMonitorTest, InsideTheLimitsNothingIsReported) {
    SoaMonitor soa(SoaLimits{}, 4);
    // SOC 0.5: EMF about 3.30 V, R0 about 0.35 mOhm; +-100 A moves it by 35 mV.
    std::printf("cell 1 at 0 / +100 / -100 A: %.4f / %.4f / %.4f V\n", v(0, 0.0), v(0, 100.0), v(0, -100.0));
    double t = 0.0;
    for (double i : {0.0, 100.0, -100.0, 0.0}) {
        for (int n = 0; n < 5; ++n, t += 0.5) soa.check(t, *bank_, i, nullptr, 25.0, 25.0);
    }
    EXPECT_TRUE(soa.violations().empty());
}

TEST_F(SoaMonitorTest, SustainedOverVoltageOfOneCellWithStartEndAndWorst) {
    // At +200 A cell 3 (R0 x 1.5) is 35 mV above the others: a limit halfway
    // between them catches cell 3 alone.
    SoaLimits lim;
    lim.cell_max_V = 0.5 * (v(0, 200.0) + v(2, 200.0));
    std::printf("+200 A: cells 1 and 3 at %.4f and %.4f V, limit %.4f V\n", v(0, 200.0), v(2, 200.0), lim.cell_max_V);
    ASSERT_GT(v(2, 200.0) - v(0, 200.0), 0.03);
    SoaMonitor soa(lim, 4);
    soa.check(2.0, *bank_, 200.0, nullptr, 25.0, 25.0);     // begins: pending
    soa.check(2.0625, *bank_, 200.0, nullptr, 25.0, 25.0);  // 62.5 ms: still a transient
    EXPECT_TRUE(soa.violations().empty());
    soa.check(2.125, *bank_, 200.0, nullptr, 25.0, 25.0);  // 125 ms >= 100 ms: a finding
    ASSERT_EQ(soa.violations().size(), 1u);
    soa.check(2.25, *bank_, 260.0, nullptr, 25.0, 25.0);   // worse
    soa.check(2.375, *bank_, 220.0, nullptr, 25.0, 25.0);  // less bad: the worst stays
    soa.check(2.5, *bank_, 0.0, nullptr, 25.0, 25.0);      // ends
    soa.check(3.0, *bank_, 0.0, nullptr, 25.0, 25.0);
    ASSERT_EQ(soa.violations().size(), 1u);
    const SoaViolation& s = soa.violations()[0];
    EXPECT_EQ(s.kind, SoaKind::cell_over_voltage);
    EXPECT_EQ(s.cell, 3);  // 1-based
    EXPECT_DOUBLE_EQ(s.start_s, 2.0);
    EXPECT_DOUBLE_EQ(s.end_s, 2.5);
    EXPECT_NEAR(s.worst, v(2, 260.0), 1e-12);
}

TEST_F(SoaMonitorTest, ShortDipIsATransientThenALongOneIsAFinding) {
    // A short pulls every cell under 2.5 V: (3.30 - 2.5) V / 0.35 mOhm is about 2300 A.
    const double i_short = -3000.0;
    ASSERT_LT(v(0, i_short), 2.5);
    SoaMonitor soa(SoaLimits{}, 4);
    soa.check(1.0, *bank_, i_short, nullptr, 25.0, 25.0);
    soa.check(1.0625, *bank_, i_short, nullptr, 25.0, 25.0);
    soa.check(1.09375, *bank_, 0.0, nullptr, 25.0, 25.0);  // over after 94 ms
    soa.check(1.5, *bank_, 0.0, nullptr, 25.0, 25.0);
    EXPECT_TRUE(soa.violations().empty());
    // The same dip for 250 ms: four findings, one per cell, from 4.0 to 4.25 s.
    soa.check(4.0, *bank_, i_short, nullptr, 25.0, 25.0);
    soa.check(4.125, *bank_, i_short, nullptr, 25.0, 25.0);
    soa.check(4.25, *bank_, 0.0, nullptr, 25.0, 25.0);
    ASSERT_EQ(soa.violations().size(), 4u);
    for (int k = 0; k < 4; ++k) {
        const SoaViolation& s = soa.violations()[static_cast<std::size_t>(k)];
        EXPECT_EQ(s.kind, SoaKind::cell_under_voltage);
        EXPECT_EQ(s.cell, k + 1);
        EXPECT_DOUBLE_EQ(s.start_s, 4.0);
        EXPECT_DOUBLE_EQ(s.end_s, 4.25);
        EXPECT_NEAR(s.worst, v(static_cast<std::size_t>(k), i_short), 1e-12);  // the lowest voltage
    }
    // Cell 3 with its higher resistance dipped deepest: 3000 A x 0.5 x 0.35 mOhm = 0.5 V below the others.
    EXPECT_NEAR(soa.violations()[0].worst - soa.violations()[2].worst, 3000.0 * 0.5 * bank_->r0_cached_ohm(0), 1e-9);
}

// The worst value of an excursion counts from its start: a dip whose deepest
// point falls in its first min_excursion_s (while it is still pending) is
// reported with that depth, not with the value of the check that made it a
// finding.
TEST_F(SoaMonitorTest, WorstValueIncludesThePendingStart) {
    SoaMonitor soa(SoaLimits{}, 4);
    soa.check(1.0, *bank_, -4000.0, nullptr, 25.0, 25.0);  // deepest here
    soa.check(1.125, *bank_, -3000.0, nullptr, 25.0, 25.0);
    soa.check(1.25, *bank_, 0.0, nullptr, 25.0, 25.0);
    ASSERT_EQ(soa.violations().size(), 4u);
    EXPECT_DOUBLE_EQ(soa.violations()[0].start_s, 1.0);
    EXPECT_NEAR(soa.violations()[0].worst, v(0, -4000.0), 1e-12);
}

TEST_F(SoaMonitorTest, ChargingColdCellsByTheirOwnCurrents) {
    // Cell 2 at -5 degC charging at 5 A; cell 3 at -3 degC carrying only 50 mA
    // (below the 0.1 A charging threshold: a bleed, not a charge).
    bank_->set_temperature_degC(1, -5.0);
    bank_->set_temperature_degC(2, -3.0);
    SoaMonitor soa(SoaLimits{}, 4);
    const double i_cell[4] = {5.0, 5.0, 0.05, 5.0};
    soa.check(10.0, *bank_, 5.0, i_cell, 25.0, -5.0);
    soa.check(10.125, *bank_, 5.0, i_cell, 25.0, -5.0);
    bank_->set_temperature_degC(1, -7.0);  // colder: the worst follows
    soa.check(10.25, *bank_, 5.0, i_cell, 25.0, -7.0);
    bank_->set_temperature_degC(1, -6.0);
    soa.check(10.375, *bank_, 5.0, i_cell, 25.0, -6.0);
    const double resting[4] = {0.0, 0.0, 0.0, 0.0};
    soa.check(10.5, *bank_, 0.0, resting, 25.0, -6.0);  // charging stops: ends
    ASSERT_EQ(soa.violations().size(), 1u);
    const SoaViolation& s = soa.violations()[0];
    EXPECT_EQ(s.kind, SoaKind::charge_below_min_temperature);
    EXPECT_EQ(s.cell, 2);
    EXPECT_DOUBLE_EQ(s.start_s, 10.0);
    EXPECT_DOUBLE_EQ(s.end_s, 10.5);
    EXPECT_NEAR(s.worst, -7.0, 1e-9);
}

TEST_F(SoaMonitorTest, OverTemperatureLastsUntilTheCellCools) {
    bank_->set_temperature_degC(3, 63.0);
    SoaMonitor soa(SoaLimits{}, 4);
    soa.check(0.0, *bank_, 0.0, nullptr, 63.0, 25.0);
    bank_->set_temperature_degC(3, 66.5);
    soa.check(60.0, *bank_, 0.0, nullptr, 66.5, 25.0);
    bank_->set_temperature_degC(3, 61.0);
    soa.check(120.0, *bank_, 0.0, nullptr, 61.0, 25.0);
    EXPECT_EQ(soa.violations().back().end_s, -1.0);  // still lasting
    bank_->set_temperature_degC(3, 59.0);
    soa.check(180.0, *bank_, 0.0, nullptr, 59.0, 25.0);
    ASSERT_EQ(soa.violations().size(), 1u);
    const SoaViolation& s = soa.violations()[0];
    EXPECT_EQ(s.kind, SoaKind::cell_over_temperature);
    EXPECT_EQ(s.cell, 4);
    EXPECT_DOUBLE_EQ(s.start_s, 0.0);
    EXPECT_DOUBLE_EQ(s.end_s, 180.0);
    EXPECT_NEAR(s.worst, 66.5, 1e-9);
    EXPECT_STREQ(to_string(s.kind), "cell_over_temperature");
    EXPECT_STREQ(to_string(SoaKind::charge_below_min_temperature), "charge_below_min_temperature");
    EXPECT_STREQ(to_string(SoaKind::cell_over_voltage), "cell_over_voltage");
    EXPECT_STREQ(to_string(SoaKind::cell_under_voltage), "cell_under_voltage");
}

}  // namespace
}  // namespace bmshil::model
