// Lumped thermal network: one node per cell plus the power stage (FETs, shunt,
// bleed resistors on the board's heat sink). Cells conduct to their neighbours
// and convect to ambient; the power stage convects to ambient.
//
// C dT/dt = -K T + g_amb T_amb + Q is solved exactly for heat held constant
// over a step, in the modes of the symmetrised system (computed once with
// Eigen), so steps of any length are stable and conserve energy.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace bmshil::model {

struct ThermalConfig {
    std::vector<double> cell_heat_capacity_J_per_K;
    std::vector<double> cell_to_ambient_W_per_K;
    double cell_to_cell_W_per_K = 1.0;        // pads and busbars between neighbours
    double power_stage_heat_capacity_J_per_K = 400.0;  // ~0.45 kg aluminium heat sink
    double power_stage_to_ambient_W_per_K = 2.0;
};

class ThermalNetwork {
public:
    explicit ThermalNetwork(const ThermalConfig& config, double initial_degC);

    std::size_t cell_count() const { return cells_; }
    std::size_t power_node() const { return cells_; }

    // Advances dt_s with heat_J[i] delivered evenly over the step to node i.
    void step(const Eigen::VectorXd& heat_J, double dt_s, double ambient_degC);

    double temperature_degC(std::size_t node) const { return temperature_degC_[static_cast<Eigen::Index>(node)]; }
    void set_all_degC(double t) { temperature_degC_.setConstant(t); }
    void set_degC(std::size_t node, double t) { temperature_degC_[static_cast<Eigen::Index>(node)] = t; }
    double heat_capacity_J_per_K(std::size_t node) const { return capacity_[static_cast<Eigen::Index>(node)]; }
    double stored_energy_J() const { return capacity_.dot(temperature_degC_); }
    double energy_to_ambient_J() const { return to_ambient_J_; }

private:
    std::size_t cells_;
    Eigen::VectorXd capacity_;       // J/K
    Eigen::VectorXd ambient_g_;      // W/K
    Eigen::VectorXd temperature_degC_;
    Eigen::VectorXd sqrt_c_, inv_sqrt_c_;
    Eigen::MatrixXd modes_;          // eigenvectors of C^-1/2 K C^-1/2
    Eigen::VectorXd rates_;          // its eigenvalues, 1/s
    double to_ambient_J_ = 0.0;
    double cached_dt_s_ = -1.0;
    Eigen::VectorXd decay_, gain_;   // per mode, for cached_dt_s_
};

}  // namespace bmshil::model
