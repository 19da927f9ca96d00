// The rig's Modbus master against the bundled firmware's slave, through a
// pty and libmodbus: what the registers say matches the model's truth within
// the AFE's tolerance, writes are checked by the firmware, and framing errors
// get the silence the protocol asks for. The register map loader's errors are
// tested at the end.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "observer/modbus_observer.h"
#include "observer/register_map.h"
#include "rig.h"


namespace bmshil::rig {
namespace {

const std::string kMapPath = std::string(BMSHIL_SOURCE_DIR) + "/firmware_under_test/register_map.json";
constexpr double kLoad_A = 20.0;

// One Rig per process (the kernel elaborates once), shared by every test.
struct Bench {
    Rig rig;
    RegisterMap map;
    ModbusObserver observer;

    static RigConfig config() {
        RigConfig c;
        c.cell_file = std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml";
        c.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
        c.pack.initial_soc = 0.6;
        return c;
    }
    Bench() : rig(config()), map(RegisterMap::load(kMapPath)), observer(rig.board(), map, map.default_address()) {
        // 2 s at rest: the firmware starts, closes its FETs after the soft
        // start; then a load, so the current register has something to say.
        rig.run_for(2.0);
        model::Load load;
        load.name = "load";
        load.kind = model::LoadKind::current;
        load.current_A = kLoad_A;
        load.connected = true;
        rig.pack().add_load(load);
        rig.inputs_changed();
        rig.run_for(0.5);
        std::printf("rig at %.3f s: pack current %.3f A, discharge FET %d, modbus pty %s\n", rig.now_s(),
                    rig.pack().current_A(), rig.board().outputs().discharge_fet_on, observer.pty_path().c_str());
    }
};
Bench* bench = nullptr;

class BenchEnvironment : public ::testing::Environment {
public:
    void SetUp() override { bench = new Bench; }
    void TearDown() override {
        delete bench;
        bench = nullptr;
    }
};
const auto* const environment = ::testing::AddGlobalTestEnvironment(new BenchEnvironment);

std::string cell_register(std::size_t k) {
    const std::string number = std::to_string(k + 1);
    return "cell_" + std::string(number.size() < 2 ? "0" : "") + number + "_voltage";
}

// Modbus CRC-16 (poly 0xA001 reflected, init 0xFFFF), for frames built by hand.
std::uint16_t crc16(const std::vector<std::uint8_t>& bytes) {
    std::uint16_t crc = 0xFFFF;
    for (std::uint8_t b : bytes) {
        crc ^= b;
        for (int i = 0; i < 8; ++i) crc = (crc & 1u) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001u) : crc >> 1;
    }
    return crc;
}

int exception_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const ModbusError& e) {
        std::printf("  ModbusError: %s (exception %d)\n", e.what(), e.exception_code());
        return e.exception_code();
    }
    return -1;  // no error at all
}

TEST(ModbusObserver, CellVoltagesMatchTheModelWithinTheAfeTolerance) {
    Rig& rig = bench->rig;
    const double tolerance_V = 0.005;  // offset 2 mV + noise (0.5 mV sigma) + 1 mV register rounding
    double worst_V = 0.0;
    for (std::size_t k = 0; k < rig.pack().cell_count(); ++k) {
        const double read_V = bench->observer.read(cell_register(k));
        const double model_V = rig.pack().cell_voltage_V(k);
        std::printf("cell %2zu: modbus %.3f V, model %.4f V, diff %+.1f mV\n", k + 1, read_V, model_V,
                    (read_V - model_V) * 1e3);
        EXPECT_NEAR(read_V, model_V, tolerance_V) << cell_register(k);
        worst_V = std::max(worst_V, std::abs(read_V - model_V));
    }
    std::printf("worst cell difference %.1f mV (allowed %.1f mV) at %.1f A\n", worst_V * 1e3, tolerance_V * 1e3,
                rig.pack().current_A());
}

TEST(ModbusObserver, PackCurrentMatchesTheModel) {
    Rig& rig = bench->rig;
    const double read_A = bench->observer.read("current");  // 2 words, signed
    const double model_A = rig.pack().current_A();
    std::printf("current: modbus %.3f A, model %.3f A, diff %+.3f A (allowed 0.1 A)\n", read_A, model_A,
                read_A - model_A);
    EXPECT_NEAR(model_A, -kLoad_A, 0.5);  // the load really draws: a test of a zero current proves little
    EXPECT_NEAR(read_A, model_A, 0.1);
}

