// The bank of cells against the same cells as single model::Cell objects
// (banks of one), stepped alone: the one loop over all cells must not change
// any cell's SOC, EMF or energy (to 1e-12 relative) under one current, under
// a current per cell, after a cell is replaced, and when a step takes a cell's
// surface SOC onto another linear piece of the OCV grid. The SOC also against
// coulomb counting by hand, and the bank's sums against the sums of its cells.
#include "cell_bank.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "cell.h"
#include "test_support.h"

namespace bmshil::model {
namespace {

constexpr std::size_t kN = 5;
const CellVariation kVariations[kN] = {
    {1.00, 1.00, 1.0}, {0.97, 1.08, 1.4}, {1.03, 0.95, 0.6}, {0.99, 1.20, 1.0}, {1.01, 0.90, 2.0}};
const double kSoc[kN] = {0.20, 0.35, 0.50, 0.65, 0.85};

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-3); }

class CellBankTest : public ::testing::Test {
protected:
    void SetUp() override {
        type_ = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")));
        bank_ = std::make_unique<CellBank>(type_, kN, kVariations, kSoc, 25.0);
        for (std::size_t k = 0; k < kN; ++k) singles_.emplace_back(type_, kVariations[k], kSoc[k], 25.0);
    }
    void step_all(double current_A, double dt_s) {
        bank_->step(current_A, dt_s);
        for (Cell& c : singles_) c.step(current_A, dt_s);
    }
    // The largest relative difference of SOC and EMF between bank and singles.
    double worst_state() const {
        double w = 0.0;
        for (std::size_t k = 0; k < kN; ++k) {
            w = std::max(w, rel(bank_->soc(k), singles_[k].soc()));
            w = std::max(w, rel(bank_->emf_V()[k], singles_[k].emf_V()));
            w = std::max(w, rel(bank_->surface_soc(k), singles_[k].surface_soc()));
        }
        return w;
    }
    double worst_energy() const {
        double w = 0.0;
        for (std::size_t k = 0; k < kN; ++k) {
            const CellEnergy &a = bank_->energy(k), &b = singles_[k].energy();
            for (auto f :
                 {&CellEnergy::electrical_loss_J, &CellEnergy::rc_stored_change_J, &CellEnergy::heat_irreversible_J,
                  &CellEnergy::heat_charge_transfer_J, &CellEnergy::heat_concentration_J,
                  &CellEnergy::heat_reversible_J, &CellEnergy::heat_side_reaction_J})
                w = std::max(w, std::abs(a.*f - b.*f) / std::max(std::abs(b.*f), 1e-3));
        }
        return w;
    }
    std::shared_ptr<const CellType> type_;
    std::unique_ptr<CellBank> bank_;
    std::vector<Cell> singles_;
};

TEST_F(CellBankTest, OneCurrentBankEqualsSingleCellsAndCoulombCounting) {
    // Charge 80 A for 300 s, rest 10 min, discharge 150 A in half seconds, then
    // in seconds, charge 30 A in 2.5 s steps; compare after every step.
    struct Phase {
        double i, dt;
        int steps;
    } phases[] = {{80.0, 1.0, 300}, {0.0, 60.0, 10}, {-150.0, 0.5, 400}, {-150.0, 1.0, 50}, {30.0, 2.5, 100}};
    double worst = 0.0;
    double counted_Ah[kN] = {};  // stored charge by hand
    for (const Phase& p : phases)
        for (int n = 0; n < p.steps; ++n) {
            step_all(p.i, p.dt);
            worst = std::max(worst, worst_state());
            for (std::size_t k = 0; k < kN; ++k) {
                // 0.999 coulombic efficiency while charging; 3 %/month of 100 Ah leaks
                // as 100 x 3600 x 0.03 / (30 x 86400) = 4.1667 mA x the cell's scale.
                const double leak_A = 100.0 * 3600.0 * 0.03 / (30.0 * 86400.0) * kVariations[k].self_discharge_scale;
                counted_Ah[k] += ((p.i > 0.0 ? 0.999 * p.i : p.i) - leak_A) * p.dt / 3600.0;
            }
        }
    const double energy = worst_energy();
    std::printf("5 cells, 860 steps: worst SOC/EMF difference %.2e, energy %.2e (relative)\n", worst, energy);
    EXPECT_LE(worst, 1e-12);
    EXPECT_LE(energy, 1e-12);
    for (std::size_t k = 0; k < kN; ++k) {
        const double expected = kSoc[k] + counted_Ah[k] / (100.0 * kVariations[k].capacity_scale);
        EXPECT_NEAR(bank_->soc(k), expected, 1e-12) << "cell " << k + 1;
        EXPECT_GT(bank_->energy(k).heat_irreversible_J, 0.0);
    }
    std::printf("cell 1: SOC %.9f (counted %.9f), EMF %.6f V\n", bank_->soc(0), kSoc[0] + counted_Ah[0] / 100.0,
                bank_->emf_V()[0]);
}

