// How heat reaches the thermal network: its totals, where each kind lands
// (busbars half to each neighbour, the heater pad spread, links to the air),
// when it is handed over (every interval while dissipating, every 60 s at
// rest), the ambient profile taken at the middle of the interval, and the
// cells taking their nodes' temperatures. Adiabatic networks without
// cell-to-cell conduction make each node's rise its heat over its capacity.
#include "thermal_coupling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "test_support.h"

namespace bmshil::model {
namespace {

ThermalConfig config(std::size_t n, double c, double g_amb, double g_cell, double c_ps, double g_ps) {
    ThermalConfig t;
    t.cell_heat_capacity_J_per_K.assign(n, c);
    t.cell_to_ambient_W_per_K.assign(n, g_amb);
    t.cell_to_cell_W_per_K = g_cell;
    t.power_stage_heat_capacity_J_per_K = c_ps;
    t.power_stage_to_ambient_W_per_K = g_ps;
    return t;
}

class ThermalCouplingTest : public ::testing::Test {
protected:
    void SetUp() override {
        type_ = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")));
    }
    std::unique_ptr<CellBank> bank(std::size_t n) const {
        const std::vector<CellVariation> v(n);
        const std::vector<double> soc(n, 0.5);
        return std::make_unique<CellBank>(type_, n, v.data(), soc.data(), 25.0);
    }
    std::shared_ptr<const CellType> type_;
};

TEST_F(ThermalCouplingTest, HeatTotalsIncludeTheCellsOwnAndAllLandsInTheNetwork) {
    // Adiabatic: every joule handed over stays as C dT.
    ThermalCoupling th(config(3, 1000.0, 0.0, 1.0, 400.0, 0.0), 25.0, 25.0, 1.0);
    auto cells = bank(3), twin = bank(3);
    th.add_power_stage_J(100.0);
    th.add_busbar_J(10.0);  // two busbars between three cells: 20 J
    th.add_spread_J(30.0);
    th.add_to_air_J(7.0);  // leaves with the air
    EXPECT_NEAR(th.heat_total_J(), 150.0, 1e-12);
    EXPECT_NEAR(th.heat_to_air_J(), 7.0, 1e-12);
    // The cells' own heat, 200 A for 10 s, taken at the flush (the twin bank tells how much).
    double own = 0.0;
    for (int k = 0; k < 10; ++k) {
        cells->step(200.0, 1.0);
        twin->step(200.0, 1.0);
    }
    for (std::size_t k = 0; k < 3; ++k) own += twin->take_heat_J(k);
    const double before = th.network().stored_energy_J();
    ASSERT_TRUE(th.elapse(10.0, true));
    th.flush(*cells, 10.0);
    const double stored = th.network().stored_energy_J() - before;
    std::printf("cells' own heat %.6f J; total %.6f J; stored %.6f J\n", own, th.heat_total_J(), stored);
    EXPECT_GT(own, 400.0);  // 200^2 A^2 x 0.35 mOhm x 10 s x 3 cells is 420 J of R0 alone
    EXPECT_NEAR(th.heat_total_J(), 150.0 + own, 1e-9);
    EXPECT_NEAR(stored, 150.0 + own, 1e-9);
    EXPECT_EQ(cells->take_heat_J(0), 0.0);  // taken
}

TEST_F(ThermalCouplingTest, BusbarHeatGoesHalfToEachNeighbour) {
    // Four cells of 1000 J/K, no conduction between them, no ambient: three
    // busbars of 8 J give the cells 4, 8, 8, 4 J: +4, +8, +8, +4 mK.
    ThermalCoupling th(config(4, 1000.0, 0.0, 0.0, 400.0, 0.0), 25.0, 25.0, 1.0);
    auto cells = bank(4);
    th.add_busbar_J(5.0);
    th.add_busbar_J(3.0);  // accumulates per busbar
    EXPECT_NEAR(th.heat_total_J(), 24.0, 1e-12);
    th.elapse(1.0, true);
    th.flush(*cells, 1.0);
    const double rise_mK[4] = {4.0, 8.0, 8.0, 4.0};
    for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_NEAR((th.network().temperature_degC(k) - 25.0) * 1e3, rise_mK[k], 1e-9) << "cell " << k + 1;
        EXPECT_NEAR(cells->temperature_degC(k), th.network().temperature_degC(k), 1e-12);
    }
    EXPECT_NEAR(th.power_stage_degC(), 25.0, 1e-12);
    // The next interval starts without them.
    th.elapse(1.0, true);
    th.flush(*cells, 2.0);
    EXPECT_NEAR((th.network().temperature_degC(0) - 25.0) * 1e3, 4.0, 1e-9);
}

TEST_F(ThermalCouplingTest, SpreadPowerStageAndAirHeat) {
    // 300 J over three cells of 1000 J/K: +0.1 K each; 400 J into the 400 J/K
    // power stage: +1 K; 1000 J into the air: nowhere in the network.
    ThermalCoupling th(config(3, 1000.0, 0.0, 0.0, 400.0, 0.0), 25.0, 25.0, 1.0);
    auto cells = bank(3);
    th.add_spread_J(300.0);
    th.add_power_stage_J(400.0);
    th.add_to_air_J(1000.0);
    th.flush(*cells, 0.0);  // nothing elapsed: nothing handed over, the heat waits
    EXPECT_NEAR(th.power_stage_degC(), 25.0, 1e-12);
    th.elapse(0.5, true);
    th.flush(*cells, 0.5);
    for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(cells->temperature_degC(k), 25.1, 1e-12);
    EXPECT_NEAR(th.power_stage_degC(), 26.0, 1e-12);
    EXPECT_NEAR(th.heat_total_J(), 700.0, 1e-12);
    EXPECT_NEAR(th.hottest_cell_degC(), 25.1, 1e-12);
    EXPECT_NEAR(th.coldest_cell_degC(), 25.1, 1e-12);
}

TEST_F(ThermalCouplingTest, IntervalsWhileDissipatingAndAtRest) {
    ThermalCoupling th(config(2, 1000.0, 0.45, 1.0, 400.0, 2.0), 25.0, 25.0, 1.0);
    auto cells = bank(2);
    EXPECT_FALSE(th.elapse(0.5, true));
    EXPECT_TRUE(th.elapse(0.5, true));  // 1 s while dissipating
    EXPECT_DOUBLE_EQ(th.pending_s(), 1.0);
    th.flush(*cells, 1.0);
    EXPECT_EQ(th.pending_s(), 0.0);
    EXPECT_FALSE(th.elapse(30.0, false));
    EXPECT_FALSE(th.elapse(29.0, false));  // 59 s at rest: not yet
    EXPECT_TRUE(th.elapse(1.0, false));    // 60 s = kRestInterval_s
    EXPECT_EQ(ThermalCoupling::kRestInterval_s, 60.0);
    th.flush(*cells, 61.0);
    EXPECT_FALSE(th.elapse(0.75, false));
    EXPECT_TRUE(th.elapse(0.25, true));  // dissipation starts: the 1 s interval counts from the last flush
    th.flush(*cells, 62.0);
    ThermalCoupling slow(config(2, 1000.0, 0.45, 1.0, 400.0, 2.0), 25.0, 25.0, 5.0);
    EXPECT_FALSE(slow.elapse(4.0, true));
    EXPECT_TRUE(slow.elapse(1.0, true));
}

TEST_F(ThermalCouplingTest, AmbientProfileTakenAtTheIntervalsMiddle) {
    // One cell (2000 J/K, 0.45 W/K) and the power stage (400 J/K, 2 W/K), both
    // at 25 degC; the ambient rises from 10 degC at 0 s to 30 degC at 100 s.
    ThermalCoupling th(config(1, 2000.0, 0.45, 1.0, 400.0, 2.0), 25.0, 25.0, 1.0);
    auto cells = bank(1);
    th.set_ambient_profile({{0.0, 10.0}, {100.0, 30.0}}, 0.0);
    EXPECT_NEAR(th.ambient_degC(), 10.0, 1e-12);
    ASSERT_TRUE(th.elapse(60.0, false));
    th.flush(*cells, 60.0);  // the interval 0..60 s: ambient at 30 s = 16 degC
    EXPECT_NEAR(th.ambient_degC(), 16.0, 1e-12);
    // Each node relaxes to 16 degC with its own time constant: 2000/0.45 s and 400/2 s.
    const double cell = 16.0 + 9.0 * std::exp(-60.0 * 0.45 / 2000.0);
    const double stage = 16.0 + 9.0 * std::exp(-60.0 * 2.0 / 400.0);
    std::printf("after 60 s: cell %.9f degC (closed form %.9f), stage %.9f degC (%.9f)\n", cells->temperature_degC(0),
                cell, th.power_stage_degC(), stage);
    EXPECT_NEAR(cells->temperature_degC(0), cell, 1e-9);
    EXPECT_NEAR(th.power_stage_degC(), stage, 1e-9);
    th.elapse(60.0, false);
    th.flush(*cells, 120.0);  // middle 90 s: 28 degC
    EXPECT_NEAR(th.ambient_degC(), 28.0, 1e-12);
    th.elapse(180.0, false);
    th.flush(*cells, 300.0);  // middle 210 s: held at the last point, 30 degC
    EXPECT_NEAR(th.ambient_degC(), 30.0, 1e-12);
    th.set_ambient_profile({{400.0, 5.0}, {500.0, 15.0}}, 300.0);  // before its start: its first value
    EXPECT_NEAR(th.ambient_degC(), 5.0, 1e-12);
    EXPECT_THROW(th.set_ambient_profile({{0.0, 10.0}, {0.0, 12.0}}, 300.0), std::invalid_argument);
    th.set_ambient_degC(-5.0);  // a constant again: the profile is gone
    th.elapse(60.0, false);
    th.flush(*cells, 460.0);
    EXPECT_NEAR(th.ambient_degC(), -5.0, 1e-12);
}

TEST_F(ThermalCouplingTest, CellsTakeTheirNodesTemperatures) {
    ThermalCoupling th(config(3, 2000.0, 0.45, 1.0, 400.0, 2.0), 25.0, 25.0, 1.0);
    auto cells = bank(3);
    th.set_cell_degC(*cells, 1, 40.0);
    EXPECT_NEAR(cells->temperature_degC(1), 40.0, 1e-12);
    EXPECT_NEAR(cells->temperature_degC(0), 25.0, 1e-12);
    EXPECT_EQ(th.hottest_cell_degC(), 40.0);
    EXPECT_EQ(th.coldest_cell_degC(), 25.0);
    th.set_power_stage_degC(70.0);  // the cells are not the power stage
    EXPECT_EQ(th.power_stage_degC(), 70.0);
    EXPECT_EQ(th.hottest_cell_degC(), 40.0);
    // 10 min with the middle cell 15 K above its neighbours: it conducts to them.
    th.elapse(600.0, false);
    th.flush(*cells, 600.0);
    for (std::size_t k = 0; k < 3; ++k)
        EXPECT_NEAR(cells->temperature_degC(k), th.network().temperature_degC(k), 1e-12);
    EXPECT_GT(cells->temperature_degC(0), 25.0);
    EXPECT_NEAR(cells->temperature_degC(0), cells->temperature_degC(2), 1e-9);  // symmetric
    EXPECT_EQ(th.hottest_cell_degC(), th.network().temperature_degC(1));
    EXPECT_EQ(th.coldest_cell_degC(), std::min(th.network().temperature_degC(0), th.network().temperature_degC(2)));
    th.set_cells_degC(*cells, 10.0);
    for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(cells->temperature_degC(k), 10.0, 1e-12);
    EXPECT_GT(th.power_stage_degC(), 25.0);  // untouched by set_cells_degC
    th.set_all_degC(*cells, 20.0);
    EXPECT_EQ(th.power_stage_degC(), 20.0);
    EXPECT_NEAR(cells->temperature_degC(2), 20.0, 1e-12);
    EXPECT_EQ(th.hottest_cell_degC(), 20.0);
}

}  // namespace
}  // namespace bmshil::model
