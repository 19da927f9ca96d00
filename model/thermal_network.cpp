#include "thermal_network.h"

#include <cmath>
#include <stdexcept>

namespace bmshil::model {

ThermalNetwork::ThermalNetwork(const ThermalConfig& config, double initial_degC)
    : cells_(config.cell_heat_capacity_J_per_K.size()) {
    if (cells_ == 0 || config.cell_to_ambient_W_per_K.size() != cells_)
        throw std::invalid_argument("ThermalNetwork: cell tables disagree");
    const auto n = static_cast<Eigen::Index>(cells_ + 1);
    capacity_.resize(n);
    ambient_g_.resize(n);
    Eigen::MatrixXd k = Eigen::MatrixXd::Zero(n, n);
    for (Eigen::Index i = 0; i < n - 1; ++i) {
        capacity_[i] = config.cell_heat_capacity_J_per_K[static_cast<std::size_t>(i)];
        ambient_g_[i] = config.cell_to_ambient_W_per_K[static_cast<std::size_t>(i)];
        if (i + 1 < n - 1) {
            const double g = config.cell_to_cell_W_per_K;
            k(i, i) += g;
            k(i + 1, i + 1) += g;
            k(i, i + 1) -= g;
            k(i + 1, i) -= g;
        }
    }
    capacity_[n - 1] = config.power_stage_heat_capacity_J_per_K;
    ambient_g_[n - 1] = config.power_stage_to_ambient_W_per_K;
    k.diagonal() += ambient_g_;

    sqrt_c_ = capacity_.cwiseSqrt();
    inv_sqrt_c_ = sqrt_c_.cwiseInverse();
    const Eigen::MatrixXd m = inv_sqrt_c_.asDiagonal() * k * inv_sqrt_c_.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m);
    modes_ = solver.eigenvectors();
    rates_ = solver.eigenvalues();
    temperature_degC_ = Eigen::VectorXd::Constant(n, initial_degC);
}

void ThermalNetwork::step(const Eigen::VectorXd& heat_J, double dt_s, double ambient_degC) {
    if (dt_s <= 0.0) return;
    const double before = stored_energy_J();
    // In modal coordinates z = V^T C^{1/2} T each mode obeys
    // dz/dt = -lambda z + f with f = V^T C^{-1/2} (g_amb T_amb + Q/dt).
    const Eigen::VectorXd forcing = ambient_g_ * ambient_degC + heat_J / dt_s;
    Eigen::VectorXd z = modes_.transpose() * sqrt_c_.cwiseProduct(temperature_degC_);
    const Eigen::VectorXd f = modes_.transpose() * inv_sqrt_c_.cwiseProduct(forcing);
    if (std::abs(dt_s - cached_dt_s_) > 1e-9 * dt_s) {
        // Most steps repeat the last length: keep its exponentials.
        cached_dt_s_ = dt_s;
        decay_.resize(rates_.size());
        gain_.resize(rates_.size());
        for (Eigen::Index i = 0; i < rates_.size(); ++i) {
            const double lambda = rates_[i];
            if (lambda * dt_s < 1e-12) {  // adiabatic mode
                decay_[i] = 1.0;
                gain_[i] = dt_s;
            } else {
                decay_[i] = std::exp(-lambda * dt_s);
                gain_[i] = (1.0 - decay_[i]) / lambda;
            }
        }
    }
    z = z.cwiseProduct(decay_) + f.cwiseProduct(gain_);
    temperature_degC_ = inv_sqrt_c_.cwiseProduct(modes_ * z);
    // What was put in and is not stored went to the air.
    to_ambient_J_ += heat_J.sum() - (stored_energy_J() - before);
}

}  // namespace bmshil::model
