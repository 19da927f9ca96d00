// Table-driven boundary tests: for each threshold of the manual, no trip one step
// (1 mV, 0.1 degC, 1 mA) before its value, trip at it after exactly its delay (not
// one tick early), recovery at its recovery value after its delay and not one step
// before, and the switch off disables it.
#include <gtest/gtest.h>

#include "fake_board.h"

using namespace bmstest;

namespace {

enum class Q { CellMax, CellMin, Pack, Terminal, Spread, CellTMax, CellTMin, Ambient, Power, Current };
enum class Word { Alarm, Prot, Fault };
enum class Fet { None, Charge, Discharge, Both };
enum Delay : int { kVoltage = -1, kTemp = -2, kCurrentAlarm = -3 }; // >0: a parameter number

struct Row {
    const char *name;
    int trip;        // parameter number of the trip value
    int rec;         // parameter number of the recovery value, 0 = see rec_offset / none
    int rec_offset;  // recovery = trip + offset when rec == 0 (0 = no recovery by value)
    int sw;          // the switch that enables it
    Q q;
    int dir;         // +1 trips at or above, -1 at or below
    Word word;
    unsigned bit;
    int delay;       // Delay or a parameter number (ms internally)
    Fet fet;
    int off_switch;  // a switch turned off for this test (0 = none)
    int co_switch;   // a switch whose protection trips at the same value, off in the switch-off run
};

void PrintTo(const Row &r, std::ostream *os) { *os << r.name; }

const Row kRows[] = {
    {"cell_high_alarm", 1, 2, 0, 9, Q::CellMax, +1, Word::Alarm, BMS_A_CELL_HIGH, kVoltage, Fet::None, 0, 0},
    {"cell_low_alarm", 3, 4, 0, 11, Q::CellMin, -1, Word::Alarm, BMS_A_CELL_LOW, kVoltage, Fet::None, 0, 0},
    // Gap recharge (switch 42) would hold the recovery after a full-charge OV; tested apart.
    {"cell_overvoltage", 5, 6, 0, 10, Q::CellMax, +1, Word::Prot, BMS_P_CELL_OV, kVoltage, Fet::Charge, 42, 0},
    {"cell_undervoltage", 7, 8, 0, 12, Q::CellMin, -1, Word::Prot, BMS_P_CELL_UV, kVoltage, Fet::Discharge, 0, 0},
    {"low_cell_charge_prohibition", 10, 0, 100, 45, Q::CellMin, -1, Word::Prot, BMS_P_LOW_CELL_CHARGE, kVoltage,
     Fet::Charge, 0, 0},
    {"pack_high_alarm", 11, 12, 0, 13, Q::Pack, +1, Word::Alarm, BMS_A_PACK_HIGH, kVoltage, Fet::None, 0, 0},
    {"pack_low_alarm", 13, 14, 0, 15, Q::Pack, -1, Word::Alarm, BMS_A_PACK_LOW, kVoltage, Fet::None, 0, 0},
    {"pack_overvoltage", 15, 16, 0, 14, Q::Pack, +1, Word::Prot, BMS_P_PACK_OV, kVoltage, Fet::Charge, 42, 0},
    {"pack_undervoltage", 17, 18, 0, 16, Q::Pack, -1, Word::Prot, BMS_P_PACK_UV, kVoltage, Fet::Discharge, 0, 12},
    {"charger_overvoltage", 19, 20, 0, 41, Q::Terminal, +1, Word::Prot, BMS_P_CHARGER_OV, kVoltage, Fet::Charge, 0, 0},
    {"chg_high_temp_alarm", 21, 22, 0, 17, Q::CellTMax, +1, Word::Alarm, BMS_A_CHG_HIGH_TEMP, kTemp, Fet::None, 0, 0},
    {"chg_low_temp_alarm", 23, 24, 0, 19, Q::CellTMin, -1, Word::Alarm, BMS_A_CHG_LOW_TEMP, kTemp, Fet::None, 0, 0},
    {"chg_overtemp", 25, 26, 0, 18, Q::CellTMax, +1, Word::Prot, BMS_P_CHG_OT, kTemp, Fet::Charge, 0, 0},
    {"chg_undertemp", 27, 28, 0, 20, Q::CellTMin, -1, Word::Prot, BMS_P_CHG_UT, kTemp, Fet::Charge, 0, 0},
    {"dsg_high_temp_alarm", 29, 30, 0, 21, Q::CellTMax, +1, Word::Alarm, BMS_A_DSG_HIGH_TEMP, kTemp, Fet::None, 0, 0},
    {"dsg_low_temp_alarm", 31, 32, 0, 23, Q::CellTMin, -1, Word::Alarm, BMS_A_DSG_LOW_TEMP, kTemp, Fet::None, 0, 0},
    {"dsg_overtemp", 33, 34, 0, 22, Q::CellTMax, +1, Word::Prot, BMS_P_DSG_OT, kTemp, Fet::Discharge, 0, 0},
    {"dsg_undertemp", 35, 36, 0, 24, Q::CellTMin, -1, Word::Prot, BMS_P_DSG_UT, kTemp, Fet::Discharge, 0, 0},
    {"ambient_high_alarm", 39, 40, 0, 25, Q::Ambient, +1, Word::Alarm, BMS_A_AMB_HIGH_TEMP, kTemp, Fet::None, 0, 0},
    {"ambient_low_alarm", 41, 42, 0, 27, Q::Ambient, -1, Word::Alarm, BMS_A_AMB_LOW_TEMP, kTemp, Fet::None, 0, 0},
    {"ambient_overtemp", 43, 44, 0, 26, Q::Ambient, +1, Word::Prot, BMS_P_AMB_OT, kTemp, Fet::Both, 0, 0},
    {"ambient_undertemp", 45, 46, 0, 28, Q::Ambient, -1, Word::Prot, BMS_P_AMB_UT, kTemp, Fet::Both, 0, 0},
    {"power_high_alarm", 47, 48, 0, 30, Q::Power, +1, Word::Alarm, BMS_A_PWR_HIGH_TEMP, kTemp, Fet::None, 0, 0},
    {"power_overtemp", 49, 50, 0, 29, Q::Power, +1, Word::Prot, BMS_P_PWR_OT, kTemp, Fet::Both, 0, 0},
    // The passive limiter (switch 56) holds the alarm while it is in: off here,
    // where the current is set directly; Limiter.* covers the two together.
    {"chg_overcurrent_alarm", 51, 52, 0, 33, Q::Current, +1, Word::Alarm, BMS_A_CHG_OVERCURRENT, kCurrentAlarm,
     Fet::None, 56, 0},
    {"dsg_overcurrent_alarm", 53, 54, 0, 35, Q::Current, -1, Word::Alarm, BMS_A_DSG_OVERCURRENT, kCurrentAlarm,
     Fet::None, 0, 0},
    // Over-current protections recover by time (#70): see test_current.cpp.
    {"chg_overcurrent", 55, 0, 0, 34, Q::Current, +1, Word::Prot, BMS_P_OCC, 67, Fet::Charge, 0, 0},
    {"dsg_overcurrent", 56, 0, 0, 36, Q::Current, -1, Word::Prot, BMS_P_OCD, 68, Fet::Discharge, 0, 0},
    {"transient_overcurrent", 57, 0, 0, 37, Q::Current, -1, Word::Prot, BMS_P_TRANSIENT, 69, Fet::Discharge, 0, 0},
    {"cell_difference_failure", 61, 62, 0, 5, Q::Spread, +1, Word::Fault, BMS_F_CELL_DIFF, kVoltage, Fet::None, 0, 0},
};

BMS_COVERS("Thresholds/*",
           ({1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
             29, 30, 31, 32, 33, 34, 35, 36, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55,
             56, 57, 61, 62, 67, 68, 69}),
           ({5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 33, 34, 35,
             36, 37, 41, 45}));

void set_q(FakeBoard &b, Q q, int32_t v)
{
    switch (q) {
    case Q::CellMax: b.cell_mv[4] = v; break;
    case Q::CellMin: b.cell_mv[6] = v; break;
    case Q::Pack: b.set_pack(v); break;
    case Q::Terminal:
        b.terminal_override = v != 0;
        b.terminal_mv = v;
        break;
    case Q::Spread: b.cell_mv[2] = kNominalCellMv - v; break;
    case Q::CellTMax: b.set_ntc_dc(0, v); break;
    case Q::CellTMin: b.set_ntc_dc(1, v); break;
    case Q::Ambient: b.set_ntc_dc(4, v); break;
    case Q::Power: b.set_ntc_dc(5, v); break;
    case Q::Current: b.current_ma = v; break;
    }
}

int32_t nominal(Q q)
{
    switch (q) {
    case Q::Pack: return 16 * kNominalCellMv;
    case Q::CellMax:
    case Q::CellMin: return kNominalCellMv;
    default: return 250; // 25 degC
    }
}

uint32_t delay_ms(const FakeBoard &b, int d)
{
    switch (d) {
    case kVoltage: return static_cast<uint32_t>(b.ctx.cfg.extra[BMS_X_VOLTAGE_DELAY_MS]);
    case kTemp: return static_cast<uint32_t>(b.ctx.cfg.extra[BMS_X_TEMP_DELAY_MS]);
    case kCurrentAlarm: return static_cast<uint32_t>(b.ctx.cfg.extra[BMS_X_CURRENT_ALARM_DELAY_MS]);
    default: return static_cast<uint32_t>(b.param(static_cast<unsigned>(d)));
    }
}

bool flag(const FakeBoard &b, const Row &r)
{
    switch (r.word) {
    case Word::Alarm: return b.alarm(r.bit);
    case Word::Prot: return b.prot(r.bit);
    default: return b.fault(r.bit);
    }
}

// The named FET(s) open when tripped, closed when not. Other protections that trip
// at the same value (#33 = #25 = 55 degC) may open the other FET: not checked here.
void expect_fets(const FakeBoard &b, Fet fet, bool tripped)
{
    if (fet == Fet::Charge || fet == Fet::Both) {
        EXPECT_EQ(b.out.charge_fet, tripped ? 0 : 1);
    }
    if (fet == Fet::Discharge || fet == Fet::Both) {
        EXPECT_EQ(b.out.discharge_fet, tripped ? 0 : 1);
    }
}

// Sets the value and checks the delay: nothing for delay - 1 tick after the first
// tick that sees it, the flag exactly one tick later.
void expect_edge_after(FakeBoard &b, const Row &r, int32_t value, uint32_t delay, bool want)
{
    set_q(b, r.q, value);
    b.tick(); // first observation
    if (delay >= kTickMs) {
        b.run(delay - kTickMs);
        ASSERT_EQ(flag(b, r), !want) << r.name << ": one tick early at value " << value;
        b.tick();
    }
    ASSERT_EQ(flag(b, r), want) << r.name << ": not at its delay " << delay << " ms, value " << value;
}

class Thresholds : public ::testing::TestWithParam<Row> {};

TEST_P(Thresholds, TripDelayRecoverySwitch)
{
    const Row &r = GetParam();
    FakeBoard b;
    b.boot();
    if (r.off_switch) b.set_switch(static_cast<unsigned>(r.off_switch), false);
    b.run(3000); // soft start done, both FETs on
    ASSERT_FALSE(flag(b, r));
    ASSERT_EQ(b.out.charge_fet, 1);
    ASSERT_EQ(b.out.discharge_fet, 1);

    const int32_t trip = b.param(static_cast<unsigned>(r.trip));
    const uint32_t delay = delay_ms(b, r.delay);

    // One step before the value: nothing, however long.
    set_q(b, r.q, trip - r.dir);
    b.run(delay + 500);
    ASSERT_FALSE(flag(b, r)) << r.name << " tripped one step before " << trip;

    // At the value: after exactly the delay.
    expect_edge_after(b, r, trip, delay, true);
    expect_fets(b, r.fet, true);

    int32_t rec = 0;
    bool has_rec = true;
    if (r.rec != 0) {
        rec = b.param(static_cast<unsigned>(r.rec));
    } else if (r.rec_offset != 0) {
        rec = trip - r.dir * r.rec_offset;
    } else {
        has_rec = false;
    }
    if (has_rec) {
        const uint32_t rec_delay = r.delay == kVoltage || r.delay == kTemp || r.delay == kCurrentAlarm
                                       ? delay
                                       : 0u;
        // One step short of the recovery value: still tripped.
        set_q(b, r.q, rec + r.dir);
        b.run(rec_delay + 500);
        ASSERT_TRUE(flag(b, r)) << r.name << " recovered one step before " << rec;
        // At the recovery value: after the confirmation delay.
        expect_edge_after(b, r, rec, rec_delay, false);
        set_q(b, r.q, r.q == Q::Spread || r.q == Q::Current || r.q == Q::Terminal ? 0 : nominal(r.q));
        b.run(5000); // other flags clear, soft start of a reclosing discharge FET
        expect_fets(b, r.fet, false);
    }

    // Switch off: the same value does nothing.
    FakeBoard off;
    off.boot();
    off.set_switch(static_cast<unsigned>(r.sw), false);
    if (r.co_switch) off.set_switch(static_cast<unsigned>(r.co_switch), false);
    off.run(3000);
    set_q(off, r.q, trip);
    off.run(delay + 1000);
    EXPECT_FALSE(flag(off, r)) << r.name << " with switch " << r.sw << " off";
    expect_fets(off, r.fet, false);
}

INSTANTIATE_TEST_SUITE_P(Manual, Thresholds, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row> &i) {
                             return std::string(i.param.name) + "_p" + std::to_string(i.param.trip);
                         });

} // namespace
