// A VCD waveform of a run: the board's outputs and the pack's truth, sampled
// at every firmware call and at the AFE's trip, and, given the register map,
// the firmware's own state (its flag words and SOC) as the rig read it over
// the port, next to the plant. Every signal is a probe
// (probes.h), read by the same name scenarios and checks use. Values are
// rounded to what a person reads on a scope (1 mV, 10 mA, 0.01 K) so a long
// run stays small.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "observer/register_map.h"
#include "probes.h"
#include "rig.h"
#include "vcd_writer.h"

namespace bmshil::rig {

class Waveform {
public:
    // With a register map, its live flag words and percentages get a
    // variable each under "port"; port_read() writes what was read.
    Waveform(const std::string& path, Rig& rig, const RegisterMap* map = nullptr);
    ~Waveform();
    void sample();
    // A register the rig read over the port (ModbusObserver::on_read).
    void port_read(const Register& reg, std::int64_t raw);
    // The registers it shows, for a read of all at an item's start and end.
    std::vector<std::string> port_registers() const;
    void close();

private:
    struct Trace {
        int id;        // the VCD variable
        Probe probe;
        double step;   // rounding of a real; 0 for a wire
        // The value last handed to the writer: an unchanged one is not
        // formatted again (the writer would find its text unchanged).
        double last = 0.0;
        bool written = false;
    };
    Rig& rig_;
    PortAccess no_port_;  // waveforms read the pack and the outputs, never the port
    Probes probes_;
    reports::VcdWriter vcd_;
    std::vector<Trace> traces_;
    struct PortVariable {
        int id;
        bool wire;     // a bit word; else a real in the register's unit
        double scale;
        int width;
    };
    std::map<std::string, PortVariable> port_;
    bool closed_ = false;
};

}  // namespace bmshil::rig
