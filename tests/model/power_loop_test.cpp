// The current loop against circuits solved by hand: the paths the FETs, body
// diodes and precharge leave open; the final current and time constant of the
// RL loop closed through a resistor, a charger, a current sink and an empty
// DC link; the terminal voltage seen from the outside; the inductor's current
// across input changes and its energy when the path opens; the step means
// against numerical integrals; and the power stage's heat against the loop's
// energy balance.
#include "power_loop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace bmshil::model {
namespace {

// Pack side: EMF 52.8 V, 10 mOhm of cells, busbars, links and shunt; parts
// as default: FETs 1 mOhm each, diodes 0.7 V, precharge 47 Ohm, limiter 10 A,
// shunt 0.1 mOhm, loop 1 uH.
constexpr double kE = 52.8, kFixed = 0.01, kL = 1e-6;

PowerStageCommand cmd(bool chg, bool dsg, bool pre = false, bool limiter = false) {
    PowerStageCommand c;
    c.charge_fet = chg;
    c.discharge_fet = dsg;
    c.precharge = pre;
    c.limiter = limiter;
    return c;
}

Load resistor(double ohm) {
    Load l;
    l.name = "r";
    l.kind = LoadKind::resistance;
    l.resistance_ohm = ohm;
    l.connected = true;
    return l;
}

struct Rig {
    Rig(const PowerStageCommand& c) : world(13.0), loop(PowerStageParts{}) {
        loop.set_cells(kE, kFixed);
        loop.set_command(c);
    }
    // Solve and take the new course (the current kept where the loop is inductive).
    double settle() {
        loop.update_solution(world);
        return loop.reconnect(world);
    }
    OutsideWorld world;
    PowerLoop loop;
};

TEST(PowerLoop, PathsAndSwitchResistances) {
    struct Case {
        PowerStageCommand c;
        bool forced_open, charge, discharge;
        double charge_drop, discharge_drop, r_charge, r_discharge;
    } cases[] = {
        {cmd(false, false), false, false, false, 0.7, 0.7, 1e-3, 47.0},
        {cmd(true, true), false, true, true, 0.0, 0.0, 2e-3, 2e-3},
        {cmd(true, false), false, true, false, 0.7, 0.0, 1e-3, 47.001},       // charge through the DSG body diode
        {cmd(false, true), false, false, true, 0.0, 0.7, 2e-3, 1e-3},         // discharge through the CHG body diode
        {cmd(true, true), true, true, false, 0.7, 0.0, 1e-3, 47.001},         // comparator holds DSG open
        {cmd(false, false, true), false, false, true, 0.7, 0.7, 1e-3, 47.0},  // precharge only
    };
    int n = 0;
    for (const Case& k : cases) {
        PowerLoop loop{PowerStageParts{}};
        loop.set_command(k.c);
        loop.set_discharge_forced_open(k.forced_open);
        const PowerLoop::Path p = loop.path();
        EXPECT_EQ(p.charge_allowed, k.charge) << "case " << n;
        EXPECT_EQ(p.discharge_allowed, k.discharge) << "case " << n;
        EXPECT_EQ(p.charge_drop_V, k.charge_drop) << "case " << n;
        EXPECT_EQ(p.discharge_drop_V, k.discharge_drop) << "case " << n;
        EXPECT_NEAR(loop.switch_resistance_ohm(true), k.r_charge, 1e-15) << "case " << n;
        EXPECT_NEAR(loop.switch_resistance_ohm(false), k.r_discharge, 1e-12) << "case " << n;
        ++n;
    }
}

TEST(PowerLoop, ResistiveLoadAndChargerClosedForms) {
    // 2 Ohm across the pack, both FETs: i = -E/(R + r) = -52.8/2.012 = -26.2425447 A,
    // tau = L/(R + r) = 0.49702 us; the terminal is the load's own i R.
    Rig a(cmd(true, true));
    a.world.add_load(resistor(2.0));
    a.settle();
    const auto& s = a.loop.solution();
    std::printf("2 Ohm: %.7f A, tau %.5e s (hand -26.2425447 A, 4.9702e-7 s)\n", s.infinity_A, s.tau_s);
    EXPECT_NEAR(s.infinity_A, -26.2425447, 1e-6);
    EXPECT_NEAR(s.tau_s, kL / 2.012, 1e-18);
    EXPECT_NEAR(a.loop.terminal_for(s.infinity_A, a.world), -2.0 * s.infinity_A, 1e-9);
    // Charger (56.8 V behind 20 mOhm) with the 2 Ohm load, charging through the
    // DSG body diode: Norton I_N = 2840 A, G = 50.5 S, V0 = E + 0.7 V, R = 11 mOhm:
    // i = (2840 - 50.5 x 53.5)/(1 + 50.5 x 0.011) = 138.25/1.5555 = 88.8782 A,
    // tau = 1 uH/(1/50.5 + 0.011) = 32.458 us.
    Rig b(cmd(true, false));
    b.world.charger().connected = true;
    b.world.charger().current_limit_A = 200.0;
    b.world.add_load(resistor(2.0));
    b.settle();
    const auto& c = b.loop.solution();
    EXPECT_NEAR(c.infinity_A, 138.25 / 1.5555, 1e-9);
    EXPECT_NEAR(c.tau_s, kL / (1.0 / 50.5 + 0.011), 1e-15);
    EXPECT_NEAR(c.network_open_V, 2840.0 / 50.5, 1e-12);
    // Seen from outside: the charger's 56.8 - 0.02 i_ch equals the load's 2 (i_ch - i).
    const double v = b.loop.terminal_for(c.infinity_A, b.world);
    EXPECT_NEAR(v, (2840.0 - c.infinity_A) / 50.5, 1e-9);
    // The same charger with the charge FET open: no path for its current.
    Rig d(cmd(false, true));
    d.world.charger().connected = true;
    d.settle();
    EXPECT_EQ(d.loop.solution().infinity_A, 0.0);
    EXPECT_NEAR(d.loop.terminal_V(), 56.8, 1e-12);  // nothing flows: the charger holds the terminal
}

TEST(PowerLoop, CurrentSinkLimiterAndPrecharge) {
    // A 30 A sink: no inductive transient, the current jumps to it.
    Rig a(cmd(true, true));
    Load sink = resistor(1.0);
    sink.kind = LoadKind::current;
    sink.current_A = 30.0;
    a.world.add_load(sink);
    a.settle();
    EXPECT_EQ(a.loop.solution().tau_s, 0.0);
    EXPECT_EQ(a.loop.current_A(), -30.0);
    EXPECT_NEAR(a.loop.terminal_V(), kE - 0.012 * 30.0, 1e-12);  // 52.44 V
    // The charger would push (56.8 - 52.8)/32 mOhm = 125 A: the limiter holds 10 A
    // and drops the difference: the terminal stays at the charger's 56.8 - 0.2 = 56.6 V.
    Rig b(cmd(true, true, false, true));
    b.world.charger().connected = true;
    b.world.charger().current_limit_A = 200.0;
    b.settle();
    EXPECT_EQ(b.loop.solution().tau_s, 0.0);
    EXPECT_EQ(b.loop.current_A(), 10.0);
    EXPECT_NEAR(b.loop.terminal_V(), 56.6, 1e-12);
    // Precharge onto an empty 4.7 mF link behind 5 mOhm, CHG open: through the
    // CHG body diode and 47 Ohm, i = -(52.8 - 0.7)/(0.005 + 0.01 + 47) = -1.1081570 A.
    Rig c(cmd(false, false, true));
    Load inverter = resistor(1.0);
    inverter.kind = LoadKind::inverter;
    c.world.add_load(inverter);
    c.settle();
    EXPECT_NEAR(c.loop.solution().infinity_A, -52.1 / 47.015, 1e-12);
    EXPECT_NEAR(c.loop.solution().tau_s, kL / 47.015, 1e-20);
    // Every FET open: no current, whatever is connected.
    Rig d(cmd(false, false));
    d.world.add_load(resistor(2.0));
    d.settle();
    EXPECT_EQ(d.loop.solution().infinity_A, 0.0);
    EXPECT_EQ(d.loop.current_A(), 0.0);
}

TEST(PowerLoop, InductorKeepsItsCurrentAcrossAChange) {
    Rig r(cmd(true, true));
    r.world.add_load(resistor(2.0));
    EXPECT_EQ(r.settle(), 0.0);
    EXPECT_EQ(r.loop.current_A(), 0.0);  // closing onto the load: the current starts at 0
    const double tau = r.loop.solution().tau_s;
    EXPECT_NEAR(r.loop.settling_step_limit_s(), 0.5 * tau, 1e-20);
    r.loop.resettle(-20.0, r.world);               // a step later, at -20 A
    r.world.find_load("r")->resistance_ohm = 1.0;  // the load halves
    EXPECT_EQ(r.settle(), 0.0);
    EXPECT_EQ(r.loop.current_A(), -20.0);  // kept: it now heads for -52.8/1.012 A
    EXPECT_NEAR(r.loop.solution().infinity_A, -52.8 / 1.012, 1e-9);
    EXPECT_NEAR(r.loop.terminal_V(), kE - 0.012 * 20.0, 1e-12);
    r.loop.resettle(-52.8 / 1.012, r.world);  // settled: no limit on the step
    EXPECT_EQ(r.loop.settling_step_limit_s(), std::numeric_limits<double>::infinity());
}

TEST(PowerLoop, OpeningThePathAbsorbsTheInductorEnergyWhenAnotherSourceTakesOver) {
    // Charging at 88.88 A from the charger with a 2 Ohm load; then the charger is
    // unplugged and the charge FET opens: the charge current has no path, the
    // switch absorbs 1/2 L i^2 = 0.5e-6 x 88.878^2 = 3.9497 mJ and the loop
    // starts discharging into the load from zero, through the CHG body diode.
    Rig r(cmd(true, false));
    r.world.charger().connected = true;
    r.world.charger().current_limit_A = 200.0;
    r.world.add_load(resistor(2.0));
    r.settle();
    r.loop.resettle(r.loop.solution().infinity_A, r.world);
    const double i0 = r.loop.current_A();
    r.world.charger().connected = false;
    r.loop.set_command(cmd(false, true));
    const double absorbed = r.settle();
    std::printf("path opened at %.4f A: %.6e J absorbed (1/2 L i^2 = %.6e J)\n", i0, absorbed, 0.5 * kL * i0 * i0);
    EXPECT_NEAR(absorbed, 0.5 * kL * 88.8782 * 88.8782, 1e-8);
    EXPECT_EQ(r.loop.current_A(), 0.0);
    EXPECT_NEAR(r.loop.solution().infinity_A, -(kE - 0.7) / (2.0 + 0.011), 1e-9);
}

// When the path opens and nothing else drives the loop (the discharge FET
// opens, or the comparator forces it open, on a resistive load or a short),
// the new course is "no path" with no time constant; the 1/2 L i^2 the loop
// carried still goes into the switch.
TEST(PowerLoop, OpeningThePathToALoadAbsorbsTheInductorEnergy) {
    Rig r(cmd(true, true));
    r.world.add_load(resistor(2.0));
    r.settle();
    r.loop.resettle(r.loop.solution().infinity_A, r.world);  // -26.2425 A
    r.loop.set_discharge_forced_open(true);
    const double absorbed = r.settle();
    EXPECT_EQ(r.loop.current_A(), 0.0);
    EXPECT_NEAR(absorbed, 0.5 * kL * 26.2425447 * 26.2425447, 1e-9);  // 3.4434e-4 J
}

// Simpson's rule over [0, dt] with n intervals.
template <class F>
double simpson(F f, double dt, int n) {
    const double h = dt / n;
    double s = f(0.0) + f(dt);
    for (int k = 1; k < n; ++k) s += (k % 2 ? 4.0 : 2.0) * f(k * h);
    return s * h / 3.0;
}

TEST(PowerLoop, StepMeansAgainstTheIntegrals) {
    Rig r(cmd(true, true));
    r.world.add_load(resistor(2.0));
    r.settle();
    r.loop.resettle(-5.0, r.world);  // at -5 A, heading for -26.24 A
    const double a = r.loop.solution().infinity_A, b = -5.0 - a, tau = r.loop.solution().tau_s;
    const auto i = [&](double t) { return a + b * std::exp(-t / tau); };
    for (double x : {0.01, 0.3, 1.0, 5.0, 40.0}) {
        const double dt = x * tau;
        const PowerLoop::StepCurrent s = r.loop.over(dt);
        const double mean = simpson(i, dt, 4000) / dt;
        const double mean_sq = simpson([&](double t) { return i(t) * i(t); }, dt, 4000) / dt;
        std::printf("dt = %5.2f tau: mean %.12f A (Simpson %.12f), mean square %.9f A^2 (Simpson %.9f)\n", x, s.mean_A,
                    mean, s.mean_square_A2, mean_sq);
        EXPECT_NEAR(s.mean_A, mean, 1e-10 * std::abs(mean));
        EXPECT_NEAR(s.mean_square_A2, mean_sq, 1e-10 * mean_sq);
        EXPECT_NEAR(s.end_A, i(dt), 1e-12);
        EXPECT_GT(s.mean_square_A2, s.mean_A * s.mean_A);  // a varying current: mean square above the squared mean
    }
    const PowerLoop::StepCurrent zero = r.loop.over(0.0);
    EXPECT_EQ(zero.mean_A, -5.0);
    EXPECT_EQ(zero.mean_square_A2, 25.0);
    // A step far shorter than tau: the mean is the start current plus b (e^{-x} - 1 + x)/x,
    // x = dt/tau, about -b x/2 = -1.06e-8 A here. 1 - e^{-x} loses its digits to
    // cancellation (an ulp of 1 over x: 1.1e-7 relative, b x 1.1e-7 = 2.3e-6 A at most).
    const double dt = 1e-9 * tau;
    const PowerLoop::StepCurrent tiny = r.loop.over(dt);
    const double series = -5.0 - b * 0.5e-9;
    std::printf("dt = 1e-9 tau: mean %.12f A, series %.12f A (error %.2e A)\n", tiny.mean_A, series,
                tiny.mean_A - series);
    EXPECT_NEAR(tiny.mean_A, series, 3e-6);
}

TEST(PowerLoop, StageHeatAgainstTheLoopEnergyBalance) {
    // Each case settled, over 1 s: what the outside delivers, V_t i, is the cells'
    // E i, the fixed resistance less the shunt, and the stage's heat (FETs or
    // diodes, precharge, shunt, limiter).
    const auto balance = [](Rig& r, const char* name) {
        r.settle();
        r.loop.resettle(r.loop.solution().infinity_A, r.world);
        const PowerLoop::StepCurrent s = r.loop.over(1.0);
        const double q = r.loop.stage_heat_J(s, 1.0);
        const double i = s.mean_A;
        const double expected = r.loop.terminal_V() * i - kE * i - (kFixed - 1e-4) * i * i;
        std::printf("%-24s %9.4f A, stage heat %.6f J, balance %.6f J\n", name, i, q, expected);
        EXPECT_NEAR(q, expected, 1e-9 * std::abs(r.loop.terminal_V() * i)) << name;
        return q;
    };
    Rig fets(cmd(true, true));
    fets.world.add_load(resistor(2.0));
    // 26.2425^2 x (2 + 0.1) mOhm = 1.446223 W.
    EXPECT_NEAR(balance(fets, "both FETs, 2 Ohm"), 26.2425447 * 26.2425447 * 2.1e-3, 1e-6);
    Rig diode(cmd(false, true));
    diode.world.add_load(resistor(2.0));
    // Through the CHG body diode: i = 52.1/2.011 = 25.907509 A; i^2 x 1.1 mOhm + 0.7 i.
    const double id = 52.1 / 2.011;
    EXPECT_NEAR(balance(diode, "CHG body diode, 2 Ohm"), id * id * 1.1e-3 + 0.7 * id, 1e-6);
    Rig pre(cmd(false, false, true));
    pre.world.add_load(resistor(2.0));
    // Precharge: i = 52.1/49.01 = 1.0630484 A; i^2 x 47.0001 Ohm + 0.7 i.
    const double ip = 52.1 / 49.01;
    EXPECT_NEAR(balance(pre, "precharge, 2 Ohm"), ip * ip * 47.0001 + 0.7 * ip, 1e-6);
    Rig limiter(cmd(true, true, false, true));
    limiter.world.charger().connected = true;
    limiter.world.charger().current_limit_A = 200.0;
    // Limiter: 10 A, terminal 56.6 V, pack side 52.8 + 0.012 x 10 = 52.92 V:
    // 100 x 2.1 mOhm + 3.68 V x 10 A = 37.01 J.
    EXPECT_NEAR(balance(limiter, "limiter at 10 A"), 37.01, 1e-9);
    EXPECT_EQ(limiter.loop.stage_heat_J({0.0, 0.0, 0.0}, 1.0), 0.0);
}

}  // namespace
}  // namespace bmshil::model
