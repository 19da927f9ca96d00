#include "port.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "oracle/format.h"

namespace bmshil::rig::oracle {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes with_crc(Bytes frame) {
    const std::uint16_t crc = modbus_crc(frame);
    frame.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    frame.push_back(static_cast<std::uint8_t>(crc >> 8));
    return frame;
}

void put16(Bytes& b, int v) {
    b.push_back(static_cast<std::uint8_t>((v >> 8) & 0xFF));
    b.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

Bytes read_request(int slave, int function, int address, int quantity) {
    Bytes b{static_cast<std::uint8_t>(slave), static_cast<std::uint8_t>(function)};
    put16(b, address);
    put16(b, quantity);
    return with_crc(b);
}

// What the board sends back to `frame`: delivered, then one more call for the
// silent interval that ends a frame it could not tell the length of.
Bytes exchange_frame(Board& board, const Bytes& frame) {
    board.take_sent();
    board.send(frame);
    board.run_now();
    Bytes answer = board.take_sent();
    if (answer.empty()) {
        board.run_now();
        answer = board.take_sent();
    }
    return answer;
}

std::string hex(const Bytes& b) {
    std::string s;
    char x[4];
    for (std::uint8_t v : b) {
        std::snprintf(x, sizeof x, "%02x", v);
        s += (s.empty() ? "" : " ") + std::string(x);
    }
    return s.empty() ? "nothing" : s;
}

const Register& first_readable(const RegisterMap& map) {
    for (const Register& r : map.all())
        if (r.readable && r.words == 1) return r;
    throw std::runtime_error("the register map has no one-word readable register");
}

const Register& first_writable_parameter(const RegisterMap& map) {
    for (const Register& r : map.all())
        if (r.writable && r.parameter != 0 && r.words == 1) return r;
    throw std::runtime_error("the register map has no one-word writable parameter");
}

// A recovery register and its trip's register, one word each in the same
// scale, from the catalog (spec/thresholds.csv): a recovery written equal to
// its trip breaks a rule of INTERPRETATION.md ("strictly on the safe side").
std::pair<const Register*, const Register*> recovery_and_trip(const RegisterMap& map, const Spec& spec) {
    for (const Threshold& t : spec.thresholds()) {
        if (t.recovery == 0) continue;
        const Register* trip = map.parameter(t.trip);
        const Register* rec = map.parameter(t.recovery);
        if (trip && rec && trip->words == 1 && rec->words == 1 && rec->writable && trip->scale == rec->scale &&
            trip->is_signed == rec->is_signed)
            return {rec, trip};
    }
    throw std::runtime_error("the register map has no one-word trip and recovery registers of the same scale");
}

int first_unmapped(const RegisterMap& map) {
    int a = 0;
    while (map.at_address(a)) ++a;
    return a;
}

// A public function code the map does not declare (read coils, then others).
int undeclared_function(const RegisterMap& map) {
    for (int f : {1, 2, 5, 15, 23, 43})
        if (std::find(map.functions().begin(), map.functions().end(), f) == map.functions().end()) return f;
    throw std::runtime_error("the register map declares every public function code");
}

}  // namespace

std::uint16_t modbus_crc(const std::vector<std::uint8_t>& bytes) {
    std::uint16_t crc = 0xFFFF;
    for (std::uint8_t b : bytes) {
        crc ^= b;
        for (int i = 0; i < 8; ++i) crc = (crc & 1u) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001u) : crc >> 1;
    }
    return crc;
}

const std::vector<std::string>& port_cases() {
    static const std::vector<std::string> cases{
        "read",                // a good read: a response of 2 x quantity data bytes
        "write",               // a good write of 2 registers (their own values): address and quantity echoed
        "write_single",        // a good write of one register (a step off its value): the request echoed
        "write_single_refused",// a recovery written equal to its trip (INTERPRETATION.md, Settings): exception 3
        "bad_crc",             // a frame with a bad CRC: no answer (serial line 2.5.1.2)
        "other_address",       // a frame for another slave: no answer
        "truncated",           // the first bytes of a frame, then silence: no answer; the next frame is answered
        "unknown_function",    // a function the board does not declare: exception 1
        "unmapped_address",    // a read where no register is: exception 2
        "read_past_the_end",   // a read running past address 0xFFFF: exception 2
        "quantity_zero",       // a read of 0 registers: exception 3 (1..125)
        "quantity_126",        // a read of 126 registers: exception 3
        "write_quantity_zero", // a write of 0 registers: exception 3 (1..123)
        "write_byte_count",    // a write whose byte count is not 2 x quantity: exception 3
        "broadcast",           // a write to address 0: carried out, never answered
    };
    return cases;
}

