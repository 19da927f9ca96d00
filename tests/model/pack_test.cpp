// The pack without the kernel: discharge, thermal time constant, short-circuit
// comparator against the analytic RL solution, power-stage paths, sensors,
// safe operating area, seeds.
#include "pack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "test_support.h"

namespace bmshil::model {
namespace {

std::shared_ptr<const CellType> big_cell() {
    static auto type = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")));
    return type;
}

PowerStageCommand fets_on() {
    PowerStageCommand c;
    c.charge_fet = c.discharge_fet = true;
    return c;
}

Load current_load(double amps) {
    Load l;
    l.name = "load";
    l.kind = LoadKind::current;
    l.current_A = amps;
    l.connected = true;
    return l;
}

double min_cell_V(const Pack& p, std::size_t* which = nullptr) {
    double v = 1e9;
    for (std::size_t k = 0; k < p.cell_count(); ++k)
        if (p.cell_voltage_V(k) < v) {
            v = p.cell_voltage_V(k);
            if (which) *which = k;
        }
    return v;
}

TEST(Pack, OneCDischargeFromFullToFirstCellAtCutoff) {
    PackConfig config;
    Pack pack(config, big_cell());
    pack.command(fets_on());
    pack.add_load(current_load(100.0));
    double t = 0.0, delivered_Ah = 0.0;
    while (min_cell_V(pack) > 2.5 && t < 5 * 3600.0) {
        const double dt = min_cell_V(pack) < 2.7 ? 0.05 : 5.0;
        t += dt;
        pack.advance_to(t);
        delivered_Ah += -pack.current_A() * dt / 3600.0;
    }
    std::size_t first = 0;
    const double v_first = min_cell_V(pack, &first);
    // The first cell down is the one that had the least charge to give.
    std::size_t least = 0;
    double least_Ah = 1e9;
    for (std::size_t k = 0; k < pack.cell_count(); ++k) {
        const CellView c = pack.cell(k);
        const double initial_Ah = c.soc() * c.capacity_Ah() + delivered_Ah;
        if (initial_Ah < least_Ah) { least_Ah = initial_Ah; least = k; }
    }
    double t_max = -1e9;
    for (std::size_t k = 0; k < pack.cell_count(); ++k) t_max = std::max(t_max, pack.cell(k).temperature_degC());
    std::printf("1C discharge: %.1f Ah in %.0f s, first cell %zu at %.3f V, pack %.2f V, max cell %.1f degC\n",
                delivered_Ah, t, first + 1, v_first, pack.terminal_V(), t_max);
    EXPECT_NEAR(v_first, 2.5, 0.01);
    EXPECT_GT(delivered_Ah, 88.0);
    EXPECT_LT(delivered_Ah, 100.0);
    EXPECT_EQ(first, least);
    EXPECT_GT(t_max - 25.0, 3.0);   // a 1C discharge warms the cells
    EXPECT_LT(t_max - 25.0, 25.0);
    EXPECT_TRUE(pack.soa_violations().empty() || pack.soa_violations().front().kind == SoaKind::cell_under_voltage);
}

TEST(Pack, StillAirThermalTimeConstant) {
    PackConfig config;
    config.initial_temperature_degC = 35.0;
    config.ambient_degC = 25.0;
    Pack pack(config, big_cell());
    pack.advance_to(3600.0);
    pack.flush_heat();
    const double t = pack.cell(7).temperature_degC();
    const double tau_h = 1.0 / std::log(10.0 / (t - 25.0));
    std::printf("still-air cooling: 35 -> %.2f degC in 1 h, tau %.2f h (0.8-1.6 h)\n", t, tau_h);
    EXPECT_GE(tau_h, 0.8);
    EXPECT_LE(tau_h, 1.6);
}

TEST(Pack, ShortCircuitTripMatchesAnalyticRlSolution) {
    PackConfig config;
    Pack pack(config, big_cell());
    pack.command(fets_on());
    pack.advance_to(1.0);
    // Independent of the model's loop code: EMF from the cells, resistance
    // from the parts list.
    double emf = 0.0, r = 0.0;
    for (std::size_t k = 0; k < pack.cell_count(); ++k) {
        emf += pack.cell(k).emf_V();
        r += pack.cell(k).r0_ohm();
    }
    const double short_ohm = 0.002;
    r += config.busbar_ohm * 15 + config.links[0].resistance_ohm + config.power_stage.shunt_ohm + 2 * config.power_stage.fet_on_ohm + short_ohm;
    const double i_inf = emf / r, tau = config.power_stage.loop_inductance_H / r;
    const double t_cross = -tau * std::log(1.0 - config.afe.sc_threshold_A / i_inf);
    const double t_trip = t_cross + config.afe.sc_delay_s;
    const double i_peak = i_inf * (1.0 - std::exp(-t_trip / tau));

    Load s;
    s.name = "short";
    s.kind = LoadKind::resistance;
    s.resistance_ohm = short_ohm;
    s.connected = true;
    pack.add_load(s);
    pack.advance_to(1.001);
    ASSERT_TRUE(pack.sc_latched());
    const double trip_after_s = pack.sc_trip_time_s() - 1.0;
    std::printf("2 mOhm short: analytic trip %.4f us, model %.4f us; analytic peak %.1f A, model %.1f A\n",
                t_trip * 1e6, trip_after_s * 1e6, i_peak, -pack.sc_trip_current_A());
    EXPECT_NEAR(trip_after_s, t_trip, 1e-6);
    EXPECT_NEAR(-pack.sc_trip_current_A(), i_peak, 1e-3 * i_peak);
    // The AFE opened the discharge path: no current after the trip.
    EXPECT_EQ(pack.current_A(), 0.0);
}

TEST(Pack, BodyDiodes) {
    PackConfig config;
    config.initial_soc = 0.5;
    Pack pack(config, big_cell());
    PowerStageCommand cmd;
    cmd.discharge_fet = true;  // charge FET open
    pack.command(cmd);
    pack.add_load(current_load(50.0));
    EXPECT_NEAR(pack.current_A(), -50.0, 1e-9) << "a load still draws through the charge FET's diode";
    pack.loads()[0].connected = false;
    pack.charger().connected = true;
    pack.inputs_changed();
    pack.advance_to(1.0);
    EXPECT_EQ(pack.current_A(), 0.0) << "a charger cannot push current in with the charge FET open";
    EXPECT_NEAR(pack.terminal_V(), pack.charger().regulated_V(), 1e-9);
    // Discharge FET open, charge FET closed: the charger charges through the diode.
    cmd.charge_fet = true;
    cmd.discharge_fet = false;
    pack.command(cmd);
    pack.advance_to(2.0);
    EXPECT_GT(pack.current_A(), 1.0);
}

TEST(Pack, LimiterCapsChargeCurrentAtTenAmps) {
    PackConfig config;
    config.initial_soc = 0.3;
    Pack pack(config, big_cell());
    pack.charger().connected = true;
    PowerStageCommand cmd = fets_on();
    pack.command(cmd);
    pack.advance_to(1.0);
    EXPECT_NEAR(pack.current_A(), pack.charger().current_limit_A, 1e-6);
    cmd.limiter = true;
    pack.command(cmd);
    pack.advance_to(2.0);
    EXPECT_NEAR(pack.current_A(), 10.0, 1e-9);
}

TEST(Pack, PrechargeAvoidsTheInverterSurge) {
    const auto run = [](bool precharge) {
        PackConfig config;
        Pack pack(config, big_cell());
        Load inverter;
        inverter.name = "inverter";
        inverter.kind = LoadKind::inverter;
        inverter.power_W = 2000.0;
        inverter.connected = true;
        pack.add_load(inverter);
        PowerStageCommand cmd;
        cmd.charge_fet = true;
        cmd.precharge = precharge;
        pack.command(cmd);
        pack.advance_to(2.0);  // soft start delay
        cmd.discharge_fet = true;
        cmd.precharge = false;
        pack.command(cmd);
        pack.advance_to(3.0);
        return pack.sc_latched();
    };
    EXPECT_FALSE(run(true));
    EXPECT_TRUE(run(false)) << "closing onto an empty DC link is a short circuit";
}

TEST(Pack, LinkAfterCellNineShowsInItsTap) {
    PackConfig config;
    config.initial_soc = 0.6;
    config.afe.cell_noise_V = 0.0;
    Pack pack(config, big_cell());
    pack.command(fets_on());
    pack.add_load(current_load(100.0));
    pack.advance_to(10.0);
    SensorReadings r;
    pack.measure(r);
    const double tap9 = r.cell_tap_uV[8] * 1e-6, tap10 = r.cell_tap_uV[9] * 1e-6;
    // 100 A through 10 mOhm: tap 9 reads 1 V low; its neighbour does not.
    EXPECT_NEAR(tap9, pack.cell_voltage_V(8) - 1.0, 0.003);
    EXPECT_NEAR(tap10, pack.cell_voltage_V(9), 0.003);
}

TEST(Pack, SensorsQuantiseAndNtcsFollowBeta) {
    Ntc ntc(NtcConfig{}, 1.0);
    EXPECT_NEAR(ntc.resistance_ohm(25.0), 10000.0, 1e-6);
    EXPECT_NEAR(ntc.resistance_ohm(0.0), 10000.0 * std::exp(3435.0 * (1.0 / 273.15 - 1.0 / 298.15)), 1e-6);
    ntc.set_fault(NtcFault::open);
    EXPECT_EQ(ntc.reading_ohm(25.0), UINT32_MAX);
    ntc.set_fault(NtcFault::shorted);
    EXPECT_EQ(ntc.reading_ohm(25.0), 0u);

    PackConfig config;
    Pack pack(config, big_cell());
    SensorReadings r;
    pack.measure(r);
    for (std::size_t k = 0; k < 16; ++k) {
        EXPECT_EQ(r.cell_tap_uV[k] % 382, 0) << "whole AFE codes of 382 uV";
        EXPECT_NEAR(r.cell_tap_uV[k] * 1e-6, pack.cell_voltage_V(k), 0.0045);  // offset 2 mV + 4.5 sigma noise
    }
    EXPECT_NEAR(r.ntc_ohm[0], 10000.0, 10000.0 * 0.05);
}

TEST(Pack, SafeOperatingAreaIsReportedWhateverTheFirmwareDoes) {
    PackConfig config;
    config.initial_soc = 0.5;
    config.initial_temperature_degC = -5.0;
    config.ambient_degC = -5.0;
    Pack pack(config, big_cell());
    pack.charger().connected = true;
    pack.command(fets_on());
    pack.advance_to(5.0);
    ASSERT_FALSE(pack.soa_violations().empty());
    const SoaViolation& v = pack.soa_violations().front();
    EXPECT_EQ(v.kind, SoaKind::charge_below_min_temperature);
    EXPECT_EQ(v.start_s, 0.0);
    EXPECT_NEAR(v.worst, -5.0, 0.1);
    EXPECT_EQ(pack.soa_violations().size(), 16u) << "every cell charged below 0 degC";

    // A faulty charger overshooting to 63 V drives the cells past 3.65 V.
    PackConfig warm;
    warm.initial_soc = 0.97;
    Pack over(warm, big_cell());
    over.charger().connected = true;
    over.charger().fault_overshoot_V = 63.0;
    over.command(fets_on());
    over.advance_to(600.0);
    bool over_voltage = false;
    for (const SoaViolation& s : over.soa_violations())
        if (s.kind == SoaKind::cell_over_voltage) {
            over_voltage = true;
            EXPECT_GT(s.worst, 3.65);
        }
    EXPECT_TRUE(over_voltage);
}

TEST(Pack, SameSeedSameTraceOtherSeedOtherSpread) {
    const auto trace = [](std::uint64_t seed) {
        PackConfig config;
        config.seed = seed;
        Pack pack(config, big_cell());
        pack.command(fets_on());
        pack.add_load(current_load(100.0));
        std::vector<std::int32_t> out;
        SensorReadings r;
        for (int s = 1; s <= 600; ++s) {
            pack.advance_to(s);
            pack.measure(r);
            out.insert(out.end(), r.cell_tap_uV.begin(), r.cell_tap_uV.end());
            out.push_back(r.shunt_current_mA);
        }
        std::vector<double> capacities;
        for (std::size_t k = 0; k < pack.cell_count(); ++k) capacities.push_back(pack.cell(k).capacity_Ah());
        return std::make_pair(out, capacities);
    };
    const auto a = trace(7), b = trace(7), c = trace(8);
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.second, b.second);
    EXPECT_NE(a.first, c.first);
    EXPECT_NE(a.second, c.second);
}

TEST(Pack, HeaterWarmsTheCellsFromTheCharger) {
    PackConfig config;
    config.initial_temperature_degC = -15.0;
    config.ambient_degC = -15.0;
    Pack pack(config, big_cell());
    pack.charger().connected = true;
    PowerStageCommand cmd;
    cmd.heater = true;  // charge FET open: the heater runs on the charger
    pack.command(cmd);
    pack.advance_to(1800.0);
    pack.flush_heat();
    const double heater_W = std::pow(pack.charger().regulated_V(), 2) / config.heater_ohm;
    double rise = 0.0;
    for (std::size_t k = 0; k < 16; ++k) rise += pack.cell(k).temperature_degC() + 15.0;
    rise /= 16.0;
    const double adiabatic = heater_W * 1800.0 / (16.0 * big_cell()->params().heat_capacity_J_per_K());
    std::printf("heater %.0f W: cells rose %.2f K in 30 min (adiabatic bound %.2f K)\n", heater_W, rise, adiabatic);
    EXPECT_GT(rise, 0.8 * adiabatic);
    EXPECT_LE(rise, adiabatic);
    EXPECT_EQ(pack.current_A(), 0.0);
}

}  // namespace
}  // namespace bmshil::model

