// How the heat generated in the pack reaches the thermal network, and the
// ambient it sheds to: each cell's own heat, the busbars' (half to each
// neighbour), the power stage's, the heater pad's (spread over the cells) and
// the links' (cables in the air, straight to the ambient). Heat is gathered
// and handed to the network at most every thermal interval while anything
// dissipates, and every rest interval at rest; the cells then take their
// nodes' temperatures.
#pragma once

#include <Eigen/Dense>
#include <utility>
#include <vector>

#include "cell_bank.h"
#include "thermal_network.h"

namespace bmshil::model {

class ThermalCoupling {
public:
    // Heat reaches the network at rest at least this often (temperatures then
    // follow only the ambient, with time constants of hours).
    static constexpr double kRestInterval_s = 60.0;

    ThermalCoupling(const ThermalConfig& config, double initial_degC, double ambient_degC, double interval_s);

    // Heat generated, waiting for the next flush.
    void add_power_stage_J(double q);
    void add_busbar_J(double per_busbar_J);  // the same in each of the cells' busbars
    void add_spread_J(double q);             // spread evenly over the cells (heater pad)
    void add_to_air_J(double q);             // leaves with the air (links)
    // Time passing; true when the heat is due at the network.
    bool elapse(double dt_s, bool dissipating);
    // Hands the heat so far to the network over the interval ending at end_s
    // (the cells' own heat taken from the bank), then gives the cells their
    // nodes' temperatures.
    void flush(CellBank& cells, double end_s);

    // The ambient: a constant, or piecewise linear over absolute time (held
    // past the ends), taken at the middle of each flushed interval.
    void set_ambient_degC(double t);
    void set_ambient_profile(std::vector<std::pair<double, double>> time_s_degC, double now_s);
    double ambient_degC() const { return ambient_degC_; }

    // Imposed temperatures (flush first); the cells follow.
    void set_cell_degC(CellBank& cells, std::size_t k, double t);
    void set_cells_degC(CellBank& cells, double t);
    void set_power_stage_degC(double t);
    void set_all_degC(CellBank& cells, double t);
    // The cells take their nodes' temperatures.
    void update_cells(CellBank& cells);

    double hottest_cell_degC() const { return hottest_cell_degC_; }
    double coldest_cell_degC() const { return coldest_cell_degC_; }
    double power_stage_degC() const { return network_.temperature_degC(network_.power_node()); }
    const ThermalNetwork& network() const { return network_; }
    double heat_total_J() const { return heat_total_J_; }  // into the cells and the power stage
    double heat_to_air_J() const { return heat_to_air_J_; }
    double pending_s() const { return pending_time_s_; }

private:
    void update_ambient(double end_s);

    ThermalNetwork network_;
    double interval_s_;
    std::size_t cells_;
    Eigen::VectorXd pending_heat_J_;
    double pending_time_s_ = 0.0;
    double pending_busbar_J_ = 0.0;  // heat of each busbar since the last flush
    double heat_total_J_ = 0.0;
    double heat_to_air_J_ = 0.0;
    double ambient_degC_;
    std::vector<std::pair<double, double>> ambient_profile_;
    double hottest_cell_degC_ = 0.0, coldest_cell_degC_ = 0.0;
};

}  // namespace bmshil::model