TEST_F(CellBankTest, CurrentPerCellAndTemperaturePerCell) {
    const double degC[kN] = {0.0, 10.0, 25.0, 40.0, 55.0};
    for (std::size_t k = 0; k < kN; ++k) {
        bank_->set_temperature_degC(k, degC[k]);
        singles_[k].set_temperature_degC(degC[k]);
    }
    double worst = 0.0;
    for (int n = 0; n < 600; ++n) {
        // A load of +-60 A switching every 100 s; cells 2 and 4 bleeding 0.1 A on and off.
        const double load = (n / 100) % 2 ? -60.0 : 60.0;
        double i[kN];
        for (std::size_t k = 0; k < kN; ++k) i[k] = load - ((k % 2 == 1 && (n / 37) % 2) ? 0.1 : 0.0);
        bank_->step(i, 1.0);
        for (std::size_t k = 0; k < kN; ++k) singles_[k].step(i[k], 1.0);
        worst = std::max(worst, worst_state());
    }
    const double energy = worst_energy();
    std::printf("per-cell currents, 0-55 degC, 600 steps: worst SOC/EMF %.2e, energy %.2e\n", worst, energy);
    EXPECT_LE(worst, 1e-12);
    EXPECT_LE(energy, 1e-12);
    // The cold cell has the higher resistance: Arrhenius 18 kJ/mol from 25 to 0 degC is x 1.944.
    EXPECT_NEAR(bank_->r0_cached_ohm(0) / type_->r0_ref_ohm(bank_->soc(0)),
                std::exp(18000.0 / 8.314462618 * (1.0 / 273.15 - 1.0 / 298.15)), 2e-3);
}

TEST_F(CellBankTest, ResetCellIsAFreshCell) {
    for (int n = 0; n < 200; ++n) step_all(100.0, 1.0);
    // Cell 3 replaced by a weak, resistive cell at SOC 0.3 and 15 degC.
    const CellVariation weak{0.9, 1.3, 1.0};
    bank_->reset_cell(2, weak, 0.3, 15.0);
    singles_[2] = Cell(type_, weak, 0.3, 15.0);
    bank_->update_emf();
    EXPECT_NEAR(bank_->emf_V()[2], singles_[2].emf_V(), 1e-12 * 3.3);
    EXPECT_DOUBLE_EQ(bank_->soc(2), 0.3);
    EXPECT_DOUBLE_EQ(bank_->capacity_Ah(2), 90.0);
    EXPECT_EQ(bank_->hysteresis(2), 1.0);  // rested on the charge branch
    EXPECT_EQ(bank_->v_ct_V(2), 0.0);
    EXPECT_EQ(bank_->v_rc_V(2), 0.0);
    EXPECT_EQ(bank_->energy(2).electrical_loss_J, 0.0);
    EXPECT_NEAR(bank_->temperature_degC(2), 15.0, 1e-12);
    double worst = 0.0;
    for (int n = 0; n < 300; ++n) {
        step_all(n < 150 ? -120.0 : 0.0, n < 150 ? 1.0 : 30.0);
        worst = std::max(worst, worst_state());
    }
    const double energy = worst_energy();
    std::printf("after reset_cell: worst SOC/EMF %.2e, energy %.2e\n", worst, energy);
    EXPECT_LE(worst, 1e-12);
    EXPECT_LE(energy, 1e-12);
}

