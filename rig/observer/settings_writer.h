// Writes a parameter set to the board as a whole, as the manual asks ("after
// modifying the parameters, set all"): the parameters that differ from the
// manual's defaults go out in one block write (function 16) spanning them, so
// the firmware validates the new set at once and never sees half of it, e.g.
// an alarm moved without its recovery. A firmware that refuses the block is
// then written one parameter at a time, in an order that keeps every
// intermediate set valid, so a refusal names the parameter it is about.
#pragma once

#include <stdexcept>
#include <string>

#include "modbus_observer.h"
#include "oracle/spec.h"

namespace bmshil::rig {

// A write the firmware refused: names the parameter or switch, the value and
// the Modbus exception.
class SettingsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Modbus exception codes as the standard names them.
std::string modbus_exception_name(int code);

// Writes every parameter and switch of `set` that differs from the manual's
// default. Returns the number of Modbus write transactions it took.
int write_settings(ModbusObserver& observer, const oracle::ParameterSet& set);

}  // namespace bmshil::rig
