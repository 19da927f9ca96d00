// The 16S pack and everything around it that the BMS board sees: cells with
// their spread, interconnects (including the long link after cell 9 that the
// manual's impedance compensation exists for), balancing bleed resistors, the
// power stage (charge/discharge FETs with body diodes, precharge, the 10 A
// limiter, the shunt, the loop inductance), the charger and loads, the thermal
// network with heater, the AFE and NTCs, and a safe-operating-area monitor that
// reports physical violations whatever the firmware believes.
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

#include "cell.h"
#include "cell_bank.h"
#include "external_circuit.h"
#include "ntc.h"
#include "random.h"
#include "thermal_network.h"

namespace bmshil::model {

// A resistive interconnect whose voltage drop the tap of `after_cell` sees
// (its sense wire lands beyond the link).
struct InterconnectLink {
    int after_cell = 9;       // 1-based
    double resistance_ohm = 10e-3;
};

struct AfeConfig {
    double cell_lsb_V = 382e-6;          // typical 14-bit cell ADC
    double cell_offset_max_V = 2e-3;     // per-channel offset, uniform +-
    double cell_noise_V = 0.5e-3;        // sigma
    double pack_noise_V = 0.02;
    double current_lsb_A = 0.01;
    double current_offset_max_A = 0.02;
    double current_noise_A = 0.03;
    // Short-circuit comparator power-on setting, until the firmware writes its own.
    double sc_threshold_A = 500.0;
    double sc_delay_s = 200e-6;
};

struct SoaLimits {
    double cell_max_V = 3.65;
    double cell_min_V = 2.5;
    double charge_min_degC = 0.0;
    double cell_max_degC = 60.0;
    double charging_threshold_A = 0.1;  // a cell current above this counts as charging
    double min_excursion_s = 0.1;        // shorter excursions are transients, not findings
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
    double fet_on_ohm = 1.0e-3;          // each of charge and discharge FET banks
    double body_diode_V = 0.7;
    double precharge_ohm = 47.0;
    double limiter_current_A = 10.0;
    double shunt_ohm = 0.1e-3;
    double loop_inductance_H = 1.0e-6;   // pack, busbars and cables
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

// What the board commands.
struct PowerStageCommand {
    bool charge_fet = false;
    bool discharge_fet = false;
    bool precharge = false;
    bool heater = false;
    bool limiter = false;
    std::uint32_t balance_mask = 0;
};

// What the board's sensors report, in the AFE's integer units.
struct SensorReadings {
    std::vector<std::int32_t> cell_tap_uV;
    std::int32_t pack_terminal_mV = 0;
    std::int32_t shunt_current_mA = 0;
    std::uint32_t ntc_ohm[6] = {};  // cell 1-4, ambient, power
    bool sc_latched = false;
    double sc_trip_time_s = 0.0;
};

enum class SoaKind { charge_below_min_temperature, cell_over_voltage, cell_under_voltage, cell_over_temperature };
const char* to_string(SoaKind kind);

struct SoaViolation {
    SoaKind kind;
    int cell;               // 1-based
    double start_s;
    double end_s;           // < 0 while it lasts
    double worst;           // V or degC
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
    const PowerStageCommand& commanded() const { return cmd_; }
    Charger& charger() { return charger_; }
    std::vector<Load>& loads() { return loads_; }
    Load& add_load(const Load& load);
    Load* find_load(const std::string& name);
    void inputs_changed();  // call after editing charger() or loads()
    void set_ambient_degC(double t) { ambient_profile_.clear(); ambient_degC_ = t; }
    // Piecewise-linear ambient temperature over absolute time (held past the ends).
    void set_ambient_profile(std::vector<std::pair<double, double>> time_s_degC);
    double ambient_degC() const { return ambient_degC_; }
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
    Ntc& ntc(std::size_t index) { return ntcs_[index]; }

    // Sensors as the board reads them.
    void measure(SensorReadings& out);