TEST_F(CellBankTest, SumsEqualTheSumsOfTheCells) {
    const auto check = [&](const char* when) {
        double emf = 0.0, r0 = 0.0;
        for (std::size_t k = 0; k < kN; ++k) {
            emf += bank_->emf_V()[k];
            r0 += bank_->r0_cached_ohm(k);
        }
        std::printf("%-34s EMF sum %.12f V, R0 sum %.9e ohm\n", when, bank_->emf_sum_V(), bank_->r0_sum_ohm());
        EXPECT_NEAR(bank_->emf_sum_V(), emf, 1e-12 * emf) << when;
        EXPECT_NEAR(bank_->r0_sum_ohm(), r0, 1e-12 * r0) << when;
        return r0;
    };
    const double r0_start = check("at the start");
    // 100 A for 5 min moves each SOC by about 8 %: the tables are re-read.
    for (int n = 0; n < 300; ++n) bank_->step(100.0, 1.0);
    const double r0_charged = check("after 5 min at 100 A");
    EXPECT_GT(std::abs(r0_charged - r0_start), 1e-3 * r0_start);  // the re-read shows
    // Cold: R0 up by Arrhenius once the next step re-reads it.
    for (std::size_t k = 0; k < kN; ++k) bank_->set_temperature_degC(k, 5.0);
    bank_->step(0.0, 60.0);
    const double r0_cold = check("at 5 degC");
    EXPECT_GT(r0_cold, 1.5 * r0_charged);  // exp(18000/8.314 (1/278.15 - 1/298.15)) = 1.686
    bank_->reset_cell(4, CellVariation{1.0, 2.0, 1.0}, 0.5, 5.0);
    bank_->update_emf();
    check("after reset_cell (R0 x 2)");
}

TEST_F(CellBankTest, StepAcrossOcvPieceBoundaries) {
    // Five cells rested 1e-7 of SOC below a grid point m/2000 (the pieces are
    // 5e-4 SOC wide): one step of 20 A for 1 s (5.5e-5 SOC, and 7e-5 more at the
    // surface) takes each onto the next piece. Then a step of 500 A for 10 s moves
    // the surface by 0.0139 + 0.018 (some 60 pieces at once; cell 5 past SOC 1,
    // onto the wall), and a discharge of 300 A for 40 s takes all back below their start.
    const int grid_point[kN] = {400, 1000, 1001, 1700, 1990};
    double soc[kN];
    for (std::size_t k = 0; k < kN; ++k) soc[k] = grid_point[k] / 2000.0 - 1e-7;
    CellVariation nominal[kN];
    bank_ = std::make_unique<CellBank>(type_, kN, nominal, soc, 25.0);
    singles_.clear();
    for (std::size_t k = 0; k < kN; ++k) singles_.emplace_back(type_, CellVariation{}, soc[k], 25.0);
    const auto piece = [&](std::size_t k) { return static_cast<int>(std::floor(bank_->surface_soc(k) * 2000.0)); };
    for (std::size_t k = 0; k < kN; ++k) ASSERT_EQ(piece(k), grid_point[k] - 1);
    step_all(20.0, 1.0);
    for (std::size_t k = 0; k < kN; ++k) {
        EXPECT_EQ(piece(k), grid_point[k]) << "cell " << k + 1 << " crossed";
        // The EMF from the piece the bank keeps against a fresh lookup, and against the single cell.
        EXPECT_NEAR(bank_->emf_V()[k], bank_->emf_now_V(k), 1e-12 * 3.3) << k;
        EXPECT_NEAR(bank_->emf_V()[k], singles_[k].emf_V(), 1e-12 * 3.3) << k;
    }
    step_all(500.0, 10.0);
    for (std::size_t k = 0; k + 1 < kN; ++k) EXPECT_GE(piece(k) - grid_point[k], 25) << k;
    const double after_jump = worst_state();
    for (int n = 0; n < 40; ++n) step_all(-300.0, 1.0);  // 0.033 SOC down: back below every start
    for (std::size_t k = 0; k < kN; ++k) EXPECT_LT(piece(k), grid_point[k] - 1) << k;
    std::printf("across pieces: worst SOC/EMF after the jump %.2e, after the discharge %.2e, energy %.2e\n", after_jump,
                worst_state(), worst_energy());
    EXPECT_LE(after_jump, 1e-12);
    EXPECT_LE(worst_state(), 1e-12);
    EXPECT_LE(worst_energy(), 1e-12);
    for (std::size_t k = 0; k < kN; ++k) EXPECT_NEAR(bank_->emf_V()[k], bank_->emf_now_V(k), 1e-12 * 3.3) << k;
}

}  // namespace
}  // namespace bmshil::model
