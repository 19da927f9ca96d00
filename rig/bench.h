// `bmshil bench`: simulated seconds per wall second for the model and kernel,
// and the model-only runs the CLI offers until the rig drives real firmware.
#pragma once

#include <string>
#include <vector>

namespace bmshil::rig {

struct BenchOptions {
    std::string cell_file;
    std::string firmware_library;  // for the cases with the bundled firmware
    unsigned long long seed = 1;
    double discharge_s = 1800.0;  // case (a)
    // Which cases to run ("floor", "a".."g"); empty: all.
    std::vector<std::string> cases;
};

// Runs each case in a forked child (the SystemC kernel elaborates once per
// process) and prints one line per case. Returns the process exit code.
int run_bench(const BenchOptions& options);

struct DischargeOptions {
    std::string cell_file;
    std::string out_csv;
    unsigned long long seed = 1;
    double c_rate = 1.0;
    double stop_cell_V = 2.5;
    double ambient_degC = 25.0;
    double sample_s = 10.0;
};

// The 16S constant-current discharge from full to the first cell at stop_cell_V,
// with a trace CSV and a printed summary. Must run in a fresh process.
int run_pack_discharge(const DischargeOptions& options);

}  // namespace bmshil::rig
