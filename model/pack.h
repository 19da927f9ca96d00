// The 16S pack and everything around it that the BMS board sees, composed of
// units that each model one thing:
//   cell_bank.h                 the cells (with their spread and bleed resistors)
//   power_loop.h                the loop and power stage: FETs, body diodes,
//                               precharge, limiter, shunt, interconnects, inductance
//   outside_world.h             charger, loads, inverter, short, heater pad
//   afe.h                       the AFE's cell, pack and current channels and the NTCs
//   short_circuit_comparator.h  the AFE's hardware short-circuit protection
//   soa_monitor.h               physical violations, whatever the firmware believes
//   thermal_coupling.h          heat into the thermal network, and the ambient
//
// Plain C++ with no SystemC types: PackModule wraps it for the kernel. The
// model is advanced lazily to the time a reader asks about; under constant
// inputs the cell and loop equations are solved exactly, so steps are long at
// rest and short only while something changes fast.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "afe.h"
#include "cell.h"
#include "cell_bank.h"
#include "external_circuit.h"
#include "ntc.h"
#include "outside_world.h"
#include "power_loop.h"
#include "random.h"
#include "short_circuit_comparator.h"
#include "soa_monitor.h"
#include "thermal_coupling.h"
#include "thermal_network.h"

namespace bmshil::model {

// A resistive interconnect whose voltage drop the tap of `after_cell` sees
// (its sense wire lands beyond the link).
struct InterconnectLink {
    int after_cell = 9;       // 1-based
    double resistance_ohm = 10e-3;
};

struct PackConfig {
    std::size_t cell_count = 16;
    std::uint64_t seed = 1;
    double initial_soc = 1.0;
    double initial_temperature_degC = 25.0;
    double ambient_degC = 25.0;
    // Cell-to-cell spread, sigma relative to nominal (soc: absolute).
    double capacity_spread = 0.01;
    double resistance_spread = 0.03;
    double self_discharge_spread = 0.2;
    double soc_spread = 0.003;
    // Interconnects.
    double busbar_ohm = 0.1e-3;          // sensed at the cell terminals, not in taps
    std::vector<InterconnectLink> links{InterconnectLink{}};
    double bleed_ohm = 33.0;             // passive balancing, ~100 mA at 3.3 V
    // Power stage.
    PowerStageParts power_stage;         // FETs, diodes, precharge, limiter, shunt, loop inductance
    double heater_ohm = 13.0;            // ~200 W at 51 V
    // Thermal.
    double cell_to_cell_W_per_K = 1.0;
    double power_stage_heat_capacity_J_per_K = 400.0;
    double power_stage_to_ambient_W_per_K = 2.0;
    double thermal_interval_s = 1.0;     // heat is handed to the network at most this often
    // Sensors.
    AfeConfig afe;
    NtcConfig ntc;
    double ntc_tolerance = 0.01;         // R25 tolerance class, +- relative (uniform)
    std::vector<int> ntc_cells{1, 6, 11, 16};  // cells the four cell NTCs sit on (1-based)
    SoaLimits soa;
};

class Pack {
public:
    Pack(const PackConfig& config, std::shared_ptr<const CellType> cell_type);

    // Advance the physics to time t_s (no-op if t_s is not later).
    void advance_to(double t_s);
    double time_s() const { return time_s_; }

    // The time of the next internal event (comparator crossing or trip) or the
    // longest step the state allows; a kernel wakes the model there.
    double next_wake_s() const;

