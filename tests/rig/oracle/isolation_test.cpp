// Isolation and stimulus levels derive from the parameters in force: what a
// check's stimulus would set off is switched off, whatever coincidence of
// the defaults made it so, and nothing more.
#include <gtest/gtest.h>

#include "spec_fixture.h"

#include "oracle/isolation.h"
#include "oracle/stimulus.h"

#include <cstdio>
#include <memory>

#include "cell_params.h"
#include "pack.h"


namespace bmshil::rig::oracle {
namespace {

Tolerances tol() {
    Tolerances t;
    t.cell_V = 0.0054;
    t.pack_V = 0.062;
    t.terminal_V = 0.09;
    t.spread_V = 0.0096;
    t.temperature_degC = 0.47;
    t.current_A = 0.25;
    t.tick_s = 0.01;
    return t;
}

const std::vector<int> kNtcCells{1, 6, 11, 16};

StimulusPlan cells_at(double v) {
    StimulusPlan p;
    p.cell_V.assign(16, v);
    p.cell_degC.assign(16, 25.0);
    return p;
}

std::vector<int> switches_of(const std::vector<Isolation>& iso) {
    std::vector<int> out;
    for (const Isolation& i : iso) out.push_back(i.switch_number);
    return out;
}

TEST(Isolation, TotalUnderVoltageIsolatesTheCellOneOnlyWhenTheyCoincide) {
    const Threshold& t = *spec().threshold(17);
    ParameterSet defaults(spec());
    // 16 cells stepping across 43.2 V also cross 2.7 V each: the cell protection (switch 12) goes off.
    EXPECT_EQ(switches_of(isolate(t, {cells_at(43.6 / 16), cells_at(42.8 / 16)}, defaults, tol(), kNtcCells)),
              std::vector<int>{12});
    // With #7 at 2.5 V the cells never reach it: nothing to switch off.
    ParameterSet moved(spec());
    moved.set(7, 2.5);
    EXPECT_TRUE(isolate(t, {cells_at(43.6 / 16), cells_at(42.8 / 16)}, moved, tol(), kNtcCells).empty());
}

TEST(Isolation, TotalOverVoltageIsolatesTheCellsOnlyWhenReached) {
    // The user set: #5 3.60 V, #15 57.6 V = 16 x 3.60 V.
    ParameterSet set(spec());
    set.set(5, 3.60);
    set.set(6, 3.40);
    const Threshold& t = *spec().threshold(15);
    EXPECT_EQ(switches_of(isolate(t, {cells_at(57.2 / 16), cells_at(58.0 / 16)}, set, tol(), kNtcCells)),
              std::vector<int>{10});
    EXPECT_TRUE(isolate(t, {cells_at(57.2 / 16), cells_at(58.0 / 16)}, ParameterSet(spec()), tol(), kNtcCells).empty())
        << "at the defaults 58.0 / 16 = 3.625 V stays below #5 = 3.65 V";
}

TEST(Isolation, AFlagReachedByTheStimulusIsNotIsolated) {
    // Checking #5 (charge FET) on a cell ramp to 3.70 V crosses the #1 alarm: a flag of its own.
    StimulusPlan high = cells_at(3.30);
    high.cell_V[4] = 3.70;
    const auto iso = isolate(*spec().threshold(5), {cells_at(3.30), high}, ParameterSet(spec()), tol(), kNtcCells);
    EXPECT_TRUE(iso.empty());
}

TEST(Isolation, CurrentStimuliIsolateWhatWouldOpenAFetAndThePassiveLimiter) {
    // The transient over-current (#57) ramps a discharge past 110 A: #56 would open the FET first.
    StimulusPlan surge = cells_at(3.3);
    surge.discharge_current_A = 260.0;
    EXPECT_EQ(switches_of(isolate(*spec().threshold(57), {cells_at(3.3), surge}, ParameterSet(spec()), tol(), kNtcCells)),
              std::vector<int>{36});
    // A charge current past #51 meets the passive limiter (switch 56) as well as #55.
    StimulusPlan charge = cells_at(3.3);
    charge.charger_connected = true;
    charge.charger_V = 62.0;
    charge.charge_current_A = 115.0;
    const auto iso = switches_of(isolate(*spec().threshold(51), {cells_at(3.3), charge}, ParameterSet(spec()), tol(), kNtcCells));
    EXPECT_EQ(iso, (std::vector<int>{34, 56}));
}

TEST(Levels, ParkedCellsAndNeutralTemperaturesSitBetweenTheThresholds) {
    const Levels d = levels_in_force(ParameterSet(spec()), 16);
    // Cells: lows up to 3.10 V (#4, #8), highs from 54 V / 16 = 3.375 V (#12, #16).
    EXPECT_NEAR(d.parked_cell_V, 0.5 * (3.10 + 3.375), 1e-12);
    // Cells: lows up to 10 degC (#38), highs from 47 degC (#22, #30).
    EXPECT_NEAR(d.neutral_cell_degC, 28.5, 1e-12);
    ParameterSet moved(spec());
    moved.set(8, 3.20);
    moved.set(4, 3.25);
    EXPECT_NEAR(levels_in_force(moved, 16).parked_cell_V, 0.5 * (3.25 + 3.375), 1e-12);
}


// Under a current the cells leave their rested voltage, and a check holds it
// long enough for the slower terms to show: the loaded plan is the pack's own
// cells after the window, so a discharge at 2.45C shows them sagging well past
// the ohmic drop, a charge shows them rising, and no current leaves no plan.
TEST(LoadedPlan, CellsUnderTheCurrentAfterTheWindow) {
    auto type = std::make_shared<const model::CellType>(
        model::load_cell_params(std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml"));
    model::Pack pack(model::PackConfig{}, type);
    StimulusPlan rest = cells_at(3.0);
    EXPECT_FALSE(loaded_plan(pack, rest, 60.0).has_value());

    StimulusPlan discharge = cells_at(3.0);
    discharge.discharge_current_A = 245.0;
    const auto after_1s = loaded_plan(pack, discharge, 1.0);
    const auto after_40s = loaded_plan(pack, discharge, 40.0);
    ASSERT_TRUE(after_1s && after_40s);
    const double r0_drop_V = 245.0 * pack.cell(0).r0_ohm();
    const double sag_1s = 3.0 - after_1s->cell_V[0], sag_40s = 3.0 - after_40s->cell_V[0];
    std::printf("245 A from 3.000 V: sag %.1f mV after 1 s, %.1f mV after 40 s (ohmic part %.1f mV)\n", 1e3 * sag_1s,
                1e3 * sag_40s, 1e3 * r0_drop_V);
    EXPECT_GT(sag_1s, r0_drop_V);
    EXPECT_GT(sag_40s, sag_1s + 0.02);  // diffusion and the slow RC keep pulling it down
    EXPECT_EQ(after_40s->cell_V.size(), 16u);

    StimulusPlan charge = cells_at(3.3);
    charge.charger_connected = true;
    charge.charge_current_A = 50.0;
    const auto charged = loaded_plan(pack, charge, 40.0);
    ASSERT_TRUE(charged);
    std::printf("50 A charge from 3.300 V: +%.1f mV after 40 s\n", 1e3 * (charged->cell_V[0] - 3.3));
    EXPECT_GT(charged->cell_V[0], 3.3 + 50.0 * pack.cell(0).r0_ohm());
}

}  // namespace
}  // namespace bmshil::rig::oracle
