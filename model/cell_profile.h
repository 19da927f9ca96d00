// Plays a current profile through one cell, as a lab cycler would: this is how
// a user checks a cell set against measured data (`bmshil cell-sim`).
#pragma once

#include <string>
#include <vector>

#include "cell.h"

namespace bmshil::model {

struct ProfilePoint {
    double time_s;
    double current_A;  // + = charge; held until the next point
};

struct CellSample {
    double time_s;
    double current_A;
    double voltage_V;
    double soc;
    double temperature_degC;
};

struct CellRunOptions {
    double ambient_degC = 25.0;
    double initial_soc = 1.0;
    double stop_below_V = 0.0;    // end the run when the voltage falls below (0 = never)
    double stop_above_V = 100.0;  // or rises above
    double max_step_s = 1.0;      // sample spacing within a long segment
};

// Reads "time_s,current_A" rows (a header line and '#' comments allowed).
// Errors name the file, the line and the value.
std::vector<ProfilePoint> load_profile_csv(const std::string& path);

// Runs from a rested full (or initial_soc) cell on the charge branch; one
// sample per profile point and at most max_step_s apart.
std::vector<CellSample> run_cell_profile(const CellParams& params, const std::vector<ProfilePoint>& profile,
                                         const CellRunOptions& options);

void write_cell_samples_csv(const std::string& path, const std::vector<CellSample>& samples);

}  // namespace bmshil::model
