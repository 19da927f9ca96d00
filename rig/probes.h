// One registry of named observables. Scenario conditions, the oracle's checks
// and waveforms read a signal by the same name through the same code, so
// "the discharge FET is open" has one definition (STYLE.md).
//
// Names:
// - the board's outputs as the power stage sees them: charge_fet, discharge_fet
//   (conducting: commanded and not held open by the AFE), discharge_fet_cmd (what
//   the firmware drives), precharge, discharge_path (the discharge FET or the
//   precharge path conducts: soft start counts as closing the output), heater,
//   limiter, balancing, balance_mask, afe_sc_latched;
// - the model's truth: current_A (+ = charging), charge_current_A,
//   discharge_current_A (magnitudes, 0 the other way), pack_V and terminal_V (the
//   pack terminal, charger side), cells_sum_V, cell_max_V, cell_min_V,
//   cell_spread_V, cell_max_degC, cell_min_degC (over every cell), ntc_max_degC,
//   ntc_min_degC (over the cells the four cell NTCs sit on), ambient_degC,
//   power_degC, cellN_V, cellN_degC, cellN_soc, time_s;
// - the board's port, through the firmware's register map: reg:<register>
//   (physical value), bit:<word>.<bit name>, and param_bit:<N> (the bit the
//   map assigns to parameter #N, wherever it is) or param_bit:<word>.<N>.
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include "oracle/spec.h"
#include "rig.h"

namespace bmshil::rig {

// The board's port as probes and the runner use it: register reads and writes
// by name. Supplied by the observer (libmodbus); a run without it cannot use
// port signals.
struct PortAccess {
    std::function<double(const std::string& name)> read;
    std::function<void(const std::string& name, double value)> write;
    // Whether the bit of `word` that the register map assigns to parameter #N
    // is set; with an empty word, the one bit of the whole map for #N.
    std::function<bool(const std::string& word, int parameter)> flag;
    // Whether the named bit of a bit word is set ("fault_bits", "short_circuit_lock").
    std::function<bool(const std::string& word, const std::string& bit)> bit;
    // Turns a function switch on or off through its register.
    std::function<void(int number, bool on)> write_switch;
    // The manual's parameter / switch a register holds (0: none).
    std::function<int(const std::string& name)> parameter_of;
    std::function<int(const std::string& name)> switch_of;
    // The unit of a register's physical value ("" if unknown).
    std::function<std::string(const std::string& name)> unit_of;
    // Writes a whole parameter set at once (one validated block write), so
    // the firmware never sees half of it.
    std::function<void(const oracle::ParameterSet& set)> write_settings;
};

class ProbeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using Probe = std::function<double()>;

class Probes {
public:
    Probes(Rig& rig, const PortAccess& port);
    // Probes capture this object; it stays where it was made.
    Probes(const Probes&) = delete;
    Probes& operator=(const Probes&) = delete;

    // A probe for a name, looked up once; throws ProbeError for an unknown
    // name or a port signal on a run without a port.
    Probe get(const std::string& name);
    double read(const std::string& name) { return get(name)(); }
    // Whether the name reads the board's port (a Modbus transaction each time).
    static bool on_port(const std::string& name);
    // A signal the board's outputs (or its AFE latch) make: on a board with
    // edge capture, when it changed is the board's time stamp.
    static bool is_output(const std::string& name);
    // Whether `name` is a probe, without a rig (for checking scenario files).
    static bool known(const std::string& name, std::size_t cell_count, std::string* why = nullptr);

private:
    Probe make(const std::string& name);
    double cell_extreme(bool max, bool temperature) const;
    double ntc_extreme(bool max) const;

    Rig& rig_;
    PortAccess port_;
    std::map<std::string, Probe> cache_;
};

}  // namespace bmshil::rig
