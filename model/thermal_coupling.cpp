#include "thermal_coupling.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace bmshil::model {

ThermalCoupling::ThermalCoupling(const ThermalConfig& config, double initial_degC, double ambient_degC,
                                 double interval_s)
    : network_(config, initial_degC),
      interval_s_(interval_s),
      cells_(config.cell_heat_capacity_J_per_K.size()),
      pending_heat_J_(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(cells_ + 1))),
      ambient_degC_(ambient_degC) {}

void ThermalCoupling::add_power_stage_J(double q) {
    pending_heat_J_[static_cast<Eigen::Index>(cells_)] += q;
    heat_total_J_ += q;
}

void ThermalCoupling::add_busbar_J(double per_busbar_J) {
    pending_busbar_J_ += per_busbar_J;  // spread at the flush
    heat_total_J_ += per_busbar_J * static_cast<double>(cells_ - 1);
}

void ThermalCoupling::add_spread_J(double q) {
    for (std::size_t k = 0; k < cells_; ++k)
        pending_heat_J_[static_cast<Eigen::Index>(k)] += q / static_cast<double>(cells_);
    heat_total_J_ += q;
}

void ThermalCoupling::add_to_air_J(double q) { heat_to_air_J_ += q; }

bool ThermalCoupling::elapse(double dt_s, bool dissipating) {
    pending_time_s_ += dt_s;
    return pending_time_s_ >= (dissipating ? interval_s_ : kRestInterval_s);
}

void ThermalCoupling::flush(CellBank& cells, double end_s) {
    if (pending_time_s_ <= 0.0) return;
    update_ambient(end_s);
    for (std::size_t k = 0; k < cells_; ++k) {
        const double q = cells.take_heat_J(k);
        pending_heat_J_[static_cast<Eigen::Index>(k)] += q;
        heat_total_J_ += q;
    }
    for (std::size_t k = 0; k + 1 < cells_; ++k) {
        pending_heat_J_[static_cast<Eigen::Index>(k)] += 0.5 * pending_busbar_J_;
        pending_heat_J_[static_cast<Eigen::Index>(k + 1)] += 0.5 * pending_busbar_J_;
    }
    pending_busbar_J_ = 0.0;
    network_.step(pending_heat_J_, pending_time_s_, ambient_degC_);
    pending_heat_J_.setZero();
    pending_time_s_ = 0.0;
    update_cells(cells);
}

void ThermalCoupling::update_cells(CellBank& cells) {
    hottest_cell_degC_ = -1e9;
    coldest_cell_degC_ = 1e9;
    for (std::size_t k = 0; k < cells_; ++k) {
        const double t = network_.temperature_degC(k);
        cells.set_temperature_degC(k, t);
        hottest_cell_degC_ = std::max(hottest_cell_degC_, t);
        coldest_cell_degC_ = std::min(coldest_cell_degC_, t);
    }
}

void ThermalCoupling::set_ambient_degC(double t) {
    ambient_profile_.clear();
    ambient_degC_ = t;
}

void ThermalCoupling::update_ambient(double end_s) {
    if (ambient_profile_.empty()) return;
    // The ambient over the pending interval, taken at its middle.
    const double t = end_s - 0.5 * pending_time_s_;
    const auto& p = ambient_profile_;
    if (t <= p.front().first) {
        ambient_degC_ = p.front().second;
        return;
    }
    if (t >= p.back().first) {
        ambient_degC_ = p.back().second;
        return;
    }
    for (std::size_t i = 1; i < p.size(); ++i)
        if (t <= p[i].first) {
            const double f = (t - p[i - 1].first) / (p[i].first - p[i - 1].first);
            ambient_degC_ = p[i - 1].second + f * (p[i].second - p[i - 1].second);
            return;
        }
}

void ThermalCoupling::set_ambient_profile(std::vector<std::pair<double, double>> points, double now_s) {
    for (std::size_t i = 1; i < points.size(); ++i)
        if (!(points[i].first > points[i - 1].first))
            throw std::invalid_argument("ambient profile: times must increase (point " + std::to_string(i) + ")");
    ambient_profile_ = std::move(points);
    update_ambient(now_s);
}

void ThermalCoupling::set_cell_degC(CellBank& cells, std::size_t k, double t) {
    network_.set_degC(k, t);
    update_cells(cells);
}

void ThermalCoupling::set_cells_degC(CellBank& cells, double t) {
    for (std::size_t k = 0; k < cells_; ++k) network_.set_degC(k, t);
    update_cells(cells);
}

void ThermalCoupling::set_power_stage_degC(double t) { network_.set_degC(network_.power_node(), t); }

void ThermalCoupling::set_all_degC(CellBank& cells, double t) {
    network_.set_all_degC(t);
    update_cells(cells);
}

}  // namespace bmshil::model
