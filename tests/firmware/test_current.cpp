// Over-current recovery (#70), the lock after #71 trips in a row and its reset,
// the transient lock (switch 39), and the AFE short circuit (switches 38, 40).
#include <gtest/gtest.h>

#include "fake_board.h"

using namespace bmstest;

namespace {

struct OcCase {
    const char *name;
    unsigned kind;
    unsigned prot_bit;
    unsigned lock_bit;
    int trip_param;
    int delay_param;
    bool charge; // which FET
};

const OcCase kOc[] = {
    {"charge", BMS_OC_CHARGE, BMS_P_OCC, BMS_F_LOCK_OCC, 55, 67, true},
    {"discharge", BMS_OC_DISCHARGE, BMS_P_OCD, BMS_F_LOCK_OCD, 56, 68, false},
};

void PrintTo(const OcCase &c, std::ostream *os) { *os << c.name; }

uint8_t fet(const FakeBoard &b, bool charge) { return charge ? b.out.charge_fet : b.out.discharge_fet; }

// Drives the current to the trip value until it trips, then removes it (the FET is open).
void trip_once(FakeBoard &b, const OcCase &c)
{
    b.current_ma = b.param(static_cast<unsigned>(c.trip_param));
    b.run_until([&] { return b.prot(c.prot_bit); }, static_cast<uint32_t>(b.param(static_cast<unsigned>(c.delay_param))) + 100);
    ASSERT_TRUE(b.prot(c.prot_bit));
    b.current_ma = 0;
}

class OverCurrent : public ::testing::TestWithParam<OcCase> {};

BMS_COVERS("OverCurrent/*", ({55, 56, 67, 68, 70, 71}), ({34, 36}));

TEST_P(OverCurrent, RecoversAfterP70NotBefore)
{
    const OcCase &c = GetParam();
    FakeBoard b;
    b.boot();
    b.run(3000);
    trip_once(b, c);
    EXPECT_EQ(fet(b, c.charge), 0);
    const uint32_t wait = static_cast<uint32_t>(b.param(70));
    b.run(wait - kTickMs);
    EXPECT_TRUE(b.prot(c.prot_bit)) << "recovered one tick before #70";
    b.tick();
    EXPECT_FALSE(b.prot(c.prot_bit)) << "not recovered at #70";
    b.run(3000);
    EXPECT_EQ(fet(b, c.charge), 1);
}

TEST_P(OverCurrent, LocksAfterP71InARowAndResets)
{
    const OcCase &c = GetParam();
    FakeBoard b;
    b.boot();
    b.set_param(71, 3);
    b.set_param(70, 5000);
    b.set_param(static_cast<unsigned>(c.delay_param), 100);
    b.run(3000);
    for (int n = 1; n <= 3; n++) {
        trip_once(b, c);
        b.run(static_cast<uint32_t>(b.param(70)) + 1000);
        if (n < 3) {
            EXPECT_FALSE(b.prot(c.prot_bit)) << "trip " << n << " did not recover";
            EXPECT_FALSE(b.fault(c.lock_bit)) << "locked after " << n;
        }
    }
    EXPECT_TRUE(b.fault(c.lock_bit));
    EXPECT_TRUE(b.prot(c.prot_bit));
    EXPECT_EQ(fet(b, c.charge), 0);
    EXPECT_TRUE(bms_error_codes(&b.ctx) & (1u << BMS_E_LOCK));
    b.run(600000, 1000);
    EXPECT_TRUE(b.fault(c.lock_bit)) << "a lock never recovers by itself";
    // Manual reset: the button.
    b.button = 1;
    b.run(100);
    b.button = 0;
    b.run(3000);
    EXPECT_FALSE(b.fault(c.lock_bit));
    EXPECT_FALSE(b.prot(c.prot_bit));
    EXPECT_EQ(fet(b, c.charge), 1);
}

TEST_P(OverCurrent, CleanPeriodClearsTheCount)
{
    const OcCase &c = GetParam();
    FakeBoard b;
    b.boot();
    b.set_param(71, 2);
    b.set_param(70, 5000);
    b.set_param(static_cast<unsigned>(c.delay_param), 100);
    b.run(3000);
    trip_once(b, c);
    b.run(5000);  // reclosed
    b.run(5000);  // clean for #70: the count is cleared
    EXPECT_EQ(b.ctx.oc[c.kind].count, 0);
    trip_once(b, c);
    b.run(8000);
    EXPECT_FALSE(b.fault(c.lock_bit)) << "two trips separated by a clean period are not in a row";
}

INSTANTIATE_TEST_SUITE_P(Both, OverCurrent, ::testing::ValuesIn(kOc),
                         [](const ::testing::TestParamInfo<OcCase> &i) { return std::string(i.param.name); });

BMS_COVERS("Transient.*", ({57, 69, 70, 71}), ({37, 39}));

TEST(Transient, LockOnlyWithSwitch39)
{
    for (bool sw39 : {false, true}) {
        FakeBoard b;
        b.boot();
        b.set_switch(39, sw39);
        b.set_param(70, 2000);
        b.run(3000);
        for (int n = 0; n < 5; n++) {
            b.current_ma = b.param(57);
            b.run(100);
            EXPECT_TRUE(b.prot(BMS_P_TRANSIENT));
            b.current_ma = 0;
            b.run(2500); // reclosed after #70, next trip before a clean period
        }
        EXPECT_EQ(b.fault(BMS_F_LOCK_TRANSIENT), sw39) << "switch 39 " << sw39;
        EXPECT_EQ(b.out.discharge_fet, sw39 ? 0 : 1);
    }
}

// --- short circuit: the AFE trips in hardware, the firmware records and recovers ---

void short_circuit(FakeBoard &b)
{
    b.sc_latched = 1;
    b.sc_trip_ms = b.now_ms + 3; // between ticks, as the AFE does
    b.tick();
}

BMS_COVERS("ShortCircuit.*", ({70, 71}), ({38, 40}));

TEST(ShortCircuit, AfeConfiguredRecordedRecoveredAfter60s)
{
    FakeBoard b;
    b.boot();
    b.run(3000);
    EXPECT_EQ(b.sc_threshold_ma, 500000);
    EXPECT_EQ(b.sc_delay_us, 200u);
    short_circuit(b);
    EXPECT_TRUE(b.prot(BMS_P_SC));
    EXPECT_TRUE(bms_error_codes(&b.ctx) & (1u << BMS_E_SC));
    EXPECT_EQ(b.out.discharge_fet, 0);
    const uint32_t trip = b.sc_trip_ms;
    b.run_until([&] { return b.sc_releases > 0; }, 70000);
    EXPECT_GE(b.now_ms - trip, 60000u);
    EXPECT_LT(b.now_ms - trip, 60000u + kTickMs);
    EXPECT_FALSE(b.prot(BMS_P_SC));
    b.run(3000);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

TEST(ShortCircuit, ChargerReleasesEarly)
{
    FakeBoard b;
    b.boot();
    b.run(3000);
    short_circuit(b);
    b.run(2000);
    EXPECT_TRUE(b.prot(BMS_P_SC));
    b.current_ma = 5000; // a charger pushes current through the body diode
    b.tick();
    EXPECT_FALSE(b.prot(BMS_P_SC));
    EXPECT_EQ(b.sc_releases, 1);
}

TEST(ShortCircuit, LocksAfterP71WithSwitch40AndResetsByModbus)
{
    FakeBoard b;
    b.boot();
    b.run(3000);
    const int n = b.param(71);
    for (int k = 1; k <= n; k++) {
        short_circuit(b);
        b.run(61000, 100);
        if (k < n) {
            EXPECT_FALSE(b.fault(BMS_F_LOCK_SC)) << k;
        }
    }
    EXPECT_TRUE(b.fault(BMS_F_LOCK_SC));
    EXPECT_EQ(b.sc_latched, 1) << "a locked short circuit keeps the latch";
    b.current_ma = 5000; // even a charger does not release a lock
    b.run(2000);
    EXPECT_EQ(b.sc_latched, 1);
    b.current_ma = 0;
    auto r = b.write_reg(BMS_REG_CMD_LOCK_RESET, BMS_CMD_LOCK_RESET_KEY);
    ASSERT_EQ(r.size(), 8u);
    EXPECT_FALSE(b.fault(BMS_F_LOCK_SC));
    EXPECT_EQ(b.sc_latched, 0);
    b.run(3000);
    EXPECT_EQ(b.out.discharge_fet, 1);
}

TEST(ShortCircuit, Switch40OffNeverLocks)
{
    FakeBoard b;
    b.boot();
    b.set_switch(40, false);
    b.run(3000);
    for (int k = 0; k < 8; k++) {
        short_circuit(b);
        b.run(61000, 100);
    }
    EXPECT_FALSE(b.fault(BMS_F_LOCK_SC));
    EXPECT_EQ(b.out.discharge_fet, 1);
}

TEST(ShortCircuit, Switch38OffDisarmsTheAfe)
{
    FakeBoard b;
    b.boot();
    b.set_switch(38, false);
    b.run(3000);
    EXPECT_EQ(b.sc_threshold_ma, INT32_MAX);
    short_circuit(b);
    b.tick();
    EXPECT_FALSE(b.prot(BMS_P_SC));
    EXPECT_EQ(b.sc_latched, 0);
}

} // namespace

namespace {

TEST(LockReset, AFaultStillPresentTripsAgain)
{
    FakeBoard b;
    b.boot();
    b.set_param(71, 2);
    b.set_param(70, 2000);
    b.set_param(68, 200);
    b.run(3000);
    b.current_ma = b.param(56);
    b.run(200 + 2000 + 200 + 100); // trip, reclose after #70, trip again: locked
    ASSERT_TRUE(b.fault(BMS_F_LOCK_OCD));
    // The load is still there: the reset clears the lock, the output recloses,
    // and the over-current trips again after #68.
    ASSERT_EQ(b.write_reg(BMS_REG_CMD_LOCK_RESET, BMS_CMD_LOCK_RESET_KEY).size(), 8u);
    EXPECT_FALSE(b.fault(BMS_F_LOCK_OCD));
    b.run(300);
    EXPECT_TRUE(b.prot(BMS_P_OCD));
    EXPECT_EQ(b.ctx.oc[BMS_OC_DISCHARGE].count, 1);
}

} // namespace