    // Physical truth.
    std::size_t cell_count() const { return cells_.size(); }
    CellView cell(std::size_t i) const { return CellView(cells_, i); }
    const CellBank& cells() const { return cells_; }
    double current_A() const { return current_A_; }           // + = charging
    double terminal_V() const { return terminal_V_; }
    double cell_current_A(std::size_t i) const {
        return (cmd_.balance_mask & (1u << i)) ? current_A_ - cells_.emf_V()[i] / config_.bleed_ohm : current_A_;
    }
    double cell_voltage_V(std::size_t i) const { return cell(i).terminal_V(cell_current_A(i)); }
    double pack_emf_V() const;            // sum of cell EMFs
    double loop_resistance_ohm(bool charging) const;
    double power_stage_degC() const { return thermal_.temperature_degC(thermal_.power_node()); }
    const ThermalNetwork& thermal() const { return thermal_; }
    void set_temperatures_degC(double t);  // every node; also ambient untouched
    // Impose temperatures, as a bench's NTC emulators impose them on the sensors.
    void set_cell_temperatures_degC(double t);
    void set_cell_temperature_degC(std::size_t index, double t);  // one cell's node
    void set_power_stage_degC(double t);
    // Hand the heat generated so far to the thermal network now.
    void flush_heat();
    bool sc_latched() const { return sc_latched_; }
    double sc_trip_time_s() const { return sc_trip_time_s_; }
    double sc_trip_current_A() const { return sc_trip_current_A_; }
    double heat_generated_J() const { return heat_total_J_; }  // into cells and power stage
    double link_heat_J() const { return heat_to_air_J_; }
    const std::vector<SoaViolation>& soa_violations() const { return soa_; }
    const PackConfig& config() const { return config_; }
    std::shared_ptr<const CellType> cell_type() const { return type_; }

private:
    Pack(const PackConfig& config, std::shared_ptr<const CellType> cell_type, Random&& rng);
    struct LoopSolution {
        double infinity_A = 0.0;   // current the loop tends to
        double tau_s = 0.0;        // 0 = no inductive transient (current source)
        double network_open_V = 0.0;
        double conductance_S = 0.0;  // of the outside network
    };
    TerminalNetwork network(double terminal_estimate_V, bool with_charger, bool charger_as_source) const;
    LoopSolution solve_loop() const;
    double terminal_for(double current_A) const;
    double switch_resistance_ohm(bool charging) const;  // FETs or precharge in the path
    double crossing_in_s() const;  // until the comparator threshold is crossed
    void resolve();          // re-solve the loop after an input change
    void resolve_quiet(double current_A);  // after a step: new EMF, same inductor current
    void step(double dt_s);
    void check_soa();
    void update_comparator();
    double max_step_s() const;

    PackConfig config_;
    std::shared_ptr<const CellType> type_;
    CellBank cells_;
    double cell_emf_sum_V_ = 0.0;
    double fixed_resistance_ohm_ = 0.0;      // cells' R0, busbars, links, shunt
    double series_parts_ohm_ = 0.0;          // busbars, links, shunt
    void refresh_emf();
    std::vector<double> tap_offset_V_;
    std::vector<double> link_in_tap_ohm_;   // per cell: link resistance its tap sees
    double link_total_ohm_ = 0.0;
    ThermalNetwork thermal_;
    std::vector<Ntc> ntcs_;
    NoiseTable noise_;
    double current_offset_A_ = 0.0;

    double time_s_ = 0.0;
    double ambient_degC_;
    std::vector<std::pair<double, double>> ambient_profile_;
    std::uint64_t steps_ = 0;
    double step_end_s_ = 0.0;
    void update_ambient();
    void update_cell_temperatures();  // cells follow their thermal nodes
    double hottest_cell_degC_ = 0.0, coldest_cell_degC_ = 0.0;
    PowerStageCommand cmd_;
    Charger charger_;
    std::vector<Load> loads_;
    enum class ChargerMode { voltage, current_limit, off };
    ChargerMode charger_mode_ = ChargerMode::voltage;

    // Loop state.
    double current_A_ = 0.0;
    double terminal_V_ = 0.0;
    LoopSolution loop_;

    // Short-circuit comparator.
    double sc_threshold_A_;
    double sc_delay_s_;
    bool sc_armed_ = false;
    double sc_trip_at_s_ = 0.0;
    bool sc_latched_ = false;
    double sc_trip_time_s_ = 0.0;
    double sc_trip_current_A_ = 0.0;

    // Heat waiting for the thermal network.
    Eigen::VectorXd pending_heat_J_;
    double pending_time_s_ = 0.0;
    double pending_busbar_J_ = 0.0;  // heat of each busbar since the last flush
    double heat_total_J_ = 0.0;     // into the cells and the power stage
    double heat_to_air_J_ = 0.0;    // from the links, straight to the air

    std::vector<SoaViolation> soa_;
    std::vector<int> soa_open_;  // index into soa_ per (kind, cell), -1 if none
    int soa_open_count_ = 0;
    std::vector<double> soa_since_s_;  // when each (kind, cell) condition began, -1 if not
};

}  // namespace bmshil::model
