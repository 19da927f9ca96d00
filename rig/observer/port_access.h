// The board's port as probes, scenarios and the Python rig use it (PortAccess,
// probes.h), served by a real Modbus master on the board's port.
#pragma once

#include "modbus_observer.h"
#include "probes.h"

namespace bmshil::rig {

// Reads, writes, bits and settings by the register map's names, through `obs`
// (which must outlive the result).
PortAccess port_for(ModbusObserver& obs);

}  // namespace bmshil::rig
