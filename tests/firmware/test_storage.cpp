// The parameter image in the board's storage: version, CRC, fallback to defaults.
#include <gtest/gtest.h>

#include "fake_board.h"

using namespace bmstest;

BMS_COVERS("Storage.*", ({5, 69}), ({31}));

TEST(Storage, BlankStorageGetsTheDefaultsWithoutFault)
{
    FakeBoard b;
    b.boot();
    EXPECT_EQ(b.ctx.eeprom_status, BMS_EE_BLANK);
    EXPECT_FALSE(b.fault(BMS_F_EEPROM));
    EXPECT_EQ(b.storage_writes, 1);
    b.boot();
    EXPECT_EQ(b.ctx.eeprom_status, BMS_EE_OK);
}

TEST(Storage, StoredValuesSurviveAReset)
{
    FakeBoard b;
    b.boot();
    b.set_param(5, 3600);
    b.set_switch(31, true);
    b.boot();
    EXPECT_EQ(b.param(5), 3600);
    EXPECT_TRUE(bms_cfg_switch(&b.ctx.cfg, 31));
}

TEST(Storage, CorruptImageFallsBackToDefaultsAndRaisesAFault)
{
    for (size_t offset : {0u, 5u, 40u, 300u, 400u}) {
        FakeBoard b;
        b.boot();
        b.set_param(5, 3600);
        b.storage[offset] ^= 0x40;
        b.boot();
        EXPECT_EQ(b.ctx.eeprom_status, BMS_EE_CORRUPT) << offset;
        EXPECT_TRUE(b.fault(BMS_F_EEPROM));
        EXPECT_EQ(b.param(5), 3650) << "defaults in use";
        EXPECT_EQ(b.reg(59), BMS_EE_CORRUPT);
        // The next good write stores a fresh image and clears the fault.
        b.set_param(69, 40);
        EXPECT_FALSE(b.fault(BMS_F_EEPROM));
        b.boot();
        EXPECT_EQ(b.ctx.eeprom_status, BMS_EE_OK);
        EXPECT_EQ(b.param(69), 40);
    }
}

TEST(Storage, AFailedWriteChangesNothing)
{
    FakeBoard b;
    b.boot();
    b.storage_fail = true;
    auto r = b.write_reg(BMS_REG_PARAM_BASE + 4, 3600);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_DEVICE_FAILURE);
    EXPECT_EQ(b.param(5), 3650);
}

TEST(Storage, NoStorageRunsOnDefaults)
{
    FakeBoard b;
    b.storage.clear();
    b.boot();
    EXPECT_EQ(b.ctx.eeprom_status, BMS_EE_NO_STORAGE);
    b.run(3000);
    EXPECT_EQ(b.out.discharge_fet, 1);
}
