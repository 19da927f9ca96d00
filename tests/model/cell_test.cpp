// The cell against the chemistry references: OCV, hysteresis that moves with
// charge throughput, entropic shift, Arrhenius resistance; the Butler-Volmer
// element against its Riccati solution and an RK4 integration, solid diffusion.
#include "cell.h"

#include <gtest/gtest.h>

#include <cmath>
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
    std::printf("10 s at -50 A in 1 step / 10000 steps: v_ct %.12f / %.12f V, v_rc %.12f / %.12f V, "
                "surface SOC %.12f / %.12f\n",
                coarse.v_ct_V(), fine.v_ct_V(), coarse.v_rc_V(), fine.v_rc_V(), coarse.surface_soc(),
                fine.surface_soc());
    EXPECT_NEAR(coarse.v_ct_V(), fine.v_ct_V(), 2e-6);
    EXPECT_NEAR(coarse.v_rc_V(), fine.v_rc_V(), 2e-6);
    EXPECT_NEAR(coarse.soc(), fine.soc(), 1e-9);
    EXPECT_NEAR(coarse.surface_soc(), fine.surface_soc(), 1e-9);
    EXPECT_NEAR(coarse.hysteresis(), fine.hysteresis(), 1e-9);
}

// The 2 Ah cell's charge-transfer element and diffusion, against the equations
// of model/cell_sets/FORMAT.md solved here independently.
class ChargeTransferTest : public ::testing::Test {
protected:
    void SetUp() override {
        params_ = load_cell_params(test::cell_set("lfp_2ah_aboutenergy_18650"));
        type_ = std::make_shared<const CellType>(params_);
    }
    Cell make(double soc, double h, double degC = 25.0, CellVariation variation = {}) {
        Cell c(type_, variation, soc, degC);
        c.set_state(soc, h);
        return c;
    }
    static double kelvin(double degC) { return degC + kKelvinOffset; }
    static double a_V(double degC) { return 2.0 * kGasConstant_J_per_molK * kelvin(degC) / kFaraday_C_per_mol; }
    double i0_A(double degC) const {
        const double t_ref = kelvin(params_.reference_temperature_degC);
        return params_.exchange_current_A * std::exp(-params_.charge_transfer_activation_energy_J_per_mol /
                                                     kGasConstant_J_per_molK * (1.0 / kelvin(degC) - 1.0 / t_ref));
    }
    // C dv/dt = I - 2 I0 sinh(v/a) by classical RK4 with n steps over `duration`,
    // with the heat integral of v 2 I0 sinh(v/a) carried along.
    struct Rk4 {
        double v = 0.0, heat_J = 0.0;
    };
    static void rk4(Rk4& s, double current_A, double duration_s, long n, double i0, double a, double c) {
        const double h = duration_s / static_cast<double>(n);
        const auto g = [&](double v) { return 2.0 * i0 * std::sinh(v / a); };
        const auto dv = [&](double v) { return (current_A - g(v)) / c; };
        for (long k = 0; k < n; ++k) {
            const double v = s.v;
            const double k1 = dv(v), k2 = dv(v + 0.5 * h * k1), k3 = dv(v + 0.5 * h * k2), k4 = dv(v + h * k3);
            const double v1 = v + 0.5 * h * k1, v2 = v + 0.5 * h * k2, v3 = v + h * k3;
            // The heat integrand q(v(t)) along the same stages (Simpson-like RK4 weights).
            s.heat_J += h / 6.0 * (v * g(v) + 2.0 * v1 * g(v1) + 2.0 * v2 * g(v2) + v3 * g(v3));
            s.v = v + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        }
    }
    CellParams params_;
    std::shared_ptr<const CellType> type_;
};

TEST_F(ChargeTransferTest, VoltageFollowsRiccatiSolution) {
    const double i = -4.0, a = a_V(25.0), i0 = i0_A(25.0), c = params_.charge_transfer_capacitance_F;
    Cell coarse = make(0.5, -1.0), fine = make(0.5, -1.0);
    Rk4 ref;
    double worst = 0.0;
    // 1 s after the step from rest, sampled every 0.1 s in the fine cell.
    for (int k = 0; k < 10; ++k) {
        for (int j = 0; j < 1000; ++j) fine.step(i, 1e-4);
        rk4(ref, i, 0.1, 20000, i0, a, c);
        worst = std::max(worst, std::abs(fine.v_ct_V() - ref.v));
    }
    coarse.step(i, 1.0);
    std::printf("v_ct 1 s after a -4 A step from rest: 1 step %.12f V, 10000 steps %.12f V, RK4 %.12f V; "
                "largest difference to RK4 along the way %.2e V (limit 1e-9)\n",
                coarse.v_ct_V(), fine.v_ct_V(), ref.v, worst);
    EXPECT_NEAR(coarse.v_ct_V(), fine.v_ct_V(), 1e-9);
    EXPECT_NEAR(coarse.v_ct_V(), ref.v, 1e-9);
    EXPECT_LE(worst, 1e-9);
    // And back to rest: the relaxation follows the same equation with I = 0.
    coarse.step(0.0, 0.5);
    for (int j = 0; j < 5000; ++j) fine.step(0.0, 1e-4);
    rk4(ref, 0.0, 0.5, 10000, i0, a, c);
    std::printf("0.5 s into the rest: 1 step %.12f V, 5000 steps %.12f V, RK4 %.12f V\n", coarse.v_ct_V(),
                fine.v_ct_V(), ref.v);
    EXPECT_NEAR(coarse.v_ct_V(), ref.v, 1e-9);
    EXPECT_NEAR(fine.v_ct_V(), ref.v, 1e-9);
}