namespace bmshil::model {
namespace {

TEST(PackTime, LongStepsAtRestShortWhenBusy) {
    PackConfig config;
    Pack pack(config, big_cell());
    pack.advance_to(48 * 3600.0);
    std::printf("48 h at rest: %llu steps\n", static_cast<unsigned long long>(pack.steps_taken()));
    EXPECT_LE(pack.steps_taken(), 48u * 60u + 1u);  // one a minute
    const auto before = pack.steps_taken();
    pack.command(fets_on());
    pack.add_load(current_load(100.0));
    pack.advance_to(48 * 3600.0 + 60.0);
    EXPECT_GE(pack.steps_taken() - before, 60u);  // at most a second under load
}

TEST(PackLoads, ConstantPowerDrawsPowerOverVoltage) {
    PackConfig config;
    config.initial_soc = 0.5;
    Pack pack(config, big_cell());
    pack.command(fets_on());
    Load load;
    load.kind = LoadKind::power;
    load.power_W = 3000.0;
    load.connected = true;
    pack.add_load(load);
    pack.advance_to(10.0);
    EXPECT_NEAR(-pack.current_A() * pack.terminal_V(), 3000.0, 3000.0 * 0.005);
}

TEST(PackCells, DriftingCellSetApartLosesChargeFaster) {
    PackConfig config;
    config.initial_soc = 0.5;
    config.self_discharge_spread = 0.0;
    Pack pack(config, big_cell());
    CellVariation drifting;
    drifting.self_discharge_scale = 10.0;
    pack.set_cell(4, drifting, 0.5);
    const double before = pack.cell(4).soc(), neighbour = pack.cell(5).soc();
    pack.advance_to(30 * 86400.0);
    const double lost = before - pack.cell(4).soc(), lost_neighbour = neighbour - pack.cell(5).soc();
    std::printf("30 days at 25 degC: drifting cell lost %.2f %% SOC, its neighbour %.2f %%\n", lost * 100,
                lost_neighbour * 100);
    EXPECT_NEAR(lost_neighbour, 0.03, 0.002);  // 3 %/month
    EXPECT_NEAR(lost, 10.0 * lost_neighbour, 0.01);
}

TEST(PackCells, BalancingBleedsTheSelectedCell) {
    PackConfig config;
    config.initial_soc = 0.8;
    Pack pack(config, big_cell());
    PowerStageCommand cmd;
    cmd.balance_mask = 1u << 3;
    pack.command(cmd);
    EXPECT_NEAR(pack.cell_current_A(3), -pack.cell(3).emf_V() / config.bleed_ohm, 1e-9);
    EXPECT_EQ(pack.cell_current_A(2), 0.0);
    const double soc3 = pack.cell(3).soc(), soc2 = pack.cell(2).soc();
    pack.advance_to(10 * 3600.0);
    EXPECT_NEAR((soc3 - pack.cell(3).soc()) - (soc2 - pack.cell(2).soc()), 0.1 * 10 / 100, 0.002);  // ~0.1 A for 10 h
}

TEST(PackThermal, AmbientProfileAndOverTemperatureFinding) {
    PackConfig config;
    config.initial_soc = 0.5;
    Pack pack(config, big_cell());
    pack.set_ambient_profile({{0.0, 25.0}, {3600.0, 80.0}});
    pack.advance_to(6 * 3600.0);
    pack.flush_heat();
    EXPECT_GT(pack.cell(0).temperature_degC(), 60.0);
    bool hot = false;
    for (const SoaViolation& v : pack.soa_violations()) hot |= v.kind == SoaKind::cell_over_temperature;
    EXPECT_TRUE(hot);
}

}  // namespace
}  // namespace bmshil::model
