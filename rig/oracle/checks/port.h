// The board's port speaks Modbus RTU: what the standard (Modbus Application
// Protocol 1.1b3, Modbus over Serial Line 1.02) says a slave answers to a
// request, checked with raw frames on the port rather than through a master
// library that never sends a malformed one. Nothing here comes from the
// firmware: the register map says where registers are and which functions the
// board declares; the standard says the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "observer/modbus_observer.h"
#include "observer/register_map.h"
#include "oracle/spec.h"
#include "verdict.h"

namespace bmshil::rig::oracle {

// The cases, each one generated item (generated/port.<name>).
const std::vector<std::string>& port_cases();

// What the standard says comes back.
struct PortExpectation {
    enum class Kind { no_answer, exception, response } kind = Kind::no_answer;
    int function = 0;        // of the request
    int exception_code = 0;  // for an exception: 1 function, 2 address, 3 value
    std::size_t response_bytes = 0;  // for a response: its length, CRC included
    // For a response: what its first bytes must be (the echo of a write:
    // function 6 returns the request itself, function 16 its address and
    // quantity). Empty = only address and function are checked.
    std::vector<std::uint8_t> echo;
};

// Pure: the answer's bytes against the expectation (address, function, code,
// length, echo and CRC).
Finding judge_port_answer(Finding f, int slave, const PortExpectation& want, const std::vector<std::uint8_t>& answer);

// The CRC of Modbus RTU (polynomial 0xA001, initial 0xFFFF), low byte first on the wire.
std::uint16_t modbus_crc(const std::vector<std::uint8_t>& bytes);

// Runs one case on the board's port. `observer` reads and restores what a
// write changed; `spec` gives the ranges a refused write steps past.
Finding run_port_check(Board& board, ModbusObserver& observer, const RegisterMap& map, const Spec& spec,
                       const std::string& name);

}  // namespace bmshil::rig::oracle