TEST_F(ChargeTransferTest, SteadyStateIsButlerVolmer) {
    const double a = a_V(25.0), i0 = i0_A(25.0);
    for (double i : {-1.0, -2.0, -4.0}) {
        Cell c = make(0.5, -1.0);
        c.step(i, 20.0);
        const double expected = a * std::asinh(i / (2.0 * i0));
        std::printf("steady v_ct at %.0f A: %.12f V, a asinh(I/2I0) %.12f V (limit 1e-9 V)\n", i, c.v_ct_V(),
                    expected);
        EXPECT_NEAR(c.v_ct_V(), expected, 1e-9) << i;
    }
    // Small signal: R_ct = a/(2 I0) = R T/(F I0).
    Cell c = make(0.5, -1.0);
    const double i = -1e-3;
    c.step(i, 20.0);
    const double r_ct = kGasConstant_J_per_molK * kelvin(25.0) / (kFaraday_C_per_mol * i0);
    std::printf("small-signal charge-transfer resistance at 1 mA: %.6f mOhm, R T/(F I0) %.6f mOhm\n",
                c.v_ct_V() / i * 1e3, r_ct * 1e3);
    EXPECT_NEAR(c.v_ct_V() / i, r_ct, 1e-6 * r_ct);
}

TEST_F(ChargeTransferTest, ApparentResistanceFallsWithCurrent) {
    double last = 1e9;
    for (double i : {0.5, 1.0, 2.0, 4.0}) {
        Cell c = make(0.5, -1.0);
        const double v_rest = c.terminal_V(0.0);
        for (int k = 0; k < 100; ++k) c.step(-i, 0.01);
        const double r = (v_rest - c.terminal_V(-i)) / i;
        std::printf("apparent resistance (V_rest - V(1 s))/I at SOC 0.5, %.1f A: %.2f mOhm\n", i, r * 1e3);
        EXPECT_LT(r, last) << i;
        last = r;
    }
}

TEST_F(ChargeTransferTest, HeatEqualsQuadratureAlongTheTrajectory) {
    const double a = a_V(25.0), i0 = i0_A(25.0), c = params_.charge_transfer_capacitance_F;
    Cell cell = make(0.5, -1.0);
    // -4 A for 1 s in 10 ms steps, then 3 s rest in 0.1 s steps, heat read in between.
    for (int k = 0; k < 100; ++k) cell.step(-4.0, 0.01);
    const double heat_pulse = cell.energy().heat_charge_transfer_J;
    for (int k = 0; k < 30; ++k) cell.step(0.0, 0.1);
    const double heat = cell.energy().heat_charge_transfer_J;
    Rk4 ref;
    rk4(ref, -4.0, 1.0, 100000, i0, a, c);
    const double ref_pulse = ref.heat_J;
    rk4(ref, 0.0, 3.0, 100000, i0, a, c);
    const double rel_pulse = std::abs(heat_pulse - ref_pulse) / ref_pulse;
    const double rel = std::abs(heat - ref.heat_J) / ref.heat_J;
    std::printf("charge-transfer heat, -4 A 1 s: booked %.12f J, quadrature %.12f J (%.2e); after 3 s rest: booked "
                "%.12f J, quadrature %.12f J (%.2e, limit 1e-6)\n",
                heat_pulse, ref_pulse, rel_pulse, heat, ref.heat_J, rel);
    EXPECT_LE(rel_pulse, 1e-6);
    EXPECT_LE(rel, 1e-6);
}

TEST_F(ChargeTransferTest, ExchangeCurrentFollowsArrhenius) {
    const double i = -2.0;
    for (double degC : {10.0, 25.0}) {
        Cell c = make(0.5, -1.0, degC);
        c.step(i, 20.0);
        const double expected = a_V(degC) * std::asinh(i / (2.0 * i0_A(degC)));
        std::printf("steady v_ct at %.0f A, %.0f degC: %.12f V, a(T) asinh(I/2I0(T)) %.12f V (I0 %.4f A)\n", i, degC,
                    c.v_ct_V(), expected, i0_A(degC));
        EXPECT_NEAR(c.v_ct_V(), expected, 1e-9) << degC;
    }
    // A cell with twice the resistance has half the exchange current.
    CellVariation v;
    v.resistance_scale = 2.0;
    Cell c = make(0.5, -1.0, 25.0, v);
    c.step(i, 20.0);
    EXPECT_NEAR(c.v_ct_V(), a_V(25.0) * std::asinh(i / i0_A(25.0)), 1e-9);
}