TEST(ModbusObserver, EveryRegisterOfTheMapReadsWithoutAdvancingSimulatedTime) {
    Rig& rig = bench->rig;
    ModbusObserver& observer = bench->observer;
    const double sim_before_s = rig.now_s();
    const std::uint64_t transactions_before = observer.transactions();
    const double wall_before_s = observer.transaction_wall_s();
    const auto start = std::chrono::steady_clock::now();
    int readable = 0, read_ok = 0;
    for (const Register& reg : bench->map.all()) {
        if (!reg.readable) continue;
        ++readable;
        try {
            observer.read(reg.name);
            ++read_ok;
        } catch (const std::exception& e) {
            ADD_FAILURE() << reg.name << " at " << reg.address << ": " << e.what();
        }
    }
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::uint64_t n = observer.transactions() - transactions_before;
    std::printf("%d of %d readable registers read (%zu in the map) in %llu transactions, %.3f s wall, "
                "%.0f us per transaction; simulated time %.6f s -> %.6f s\n",
                read_ok, readable, bench->map.all().size(), static_cast<unsigned long long>(n), wall_s,
                (observer.transaction_wall_s() - wall_before_s) / static_cast<double>(n) * 1e6, sim_before_s,
                rig.now_s());
    EXPECT_EQ(read_ok, readable);
    EXPECT_GT(readable, 0);
    EXPECT_EQ(rig.now_s(), sim_before_s);
}

TEST(ModbusObserver, InputAndHoldingReadsSeeTheSameRegisters) {
    const Register* first = bench->map.parameter(1);
    ASSERT_NE(first, nullptr);
    const auto holding = bench->observer.read_holding(first->address, 20);  // parameters hold still
    const auto input = bench->observer.read_input(first->address, 20);
    std::printf("function 03 and 04 at %d x20: first words %u / %u\n", first->address, holding[0], input[0]);
    EXPECT_EQ(holding, input);
}

TEST(ModbusObserver, ParameterWriteReadsBackTheNewValue) {
    ModbusObserver& observer = bench->observer;
    const Register* alarm = bench->map.parameter(1);  // cell high voltage alarm
    ASSERT_NE(alarm, nullptr);
    const double before = observer.read(alarm->name);
    observer.write(alarm->name, 3.6004);  // rounds to the register's 1 mV
    const double after = observer.read(alarm->name);
    std::printf("parameter #1 %s: %.3f %s -> wrote 3.6004 -> reads %.3f\n", alarm->name.c_str(), before,
                alarm->unit.c_str(), after);
    EXPECT_NEAR(after, 3.600, 1e-9);
    observer.write(alarm->name, before);
    EXPECT_NEAR(observer.read(alarm->name), before, 1e-9);

    // Raw values whose bytes are CR, LF, XON and XOFF: a pty that is not raw
    // on both sides would translate or swallow them.
    const Register* soft_start = bench->map.parameter(58);
    ASSERT_NE(soft_start, nullptr);
    const auto original = observer.read_holding(soft_start->address, 1);
    observer.write_registers(soft_start->address, {0x0D0A});
    const auto via_16 = observer.read_holding(soft_start->address, 1);
    observer.write_register(soft_start->address, 0x1311);
    const auto via_06 = observer.read_holding(soft_start->address, 1);
    std::printf("parameter #58 %s: %u, function 16 wrote 0x0D0A -> 0x%04X, function 06 wrote 0x1311 -> 0x%04X\n",
                soft_start->name.c_str(), original[0], via_16[0], via_06[0]);
    EXPECT_EQ(via_16[0], 0x0D0A);
    EXPECT_EQ(via_06[0], 0x1311);
    observer.write_register(soft_start->address, original[0]);
}

