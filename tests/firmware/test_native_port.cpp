// The native port through the board contract only, as the rig sees it: each
// firmware library (the bundled one and its deliberately broken variants) is
// loaded with dlopen and driven by a tiny board. Each variant must differ from the
// bundled firmware in its own scenario and in no other.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <map>
#include <string>
#include <vector>

#include "board_contract.h"

namespace {

constexpr uint64_t kTickUs = 10000;

uint16_t crc16(const uint8_t *d, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int b = 0; b < 8; b++) c = (c & 1) ? static_cast<uint16_t>((c >> 1) ^ 0xA001) : static_cast<uint16_t>(c >> 1);
    }
    return c;
}

uint32_t ohm_at_c(double t)
{
    return static_cast<uint32_t>(10000.0 * std::exp(3435.0 * (1.0 / (t + 273.15) - 1.0 / 298.15)) + 0.5);
}

class Board {
public:
    explicit Board(const std::string &path)
    {
        handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle_) throw std::runtime_error(dlerror());
        auto get = reinterpret_cast<bmshil_firmware_get_fn>(dlsym(handle_, BMSHIL_FIRMWARE_ENTRY));
        if (!get) throw std::runtime_error("no " BMSHIL_FIRMWARE_ENTRY);
        fw = get();
        nvm.assign(4096, 0xFF);
        reset();
    }
    ~Board()
    {
        if (handle_) dlclose(handle_);
    }
    void reset()
    {
        std::memset(&in, 0, sizeof(in));
        for (auto &c : in.cell_tap_uv) c = 3300000;
        for (auto &n : in.ntc_ohm) n = 10000;
        in.now_us = t_us;
        bmshil_board_storage s{nvm.data(), nvm.size()};
        fw->reset(&s);
    }
    void step()
    {
        int32_t pack = 0;
        for (auto c : in.cell_tap_uv) pack += c / 1000;
        if (!terminal_set) in.pack_terminal_mv = pack;
        in.now_us = t_us;
        bmshil_board_port port{rx.data(), rx.size(), txbuf, sizeof(txbuf), 0};
        std::memset(&out, 0, sizeof(out));
        fw->step(&in, &out, &port);
        rx.clear();
        tx.assign(txbuf, txbuf + port.tx_len);
        if (out.afe_sc_clear) in.afe_sc_tripped = 0;
        t_us += kTickUs;
    }
    void run_ms(uint64_t ms)
    {
        for (uint64_t t = 0; t < ms; t += 10) step();
    }
    std::vector<uint8_t> modbus(std::vector<uint8_t> f)
    {
        uint16_t c = crc16(f.data(), f.size());
        f.push_back(static_cast<uint8_t>(c));
        f.push_back(static_cast<uint8_t>(c >> 8));
        rx = f;
        step();
        auto r = tx;
        step();
        r.insert(r.end(), tx.begin(), tx.end());
        return r;
    }
    bool write_reg(uint16_t a, uint16_t v)
    {
        auto r = modbus({1, 6, static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a), static_cast<uint8_t>(v >> 8),
                         static_cast<uint8_t>(v)});
        return r.size() == 8;
    }
    int read_reg(uint16_t a)
    {
        auto r = modbus({1, 3, static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a), 0, 1});
        return r.size() == 7 ? (r[3] << 8 | r[4]) : -1;
    }
    void short_circuit()
    {
        in.afe_sc_tripped = 1;
        in.afe_sc_trip_time_us = t_us - 5000;
    }

    const bmshil_firmware *fw = nullptr;
    bmshil_board_inputs in{};
    bmshil_board_outputs out{};
    bool terminal_set = false;
    uint64_t t_us = 0;
    std::vector<uint8_t> nvm, rx, tx;
    uint8_t txbuf[512];

private:
    void *handle_ = nullptr;
};

// ---- scenarios, each measuring one behaviour through the contract ----

// Cell voltage (mV) at which the charge FET opens, rising 10 mV per 1.5 s.
int ov_trip_mv(Board &b)
{
    b.run_ms(3000);
    for (int mv = 3600; mv <= 3800; mv += 10) {
        b.in.cell_tap_uv[4] = mv * 1000;
        b.run_ms(1500);
        if (!b.out.charge_fet_on) return mv;
    }
    return -1;
}

// Time (ms) from a -115 A load to the discharge FET opening.
int ocd_delay_ms(Board &b)
{
    b.run_ms(3000);
    b.in.shunt_current_ma = -115000;
    for (int t = 0; t < 20000; t += 10) {
        b.step();
        if (!b.out.discharge_fet_on) return t;
    }
    return -1;
}

// 1 if the charge FET recloses at 3600 mV (between #6 and #5) after an over-voltage
// at 3700 mV.
int recovers_above_p6(Board &b)
{
    b.run_ms(100);
    EXPECT_TRUE(b.write_reg(0x1100 + 41, 0)); // switch 42 off: the voltage alone decides
    b.run_ms(3000);
    b.in.cell_tap_uv[4] = 3700000; // above #5 (and #5 + 50 mV)
    b.run_ms(3000);
    if (b.out.charge_fet_on) return -1;
    b.in.cell_tap_uv[4] = 3600000;
    b.run_ms(3000);
    return b.out.charge_fet_on ? 1 : 0;
}

