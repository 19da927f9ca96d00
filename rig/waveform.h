// A VCD waveform of a run: the board's outputs and the pack's truth, sampled
// at every firmware call and at the AFE's trip. Values are rounded to what a
// person reads on a scope (1 mV, 10 mA, 0.01 K) so a long run stays small.
#pragma once

#include <memory>
#include <string>
#include <vector>

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
    Rig& rig_;
    reports::VcdWriter vcd_;
    int current_, terminal_, cell_min_, cell_max_, t_min_, t_max_, ambient_, power_;
    std::vector<int> cells_;
    int chg_, dsg_, pre_, heat_, lim_, sc_, balance_;
    bool closed_ = false;
};

}  // namespace bmshil::rig
