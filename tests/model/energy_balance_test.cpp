// Energy bookkeeping: what the electrical equations lose is the heat the cell
// generates, and the heat handed to the thermal network is what it stores.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "pack.h"
#include "test_support.h"

namespace bmshil::model {
namespace {

TEST(EnergyBalance, CellLossesEqualHeat) {
    auto type = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")));
    Cell cell(type, CellVariation{}, 0.9, 25.0);
    // Discharge, rest, charge, a reversal straight into a discharge pulse, a 2 ms
    // pulse, rest: every term of the model takes part.
    const struct { double current_A, duration_s, step_s; } segments[] = {
        {-100.0, 1800.0, 1.0}, {0.0, 600.0, 7.0},     {50.0, 1200.0, 0.5}, {-200.0, 10.0, 0.01},
        {0.0, 30.0, 0.1},      {-300.0, 0.002, 0.002}, {0.0, 5.0, 0.01},   {30.0, 300.0, 3.0},
        {-30.0, 300.0, 3.0},   {0.0, 3600.0, 60.0}};
    for (const auto& s : segments) {
        const long n = std::lround(s.duration_s / s.step_s);
        for (long k = 0; k < n; ++k) cell.step(s.current_A, s.step_s);
    }
    const CellEnergy& e = cell.energy();
    const double losses = e.electrical_loss_J - e.rc_stored_change_J;
    const double rel = std::abs(losses - e.heat_irreversible_J) / e.heat_irreversible_J;
    std::printf("cell: electrical losses %.6f J, irreversible heat %.6f J (charge transfer %.6f J, concentration "
                "%.6f J), difference %.2e (limit 1e-6)\n",
                losses, e.heat_irreversible_J, e.heat_charge_transfer_J, e.heat_concentration_J, rel);
    EXPECT_LE(rel, 1e-6);
    EXPECT_GT(e.heat_charge_transfer_J, 0.0);
    EXPECT_GT(e.heat_concentration_J, 0.0);
}

TEST(EnergyBalance, PackHeatIsStoredInAdiabaticThermalNetwork) {
    CellParams params = load_cell_params(test::cell_set("lfp_100ah_prismatic"));
    params.convection_W_per_m2K = 0.0;  // adiabatic: every joule must show as temperature
    auto type = std::make_shared<const CellType>(params);
    PackConfig config;
    config.power_stage_to_ambient_W_per_K = 0.0;
    Pack pack(config, type);
    const double stored_before = pack.thermal().stored_energy_J();
    PowerStageCommand cmd;
    cmd.charge_fet = cmd.discharge_fet = true;
    cmd.balance_mask = 0x0101;
    pack.command(cmd);
    Load load;
    load.kind = LoadKind::current;
    load.current_A = 100.0;
    load.connected = true;
    pack.add_load(load);
    pack.advance_to(1800.0);
    pack.loads()[0].connected = false;
    pack.inputs_changed();
    pack.advance_to(3600.0);
    pack.flush_heat();
    const double stored = pack.thermal().stored_energy_J() - stored_before;
    const double rel = std::abs(stored - pack.heat_generated_J()) / pack.heat_generated_J();
    std::printf("pack: heat generated %.1f J, stored as temperature %.1f J, difference %.2e (limit 1e-6)\n",
                pack.heat_generated_J(), stored, rel);
    EXPECT_LE(rel, 1e-6);
}

}  // namespace
}  // namespace bmshil::model
