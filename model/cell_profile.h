// Plays a current profile through one cell, as a lab cycler would: this is how
// a user checks a cell set against measured data (`bmshil cell-sim`).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "cell.h"

namespace bmshil::model {

struct ProfilePoint {
    double time_s;
    double current_A;  // + = charge; held until the next point
    // Measured terminal voltage at time_s, from an optional third column (a
    // lab record); NaN when the profile has none.
    double voltage_V = std::numeric_limits<double>::quiet_NaN();
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

// Reads "time_s,current_A[,voltage_V]" rows (a header line and '#' comments
// allowed): a cycler's record as it comes, e.g. "Time [s],I[A],U[V]". The
// voltage column is all or nothing. Errors name the file, the line and the value.
std::vector<ProfilePoint> load_profile_csv(const std::string& path);

// Runs from a rested full (or initial_soc) cell on the charge branch; one
// sample per profile point and at most max_step_s apart.
std::vector<CellSample> run_cell_profile(const CellParams& params, const std::vector<ProfilePoint>& profile,
                                         const CellRunOptions& options);

void write_cell_samples_csv(const std::string& path, const std::vector<CellSample>& samples);

// The simulated voltage against a profile's measured one, at every measured
// point the run reached (the simulated voltage interpolated linearly there).
struct VoltageFit {
    std::size_t points = 0;          // measured points compared
    double rmse_V = 0.0, max_abs_V = 0.0;
    // The same over the points before `charge_fraction` of the measured
    // charge moved (a discharge's knee left out, as cell fits are judged).
    std::size_t points_in_fraction = 0;
    double rmse_in_fraction_V = 0.0;
    double measured_Ah = 0.0, simulated_Ah = 0.0;  // charge moved until each record's end
};
// Throws std::invalid_argument when the profile has no voltage column.
VoltageFit compare_voltage(const std::vector<ProfilePoint>& profile, const std::vector<CellSample>& samples,
                           double charge_fraction = 0.95);

}  // namespace bmshil::model