TEST(ModbusObserver, OutOfRangeWriteGetsException3AndChangesNothing) {
    ModbusObserver& observer = bench->observer;
    const Register* alarm = bench->map.parameter(1);
    ASSERT_NE(alarm, nullptr);
    const double before = observer.read(alarm->name);
    // The bundled firmware holds cell voltage parameters to 1.000-4.500 V.
    const int code = exception_of([&] { observer.write(alarm->name, 4.501); });
    const double after = observer.read(alarm->name);
    std::printf("parameter #1 = 4.501 V: exception %d; value %.3f V before, %.3f V after\n", code, before, after);
    EXPECT_EQ(code, 3);
    EXPECT_EQ(after, before);
}

TEST(ModbusObserver, AddressOutsideTheMapGetsException2) {
    ModbusObserver& observer = bench->observer;
    int unmapped = 0;
    while (bench->map.at_address(unmapped)) ++unmapped;  // the first word no register covers
    const int read_code = exception_of([&] { observer.read_holding(unmapped, 1); });
    // A range that starts mapped and runs into the hole fails as a whole.
    const int range_code = exception_of([&] { observer.read_holding(unmapped - 1, 2); });
    // Writing a read-only register is the same exception.
    const Register& cell = bench->map.by_name(cell_register(0));
    const int write_code = exception_of([&] { observer.write_register(cell.address, 3300); });
    std::printf("read of unmapped %d: exception %d; read %d..%d: exception %d; write to read-only %s: exception %d\n",
                unmapped, read_code, unmapped - 1, unmapped, range_code, cell.name.c_str(), write_code);
    EXPECT_EQ(read_code, 2);
    EXPECT_EQ(range_code, 2);
    EXPECT_EQ(write_code, 2);
}

TEST(ModbusObserver, FrameWithABadCrcGetsNoAnswer) {
    Board& board = bench->rig.board();
    const auto slave = static_cast<std::uint8_t>(bench->map.default_address());
    const Register& cell = bench->map.by_name(cell_register(0));
    std::vector<std::uint8_t> frame{slave, 0x03, static_cast<std::uint8_t>(cell.address >> 8),
                                    static_cast<std::uint8_t>(cell.address & 0xFF), 0x00, 0x01};
    const std::uint16_t crc = crc16(frame);
    frame.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    frame.push_back(static_cast<std::uint8_t>(crc >> 8));
    const double dropped_before = bench->observer.read("modbus_frames_dropped");

    // The same frame with its CRC intact is answered: the frame itself is right.
    board.take_sent();
    board.send(frame);
    board.run_now();
    const auto good_answer = board.take_sent();
    frame.back() ^= 0x5A;
    board.send(frame);
    board.run_now();
    const auto bad_answer = board.take_sent();
    board.run_now();  // the silent interval ends the frame: dropped, still unanswered
    const auto after_gap = board.take_sent();
    const double dropped_after = bench->observer.read("modbus_frames_dropped");
    std::printf("good CRC: %zu bytes back; bad CRC: %zu bytes back, %zu after the gap; frames dropped %.0f -> %.0f\n",
                good_answer.size(), bad_answer.size(), after_gap.size(), dropped_before, dropped_after);
    EXPECT_EQ(good_answer.size(), 7u);  // addr, 03, byte count, 2 data, CRC
    EXPECT_TRUE(bad_answer.empty());
    EXPECT_TRUE(after_gap.empty());
    EXPECT_EQ(dropped_after, dropped_before + 1);
}

TEST(ModbusObserver, SilentSlaveIsATimeoutWithoutExceptionCode) {
    ModbusObserverConfig config;
    config.response_timeout_ms = 200;
    const int other = bench->map.default_address() % 247 + 1;
    ModbusObserver stranger(bench->rig.board(), bench->map, other, config);
    const auto start = std::chrono::steady_clock::now();
    const int code = exception_of([&] { stranger.read_holding(0, 1); });
    const double waited_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("slave %d (the board is %d): exception code %d after %.3f s (timeout 0.200 s)\n", other,
                bench->map.default_address(), code, waited_s);
    EXPECT_EQ(code, 0);
    EXPECT_GE(waited_s, 0.15);
}

// The register map loader.

std::string write_map(const std::string& name, const std::string& registers) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << R"({"protocol": {"default_address": 7}, "registers": [)" << registers << "]}";
    return path;
}

const char* const kGood0 =
    R"({"address": 0, "words": 2, "name": "a", "group": "live", "unit": "V", "scale": 0.001, "signed": true, "access": "r"})";