TEST_F(ChargeTransferTest, SurfaceSocSettlesToSphereOffset) {
    const double q_Ah = params_.capacity_Ah, t_diff = params_.diffusion_time_s;
    const double tau_d = t_diff / (kSphereBeta1 * kSphereBeta1);
    for (double i : {-1.0, 1.0}) {
        Cell c = make(i < 0 ? 0.9 : 0.1, i < 0 ? -1.0 : 1.0);
        for (double t = 0.0; t < 25.0 * tau_d; t += 10.0) c.step(i, 10.0);
        const double i_s = i > 0.0 ? i * params_.coulombic_efficiency : i;
        const double expected = t_diff / 15.0 * i_s / (3600.0 * q_Ah);
        std::printf("surface - bulk SOC after %.0f s at %+.0f A: %.12f, (t_diff/15) i/(3600 Q) %.12f (limit 1e-9)\n",
                    25.0 * tau_d, i, c.surface_soc() - c.soc(), expected);
        EXPECT_NEAR(c.surface_soc() - c.soc(), expected, 1e-9) << i;
    }
}

TEST_F(ChargeTransferTest, ConcentrationHeatEqualsQuadrature) {
    // 1 A discharge for 600 s from a rested cell at SOC 0.6: I times the integral of
    // ocv_average(s + delta) - ocv_average(s), with s(t) and delta(t) from their
    // closed forms, by Simpson's rule on 1e5 intervals.
    const double i = -1.0, duration = 600.0, q_As = params_.capacity_Ah * 3600.0;
    Cell cell = make(0.6, -1.0);
    for (int k = 0; k < 600; ++k) cell.step(i, 1.0);
    const double booked = cell.energy().heat_concentration_J;
    const double leak_A = params_.capacity_Ah * 3600.0 * params_.self_discharge_pct_per_month / 100.0 / (30.0 * 86400.0);
    const double t_diff = params_.diffusion_time_s, tau_d = t_diff / (kSphereBeta1 * kSphereBeta1);
    const double delta_ss = t_diff / 15.0 * i / q_As;
    const auto f = [&](double t) {
        const double s = 0.6 + (i - leak_A) * t / q_As;
        const double delta = delta_ss * (1.0 - std::exp(-t / tau_d));
        return i * (type_->ocv_average_V(s + delta) - type_->ocv_average_V(s));
    };
    const long n = 100000;
    const double h = duration / n;
    double sum = f(0.0) + f(duration);
    for (long k = 1; k < n; ++k) sum += (k % 2 ? 4.0 : 2.0) * f(k * h);
    const double reference = sum * h / 3.0;
    const double rel = std::abs(booked - reference) / reference;
    std::printf("concentration heat, 1 A for 600 s: booked %.9f J, quadrature %.9f J (%.2e, limit 1e-4)\n", booked,
                reference, rel);
    EXPECT_LE(rel, 1e-4);
}

TEST_F(ChargeTransferTest, KneeMovesWithRate) {
    // Delivered charge from full to 2.0 V at 25 degC (isothermal).
    const auto delivered = [&](const std::shared_ptr<const CellType>& type, double current_A, double step_s) {
        Cell c(type, CellVariation{}, 1.0, 25.0);
        c.set_state(1.0, 1.0);
        double ah = 0.0;
        while (c.terminal_V(-current_A) >= 2.0 && ah < 3.0) {
            c.step(-current_A, step_s);
            ah += current_A * step_s / 3600.0;
        }
        return ah;
    };
    const double c20 = delivered(type_, params_.capacity_Ah / 20.0, 5.0);
    const double c2 = delivered(type_, params_.capacity_Ah / 2.0, 1.0);
    CellParams fast = params_;
    fast.diffusion_time_s = 1.0;
    const auto fast_type = std::make_shared<const CellType>(fast);
    const double c20_fast = delivered(fast_type, params_.capacity_Ah / 20.0, 5.0);
    const double c2_fast = delivered(fast_type, params_.capacity_Ah / 2.0, 1.0);
    std::printf("delivered to 2.0 V: C/20 %.4f Ah, C/2 %.4f Ah (C/2 %+.2f %%); with a 1 s diffusion time C/20 %.4f Ah, "
                "C/2 %.4f Ah (C/2 %+.2f %%)\n",
                c20, c2, 100.0 * (c2 / c20 - 1.0), c20_fast, c2_fast, 100.0 * (c2_fast / c20_fast - 1.0));
    EXPECT_LT(c2, c20);
    EXPECT_GT(c2_fast / c20_fast, c2 / c20);
}

}  // namespace
}  // namespace bmshil::model
