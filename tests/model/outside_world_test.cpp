// What the pack's terminals see, as Norton equivalents worked by hand: the
// CC/CV charger in its three modes, each load kind, the dropout of the
// constant-current and constant-power loads, the heater pad, and the
// inverter's DC link against the RC charging curve and its loaded steady state.
#include "outside_world.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace bmshil::model {
namespace {

using Mode = OutsideWorld::ChargerMode;

Load make_load(const char* name, LoadKind kind) {
    Load l;
    l.name = name;
    l.kind = kind;
    l.connected = true;
    return l;
}

// Current into the pack at terminal voltage v.
double into_pack_A(const TerminalNetwork& n, double v) { return n.norton_A - n.conductance_S * v; }

TEST(OutsideWorld, ChargerModeFollowsTheTerminalVoltage) {
    OutsideWorld w(13.0);
    w.charger().connected = true;  // 56.8 V, 50 A, 20 mOhm: the limit is reached below 56.8 - 50 x 0.02 = 55.8 V
    EXPECT_EQ(w.charger_mode_at(55.0), Mode::current_limit);  // (56.8 - 55.0)/0.02 = 90 A > 50 A
    EXPECT_EQ(w.charger_mode_at(56.0), Mode::voltage);        // 40 A
    EXPECT_EQ(w.charger_mode_at(57.0), Mode::off);            // -10 A: the output diode blocks
    w.set_charger_mode(Mode::current_limit);
    EXPECT_EQ(w.charger_mode_at(55.7), Mode::current_limit);
    EXPECT_EQ(w.charger_mode_at(55.9), Mode::voltage);
    w.set_charger_mode(Mode::off);
    EXPECT_EQ(w.charger_mode_at(56.9), Mode::off);
    EXPECT_EQ(w.charger_mode_at(56.7), Mode::voltage);
    // A faulty charger regulating to 60 V: its limit starts below 59 V.
    w.charger().fault_overshoot_V = 60.0;
    w.set_charger_mode(Mode::voltage);
    EXPECT_EQ(w.charger_mode_at(58.5), Mode::current_limit);  // 75 A
    EXPECT_EQ(w.charger_mode_at(59.5), Mode::voltage);        // 25 A
}

TEST(OutsideWorld, ChargerNortonInEachMode) {
    OutsideWorld w(13.0);
    EXPECT_EQ(w.network(55.0).norton_A, 0.0);  // not connected: nothing
    w.charger().connected = true;
    // Voltage mode: 56.8 V behind 20 mOhm = 2840 A in parallel with 50 S.
    TerminalNetwork n = w.network(55.0);
    EXPECT_NEAR(n.norton_A, 2840.0, 1e-9);
    EXPECT_NEAR(n.conductance_S, 50.0, 1e-12);
    EXPECT_NEAR(into_pack_A(n, 56.0), 40.0, 1e-9);  // (56.8 - 56.0)/0.02
    w.set_charger_mode(Mode::current_limit);        // a 50 A source, whatever the voltage
    n = w.network(55.0);
    EXPECT_EQ(n.norton_A, 50.0);
    EXPECT_EQ(n.conductance_S, 0.0);
    w.set_charger_mode(Mode::off);
    n = w.network(55.0);
    EXPECT_EQ(n.norton_A, 0.0);
    EXPECT_EQ(n.conductance_S, 0.0);
}

TEST(OutsideWorld, EachLoadKindAtTheTerminal) {
    // At 50 V: 20 A constant current, 1000 W constant power, 2.5 Ohm, heater
    // 12.5 Ohm, and an inverter whose link sits at 45 V behind 5 mOhm. Each draws
    // 20 A, 20 A, 20 A, 4 A and (50 - 45)/0.005 = 1000 A.
    OutsideWorld w(12.5);
    Load& cc = w.add_load(make_load("cc", LoadKind::current));
    cc.current_A = 20.0;
    const struct {
        const char* name;
        LoadKind kind;
    } rest[] = {{"cp", LoadKind::power}, {"r", LoadKind::resistance}, {"inv", LoadKind::inverter}};
    for (const auto& r : rest) w.add_load(make_load(r.name, r.kind));
    w.find_load("cp")->power_W = 1000.0;
    w.find_load("r")->resistance_ohm = 2.5;
    w.find_load("inv")->link_V = 45.0;
    w.find_load("inv")->start_V = 40.0;
    EXPECT_EQ(w.find_load("none"), nullptr);
    const double v = 50.0;
    const double expected[] = {-20.0, -20.0, -20.0, -1000.0};
    const char* names[] = {"cc", "cp", "r", "inv"};
    for (int k = 0; k < 4; ++k) {
        for (Load& l : w.loads()) l.connected = l.name == names[k];
        EXPECT_NEAR(into_pack_A(w.network(v), v), expected[k], 1e-9) << names[k];
    }
    for (Load& l : w.loads()) l.connected = false;
    w.set_heater(true);
    EXPECT_TRUE(w.heater_on());
    EXPECT_NEAR(into_pack_A(w.network(v), v), -4.0, 1e-12);
    // All at once: they superpose, 20 + 20 + 20 + 1000 + 4 = 1064 A.
    for (Load& l : w.loads()) l.connected = true;
    const TerminalNetwork all = w.network(v);
    std::printf("everything at 50 V: Norton %.3f A, %.4f S, into the pack %.6f A\n", all.norton_A, all.conductance_S,
                into_pack_A(all, v));
    EXPECT_NEAR(into_pack_A(all, v), -1064.0, 1e-9);
    EXPECT_NEAR(all.conductance_S, 0.4 + 200.0 + 0.08, 1e-12);
}

TEST(OutsideWorld, ConstantCurrentAndPowerLoadsDropOut) {
    OutsideWorld w(13.0);
    Load& cc = w.add_load(make_load("cc", LoadKind::current));
    cc.current_A = 20.0;  // dropout 5 V by default
    EXPECT_NEAR(w.network(5.001).norton_A, -20.0, 1e-12);
    EXPECT_EQ(w.network(5.0).norton_A, 0.0);  // at the dropout voltage it is out
    EXPECT_EQ(w.network(3.0).norton_A, 0.0);
    cc.connected = false;
    Load& cp = w.add_load(make_load("cp", LoadKind::power));
    cp.power_W = 600.0;
    cp.dropout_V = 30.0;
    EXPECT_NEAR(w.network(40.0).norton_A, -15.0, 1e-12);  // 600 W / 40 V
    EXPECT_NEAR(w.network(31.0).norton_A, -600.0 / 31.0, 1e-12);
    EXPECT_EQ(w.network(29.0).norton_A, 0.0);
    // A resistive load does not drop out: 2 Ohm at 3 V draws 1.5 A.
    Load& r = w.add_load(make_load("r", LoadKind::resistance));
    r.resistance_ohm = 2.0;
    w.find_load("cp")->connected = false;
    EXPECT_NEAR(into_pack_A(w.network(3.0), 3.0), -1.5, 1e-12);
}

TEST(OutsideWorld, DcLinkChargesAlongItsRcCurve) {
    // Stage off (start_V above anything reached): the link charges from a 50 V
    // terminal through 5 mOhm into 4.7 mF, tau = 23.5 us: v(t) = 50 (1 - e^{-t/tau}).
    OutsideWorld w(13.0);
    Load& inv = w.add_load(make_load("inv", LoadKind::inverter));
    inv.power_W = 3000.0;
    inv.start_V = 100.0;
    const double tau = 0.005 * 4.7e-3;
    const double dt = tau / 20000.0;
    for (int k = 0; k < 20000; ++k) w.step_inverters(50.0, 0.01, dt);
    const double closed = 50.0 * (1.0 - std::exp(-1.0));
    std::printf("link after one tau in 20000 steps: %.6f V, closed form %.6f V\n", w.loads()[0].link_V, closed);
    // Explicit steps of tau/20000: (1 - dt/tau)^N = e^{-1} (1 - N (dt/tau)^2 / 2) puts the
    // link ahead of the curve by 50 e^{-1} dt/(2 tau) = 0.46 mV.
    EXPECT_NEAR(w.loads()[0].link_V - closed, 50.0 * std::exp(-1.0) / 40000.0, 2e-5);
    // A disconnected inverter is left alone.
    w.loads()[0].connected = false;
    const double held = w.loads()[0].link_V;
    w.step_inverters(50.0, 0.01, 1.0);
    EXPECT_EQ(w.loads()[0].link_V, held);
}

TEST(OutsideWorld, RunningStageHoldsTheLinkBelowTheTerminal) {
    // 5 kW stage running from a 50 V terminal through 5 mOhm: in steady state
    // (v - 50)/0.005 + 5000/v = 0, v^2 - 50 v + 25 = 0, v = 25 + sqrt(600) = 49.494897 V.
    OutsideWorld w(13.0);
    Load& inv = w.add_load(make_load("inv", LoadKind::inverter));
    inv.power_W = 5000.0;
    inv.start_V = 40.0;
    inv.link_V = 50.0;
    const double tau = 0.005 * 4.7e-3;
    for (int k = 0; k < 4000; ++k) w.step_inverters(50.0, 0.01, 0.05 * tau);
    const double steady = 25.0 + std::sqrt(600.0);
    std::printf("running link: %.9f V, steady state %.9f V\n", w.loads()[0].link_V, steady);
    EXPECT_NEAR(w.loads()[0].link_V, steady, 1e-9);
    // Its Norton: 49.4949/0.005 A in parallel with 200 S draws the stage's 5000 W / 49.4949 V = 101.02 A.
    EXPECT_NEAR(into_pack_A(w.network(50.0), 50.0), -5000.0 / steady, 1e-6);
    // Discharged into a dead terminal it stops at 0 V, never below.
    w.step_inverters(0.0, 0.01, 1.0);
    EXPECT_EQ(w.loads()[0].link_V, 0.0);
}

TEST(OutsideWorld, SettledLinkTakesLongStepsAndStaysWhereItSettles) {
    // The 5 kW stage of the test above, its link at the terminal: it must still
    // fall 0.505 V to 25 + sqrt(600) V, so the steps stay short:
    // 0.05 x 4.7 mF x (5 + 10) mOhm = 3.525 us.
    OutsideWorld w(13.0);
    Load& inv = w.add_load(make_load("inv", LoadKind::inverter));
    inv.power_W = 5000.0;
    inv.start_V = 40.0;
    inv.link_V = 50.0;
    EXPECT_NEAR(w.inverter_step_limit_s(50.0, 0.01), 3.525e-6, 1e-15);
    const double steady = 25.0 + std::sqrt(600.0);
    // Settled where less than 50 mV is left to travel: 16 mV above the steady
    // state the link discharges at 16 mV x (1/ESR - P/v^2) = 3.17 A, 47.5 mV
    // through ESR and loop; 17 mV below, 50.5 mV. No limit, then the limit.
    w.loads()[0].link_V = steady + 0.016;
    EXPECT_EQ(w.inverter_step_limit_s(50.0, 0.01), std::numeric_limits<double>::infinity());
    w.loads()[0].link_V = steady - 0.017;
    EXPECT_NEAR(w.inverter_step_limit_s(50.0, 0.01), 3.525e-6, 1e-15);
    // A 10 ms step, 425 time constants: the link relaxes onto its steady state
    // (an explicit step that long would throw it 7 V off).
    w.loads()[0].link_V = steady + 0.016;
    w.step_inverters(50.0, 0.01, 0.010);
    std::printf("settled link after a 10 ms step: %.9f V, steady state %.9f V\n", w.loads()[0].link_V, steady);
    EXPECT_NEAR(w.loads()[0].link_V, steady, 1e-12);
    // One small-signal time constant, C / (1/ESR - P/v^2): the offset falls by e.
    const double g_S = 1.0 / 0.005 - 5000.0 / (steady * steady);
    w.loads()[0].link_V = steady + 0.016;
    w.step_inverters(50.0, 0.01, 4.7e-3 / g_S);
    EXPECT_NEAR(w.loads()[0].link_V - steady, 0.016 * std::exp(-1.0), 1e-12);
    // The terminal sags to 48 V: the link moves again, in short steps, to
    // 24 + sqrt(551) V.
    EXPECT_NEAR(w.inverter_step_limit_s(48.0, 0.01), 3.525e-6, 1e-15);
    for (int k = 0; k < 4000; ++k) w.step_inverters(48.0, 0.01, 0.05 * 0.005 * 4.7e-3);
    EXPECT_NEAR(w.loads()[0].link_V, 24.0 + std::sqrt(551.0), 1e-9);
    EXPECT_EQ(w.inverter_step_limit_s(48.0, 0.01), std::numeric_limits<double>::infinity());
    // A stage the terminal cannot feed through the ESR (P > T^2 / 4 ESR) has
    // no settled link: short explicit steps, and the link collapses.
    w.loads()[0].power_W = 130000.0;
    EXPECT_NEAR(w.inverter_step_limit_s(48.0, 0.01), 3.525e-6, 1e-15);
}

TEST(OutsideWorld, InverterStepLimitFollowsTheLinkTimeConstant) {
    OutsideWorld w(13.0);
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(w.inverter_step_limit_s(50.0, 0.01), inf);  // no inverter
    Load& a = w.add_load(make_load("a", LoadKind::inverter));
    a.link_V = 10.0;
    // 0.05 x 4.7 mF x (5 + 10) mOhm = 3.525 us.
    EXPECT_NEAR(w.inverter_step_limit_s(50.0, 0.01), 3.525e-6, 1e-15);
    Load& b = w.add_load(make_load("b", LoadKind::inverter));
    b.link_V = 0.0;
    b.capacitance_F = 1.0e-3;
    b.esr_ohm = 0.002;
    // The faster one rules: 0.05 x 1 mF x 12 mOhm = 0.6 us.
    EXPECT_NEAR(w.inverter_step_limit_s(50.0, 0.01), 0.6e-6, 1e-15);
    // Less than 50 mV left to travel: no limit. The charging current flows
    // through the ESR and the loop: 15 mV off the terminal behind 5 mOhm is
    // 3 A, 45 mV left through 15 mOhm; 10 mV behind 2 mOhm, 5 A, 60 mV left.
    w.loads()[0].link_V = 49.985;
    w.loads()[1].link_V = 50.01;
    EXPECT_NEAR(w.inverter_step_limit_s(50.0, 0.01), 0.6e-6, 1e-15);
    w.loads()[1].link_V = 50.008;  // 4 A, 48 mV left
    EXPECT_EQ(w.inverter_step_limit_s(50.0, 0.01), inf);
    w.loads()[1].link_V = 49.9;
    w.loads()[1].connected = false;
    EXPECT_EQ(w.inverter_step_limit_s(50.0, 0.01), inf);
}

}  // namespace
}  // namespace bmshil::model
