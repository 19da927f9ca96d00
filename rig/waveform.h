// A VCD waveform of a run: the board's outputs and the pack's truth, sampled
// at every firmware call and at the AFE's trip. Every signal is a probe
// (probes.h), read by the same name scenarios and checks use. Values are
// rounded to what a person reads on a scope (1 mV, 10 mA, 0.01 K) so a long
// run stays small.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "probes.h"
#include "rig.h"
#include "vcd_writer.h"

namespace bmshil::rig {

class Waveform {
public:
    Waveform(const std::string& path, Rig& rig);
    ~Waveform();
    void sample();
    void close();

private:
    struct Trace {
        int id;        // the VCD variable
        Probe probe;
        double step;   // rounding of a real; 0 for a wire
    };
    Rig& rig_;
    PortAccess no_port_;  // waveforms read the pack and the outputs, never the port
    Probes probes_;
    reports::VcdWriter vcd_;
    std::vector<Trace> traces_;
    bool closed_ = false;
};

}  // namespace bmshil::rig
