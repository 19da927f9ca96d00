// The cell against the chemistry references: OCV, hysteresis that moves with
// charge throughput, entropic shift, Arrhenius resistance.
#include "cell.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "test_support.h"

namespace bmshil::model {
namespace {

class CellTest : public ::testing::Test {
protected:
    void SetUp() override {
        type_ = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")));
    }
    Cell make(double soc, double h, double degC = 25.0) {
        Cell c(type_, CellVariation{}, soc, degC);
        c.set_state(soc, h);
        return c;
    }
    // Runs a constant current until the SOC reaches target, then rests.
    static void move_to(Cell& c, double target_soc, double current_A, double rest_s) {
        while ((current_A > 0 && c.soc() < target_soc) || (current_A < 0 && c.soc() > target_soc)) {
            const double remaining_s = std::abs(target_soc - c.soc()) * c.capacity_Ah() * 3600.0 / std::abs(current_A);
            c.step(current_A, std::min(1.0, std::max(remaining_s, 1e-3)));
        }
        for (double t = 0; t < rest_s; t += 60.0) c.step(0.0, 60.0);
    }
    std::shared_ptr<const CellType> type_;
};

TEST_F(CellTest, AverageOcvMatchesChemistryReferences) {
    const auto sony = test::read_csv(test::reference("ocv_hysteresis_lfp26650_sony_simses.csv"));
    const auto bpx = test::read_csv(test::reference("ocv_lfp18650_aboutenergy_bpx_computed.csv"));
    const auto apr = test::read_csv(test::reference("ocv_lfp18650_apr18650m1b_pseudo_c32.csv"));
    struct Ref {
        const char* name;
        const std::vector<double>& soc;
        const std::vector<double>& ocv;
    };
    const Ref refs[] = {{"Sony US26650 mid", sony.at("soc"), sony.at("ocv_mid_V")},
                        {"About:Energy BPX", bpx.at("soc"), bpx.at("ocv_V")},
                        {"APR18650 C/32", apr.at("soc"), apr.at("ocv_V")}};
    for (const Ref& ref : refs) {
        std::vector<double> err;
        double worst = 0.0;
        for (double soc = 0.1; soc <= 0.9001; soc += 0.01) {
            // The model's average: midway between its rested branches.
            const double average = 0.5 * (make(soc, 1.0).ocv_V() + make(soc, -1.0).ocv_V());
            err.push_back(average - interpolate(ref.soc, ref.ocv, soc));
            worst = std::max(worst, std::abs(err.back()));
        }
        const double rms_mV = test::rms(err) * 1e3;
        std::printf("OCV vs %-18s RMS %.1f mV, max %.1f mV over SOC 0.1-0.9 (limit 20 mV RMS)\n", ref.name, rms_mV,
                    worst * 1e3);
        EXPECT_LE(rms_mV, 20.0) << ref.name;
        EXPECT_LE(worst * 1e3, 30.0) << ref.name;
    }
    for (double soc = 0.3; soc <= 0.5; soc += 0.05) {
        const double average = 0.5 * (make(soc, 1.0).ocv_V() + make(soc, -1.0).ocv_V());
        EXPECT_GE(average, 3.26) << soc;  // Lishen storage window 3.275-3.304 V at 30-50 %
        EXPECT_LE(average, 3.31) << soc;
    }
}

TEST_F(CellTest, HysteresisGapBetweenBranches) {
    for (double soc = 0.2; soc <= 0.9001; soc += 0.05) {
        const double gap_mV = (make(soc, 1.0).ocv_V() - make(soc, -1.0).ocv_V()) * 1e3;
        std::printf("hysteresis gap between branches at SOC %.2f: %.1f mV (15-30 mV)\n", soc, gap_mV);
        EXPECT_GE(gap_mV, 15.0) << soc;
        EXPECT_LE(gap_mV, 30.0) << soc;
    }
}

TEST_F(CellTest, HysteresisGapReachedByChargeThroughput) {
    // Approach each SOC from below (charge from 5 %) and from above (discharge
    // from full) at C/5, rest four hours, compare the rested voltages: with 20 %
    // or more of throughput each side, the branches are reached.
    for (double soc = 0.25; soc <= 0.8001; soc += 0.05) {
        Cell up = make(0.05, -1.0);
        move_to(up, soc, 20.0, 4 * 3600.0);
        Cell down = make(1.0, 1.0);
        move_to(down, soc, -20.0, 4 * 3600.0);
        const double gap_mV = (up.terminal_V(0.0) - down.terminal_V(0.0)) * 1e3;
        const double branches_mV = (make(soc, 1.0).ocv_V() - make(soc, -1.0).ocv_V()) * 1e3;
        std::printf("rested after C/5 from both sides at SOC %.2f: %.1f mV apart (branches %.1f mV)\n", soc, gap_mV,
                    branches_mV);
        EXPECT_GE(gap_mV, 15.0) << soc;
        EXPECT_LE(gap_mV, 30.0) << soc;
        EXPECT_NEAR(gap_mV, branches_mV, 0.05 * branches_mV) << soc;
    }
}

TEST_F(CellTest, HysteresisMovesWithThroughputNotWithSign) {
    Cell c = make(0.5, -1.0);
    const double gap_V = 2.0 * type_->half_gap_V(0.5);
    const double before = c.ocv_V();
    // A charge of 0.1 % of capacity: the current's sign flipped, the branch barely moved.
    move_to(c, 0.501, 10.0, 0.0);
    EXPECT_LT(c.ocv_V() - before - type_->ocv_average_V(0.501) + type_->ocv_average_V(0.5), 0.2 * gap_V);
    EXPECT_LT(c.hysteresis(), -0.85);
    // Twenty percent of capacity later it sits on the charge branch.
    move_to(c, 0.7, 10.0, 0.0);
    EXPECT_GT(c.hysteresis(), 0.9);
}

TEST_F(CellTest, EntropicShiftIsSmallAndSigned) {
    for (double soc = 0.05; soc <= 0.95; soc += 0.05) {
        const double dudt_mV_per_K = (make(soc, 0.0, 35.0).ocv_V() - make(soc, 0.0, 25.0).ocv_V()) / 10.0 * 1e3;
        EXPECT_LE(std::abs(dudt_mV_per_K), 0.5) << soc;
        if (soc <= 0.2) {
            EXPECT_LT(dudt_mV_per_K, 0.0) << soc;
        }
    }
}

TEST_F(CellTest, ResistanceFollowsArrhenius) {
    // R0 seen by a 2 ms, 1C pulse at 10 and 25 degC, SOC 0.5.
    const auto pulse_resistance = [&](double degC) {
        Cell c = make(0.5, -1.0, degC);
        const double v0 = c.terminal_V(0.0);
        c.step(-100.0, 0.002);
        return (v0 - c.terminal_V(-100.0)) / 100.0;
    };
    const double r10 = pulse_resistance(10.0), r25 = pulse_resistance(25.0);
    std::printf("R(2 ms) at 25 degC: %.3f mOhm, at 10 degC: %.3f mOhm, ratio %.3f (1.40-1.60)\n", r25 * 1e3,
                r10 * 1e3, r10 / r25);
    EXPECT_GE(r10 / r25, 1.40);
    EXPECT_LE(r10 / r25, 1.60);
    EXPECT_GE(r25 * 1e3, 0.2);  // datasheet AC band of 100 Ah-class LFP
    EXPECT_LE(r25 * 1e3, 0.5);
}

TEST_F(CellTest, ExactSolutionDoesNotDependOnStepLength) {
    Cell coarse = make(0.8, 1.0), fine = make(0.8, 1.0);
    // 10 s at 50 A moves SOC by 0.14 %, less than the parameter refresh step.
    coarse.step(-50.0, 10.0);
    for (int i = 0; i < 10000; ++i) fine.step(-50.0, 0.001);
    EXPECT_NEAR(coarse.v1_V(), fine.v1_V(), 2e-6);
    EXPECT_NEAR(coarse.v2_V(), fine.v2_V(), 2e-6);
    EXPECT_NEAR(coarse.soc(), fine.soc(), 1e-9);
    EXPECT_NEAR(coarse.hysteresis(), fine.hysteresis(), 1e-9);
}

}  // namespace
}  // namespace bmshil::model
