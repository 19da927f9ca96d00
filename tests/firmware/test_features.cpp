// Behaviour of the parameters and switches that are not a plain threshold:
// balancing, heating, soft start, capacity, gap recharge, series count,
// compensation, NTC faults, button, limiter, activation, standby, history.
#include <gtest/gtest.h>

#include "fake_board.h"

extern "C" {
#include "history.h"
}

using namespace bmstest;

namespace {

constexpr uint32_t kSecond = 1000;
constexpr uint32_t kHour = 3600 * kSecond;

FakeBoard &booted(FakeBoard &b)
{
    b.boot();
    b.run(3000);
    return b;
}

// ---------------------------------------------------------------- balancing
BMS_COVERS("Balancing.*", ({9, 63, 64}), ({49, 50}));

TEST(Balancing, StartsAtP9AndP63StopsAtP64WhileCharging)
{
    FakeBoard b;
    booted(b);
    b.current_ma = 5000;
    b.set_all_cells(3390);
    b.cell_mv[4] = 3419; // max >= #9 but spread 29 < #63
    b.run(100);
    EXPECT_EQ(b.out.balance_mask, 0);
    b.set_all_cells(3369);
    b.cell_mv[4] = 3399; // spread 30 but max one below #9
    b.run(100);
    EXPECT_EQ(b.out.balance_mask, 0);
    b.set_all_cells(3390);
    b.cell_mv[4] = 3420; // both met
    b.tick();
    EXPECT_EQ(b.out.balance_mask, 1u << 4);
    b.cell_mv[4] = 3411; // spread 21 > #64: keeps going
    b.run(100);
    EXPECT_EQ(b.out.balance_mask, 1u << 4);
    b.cell_mv[4] = 3410; // spread 20 = #64: ends
    b.tick();
    EXPECT_EQ(b.out.balance_mask, 0);
}

TEST(Balancing, Switch49ChargingAndSwitch50Static)
{
    for (int sw49 = 0; sw49 <= 1; sw49++) {
        for (int sw50 = 0; sw50 <= 1; sw50++) {
            FakeBoard b;
            booted(b);
            b.set_switch(49, sw49);
            b.set_switch(50, sw50);
            b.set_all_cells(3390);
            b.cell_mv[4] = 3450;
            b.current_ma = 5000; // charging
            b.run(100);
            EXPECT_EQ(b.out.balance_mask != 0, sw49 == 1) << sw49 << sw50;
            b.current_ma = 0; // rest
            b.run(100);
            EXPECT_EQ(b.out.balance_mask != 0, sw50 == 1) << sw49 << sw50;
            b.current_ma = -5000; // never while discharging
            b.run(100);
            EXPECT_EQ(b.out.balance_mask, 0);
        }
    }
}

BMS_COVERS("Balancing.StaticTimeoutP65", ({65}), ({51}));

TEST(Balancing, StaticTimeoutP65)
{
    for (bool sw51 : {true, false}) {
        FakeBoard b;
        booted(b);
        b.set_switch(51, sw51);
        b.set_param(65, 1 * static_cast<int32_t>(kHour));
        b.set_all_cells(3390);
        b.cell_mv[4] = 3450;
        b.run(kHour - 2 * kSecond, kSecond);
        EXPECT_NE(b.out.balance_mask, 0);
        b.run(3 * kSecond, kSecond);
        EXPECT_EQ(b.out.balance_mask == 0, sw51) << "switch 51 " << sw51;
        if (sw51) {
            b.current_ma = 5000; // charging starts the timer again
            b.run(100);
            EXPECT_NE(b.out.balance_mask, 0);
        }
    }
}

BMS_COVERS("Balancing.Switch52AmbientOverTemperature", ({39, 40}), ({52}));

TEST(Balancing, Switch52AmbientOverTemperature)
{
    for (bool sw52 : {true, false}) {
        FakeBoard b;
        booted(b);
        b.set_switch(52, sw52);
        b.set_all_cells(3390);
        b.cell_mv[4] = 3450;
        b.run(100);
        EXPECT_NE(b.out.balance_mask, 0);
        b.set_ntc_dc(4, b.param(39)); // ambient at the #39 alarm
        b.run(2100);
        ASSERT_TRUE(b.alarm(BMS_A_AMB_HIGH_TEMP));
        EXPECT_EQ(b.out.balance_mask == 0, sw52);
        b.set_ntc_dc(4, b.param(40));
        b.run(2100);
        EXPECT_NE(b.out.balance_mask, 0);
    }
}

// ---------------------------------------------------------------- heating
BMS_COVERS("Heating.*", ({37, 38}), ({31}));

TEST(Heating, ChargerAndColdestCellAtP37UntilP38)
{
    FakeBoard b;
    booted(b);
    b.set_switch(31, true);
    b.terminal_override = true;
    b.terminal_mv = b.pack_mv() + 3000; // charger on the terminals
    b.set_ntc_dc(1, b.param(37) + 1);
    b.run(3000);
    EXPECT_EQ(b.out.heater, 0);
    b.set_ntc_dc(1, b.param(37));
    b.tick();
    b.run(2000 - kTickMs);
    EXPECT_EQ(b.out.heater, 0) << "one tick early";
    b.tick();
    EXPECT_EQ(b.out.heater, 1);
    EXPECT_EQ(b.out.charge_fet, 0) << "no charging while heating";
    b.set_ntc_dc(1, b.param(38) - 1);
    b.run(3000);
    EXPECT_EQ(b.out.heater, 1);
    b.set_ntc_dc(1, b.param(38));
    b.tick();
    b.run(2000 - kTickMs);
    EXPECT_EQ(b.out.heater, 1);
    b.tick();
    EXPECT_EQ(b.out.heater, 0);
    EXPECT_EQ(b.out.charge_fet, 1);
    // A charger that leaves stops the heater at once.
    b.set_ntc_dc(1, b.param(37));
    b.run(2100);
    ASSERT_EQ(b.out.heater, 1);
    b.terminal_override = false;
    b.tick();
    EXPECT_EQ(b.out.heater, 0);
}

TEST(Heating, ColdPackHoldsTheChargeFetOpenBeforeAnyCharger)
{
    // With heating enabled a cell at or below #37 opens the charge FET at once,
    // without the confirmation delay, so a charger plugged in later cannot push
    // charge into it before the heater is on.
    FakeBoard b;
    booted(b);
    b.set_switch(31, true);
    b.run(100);
    ASSERT_EQ(b.out.charge_fet, 1);
    b.set_ntc_dc(1, b.param(37));
    b.tick();
    EXPECT_EQ(b.out.charge_fet, 0) << "held open at the first tick";
    EXPECT_EQ(b.out.heater, 0) << "no charger yet: nothing to heat with";
    b.set_ntc_dc(1, b.param(37) + 1);
    b.tick();
    EXPECT_EQ(b.out.charge_fet, 1) << "above #37 without heating: released";
}

TEST(Heating, Switch31OffNoHeater)
{
    FakeBoard b;
    booted(b);
    b.terminal_override = true;
    b.terminal_mv = b.pack_mv() + 3000;
    b.set_ntc_dc(1, -50);
    b.run(5000);
    EXPECT_EQ(b.out.heater, 0);
}

// ---------------------------------------------------------------- soft start
BMS_COVERS("SoftStart.*", ({58}), ({48}));

TEST(SoftStart, PrechargeForP58ThenDischargeFet)
{
    FakeBoard b;
    b.terminal_override = true;
    b.terminal_mv = 0; // an empty load capacitor: the precharge runs its full time
    b.boot();
    EXPECT_EQ(b.out.precharge, 1);
    EXPECT_EQ(b.out.discharge_fet, 0);
    b.run(static_cast<uint32_t>(b.param(58)) - kTickMs);
    EXPECT_EQ(b.out.precharge, 1) << "one tick early";
    EXPECT_EQ(b.out.discharge_fet, 0);
    b.tick();
    EXPECT_EQ(b.out.precharge, 0);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

TEST(SoftStart, EndsEarlyWhenTheLoadIsCharged)
{
    FakeBoard b;
    b.terminal_override = true;
    b.terminal_mv = 0;
    b.boot();
    b.run(500);
    EXPECT_EQ(b.out.precharge, 1);
    b.terminal_mv = b.pack_mv() * 96 / 100;
    b.tick();
    EXPECT_EQ(b.out.precharge, 0);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

TEST(SoftStart, Switch48OffClosesAtOnce)
{
    FakeBoard b;
    b.terminal_override = true;
    b.terminal_mv = 0;
    b.boot();
    b.set_switch(48, false);
    // reboot with the stored switch
    b.boot();
    EXPECT_EQ(b.out.precharge, 0);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

// ---------------------------------------------------------------- capacity
BMS_COVERS("Capacity.*", ({59, 60, 82}), ({}));

TEST(Capacity, CoulombCountingFromP60OfP59)
{
    FakeBoard b;
    booted(b);
    EXPECT_EQ(bms_soc_pm(&b.ctx), 500); // #60 50 Ah of #59 100 Ah
    b.current_ma = -10000;
    b.run(kHour, kSecond);
    EXPECT_EQ(b.ctx.remaining_mah, 40000);
    EXPECT_EQ(bms_soc_pm(&b.ctx), 400);
    b.current_ma = 20000;
    b.run(kHour / 2, kSecond);
    EXPECT_EQ(b.ctx.remaining_mah, 50000);
    b.set_param(59, 200000);
    EXPECT_EQ(bms_soc_pm(&b.ctx), 250);
    b.set_param(60, 150000);
    EXPECT_EQ(b.ctx.remaining_mah, 150000);
    EXPECT_EQ(bms_soc_pm(&b.ctx), 750);
}

TEST(Capacity, OneCyclePerP82OfP59Discharged)
{
    FakeBoard b;
    booted(b);
    b.set_param(60, 100000);
    b.current_ma = -100000; // 100 A: 80 Ah in 2880 s
    b.run(2879 * kSecond, kSecond);
    EXPECT_EQ(b.ctx.cycles, 0);
    b.run(kSecond, kSecond);
    EXPECT_EQ(b.ctx.cycles, 1);
    EXPECT_EQ(b.reg(32), 1);
}

BMS_COVERS("SocAlarmProtection.*", ({79, 80}), ({43, 44}));

TEST(SocAlarmProtection, AlarmAtP79ProtectionAtP80)
{
    FakeBoard b;
    booted(b);
    b.set_param(60, 10100); // 10.1 %
    b.tick();
    EXPECT_FALSE(b.alarm(BMS_A_SOC_LOW));
    b.set_param(60, 10000); // 10.0 % = #79
    b.tick();
    EXPECT_TRUE(b.alarm(BMS_A_SOC_LOW));
    EXPECT_EQ(b.out.discharge_fet, 1) << "an alarm leaves the FETs";
    b.set_param(60, 5100);
    b.tick();
    EXPECT_FALSE(b.prot(BMS_P_SOC));
    b.set_param(60, 5000); // 5.0 % = #80
    b.tick();
    EXPECT_TRUE(b.prot(BMS_P_SOC));
    EXPECT_EQ(b.out.discharge_fet, 0);
    EXPECT_TRUE(bms_error_codes(&b.ctx) & (1u << BMS_E_SOCP));
    // Recovery: the protection at #79, the alarm 2 % above #79.
    b.set_param(60, 9999);
    b.tick();
    EXPECT_TRUE(b.prot(BMS_P_SOC));
    b.set_param(60, 10000);
    b.tick();
    EXPECT_FALSE(b.prot(BMS_P_SOC));
    b.set_param(60, 11999);
    b.tick();
    EXPECT_TRUE(b.alarm(BMS_A_SOC_LOW));
    b.set_param(60, 12000);
    b.tick();
    EXPECT_FALSE(b.alarm(BMS_A_SOC_LOW));
    // A charger ends the protection at once.
    b.set_param(60, 4000);
    b.tick();
    ASSERT_TRUE(b.prot(BMS_P_SOC));
    b.current_ma = 5000;
    b.tick();
    EXPECT_FALSE(b.prot(BMS_P_SOC));
}

TEST(SocAlarmProtection, SwitchesOff)
{
    FakeBoard b;
    booted(b);
    b.set_switch(43, false);
    b.set_switch(44, false);
    b.set_param(60, 1000);
    b.run(100);
    EXPECT_FALSE(b.alarm(BMS_A_SOC_LOW));
    EXPECT_FALSE(b.prot(BMS_P_SOC));
    EXPECT_EQ(b.out.discharge_fet, 1);
}

BMS_COVERS("GapRecharge.*", ({5, 6, 81}), ({42}));

TEST(GapRecharge, ChargingResumesOnlyBelowP81)
{
    FakeBoard b;
    booted(b);
    b.set_param(60, 98000); // a full charge: SOC counted 98 %
    b.cell_mv[4] = b.param(5);
    b.run(1100);
    ASSERT_TRUE(b.prot(BMS_P_CELL_OV));
    EXPECT_EQ(bms_soc_pm(&b.ctx), 980) << "SOC is the coulomb count only, no jump at OV";
    b.cell_mv[4] = b.param(6);
    b.run(3000);
    EXPECT_TRUE(b.prot(BMS_P_CELL_OV)) << "voltage recovered but SOC is above #81";
    b.set_param(60, 96000); // 96.0 % = #81: not below
    b.run(3000);
    EXPECT_TRUE(b.prot(BMS_P_CELL_OV));
    b.set_param(60, 95999);
    b.tick();
    b.run(1000 - kTickMs);
    EXPECT_TRUE(b.prot(BMS_P_CELL_OV)) << "the voltage delay still applies";
    b.tick();
    EXPECT_FALSE(b.prot(BMS_P_CELL_OV));
    EXPECT_EQ(b.out.charge_fet, 1);
}

TEST(GapRecharge, BelowP81AlreadyRecoversAtTheVoltage)
{
    FakeBoard b;
    booted(b); // SOC 50 %
    b.cell_mv[4] = b.param(5);
    b.run(1100);
    ASSERT_TRUE(b.prot(BMS_P_CELL_OV));
    b.cell_mv[4] = b.param(6);
    b.run(1100);
    EXPECT_FALSE(b.prot(BMS_P_CELL_OV));
}

// ---------------------------------------------------------------- series count
BMS_COVERS("SeriesCount.*", ({66}), ({}));

TEST(SeriesCount, P66CellsOnly)
{
    FakeBoard b;
    b.boot();
    bms_config c = b.ctx.cfg;
    c.param[66 - 1] = 8;
    // pack limits for 8S
    c.param[11 - 1] = 28000; c.param[12 - 1] = 27000;
    c.param[13 - 1] = 23200; c.param[14 - 1] = 24000;
    c.param[15 - 1] = 28800; c.param[16 - 1] = 27000;
    c.param[17 - 1] = 21600; c.param[18 - 1] = 24000;
    b.apply(c);
    for (int i = 8; i < 16; i++) b.cell_mv[i] = 0; // not connected
    b.terminal_override = true;
    b.terminal_mv = 8 * kNominalCellMv;
    b.run(3000);
    EXPECT_EQ(b.ctx.prots, 0u);
    EXPECT_EQ(b.ctx.pack_mv, 8 * kNominalCellMv);
    EXPECT_EQ(b.reg(8), 0);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

// ---------------------------------------------------------------- compensation
BMS_COVERS("Compensation.*", ({83, 84, 85, 86, 87}), ({}));

TEST(Compensation, P83AtPointP84ByDefault)
{
    FakeBoard b;
    booted(b);
    b.current_ma = -100000; // 100 A through 10 mOhm after cell 9: 1 V
    b.run(2000);
    EXPECT_EQ(b.ctx.cell_raw_mv[8], kNominalCellMv - 1000);
    EXPECT_EQ(b.ctx.cell_mv[8], kNominalCellMv);
    EXPECT_EQ(b.ctx.cell_mv[12], kNominalCellMv) << "point 2 (#86) has no impedance (#87 = 0)";
    EXPECT_FALSE(b.prot(BMS_P_CELL_UV));
    EXPECT_EQ(b.reg(8), kNominalCellMv);
    EXPECT_EQ(b.reg(64 + 8), kNominalCellMv - 1000);
    // #83 = 0 and #85 = 0: no compensation, the drop shows.
    b.set_param(83, 0);
    b.run(1100);
    EXPECT_EQ(b.ctx.cell_mv[8], kNominalCellMv - 1000);
    EXPECT_TRUE(b.prot(BMS_P_CELL_UV));
}

TEST(Compensation, OwnImpedanceAndPosition)
{
    FakeBoard b;
    booted(b);
    b.link_uohm[8] = 0;
    b.link_uohm[4] = 25000;  // 25 mOhm after cell 5
    b.link_uohm[10] = 5000;  // 5 mOhm after cell 11
    bms_config c = b.ctx.cfg;
    c.param[84 - 1] = 5;
    c.param[85 - 1] = 25000;
    c.param[86 - 1] = 11;
    c.param[87 - 1] = 5000;
    b.apply(c);
    b.current_ma = 40000; // charging: +1000 mV and +200 mV on the taps
    b.run(100);
    EXPECT_EQ(b.ctx.cell_raw_mv[4], kNominalCellMv + 1000);
    EXPECT_EQ(b.ctx.cell_raw_mv[10], kNominalCellMv + 200);
    for (int i = 0; i < 16; i++) EXPECT_EQ(b.ctx.cell_mv[i], kNominalCellMv) << i;
}

// ---------------------------------------------------------------- NTC faults
BMS_COVERS("NtcFault.*", ({}), ({2}));

TEST(NtcFault, OpenAndShortAfterTheTemperatureDelay)
{
    for (uint32_t bad : {0xFFFFFFFFu, 1000000u, 0u, 49u}) {
        FakeBoard b;
        booted(b);
        b.ntc_ohm[2] = bad;
        b.tick();
        b.run(2000 - kTickMs);
        EXPECT_FALSE(b.fault(BMS_F_NTC)) << bad;
        b.tick();
        EXPECT_TRUE(b.fault(BMS_F_NTC)) << bad;
        EXPECT_EQ(b.ctx.ntc_faults, 1u << 2);
        EXPECT_TRUE(bms_error_codes(&b.ctx) & (1u << BMS_E_NTC));
        EXPECT_EQ(b.out.charge_fet, 1) << "three cell sensors left";
        EXPECT_EQ(b.ctx.prots, 0u) << "a bad sensor is left out of the limits";
        b.ntc_ohm[2] = 10000;
        b.run(2100);
        EXPECT_FALSE(b.fault(BMS_F_NTC));
    }
    FakeBoard ok;
    booted(ok);
    ok.ntc_ohm[2] = 51; // ~ 200 degC: no short, a hot reading
    ok.run(2100);
    EXPECT_FALSE(ok.fault(BMS_F_NTC));
}

TEST(NtcFault, NoCellSensorLeftStopsCharging)
{
    FakeBoard b;
    booted(b);
    for (int i = 0; i < 4; i++) b.ntc_ohm[i] = 0xFFFFFFFFu;
    b.run(2100);
    EXPECT_TRUE(b.fault(BMS_F_NO_CELL_TEMP));
    EXPECT_EQ(b.out.charge_fet, 0);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

TEST(NtcFault, Switch2OffReadsTheOpenWireAsCold)
{
    FakeBoard b;
    booted(b);
    b.set_switch(2, false);
    b.ntc_ohm[2] = 0xFFFFFFFFu;
    b.run(2100);
    EXPECT_FALSE(b.fault(BMS_F_NTC));
    EXPECT_EQ(b.ctx.temp_dc[2], -550);
    EXPECT_TRUE(b.prot(BMS_P_CHG_UT));
}

// ---------------------------------------------------------------- button
BMS_COVERS("Button.*", ({}), ({4}));

TEST(Button, StuckAfter10s)
{
    for (bool sw4 : {true, false}) {
        FakeBoard b;
        booted(b);
        b.set_switch(4, sw4);
        b.button = 1;
        b.tick();
        b.run(10000 - kTickMs - kTickMs);
        EXPECT_FALSE(b.fault(BMS_F_BUTTON));
        b.run(2 * kTickMs);
        EXPECT_EQ(b.fault(BMS_F_BUTTON), sw4);
        b.button = 0;
        b.tick();
        EXPECT_FALSE(b.fault(BMS_F_BUTTON));
    }
}

// ---------------------------------------------------------------- limiter
BMS_COVERS("Limiter.*", ({51, 72}), ({55, 56}));

TEST(Limiter, PassiveAtP51RecheckAfterP72)
{
    FakeBoard b;
    booted(b);
    b.current_ma = b.param(51) - 1;
    b.run(1000);
    EXPECT_EQ(b.out.limiter, 0);
    b.current_ma = b.param(51);
    b.tick();
    EXPECT_EQ(b.out.limiter, 1);
    b.current_ma = 10000; // limited
    b.run(static_cast<uint32_t>(b.param(72)) - kTickMs);
    EXPECT_EQ(b.out.limiter, 1);
    b.tick();
    EXPECT_EQ(b.out.limiter, 0) << "re-check after #72";
    b.current_ma = b.param(51); // the charger still pushes too much
    b.tick();
    EXPECT_EQ(b.out.limiter, 1);
}

TEST(Limiter, PassiveLimitingRaisesTheP51Alarm)
{
    // The limiter removes the over-current at once; the alarm must still be
    // reported, confirmed like any alarm, while the limiter holds it down.
    FakeBoard b;
    booted(b);
    b.current_ma = b.param(51);
    b.tick();
    ASSERT_EQ(b.out.limiter, 1);
    b.current_ma = 10000; // limited
    b.run(1000 - kTickMs);
    EXPECT_FALSE(b.alarm(BMS_A_CHG_OVERCURRENT)) << "one tick early";
    b.tick();
    EXPECT_TRUE(b.alarm(BMS_A_CHG_OVERCURRENT));
    // Switched out after #72 with the charger calmed down: the alarm recovers.
    b.run(static_cast<uint32_t>(b.param(72)));
    ASSERT_EQ(b.out.limiter, 0);
    b.run(1100);
    EXPECT_FALSE(b.alarm(BMS_A_CHG_OVERCURRENT));
}

TEST(Limiter, Switch56OffAndSwitch55Active)
{
    FakeBoard b;
    booted(b);
    b.set_switch(56, false);
    b.current_ma = 90000;
    b.run(100);
    EXPECT_EQ(b.out.limiter, 0);
    b.set_switch(55, true);
    b.current_ma = 0;
    b.tick();
    EXPECT_EQ(b.out.limiter, 1);
}

// ---------------------------------------------------------------- activation
BMS_COVERS("Activation.Manual*", ({7, 8, 73}), ({54}));

void trip_uv(FakeBoard &b)
{
    b.cell_mv[6] = 2600;
    b.run(1100);
    ASSERT_TRUE(b.prot(BMS_P_CELL_UV));
    ASSERT_EQ(b.out.discharge_fet, 0);
}

void press(FakeBoard &b)
{
    b.button = 1;
    b.run(100);
    b.button = 0;
    b.tick();
}

TEST(Activation, ManualButtonForcesOutputForP73)
{
    FakeBoard b;
    booted(b);
    b.set_switch(53, false);
    b.set_switch(54, true);
    trip_uv(b);
    press(b);
    const uint32_t pressed_at = b.now_ms;
    b.run(100);
    EXPECT_EQ(b.out.discharge_fet, 1);
    b.run_until([&] { return b.out.discharge_fet == 0; }, 2 * 60000);
    const uint32_t on_for = b.now_ms - pressed_at;
    EXPECT_GE(on_for, static_cast<uint32_t>(b.param(73)) - 200);
    EXPECT_LE(on_for, static_cast<uint32_t>(b.param(73)) + 100);
    EXPECT_TRUE(b.prot(BMS_P_CELL_UV)) << "still low afterwards: protected again";
}

TEST(Activation, ManualWindowEndsWhileCellsRestBelowRecovery)
{
    // At rest a cell relaxes above the trip value (#7) but stays below the
    // recovery value (#8): the protection stands, so the forced window ends.
    FakeBoard b;
    booted(b);
    b.set_switch(53, false);
    b.set_switch(54, true);
    trip_uv(b);
    b.cell_mv[6] = (b.param(7) + b.param(8)) / 2;
    b.run(5000);
    ASSERT_EQ(b.out.discharge_fet, 0);
    press(b);
    b.run(100);
    EXPECT_EQ(b.out.discharge_fet, 1);
    b.run(b.param(73) + 200);
    EXPECT_EQ(b.out.discharge_fet, 0) << "the window of #73 is over";
    EXPECT_TRUE(b.prot(BMS_P_CELL_UV));
}

TEST(Activation, ManualSwitch54OffButtonDoesNothing)
{
    FakeBoard b;
    booted(b);
    b.set_switch(53, false);
    trip_uv(b);
    press(b);
    b.run(3000);
    EXPECT_EQ(b.out.discharge_fet, 0);
}

BMS_COVERS("Activation.Automatic*", ({74, 75}), ({53}));

TEST(Activation, AutomaticEveryP74AtMostP75Times)
{
    FakeBoard b;
    booted(b);
    bms_config c = b.ctx.cfg;
    c.param[74 - 1] = static_cast<int32_t>(kHour);
    c.param[75 - 1] = 2;
    b.apply(c);
    trip_uv(b);
    const uint32_t t0 = b.now_ms;
    int windows = 0;
    uint8_t last = 0;
    uint32_t first_on = 0, first_off = 0;
    for (uint32_t t = 0; t < 5 * kHour; t += kSecond) {
        b.tick(kSecond);
        if (b.out.discharge_fet && !last) {
            windows++;
            if (!first_on) first_on = b.now_ms;
        }
        if (!b.out.discharge_fet && last && !first_off) first_off = b.now_ms;
        last = b.out.discharge_fet;
    }
    EXPECT_EQ(windows, 2);
    EXPECT_NEAR(static_cast<double>(first_on - t0), static_cast<double>(kHour), 1100.0);
    EXPECT_NEAR(static_cast<double>(first_off - first_on), 60000.0, 2100.0);
}

TEST(Activation, AutomaticSwitch53Off)
{
    FakeBoard b;
    booted(b);
    b.set_switch(53, false);
    b.set_param(74, static_cast<int32_t>(kHour));
    trip_uv(b);
    for (uint32_t t = 0; t < 3 * kHour; t += kSecond) {
        b.tick(kSecond);
        ASSERT_EQ(b.out.discharge_fet, 0);
    }
}

// ---------------------------------------------------------------- standby
BMS_COVERS("Standby.*", ({78}), ({58}));

TEST(Standby, SleepsAfterP78WakesOnChargerOrButton)
{
    FakeBoard b;
    const uint32_t t0 = b.now_ms; // at rest since power-on
    booted(b);
    b.run(static_cast<uint32_t>(b.param(78)) - 5 * kSecond, kSecond);
    EXPECT_FALSE(b.ctx.sleeping);
    b.run_until([&] { return b.ctx.sleeping != 0; }, 10 * kSecond, kSecond);
    EXPECT_TRUE(b.ctx.sleeping);
    EXPECT_NEAR(static_cast<double>(b.now_ms - t0), static_cast<double>(b.param(78)), 3000.0);
    EXPECT_EQ(b.out.charge_fet, 0);
    EXPECT_EQ(b.out.discharge_fet, 0);
    EXPECT_EQ(b.next_run_ms, 1000u) << "a sleeping BMS runs once a second";
    // Charger wakes it.
    b.terminal_override = true;
    b.terminal_mv = b.pack_mv() + 2000;
    b.tick(kSecond);
    EXPECT_FALSE(b.ctx.sleeping);
    // Button wakes it too.
    b.terminal_override = false;
    b.ctx.rest_since_ms = b.now_ms - static_cast<uint32_t>(b.param(78));
    b.tick(kSecond);
    ASSERT_TRUE(b.ctx.sleeping);
    press(b);
    EXPECT_FALSE(b.ctx.sleeping);
    b.run(3000);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

TEST(Standby, Switch58OffNeverSleeps)
{
    FakeBoard b;
    booted(b);
    b.set_switch(58, false);
    b.run(static_cast<uint32_t>(b.param(78)) + kHour, 10 * kSecond);
    EXPECT_FALSE(b.ctx.sleeping);
}

TEST(Scheduling, RegularTickWhileCurrentFlowsIdleAtRest)
{
    FakeBoard b;
    booted(b);
    b.run(56000);
    EXPECT_EQ(b.next_run_ms, 0u) << "not before the idle entry delay";
    b.run(1000);
    EXPECT_EQ(b.next_run_ms, 1000u);
    b.current_ma = -20000;
    b.tick();
    EXPECT_EQ(b.next_run_ms, 0u);
    b.current_ma = 0;
    b.cell_mv[0] = 3600; // a pending confirmation needs the tick
    b.tick();
    EXPECT_EQ(b.next_run_ms, 0u);
    b.cell_mv[0] = kNominalCellMv;
    b.tick();
    b.run(61000, 1000);
    EXPECT_EQ(b.next_run_ms, 1000u);
    b.set_extra(BMS_X_IDLE_PERIOD_MS, 0);
    b.tick();
    EXPECT_EQ(b.next_run_ms, 0u) << "idle period 0 = every tick";
    // A deadline nearer than the idle period shortens the wait.
    b.set_extra(BMS_X_IDLE_PERIOD_MS, 1000);
    b.run(61000, 1000);
    b.ctx.rest_since_ms = b.now_ms - static_cast<uint32_t>(b.param(78)) + 300;
    b.tick(1);
    EXPECT_EQ(b.next_run_ms, 299u);
}

// ---------------------------------------------------------------- history
BMS_COVERS("History.*", ({76, 77}), ({59}));

TEST(History, PeriodicAndEdgeRecords)
{
    FakeBoard b;
    booted(b);
    bms_config c = b.ctx.cfg;
    c.param[76 - 1] = 60000;  // 1 min while current flows
    c.param[77 - 1] = 120000; // 2 min at rest
    b.apply(c);
    const uint16_t seq0 = b.ctx.history_seq;
    b.run(116 * kSecond, kSecond); // 119 s since power-on, at rest
    EXPECT_EQ(b.ctx.history_seq, seq0);
    b.run(2 * kSecond, kSecond);
    EXPECT_EQ(b.ctx.history_seq, seq0 + 1);
    EXPECT_EQ(b.reg(BMS_REG_HISTORY_BASE + 3), BMS_EVENT(BMS_EV_PERIODIC, 1));
    b.current_ma = -20000;
    b.run(61 * kSecond, 100);
    EXPECT_EQ(b.reg(BMS_REG_HISTORY_BASE + 3), BMS_EVENT(BMS_EV_PERIODIC, 0));
    EXPECT_EQ(static_cast<int16_t>(b.reg(BMS_REG_HISTORY_BASE + 6)), -200);
    b.current_ma = 0;
    b.cell_mv[3] = b.param(1);
    b.run(1100);
    EXPECT_EQ(b.reg(BMS_REG_HISTORY_BASE + 3), BMS_EVENT(BMS_EV_ALARM_SET, BMS_A_CELL_HIGH));
    b.cell_mv[3] = kNominalCellMv;
    b.run(1100);
    EXPECT_EQ(b.reg(BMS_REG_HISTORY_BASE + 3), BMS_EVENT(BMS_EV_ALARM_CLEAR, BMS_A_CELL_HIGH));
    EXPECT_EQ(b.reg(BMS_REG_HISTORY_BASE + 8 + 3), BMS_EVENT(BMS_EV_ALARM_SET, BMS_A_CELL_HIGH));
}

TEST(History, Switch59OffRecordsNothing)
{
    FakeBoard b;
    booted(b);
    b.set_switch(59, false);
    const uint16_t seq0 = b.ctx.history_seq;
    b.cell_mv[3] = b.param(1);
    b.run(kHour * 5, kSecond);
    EXPECT_EQ(b.ctx.history_seq, seq0);
}

// ---------------------------------------------------------------- switch 64
BMS_COVERS("ChargeRequest.*", ({51}), ({64}));

TEST(ChargeRequest, Switch64IsP51Minus10A)
{
    FakeBoard b;
    booted(b);
    EXPECT_EQ(b.reg(60), 600);
    b.set_switch(64, false);
    EXPECT_EQ(b.reg(60), 700);
}

// ---------------------------------------------------------------- stored only
struct Unused {
    int sw;
    const char *why;
};
const Unused kUnused[] = {
    {1, "manual: function temporarily unused"},
    {3, "manual: function temporarily unused"},
    {6, "manual: function temporarily unused"},
    {7, "manual: function temporarily unused"},
    {8, "manual: function temporarily unused"},
    {32, "needs second-level trip hardware this board lacks"},
    {46, "manual: temporarily not supported"},
    {47, "manual: function temporarily unused"},
    {57, "needs an external self-locking power switch this board lacks"},
    {60, "needs an LCD this board lacks"},
    {61, "needs a Bluetooth module this board lacks"},
    {62, "parallel address coding: one pack, no bus partners"},
    {63, "parallel polling: one pack, no bus partners"},
};
BMS_STORED_ONLY("StoredOnly.*", ({1, 3, 6, 7, 8}), "manual: function temporarily unused");
BMS_STORED_ONLY("StoredOnly.*", ({32, 57, 60, 61}), "needs hardware this board does not have");
BMS_STORED_ONLY("StoredOnly.*", ({46, 47}), "manual: temporarily not supported / unused");
BMS_STORED_ONLY("StoredOnly.*", ({62, 63}), "parallel packs: one pack, no bus partners");

TEST(StoredOnly, WrittenStoredReportedNoEffect)
{
    for (const auto &u : kUnused) {
        SCOPED_TRACE(u.why);
        FakeBoard b;
        booted(b);
        const uint16_t a = static_cast<uint16_t>(BMS_REG_SWITCH_BASE + u.sw - 1);
        const int def = b.reg(a);
        ASSERT_GE(def, 0);
        const uint16_t flipped = static_cast<uint16_t>(!def);
        ASSERT_EQ(b.write_reg(a, flipped).size(), 8u) << "switch " << u.sw;
        EXPECT_EQ(b.reg(a), flipped);
        const auto out_before = b.out;
        b.run(1000);
        EXPECT_EQ(b.out.charge_fet, out_before.charge_fet);
        EXPECT_EQ(b.out.discharge_fet, out_before.discharge_fet);
        b.boot(); // power cycle: read back from storage
        EXPECT_EQ(b.reg(a), flipped) << "switch " << u.sw << " not stored";
        EXPECT_EQ(b.ctx.eeprom_status, BMS_EE_OK);
    }
}

} // namespace

namespace {

TEST(PowerOn, AConditionPresentAtResetTripsBeforeTheFetCloses)
{
    FakeBoard b;
    b.cell_mv[2] = 3700;
    b.boot();
    EXPECT_TRUE(b.prot(BMS_P_CELL_OV));
    EXPECT_EQ(b.out.charge_fet, 0);
    for (int i = 0; i < 300; i++) {
        b.tick();
        ASSERT_EQ(b.out.charge_fet, 0);
    }
}

TEST(UnderVoltage, AChargerEndsIt)
{
    FakeBoard b;
    booted(b);
    b.set_switch(53, false);
    b.cell_mv[6] = 2600;
    b.run(1100);
    ASSERT_TRUE(b.prot(BMS_P_CELL_UV));
    b.current_ma = 3000; // charge current through the discharge FET's body diode
    b.tick();
    b.run(1000 - kTickMs);
    EXPECT_TRUE(b.prot(BMS_P_CELL_UV)) << "the voltage delay applies to this recovery too";
    b.tick();
    EXPECT_FALSE(b.prot(BMS_P_CELL_UV));
    b.run(3000);
    EXPECT_EQ(b.out.discharge_fet, 1);
    b.current_ma = 0; // charger gone, cell still low: protected again
    b.run(1100);
    EXPECT_TRUE(b.prot(BMS_P_CELL_UV));
}

TEST(ErrorCodes, EachCodeFromItsFlags)
{
    struct {
        unsigned code;
        uint32_t prots, faults;
    } cases[] = {
        {BMS_E_OVP, 1u << BMS_P_CELL_OV, 0}, {BMS_E_OVP, 1u << BMS_P_PACK_OV, 0},
        {BMS_E_UVP, 1u << BMS_P_CELL_UV, 0}, {BMS_E_UVP, 1u << BMS_P_PACK_UV, 0},
        {BMS_E_OCC, 1u << BMS_P_OCC, 0}, {BMS_E_OCD, 1u << BMS_P_OCD, 0},
        {BMS_E_OCD, 1u << BMS_P_TRANSIENT, 0}, {BMS_E_OTP, 1u << BMS_P_CHG_OT, 0},
        {BMS_E_OTP, 1u << BMS_P_DSG_OT, 0}, {BMS_E_OTP, 1u << BMS_P_AMB_OT, 0},
        {BMS_E_OTP, 1u << BMS_P_PWR_OT, 0}, {BMS_E_UTP, 1u << BMS_P_CHG_UT, 0},
        {BMS_E_UTP, 1u << BMS_P_DSG_UT, 0}, {BMS_E_UTP, 1u << BMS_P_AMB_UT, 0},
        {BMS_E_SC, 1u << BMS_P_SC, 0}, {BMS_E_NTC, 0, 1u << BMS_F_NTC},
        {BMS_E_LOCK, 0, 1u << BMS_F_LOCK_OCC}, {BMS_E_LOCK, 0, 1u << BMS_F_LOCK_SC},
        {BMS_E_CDF, 0, 1u << BMS_F_CELL_DIFF}, {BMS_E_CHGOV, 1u << BMS_P_CHARGER_OV, 0},
        {BMS_E_SOCP, 1u << BMS_P_SOC, 0},
    };
    bms_ctx ctx{};
    EXPECT_EQ(bms_error_codes(&ctx), 0u);
    for (const auto &c : cases) {
        ctx.prots = c.prots;
        ctx.faults = c.faults;
        EXPECT_EQ(bms_error_codes(&ctx), 1u << c.code) << c.code;
    }
}

} // namespace