// Short circuits in a row (each 61 s apart) until the output stays off; 99 = never.
int sc_trips_to_lock(Board &b)
{
    b.run_ms(3000);
    for (int n = 1; n <= 8; n++) {
        b.short_circuit();
        b.run_ms(61000 + 3000);
        if (!b.out.discharge_fet_on) return n;
    }
    return 99;
}

// 1 if the charge FET opens with the cells at 56 degC and the ambient at 25 degC.
int chg_ot_on_cells(Board &b)
{
    b.run_ms(3000);
    b.in.ntc_ohm[BMSHIL_NTC_CELL_2] = ohm_at_c(56.0);
    b.run_ms(3000);
    return b.out.charge_fet_on ? 0 : 1;
}

struct Lib {
    const char *name;
    const char *path;
};

const Lib kLibs[] = {
    {"bms_firmware", BMS_LIB_bms_firmware},
    {"bms_firmware_ov_plus_50mv", BMS_LIB_bms_firmware_ov_plus_50mv},
    {"bms_firmware_ocd_delay_half", BMS_LIB_bms_firmware_ocd_delay_half},
    {"bms_firmware_no_hysteresis", BMS_LIB_bms_firmware_no_hysteresis},
    {"bms_firmware_lock_count_off_by_one", BMS_LIB_bms_firmware_lock_count_off_by_one},
    {"bms_firmware_sc_lock_disabled", BMS_LIB_bms_firmware_sc_lock_disabled},
    {"bms_firmware_temp_wrong_sensor", BMS_LIB_bms_firmware_temp_wrong_sensor},
};

using Scenario = int (*)(Board &);
struct Expect {
    const char *scenario;
    Scenario fn;
    int normal;
    const char *variant; // the one library that differs
    int variant_value;
};
const Expect kExpect[] = {
    {"ov_trip_mv", ov_trip_mv, 3650, "bms_firmware_ov_plus_50mv", 3700},
    {"ocd_delay_ms", ocd_delay_ms, 10000, "bms_firmware_ocd_delay_half", 5000},
    {"recovers_above_p6", recovers_above_p6, 0, "bms_firmware_no_hysteresis", 1},
    {"sc_trips_to_lock", sc_trips_to_lock, 5, "bms_firmware_lock_count_off_by_one", 6},
    {"sc_trips_to_lock", sc_trips_to_lock, 5, "bms_firmware_sc_lock_disabled", 99},
    {"chg_ot_on_cells", chg_ot_on_cells, 1, "bms_firmware_temp_wrong_sensor", 0},
};

void PrintTo(const Lib &l, std::ostream *os) { *os << l.name; }

class Variants : public ::testing::TestWithParam<Lib> {};

TEST_P(Variants, DiffersOnlyInItsOwnScenario)
{
    const Lib &lib = GetParam();
    std::map<std::string, int> seen;
    for (const auto &e : kExpect) {
        int want = e.normal;
        bool mine = false;
        for (const auto &f : kExpect) {
            if (std::string(f.scenario) == e.scenario && std::string(f.variant) == lib.name) {
                want = f.variant_value;
                mine = true;
            }
        }
        (void)mine;
        if (seen.count(e.scenario)) continue;
        Board b(lib.path);
        const int got = e.fn(b);
        seen[e.scenario] = got;
        EXPECT_EQ(got, want) << lib.name << " in " << e.scenario;
    }
}

INSTANTIATE_TEST_SUITE_P(Libraries, Variants, ::testing::ValuesIn(kLibs),
                         [](const ::testing::TestParamInfo<Lib> &i) { return std::string(i.param.name); });

TEST(NativePort, ContractModbusStorageAndWake)
{
    Board b(BMS_LIB_bms_firmware);
    EXPECT_EQ(b.fw->contract_version, BMSHIL_BOARD_CONTRACT_VERSION);
    EXPECT_STREQ(b.fw->name, "bms-hil bundled firmware");
    b.step();
    b.step();
    EXPECT_EQ(b.out.precharge_on, 0) << "terminal = pack: precharge ends after one tick";
    EXPECT_EQ(b.out.discharge_fet_on, 1);
    EXPECT_EQ(b.out.afe_sc_threshold_ma, 500000);
    EXPECT_EQ(b.out.afe_sc_delay_us, 200u);
    b.run_ms(100);
    EXPECT_EQ(b.out.charge_fet_on, 1);
    EXPECT_EQ(b.out.discharge_fet_on, 1);
    EXPECT_EQ(b.out.next_wake_us, 0u) << "the regular tick for the first 60 s";
    // Quiet for the idle entry delay (60 s): the next run is one idle period (1 s) ahead.
    b.run_ms(60000);
    EXPECT_EQ(b.out.next_wake_us, b.in.now_us + 1000000u);
    b.in.shunt_current_ma = -20000;
    b.step();
    EXPECT_EQ(b.out.next_wake_us, 0u);
    EXPECT_EQ(b.read_reg(27), 500); // SOC 50.0 %
    // A parameter written over the port survives a power-on reset.
    EXPECT_TRUE(b.write_reg(0x1000 + 68, 45)); // #69 45 ms
    b.reset();
    EXPECT_EQ(b.read_reg(0x1000 + 68), 45);
}

} // namespace