    // Inputs. Each applies at the current model time; advance first.
    void command(const PowerStageCommand& cmd);
    const PowerStageCommand& commanded() const { return loop_.command(); }
    Charger& charger() { return outside_.charger(); }
    std::vector<Load>& loads() { return outside_.loads(); }
    Load& add_load(const Load& load);
    Load* find_load(const std::string& name);
    void inputs_changed();  // call after editing charger() or loads()
    void set_ambient_degC(double t) { thermal_.set_ambient_degC(t); }
    // Piecewise-linear ambient temperature over absolute time (held past the ends).
    void set_ambient_profile(std::vector<std::pair<double, double>> time_s_degC);
    double ambient_degC() const { return thermal_.ambient_degC(); }
    // Sets one cell apart from the spread: a weak, aged or drifting cell.
    void set_cell(std::size_t index, const CellVariation& variation, double soc);
    // Number of integration steps taken so far (long at rest, short when busy).
    std::uint64_t steps_taken() const { return steps_; }
    void configure_sc_comparator(double threshold_A, double delay_s);
    void clear_sc_latch();
    // A board whose AFE trips by itself (a real one on a bench) reported its
    // trip at `trip_time_s` (<= now): the latch as the board has it. The
    // pack's own comparator stays off for such a board.
    void latch_sc_reported(double trip_time_s);
    Ntc& ntc(std::size_t index) { return afe_.ntc(index); }
    // Sensor faults on the physical circuit (see afe.h): the sense wire above
    // a cell (1-based) comes off or back; the shunt channel's offset drifts
    // to offset_A beyond the part's own over over_s.
    void set_sense_wire_open(int above_cell, bool open);
    void drift_shunt_offset(double offset_A, double over_s);
    const Afe& afe() const { return afe_; }

    // Sensors as the board reads them (the comparator's latch included).
    void measure(SensorReadings& out);
    // The same readings straight into a board's own input fields.
    void measure(const SensorSink& out);

    // Physical truth.
    std::size_t cell_count() const { return cells_.size(); }
    CellView cell(std::size_t i) const { return CellView(cells_, i); }
    const CellBank& cells() const { return cells_; }
    double current_A() const { return loop_.current_A(); }           // + = charging
    double terminal_V() const { return loop_.terminal_V(); }
    double cell_current_A(std::size_t i) const { return current_A() - bleed_A(i); }
    // The current cell i's bleed resistor draws from it (0 when off).
    double bleed_A(std::size_t i) const;
    // The voltage at cell i's terminals: its EMF and R0 as the step left them
    // (what the AFE and the SOA monitor see).
    double cell_voltage_V(std::size_t i) const {
        return cells_.emf_V()[i] + cell_current_A(i) * cells_.r0_cached_ohm(i);
    }
    double pack_emf_V() const;            // sum of cell EMFs
    double loop_resistance_ohm(bool charging) const { return loop_.loop_resistance_ohm(charging); }
    double power_stage_degC() const { return thermal_.power_stage_degC(); }
    const ThermalNetwork& thermal() const { return thermal_.network(); }
    void set_temperatures_degC(double t);  // every node; also ambient untouched
    // Impose temperatures, as a bench's NTC emulators impose them on the sensors.
    void set_cell_temperatures_degC(double t);
    void set_cell_temperature_degC(std::size_t index, double t);  // one cell's node
    void set_power_stage_degC(double t);
    // Hand the heat generated so far to the thermal network now.
    void flush_heat();
    bool sc_latched() const { return comparator_.latched(); }
    double sc_trip_time_s() const { return comparator_.trip_time_s(); }
    double sc_trip_current_A() const { return comparator_.trip_current_A(); }
    double heat_generated_J() const { return thermal_.heat_total_J(); }  // into cells and power stage
    double link_heat_J() const { return thermal_.heat_to_air_J(); }
    const std::vector<SoaViolation>& soa_violations() const { return soa_.violations(); }
    const PackConfig& config() const { return config_; }
    std::shared_ptr<const CellType> cell_type() const { return type_; }

private:
    Pack(const PackConfig& config, std::shared_ptr<const CellType> cell_type, Random&& rng);
    void resolve();          // re-solve the loop after an input change
    void step(double dt_s);
    void cells_changed();    // the loop takes the cells' new EMF and resistance
    void flush_due_heat();   // at the end of a step
    double max_step_s() const;
    double crossing_in_s() const;  // until the comparator threshold is crossed
    // Per-cell currents when any bleed resistor is on (null otherwise).
    const double* bleeding_cell_currents(double* storage) const;
    AfeInputs afe_inputs(const double* cell_current_A) const;

    PackConfig config_;
    std::shared_ptr<const CellType> type_;
    CellBank cells_;
    double series_parts_ohm_ = 0.0;  // busbars, links, shunt
    double link_total_ohm_ = 0.0;
    OutsideWorld outside_;
    PowerLoop loop_;
    Afe afe_;
    ShortCircuitComparator comparator_;
    SoaMonitor soa_;
    ThermalCoupling thermal_;

    double time_s_ = 0.0;
    double step_end_s_ = 0.0;
    std::uint64_t steps_ = 0;
};

}  // namespace bmshil::model