Finding judge_port_answer(Finding f, int slave, const PortExpectation& want, const std::vector<std::uint8_t>& answer) {
    f.unit = "bytes";
    f.measured = static_cast<double>(answer.size());
    const auto crc_ok = [&] {
        if (answer.size() < 4) return false;
        const Bytes body(answer.begin(), answer.end() - 2);
        const std::uint16_t crc = modbus_crc(body);
        return answer[answer.size() - 2] == (crc & 0xFF) && answer.back() == (crc >> 8);
    };
    std::string what;
    switch (want.kind) {
        case PortExpectation::Kind::no_answer:
            f.configured = 0;
            f.passed = answer.empty();
            what = "no answer";
            break;
        case PortExpectation::Kind::exception:
            f.configured = 5;
            f.passed = answer.size() == 5 && answer[0] == slave && answer[1] == (want.function | 0x80) &&
                       answer[2] == want.exception_code && crc_ok();
            what = "exception " + std::to_string(want.exception_code) + " to function " + std::to_string(want.function);
            break;
        case PortExpectation::Kind::response:
            f.configured = static_cast<double>(want.response_bytes);
            f.passed = answer.size() == want.response_bytes && answer[0] == slave && answer[1] == want.function &&
                       crc_ok() && answer.size() >= want.echo.size() &&
                       std::equal(want.echo.begin(), want.echo.end(), answer.begin());
            what = "a " + std::to_string(want.response_bytes) + "-byte response to function " + std::to_string(want.function);
            if (!want.echo.empty()) what += " beginning " + hex(want.echo);
            break;
    }
    f.message = f.check + ": expected " + what + " (Modbus), got " + hex(answer);
    return f;
}

