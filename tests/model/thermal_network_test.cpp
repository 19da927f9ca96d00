// The lumped thermal network against closed forms: a cell cooling to ambient,
// two cells evening out through their conductance, energy conserved, and the
// step length not mattering (the modes are solved exactly).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "thermal_network.h"

namespace bmshil::model {
namespace {

ThermalConfig one_cell(double c_J_per_K, double g_W_per_K) {
    ThermalConfig t;
    t.cell_heat_capacity_J_per_K = {c_J_per_K};
    t.cell_to_ambient_W_per_K = {g_W_per_K};
    t.power_stage_to_ambient_W_per_K = 2.0;
    return t;
}

TEST(ThermalNetwork, CellCoolsToAmbientWithItsTimeConstant) {
    // C = 2000 J/K, g = 0.45 W/K: tau = 4444 s; from 45 to 25 degC.
    ThermalNetwork net(one_cell(2000.0, 0.45), 25.0);
    net.set_degC(0, 45.0);
    const Eigen::VectorXd none = Eigen::VectorXd::Zero(2);
    net.step(none, 3600.0, 25.0);
    const double expected = 25.0 + 20.0 * std::exp(-3600.0 * 0.45 / 2000.0);
    std::printf("after 1 h: %.9f degC, closed form %.9f degC\n", net.temperature_degC(0), expected);
    EXPECT_NEAR(net.temperature_degC(0), expected, 1e-9);
}

TEST(ThermalNetwork, StepLengthDoesNotMatter) {
    ThermalNetwork coarse(one_cell(2000.0, 0.45), 25.0), fine(one_cell(2000.0, 0.45), 25.0);
    Eigen::VectorXd heat = Eigen::VectorXd::Zero(2);
    heat[0] = 10.0 * 600.0;  // 10 W for 600 s into the cell
    coarse.step(heat, 600.0, 20.0);
    heat[0] = 10.0;
    for (int k = 0; k < 600; ++k) fine.step(heat, 1.0, 20.0);
    std::printf("10 W for 600 s: one step %.12f degC, 600 steps %.12f degC\n", coarse.temperature_degC(0),
                fine.temperature_degC(0));
    EXPECT_NEAR(coarse.temperature_degC(0), fine.temperature_degC(0), 1e-9);
}

TEST(ThermalNetwork, TwoCellsEvenOutAtTheirConductance) {
    // Adiabatic pair: the difference decays at g (1/C1 + 1/C2), the mean holds.
    ThermalConfig t;
    t.cell_heat_capacity_J_per_K = {1000.0, 3000.0};
    t.cell_to_ambient_W_per_K = {0.0, 0.0};
    t.cell_to_cell_W_per_K = 0.5;
    t.power_stage_to_ambient_W_per_K = 0.0;
    ThermalNetwork net(t, 25.0);
    net.set_degC(0, 35.0);
    const double mean = (1000.0 * 35.0 + 3000.0 * 25.0) / 4000.0;
    net.step(Eigen::VectorXd::Zero(3), 1200.0, 25.0);
    const double rate = 0.5 * (1.0 / 1000.0 + 1.0 / 3000.0);
    const double diff = 10.0 * std::exp(-rate * 1200.0);
    std::printf("after 20 min: %.9f / %.9f degC, closed form %.9f / %.9f degC\n", net.temperature_degC(0),
                net.temperature_degC(1), mean + 0.75 * diff, mean - 0.25 * diff);
    EXPECT_NEAR(net.temperature_degC(0), mean + 0.75 * diff, 1e-9);
    EXPECT_NEAR(net.temperature_degC(1), mean - 0.25 * diff, 1e-9);
}

TEST(ThermalNetwork, AdiabaticNetworkStoresEveryJoule) {
    // No path to ambient: the temperatures the modal solution gives must hold
    // exactly the heat put in, whatever the step lengths and where it went.
    ThermalConfig t;
    t.cell_heat_capacity_J_per_K = {800.0, 900.0, 1000.0};
    t.cell_to_ambient_W_per_K = {0.0, 0.0, 0.0};
    t.cell_to_cell_W_per_K = 1.5;
    t.power_stage_to_ambient_W_per_K = 0.0;
    ThermalNetwork net(t, 25.0);
    const double before = net.stored_energy_J();
    Eigen::VectorXd heat(4);
    heat << 500.0, 0.0, 250.0, 1000.0;
    double delivered = 0.0;
    for (int k = 0; k < 50; ++k) {
        net.step(heat, 7.0 + k, 25.0);
        delivered += heat.sum();
    }
    const double stored = net.stored_energy_J() - before;
    std::printf("adiabatic: heat in %.6f J, stored as temperature %.6f J (%.2e)\n", delivered, stored,
                std::abs(stored - delivered) / delivered);
    EXPECT_NEAR(stored, delivered, 1e-9 * delivered);
}

TEST(ThermalNetwork, DisagreeingTablesAreRefused) {
    ThermalConfig t;
    t.cell_heat_capacity_J_per_K = {1.0, 2.0};
    t.cell_to_ambient_W_per_K = {1.0};
    EXPECT_THROW(ThermalNetwork(t, 25.0), std::invalid_argument);
}

}  // namespace
}  // namespace bmshil::model
