// The Modbus RTU slave: every register readable, writes validated, framing,
// exceptions, and a seeded random-frame fuzz test of the frame parser.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "fake_board.h"

using namespace bmstest;

namespace {

bool crc_valid(const std::vector<uint8_t> &f)
{
    if (f.size() < 4) return false;
    uint16_t c = bms_crc16_modbus(f.data(), f.size() - 2);
    return f[f.size() - 2] == (c & 0xFF) && f[f.size() - 1] == (c >> 8);
}

std::vector<bms_reg_desc> all_registers()
{
    std::vector<bms_reg_desc> v;
    bms_reg_desc d;
    for (unsigned i = 0; bms_regmap_describe(i, &d) == 0; i++) v.push_back(d);
    return v;
}

TEST(Modbus, EveryRegisterReadableWith03And04)
{
    FakeBoard b;
    b.boot();
    b.run(100);
    auto regs = all_registers();
    EXPECT_GT(regs.size(), 400u);
    int params = 0, switches = 0;
    for (const auto &d : regs) {
        for (uint8_t fc : {3, 4}) {
            auto r = b.read_regs(d.address, d.words, fc);
            ASSERT_EQ(r.size(), 5u + 2u * d.words) << d.name << " @" << d.address;
            EXPECT_EQ(r[1], fc);
            EXPECT_EQ(r[2], 2 * d.words);
            EXPECT_TRUE(crc_valid(r));
        }
        params += d.param != 0;
        switches += d.sw != 0;
    }
    EXPECT_EQ(params, 87);
    EXPECT_EQ(switches, 64);
}

TEST(Modbus, BlockReadsAndLiveValues)
{
    FakeBoard b;
    b.boot();
    b.cell_mv[3] = 3456;
    b.current_ma = -12345;
    b.run(100);
    auto r = b.read_regs(0, 80); // the live block is contiguous
    ASSERT_EQ(r.size(), 5u + 160u);
    auto word = [&](int i) { return static_cast<uint16_t>((r[3 + 2 * i] << 8) | r[4 + 2 * i]); };
    EXPECT_EQ(word(3), 3456);
    EXPECT_EQ(static_cast<int32_t>((word(18) << 16) | word(19)), -12345);
    EXPECT_EQ(static_cast<int16_t>(word(20)), -123);
    EXPECT_EQ(static_cast<int16_t>(word(21)), 250);
    EXPECT_EQ(word(27), 500);
    EXPECT_EQ(word(44), 4);
    EXPECT_EQ(word(58), BMS_FIRMWARE_VERSION);
}

// Every parameter default, register x scale, equals the manual's table (spec/).
TEST(Modbus, ParameterRegistersMatchTheSpecTable)
{
    std::ifstream csv(BMS_SPEC_DIR "/parameters.csv");
    if (!csv) GTEST_SKIP() << "spec not found at " BMS_SPEC_DIR;
    FakeBoard b;
    b.boot();
    std::string line;
    std::getline(csv, line);
    int n_checked = 0;
    while (std::getline(csv, line)) {
        std::stringstream ss(line);
        std::string num, key, name, def;
        std::getline(ss, num, ',');
        std::getline(ss, key, ',');
        std::getline(ss, name, ',');
        std::getline(ss, def, ',');
        const int n = std::stoi(num);
        const bms_param_def &pd = bms_param_defs[n - 1];
        EXPECT_EQ(key, pd.key);
        const bms_unit_info &u = bms_unit_infos[pd.unit];
        int32_t reg = b.reg(static_cast<uint16_t>(BMS_REG_PARAM_BASE + n - 1));
        ASSERT_GE(reg, 0);
        const double raw = u.reg_signed ? static_cast<int16_t>(reg) : reg;
        EXPECT_NEAR(raw * u.scale_num / u.scale_den, std::stod(def), 1e-9) << "#" << n;
        n_checked++;
    }
    EXPECT_EQ(n_checked, 87);
}

TEST(Modbus, SwitchDefaultsMatchTheSpecTable)
{
    std::ifstream csv(BMS_SPEC_DIR "/switches.csv");
    if (!csv) GTEST_SKIP() << "spec not found";
    FakeBoard b;
    b.boot();
    std::string line;
    std::getline(csv, line);
    int n = 0;
    while (std::getline(csv, line)) {
        std::stringstream ss(line);
        std::string num, key, name, def;
        std::getline(ss, num, ',');
        std::getline(ss, key, ',');
        std::getline(ss, name, ',');
        std::getline(ss, def, ',');
        const int s = std::stoi(num);
        EXPECT_EQ(key, bms_switch_defs[s - 1].key);
        EXPECT_EQ(b.reg(static_cast<uint16_t>(BMS_REG_SWITCH_BASE + s - 1)), def == "on" ? 1 : 0) << s;
        n++;
    }
    EXPECT_EQ(n, 64);
}

TEST(Modbus, WriteEveryParameterToItsLimits)
{
    FakeBoard b;
    b.boot();
    for (unsigned i = 0; i < BMS_PARAM_COUNT; i++) {
        const bms_param_def &pd = bms_param_defs[i];
        const bms_unit_info &u = bms_unit_infos[pd.unit];
        const uint16_t a = static_cast<uint16_t>(BMS_REG_PARAM_BASE + i);
        const auto enc = [&](int64_t internal) { return static_cast<uint16_t>(internal / u.reg_div); };
        // Writing the current value back is accepted.
        const uint16_t cur = enc(b.ctx.cfg.param[i]);
        auto r = b.write_reg(a, cur);
        EXPECT_EQ(r.size(), 8u) << "#" << pd.number;
        // One register step beyond either limit is refused with exception 03.
        for (int64_t beyond : {static_cast<int64_t>(pd.max) + u.reg_div, static_cast<int64_t>(pd.min) - u.reg_div}) {
            if (!u.reg_signed && beyond < 0) continue;
            if (u.reg_signed ? (beyond / u.reg_div > 32767 || beyond / u.reg_div < -32768)
                             : beyond / u.reg_div > 65535)
                continue;
            const auto storage_before = b.storage;
            r = b.write_reg(a, enc(beyond));
            ASSERT_EQ(r.size(), 5u) << "#" << pd.number << " accepted " << beyond;
            EXPECT_EQ(r[1], 0x86);
            EXPECT_EQ(r[2], BMS_MB_ILLEGAL_VALUE);
            EXPECT_EQ(b.reg(a), cur) << "#" << pd.number << " changed by a refused write";
            EXPECT_EQ(b.storage, storage_before) << "storage changed by a refused write";
        }
    }
}

TEST(Modbus, InconsistentRecoveryRefusedTogetherAccepted)
{
    FakeBoard b;
    b.boot();
    const uint16_t p5 = BMS_REG_PARAM_BASE + 4, p6 = BMS_REG_PARAM_BASE + 5;
    // #6 recovery above #5 trip: refused, nothing changes.
    auto r = b.write_reg(p6, 3700);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_VALUE);
    EXPECT_EQ(b.reg(p6), 3380);
    // Equal is refused too (no hysteresis).
    r = b.write_reg(p6, 3650);
    EXPECT_EQ(r.size(), 5u);
    // #7 undervoltage above its recovery #8: refused.
    r = b.write_reg(BMS_REG_PARAM_BASE + 6, 3200);
    EXPECT_EQ(r.size(), 5u);
    // Discharge current alarm recovery #54 beyond the alarm #53 (-106 A): refused.
    r = b.write_reg(BMS_REG_PARAM_BASE + 53, static_cast<uint16_t>(-1060));
    EXPECT_EQ(r.size(), 5u);
    // Moving trip and recovery together in one 16-write is fine.
    r = b.write_regs(p5, {3750, 3700});
    ASSERT_EQ(r.size(), 8u);
    EXPECT_EQ(b.reg(p5), 3750);
    EXPECT_EQ(b.reg(p6), 3700);
    EXPECT_EQ(b.param(5), 3750);
    // A 16-write with one bad value changes nothing at all.
    r = b.write_regs(p5, {3600, 9999});
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[1], 0x90);
    EXPECT_EQ(b.reg(p5), 3750);
    // Remaining above rated: refused.
    r = b.write_reg(BMS_REG_PARAM_BASE + 59, 1001);
    EXPECT_EQ(r.size(), 5u);
    // A switch takes 0 or 1 only.
    r = b.write_reg(BMS_REG_SWITCH_BASE + 9, 2);
    EXPECT_EQ(r.size(), 5u);
}