// The loader's message for a bad map file (the file is removed afterwards).
std::string load_error(const std::string& path) {
    std::string message;
    try {
        RegisterMap::load(path);
    } catch (const RegisterMapError& e) {
        std::printf("  %s\n", e.what());
        message = e.what();
    }
    std::remove(path.c_str());
    return message;
}

TEST(RegisterMap, LoadsTheBundledMap) {
    const RegisterMap& map = bench->map;
    int parameters = 0, switches = 0, writable = 0;
    for (const Register& r : map.all()) {
        parameters += r.parameter != 0;
        switches += r.switch_number != 0;
        writable += r.writable;
    }
    std::printf("%zu registers, %d parameters, %d switches, %d writable, slave address %d\n", map.all().size(),
                parameters, switches, writable, map.default_address());
    EXPECT_GT(parameters, 0);
    EXPECT_GT(switches, 0);
    ASSERT_NE(map.parameter(1), nullptr);
    EXPECT_TRUE(map.parameter(1)->writable);
    EXPECT_EQ(map.parameter(100000), nullptr);
    ASSERT_NE(map.switch_register(1), nullptr);
    EXPECT_EQ(map.switch_register(1)->group, "switch");
    EXPECT_THROW(map.by_name("no_such_register"), std::out_of_range);
}

TEST(RegisterMap, ReadsItsFields) {
    const std::string path = write_map("map_ok.json", std::string(kGood0) + R"(,
        {"address": 2, "words": 1, "name": "b", "group": "parameter", "unit": "A", "scale": 0.1, "signed": false,
         "access": "rw", "parameter": 5, "bits": [{"bit": 3, "name": "x", "switch": 9}]})");
    const RegisterMap map = RegisterMap::load(path);
    std::remove(path.c_str());
    EXPECT_EQ(map.default_address(), 7);
    const Register& a = map.by_name("a");
    EXPECT_EQ(a.words, 2);
    EXPECT_TRUE(a.is_signed);
    EXPECT_FALSE(a.writable);
    EXPECT_EQ(map.at_address(1), &a);  // its second word
    const Register* b = map.parameter(5);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->name, "b");
    EXPECT_TRUE(b->writable);
    EXPECT_DOUBLE_EQ(b->scale, 0.1);
    ASSERT_EQ(b->bits.size(), 1u);
    EXPECT_EQ(b->bits[0].switch_number, 9);
}

TEST(RegisterMap, ErrorsNameTheFileTheRegisterAndTheField) {
    EXPECT_NE(load_error("/nonexistent/map.json").find("/nonexistent/map.json"), std::string::npos);

    const std::string missing = write_map("map_missing.json", std::string(kGood0) + R"(,
        {"address": 5, "words": 1, "name": "b", "group": "live", "unit": "V", "signed": false, "access": "r"})");
    const std::string e1 = load_error(missing);
    EXPECT_NE(e1.find(missing), std::string::npos);
    EXPECT_NE(e1.find("register 1 (b)"), std::string::npos);
    EXPECT_NE(e1.find("\"scale\""), std::string::npos);

    // Word 1 is the second word of the 2-word register "a".
    const std::string overlap = write_map("map_overlap.json", std::string(kGood0) + R"(,
        {"address": 1, "words": 1, "name": "b", "group": "live", "unit": "V", "scale": 1, "signed": false, "access": "r"})");
    const std::string e2 = load_error(overlap);
    EXPECT_NE(e2.find("register 1 (b)"), std::string::npos);
    EXPECT_NE(e2.find("\"address\""), std::string::npos);

    const std::string twice = write_map("map_twice.json", std::string(kGood0) + "," + kGood0);
    const std::string e3 = load_error(twice);
    EXPECT_NE(e3.find("register 1 (a)"), std::string::npos);
    EXPECT_NE(e3.find("\"name\""), std::string::npos);

    const std::string bad_type = write_map("map_type.json", R"({"address": "0", "words": 1, "name": "c",
        "group": "live", "unit": "V", "scale": 1, "signed": false, "access": "r"})");
    const std::string e4 = load_error(bad_type);
    EXPECT_NE(e4.find("register 0 (c)"), std::string::npos);
    EXPECT_NE(e4.find("\"address\""), std::string::npos);
}

}  // namespace
}  // namespace bmshil::rig