Finding run_port_check(Board& board, ModbusObserver& observer, const RegisterMap& map, const Spec& spec,
                       const std::string& name) {
    const int slave = map.default_address();
    Finding f;
    f.check = "port." + name;
    f.kind = "port";
    PortExpectation want;
    Bytes answer;
    const Register& reg = first_readable(map);
    if (name == "read") {
        want = {PortExpectation::Kind::response, 3, 0, 7, {}};
        answer = exchange_frame(board, read_request(slave, 3, reg.address, 1));
    } else if (name == "write") {
        const Register& p = first_writable_parameter(map);
        const Register* next = map.at_address(p.address + 1);
        const int quantity = next && next->writable && next->words == 1 ? 2 : 1;
        const auto now = observer.read_holding(p.address, quantity);
        Bytes b{static_cast<std::uint8_t>(slave), 0x10};
        put16(b, p.address);
        put16(b, quantity);
        b.push_back(static_cast<std::uint8_t>(2 * quantity));
        for (std::uint16_t w : now) put16(b, w);
        want = {PortExpectation::Kind::response, 16, 0, 8, Bytes(b.begin(), b.begin() + 6)};
        answer = exchange_frame(board, with_crc(b));
    } else if (name == "write_single") {
        // A step off the value it holds, so the echo cannot be an old buffer's
        // bytes; then put back.
        const Register& p = first_writable_parameter(map);
        const std::uint16_t before = observer.read_holding(p.address, 1).at(0);
        const std::uint16_t moved = static_cast<std::uint16_t>(before ^ 0x0001);
        Bytes b{static_cast<std::uint8_t>(slave), 0x06};
        put16(b, p.address);
        put16(b, moved);
        const Bytes frame = with_crc(b);
        want = {PortExpectation::Kind::response, 6, 0, 8, frame};
        answer = exchange_frame(board, frame);
        if (observer.read_holding(p.address, 1).at(0) != before) observer.write_register(p.address, before);
    } else if (name == "write_single_refused") {
        const auto [rec, trip] = recovery_and_trip(map, spec);
        const std::uint16_t trip_raw = observer.read_holding(trip->address, 1).at(0);
        const std::uint16_t rec_before = observer.read_holding(rec->address, 1).at(0);
        Bytes b{static_cast<std::uint8_t>(slave), 0x06};
        put16(b, rec->address);
        put16(b, trip_raw);
        want = {PortExpectation::Kind::exception, 6, 3, 0, {}};
        f.check += " (" + rec->name + " = " + trip->name + ")";
        answer = exchange_frame(board, with_crc(b));
        // Accepted after all: put the set back as it was for whatever follows.
        if (observer.read_holding(rec->address, 1).at(0) != rec_before) observer.write_register(rec->address, rec_before);
    } else if (name == "bad_crc") {
        Bytes frame = read_request(slave, 3, reg.address, 1);
        frame.back() ^= 0x5A;
        answer = exchange_frame(board, frame);
    } else if (name == "other_address") {
        answer = exchange_frame(board, read_request(slave == 247 ? 1 : slave + 1, 3, reg.address, 1));
    } else if (name == "truncated") {
        const Bytes frame = read_request(slave, 3, reg.address, 1);
        answer = exchange_frame(board, Bytes(frame.begin(), frame.begin() + 4));
        if (answer.empty()) {
            // The slave must be ready for the next frame after the silence.
            want = {PortExpectation::Kind::response, 3, 0, 7, {}};
            answer = exchange_frame(board, frame);
            f.check += " (then a good frame)";
        }
    } else if (name == "unknown_function") {
        const int fc = undeclared_function(map);
        want = {PortExpectation::Kind::exception, fc, 1, 0, {}};
        answer = exchange_frame(board, read_request(slave, fc, reg.address, 1));
    } else if (name == "unmapped_address") {
        want = {PortExpectation::Kind::exception, 3, 2, 0, {}};
        answer = exchange_frame(board, read_request(slave, 3, first_unmapped(map), 1));
    } else if (name == "read_past_the_end") {
        // Start 0xFFFF, 2 registers: the second would be at 0x10000 (application protocol 6.3).
        want = {PortExpectation::Kind::exception, 3, 2, 0, {}};
        answer = exchange_frame(board, read_request(slave, 3, 0xFFFF, 2));
    } else if (name == "quantity_zero" || name == "quantity_126") {
        want = {PortExpectation::Kind::exception, 3, 3, 0, {}};
        answer = exchange_frame(board, read_request(slave, 3, reg.address, name == "quantity_zero" ? 0 : 126));
    } else if (name == "write_quantity_zero" || name == "write_byte_count") {
        // (A write of 124 registers cannot be framed at all: its PDU would
        // pass the 253 bytes the standard allows.)
        const Register& p = first_writable_parameter(map);
        const int quantity = name == "write_quantity_zero" ? 0 : 2;
        Bytes b{static_cast<std::uint8_t>(slave), 0x10};
        put16(b, p.address);
        put16(b, quantity);
        const int bytes = name == "write_quantity_zero" ? 0 : 3;  // 3 is not 2 x 2
        b.push_back(static_cast<std::uint8_t>(bytes));
        for (int k = 0; k < bytes; ++k) b.push_back(0);
        want = {PortExpectation::Kind::exception, 16, 3, 0, {}};
        answer = exchange_frame(board, with_crc(b));
    } else if (name == "broadcast") {
        // Written with the value it has minus one step: carried out, and no answer.
        const Register& p = first_writable_parameter(map);
        const auto before = observer.read_holding(p.address, 1).at(0);
        const std::uint16_t moved = static_cast<std::uint16_t>(before - 1);
        Bytes b{0x00, 0x06};
        put16(b, p.address);
        put16(b, moved);
        answer = exchange_frame(board, with_crc(b));
        board.run_now();
        const auto after = observer.read_holding(p.address, 1).at(0);
        observer.write_register(p.address, before);
        if (after != moved) {
            f.configured = moved;
            f.measured = after;
            f.unit = "raw";
            f.message = f.check + ": a broadcast write of " + p.name + " = raw " + std::to_string(moved) +
                        " was not carried out (read back raw " + std::to_string(after) + ")";
            return f;
        }
    } else {
        throw std::invalid_argument("no port check '" + name + "'");
    }
    return judge_port_answer(f, slave, want, answer);
}

}  // namespace bmshil::rig::oracle