TEST(Modbus, WrittenValuesPersistAcrossReset)
{
    FakeBoard b;
    b.boot();
    ASSERT_EQ(b.write_reg(BMS_REG_PARAM_BASE + 68, 50).size(), 8u); // #69 50 ms
    ASSERT_EQ(b.write_reg(BMS_REG_SWITCH_BASE + 30, 1).size(), 8u); // switch 31
    ASSERT_EQ(b.write_reg(BMS_REG_EXTRA_BASE + BMS_X_VOLTAGE_DELAY_MS, 500).size(), 8u);
    b.boot();
    EXPECT_EQ(b.param(69), 50);
    EXPECT_EQ(bms_cfg_switch(&b.ctx.cfg, 31), 1);
    EXPECT_EQ(b.ctx.cfg.extra[BMS_X_VOLTAGE_DELAY_MS], 500);
    // Restore defaults command.
    ASSERT_EQ(b.write_reg(BMS_REG_CMD_DEFAULTS, BMS_CMD_DEFAULTS_KEY).size(), 8u);
    b.boot();
    EXPECT_EQ(b.param(69), 30);
}

TEST(Modbus, Exceptions)
{
    FakeBoard b;
    b.boot();
    // Illegal function.
    auto r = b.transact(FakeBoard::with_crc({1, 0x2B, 0x0E, 0x01, 0x00}));
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[1], 0xAB);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_FUNCTION);
    EXPECT_TRUE(crc_valid(r));
    r = b.transact(FakeBoard::with_crc({1, 0x05, 0, 0, 0xFF, 0}));
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_FUNCTION);
    // Illegal address: unmapped, and a block running into a hole.
    r = b.read_regs(0x0900, 1);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[1], 0x83);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_ADDRESS);
    r = b.read_regs(BMS_REG_PARAM_BASE + 80, 10, 4);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[1], 0x84);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_ADDRESS);
    // Write to a read-only register.
    r = b.write_reg(0, 1);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_ADDRESS);
    // Quantity 0 and > 125.
    r = b.read_regs(0, 0);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_VALUE);
    r = b.read_regs(0, 126);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_VALUE);
    // Byte count that does not match the quantity.
    r = b.transact(FakeBoard::with_crc({1, 16, 0x10, 0x00, 0, 2, 2, 0x0E, 0x42}));
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_VALUE);
    // Lock-reset command with a wrong key.
    r = b.write_reg(BMS_REG_CMD_LOCK_RESET, 0x1234);
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2], BMS_MB_ILLEGAL_VALUE);
}

