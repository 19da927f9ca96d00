// Parameters of one cell type, loaded from a cell set file (model/cell_sets/,
// format in model/cell_sets/FORMAT.md).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace bmshil::model {

struct CellTable {
    std::vector<double> soc;
    std::vector<double> values;
};

struct CellParams {
    std::string name;
    std::string source_file;
    double capacity_Ah = 0.0;
    double coulombic_efficiency = 1.0;
    double self_discharge_pct_per_month = 0.0;
    double reference_temperature_degC = 25.0;
    double voltage_min_V = 2.0;
    double voltage_max_V = 3.65;
    double hysteresis_transition_soc = 0.03;

    // OCV tables share one SOC grid.
    std::vector<double> ocv_soc;
    std::vector<double> ocv_average_V;
    std::vector<double> hysteresis_gap_mV;
    std::vector<double> entropic_mV_per_K;

    // Resistance tables share one SOC grid, at the reference temperature: R0 and
    // the slow linear RC pair (electrolyte polarisation).
    std::vector<double> resistance_soc;
    std::vector<double> r0_mohm;
    std::vector<double> rc_mohm;
    std::vector<double> rc_tau_s;
    double activation_energy_J_per_mol = 0.0;  // of R0 and rc

    // Charge transfer: symmetric Butler-Volmer element with a capacitance in parallel.
    double exchange_current_A = 1.0;  // I0 at the reference temperature
    double charge_transfer_capacitance_F = 1.0;
    double charge_transfer_activation_energy_J_per_mol = 0.0;  // of I0

    // Solid diffusion: R^2/D of the limiting particles at the reference temperature.
    double diffusion_time_s = 1.0;
    double diffusion_activation_energy_J_per_mol = 0.0;

    double mass_kg = 0.0;
    double specific_heat_J_per_kgK = 0.0;
    double surface_area_m2 = 0.0;
    double convection_W_per_m2K = 0.0;

    double heat_capacity_J_per_K() const { return mass_kg * specific_heat_J_per_kgK; }
};

// Bad input: the message names the file, the key and (where known) the line.
class CellParamsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

CellParams load_cell_params(const std::string& path);

}  // namespace bmshil::model