TEST(Modbus, SilentOnBadCrcShortFramesAndOtherAddresses)
{
    FakeBoard b;
    b.boot();
    auto good = FakeBoard::with_crc({1, 3, 0, 0, 0, 1});
    auto bad = good;
    bad[7] ^= 0x55;
    EXPECT_TRUE(b.transact(bad).empty());
    EXPECT_TRUE(b.transact({1, 3, 0}).empty());
    EXPECT_TRUE(b.transact({1}).empty());
    EXPECT_TRUE(b.transact(FakeBoard::with_crc({2, 3, 0, 0, 0, 1})).empty());
    EXPECT_TRUE(b.transact(FakeBoard::with_crc({2, 0x2B, 0, 0})).empty()) << "no exception for another slave";
    // Broadcast: the write is done, nothing is sent.
    EXPECT_TRUE(b.transact(FakeBoard::with_crc({0, 6, 0x10, 0x44, 0, 60})).empty());
    EXPECT_EQ(b.param(69), 60);
    // And the slave still answers afterwards.
    EXPECT_EQ(b.transact(good).size(), 7u);
}

TEST(Modbus, FramingSplitAndBackToBack)
{
    FakeBoard b;
    b.boot();
    auto f = FakeBoard::with_crc({1, 3, 0, 16, 0, 2});
    // Split over two calls: complete with a valid CRC at the second, answered there.
    b.tx.clear();
    b.rx.assign(f.begin(), f.begin() + 3);
    b.tick();
    EXPECT_TRUE(b.tx.empty());
    b.rx.assign(f.begin() + 3, f.end());
    b.tick();
    EXPECT_EQ(b.tx.size(), 9u) << "answered when complete, without waiting for a gap";
    // Two requests in one call: both answered, in order.
    b.tx.clear();
    auto g = FakeBoard::with_crc({1, 4, 0, 27, 0, 1});
    b.rx = f;
    b.rx.insert(b.rx.end(), g.begin(), g.end());
    b.tick();
    EXPECT_EQ(b.tx.size(), 9u + 7u);
    // Garbage then a gap: dropped; the next request is answered.
    b.tx.clear();
    b.rx = {0x11, 0x22, 0x33, 0x44, 0x55};
    b.tick();
    b.tick();
    EXPECT_TRUE(b.tx.empty());
    EXPECT_EQ(b.transact(f).size(), 9u);
    // Over-long junk (more than a frame buffer) is dropped at the gap.
    b.rx.assign(1000, 0x01);
    b.tick();
    b.tick();
    EXPECT_EQ(b.transact(f).size(), 9u);
}

TEST(Modbus, AddressIsAnExtraParameter)
{
    FakeBoard b;
    b.boot();
    ASSERT_EQ(b.write_reg(BMS_REG_EXTRA_BASE + BMS_X_MODBUS_ADDRESS, 7).size(), 8u);
    EXPECT_TRUE(b.read_regs(0, 1, 3, 1).empty());
    EXPECT_EQ(b.read_regs(0, 1, 3, 7).size(), 7u);
}

// Seeded random frames over the parser: no crash, every reply well formed.
TEST(ModbusFuzz, RandomFramesNoCrash)
{
    const uint32_t seed = 20261122u;
    const int frames = 200000;
    std::printf("modbus fuzz: seed %u, %d frames\n", seed, frames);
    std::mt19937 rng(seed);
    FakeBoard b;
    b.boot();
    std::uniform_int_distribution<int> byte(0, 255);
    std::map<int, int> kinds;
    size_t replies = 0;
    for (int i = 0; i < frames; i++) {
        std::vector<uint8_t> f;
        const int kind = rng() % 4;
        kinds[kind]++;
        if (kind == 0) { // pure noise
            f.resize(rng() % 300);
            for (auto &x : f) x = static_cast<uint8_t>(byte(rng));
        } else { // plausible requests: our address, a real function, random fields
            static const uint8_t fcs[] = {3, 4, 6, 16, 1, 5, 0x2B, 0x83};
            f = {static_cast<uint8_t>(rng() % 8 == 0 ? 0 : 1), fcs[rng() % 8]};
            const size_t n = rng() % 40;
            for (size_t k = 0; k < n; k++) f.push_back(static_cast<uint8_t>(byte(rng)));
            if (kind >= 2) {
                // Aim at the mapped areas most of the time.
                static const uint16_t bases[] = {0x0000, 0x0400, 0x1000, 0x1100, 0x1140, 0x1200, 0x1300};
                if (f.size() >= 4) {
                    const uint16_t a = static_cast<uint16_t>(bases[rng() % 7] + rng() % 100);
                    f[2] = static_cast<uint8_t>(a >> 8);
                    f[3] = static_cast<uint8_t>(a);
                }
                f = FakeBoard::with_crc(f);
            }
        }
        b.tx.clear();
        // Deliver in random pieces, then a gap.
        size_t pos = 0;
        while (pos < f.size()) {
            const size_t piece = 1 + rng() % 64;
            const size_t end = std::min(f.size(), pos + piece);
            b.rx.assign(f.begin() + static_cast<long>(pos), f.begin() + static_cast<long>(end));
            b.step(); // same time: no need to move the clock
            pos = end;
        }
        b.rx.clear();
        b.step();
        if (!b.tx.empty()) {
            replies++;
            ASSERT_TRUE(crc_valid(b.tx)) << "frame " << i;
            ASSERT_GE(b.tx.size(), 5u);
        }
        if (b.ctx.cfg.extra[BMS_X_MODBUS_ADDRESS] != 1) {
            b.write_reg(BMS_REG_EXTRA_BASE + BMS_X_MODBUS_ADDRESS, 1, 0); // broadcast it back
        }
    }
    std::printf("modbus fuzz: %zu replies\n", replies);
    EXPECT_GT(replies, 1000u);
}

} // namespace
