#include "pack.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace bmshil::model {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kRestStep_s = 60.0;
constexpr double kActiveStep_s = 1.0;
constexpr double kSocPerStep = 0.001;

double clipped_normal(Random& rng, double sigma) {
    return std::clamp(rng.normal() * sigma, -4.0 * sigma, 4.0 * sigma);
}

ThermalConfig thermal_config(const PackConfig& c, const CellType& type, const CellBank& cells) {
    ThermalConfig t;
    for (std::size_t k = 0; k < cells.size(); ++k) {
        // Heat capacity scales with the cell's mass, taken as its capacity.
        t.cell_heat_capacity_J_per_K.push_back(type.params().heat_capacity_J_per_K() *
                                                cells.variation(k).capacity_scale);
        t.cell_to_ambient_W_per_K.push_back(type.params().convection_W_per_m2K * type.params().surface_area_m2);
    }
    t.cell_to_cell_W_per_K = c.cell_to_cell_W_per_K;
    t.power_stage_heat_capacity_J_per_K = c.power_stage_heat_capacity_J_per_K;
    t.power_stage_to_ambient_W_per_K = c.power_stage_to_ambient_W_per_K;
    return t;
}

CellBank make_cells(const PackConfig& c, const std::shared_ptr<const CellType>& type, Random& rng) {
    if (c.cell_count == 0 || c.cell_count > CellBank::kMaxCells)
        throw std::invalid_argument("pack: cell_count must be 1.." + std::to_string(CellBank::kMaxCells));
    std::vector<CellVariation> variations;
    std::vector<double> socs;
    for (std::size_t k = 0; k < c.cell_count; ++k) {
        CellVariation v;
        v.capacity_scale = 1.0 + clipped_normal(rng, c.capacity_spread);
        v.resistance_scale = 1.0 + clipped_normal(rng, c.resistance_spread);
        v.self_discharge_scale = std::max(0.1, 1.0 + clipped_normal(rng, c.self_discharge_spread));
        variations.push_back(v);
        socs.push_back(std::clamp(c.initial_soc + clipped_normal(rng, c.soc_spread), 0.0, 1.0));
    }
    return CellBank(type, c.cell_count, variations.data(), socs.data(), c.initial_temperature_degC);
}

// Per cell: the link resistance its tap sees (its sense wire lands beyond the link).
std::vector<double> link_in_tap_ohm(const PackConfig& c) {
    const std::size_t n = c.cell_count;
    std::vector<double> in_tap(n, 0.0);
    for (const auto& link : c.links) {
        if (link.after_cell < 1 || static_cast<std::size_t>(link.after_cell) >= n)
            throw std::invalid_argument("pack: link after_cell " + std::to_string(link.after_cell) + " outside 1.." +
                                        std::to_string(n - 1));
        in_tap[static_cast<std::size_t>(link.after_cell - 1)] += link.resistance_ohm;
    }
    return in_tap;
}

}  // namespace

Pack::Pack(const PackConfig& config, std::shared_ptr<const CellType> cell_type)
    : Pack(config, std::move(cell_type), Random(config.seed)) {}

// The spread, offsets and tolerances are drawn in this order from one stream
// of the seed: cells, tap offsets, current offset, NTC tolerances.
Pack::Pack(const PackConfig& config, std::shared_ptr<const CellType> cell_type, Random&& rng)
    : config_(config),
      type_(std::move(cell_type)),
      cells_(make_cells(config_, type_, rng)),
      outside_(config_.heater_ohm),
      loop_(config_.power_stage),
      afe_(config_.afe, config_.ntc, config_.ntc_tolerance, config_.ntc_cells, link_in_tap_ohm(config_), rng,
           config_.seed ^ 0x6e6f697365ULL),
      comparator_(config_.afe.sc_threshold_A, config_.afe.sc_delay_s),
      soa_(config_.soa, cells_.size()),
      thermal_(thermal_config(config_, *type_, cells_), config_.initial_temperature_degC, config_.ambient_degC,
               config_.thermal_interval_s) {
    const std::size_t n = cells_.size();
    for (const auto& link : config_.links) link_total_ohm_ += link.resistance_ohm;
    series_parts_ohm_ = config_.power_stage.shunt_ohm + config_.busbar_ohm * static_cast<double>(n - 1) + link_total_ohm_;
    thermal_.update_cells(cells_);
    resolve();
}

double Pack::pack_emf_V() const {
    double e = 0.0;
    for (std::size_t k = 0; k < cells_.size(); ++k) e += cells_.emf_now_V(k);
    return e;
}

void Pack::cells_changed() { loop_.set_cells(cells_.emf_sum_V(), cells_.r0_sum_ohm() + series_parts_ohm_); }

double Pack::bleed_A(std::size_t i) const {
    const std::uint32_t mask = loop_.command().balance_mask;
    if (!((mask >> i) & 1u)) return 0.0;
    const double* emf = cells_.emf_V();
    const std::uint32_t open = afe_.open_wire_mask();
    if (open) {
        // An open sense wire above or below the cell leaves its resistor
        // hanging from the floating input: alone it draws nothing; with the
        // neighbour's across the same input on too, the two in series draw
        // the pair's voltage.
        const std::size_t n = cells_.size();
        const bool open_above = (open >> (i + 1)) & 1u, open_below = i > 0 && ((open >> i) & 1u);
        if (open_above || open_below) {
            const std::size_t partner = open_above ? i + 1 : i - 1;
            if (partner >= n || !((mask >> partner) & 1u)) return 0.0;
            return (emf[i] + emf[partner]) / (2.0 * config_.bleed_ohm);
        }
    }
    return emf[i] / config_.bleed_ohm;
}

const double* Pack::bleeding_cell_currents(double* storage) const {
    const std::uint32_t mask = loop_.command().balance_mask;
    if (mask == 0) return nullptr;
    for (std::size_t k = 0; k < cells_.size(); ++k) storage[k] = cell_current_A(k);
    return storage;
}

// ---------------------------------------------------------------- the loop

void Pack::resolve() {
    cells_.update_emf();
    cells_changed();
    loop_.set_discharge_forced_open(comparator_.latched());
    // The charger is a CV source with a current limit and an output diode:
    // find the mode consistent with the terminal voltage it produces.
    outside_.set_charger_mode(OutsideWorld::ChargerMode::voltage);
    for (int attempt = 0; attempt < 4; ++attempt) {
        loop_.update_solution(outside_);
        if (!outside_.charger().connected) break;
        const OutsideWorld::ChargerMode next =
            outside_.charger_mode_at(loop_.terminal_for(loop_.solution().infinity_A, outside_));
        if (next == outside_.charger_mode()) break;
        outside_.set_charger_mode(next);
    }
    // An inductive loop keeps its current across the change unless the path
    // for it is gone, in which case the switch absorbs the stored energy.
    const double absorbed_J = loop_.reconnect(outside_);
    if (absorbed_J > 0.0) thermal_.add_power_stage_J(absorbed_J);
    comparator_.observe(loop_.current_A(), time_s_);
}

// ---------------------------------------------------------------- stepping

double Pack::max_step_s() const {
    double dt = kRestStep_s;
    const double i = std::abs(current_A()) + (commanded().balance_mask ? 0.2 : 0.0);
    if (i > 1e-3) dt = std::min(kActiveStep_s, kSocPerStep * type_->params().capacity_Ah * 3600.0 / i);
    dt = std::min(dt, loop_.settling_step_limit_s());
    dt = std::min(dt, outside_.inverter_step_limit_s(terminal_V(), loop_.loop_resistance_ohm(false)));
    return dt;
}

double Pack::crossing_in_s() const {
    return comparator_.crossing_in_s(loop_.current_A(), loop_.solution().infinity_A, loop_.solution().tau_s);
}

double Pack::next_wake_s() const {
    double t = time_s_ + max_step_s();
    if (comparator_.armed()) t = std::min(t, comparator_.trip_at_s());
    t = std::min(t, time_s_ + crossing_in_s());
    return t;
}

void Pack::advance_to(double t_s) {
    while (time_s_ < t_s) {
        double target = std::min(t_s, time_s_ + max_step_s());
        enum class Event { none, crossing, trip } event = Event::none;
        if (comparator_.armed() && comparator_.trip_at_s() <= target) {
            target = comparator_.trip_at_s();
            event = Event::trip;
        } else {
            const double crossing = time_s_ + crossing_in_s();
            if (crossing <= target) {
                target = crossing;
                event = Event::crossing;
            }
        }
        step(target - time_s_);
        time_s_ = target;
        if (event == Event::trip) {
            // The AFE opens the discharge FET in hardware and latches.
            comparator_.trip(loop_.current_A());
            resolve();
        } else if (event == Event::crossing) {
            loop_.set_current_A(comparator_.arm_at_crossing(time_s_));  // exactly at the crossing
        } else {
            comparator_.observe(loop_.current_A(), time_s_);
        }
    }
}

void Pack::step(double dt) {
    if (dt <= 0.0) return;
    ++steps_;
    step_end_s_ = time_s_ + dt;
    const std::size_t n = cells_.size();
    const PowerLoop::StepCurrent i = loop_.over(dt);
    const std::uint32_t mask = commanded().balance_mask;

    // Cells, with their bleed resistors; their heat is collected at the flush.
    double bleed_heat = 0.0;
    if (mask == 0) {
        cells_.step(i.mean_A, dt);
    } else {
        double i_cell[CellBank::kMaxCells];
        for (std::size_t k = 0; k < n; ++k) {
            i_cell[k] = i.mean_A;
            if (mask & (1u << k)) {
                const double i_bleed = bleed_A(k);
                i_cell[k] -= i_bleed;
                bleed_heat += i_bleed * i_bleed * config_.bleed_ohm * dt;
            }
        }
        cells_.step(i_cell, dt);
    }
    cells_changed();  // the new state's EMF, for the heat below, the loop and the sensors

    // Busbars: half their heat to each neighbouring cell. Links are cables
    // between rows of cells, in the air: their heat leaves with it.
    const double i2dt = i.mean_square_A2 * dt;
    if (i2dt > 0.0) {
        thermal_.add_busbar_J(i2dt * config_.busbar_ohm);
        thermal_.add_to_air_J(i2dt * link_total_ohm_);
    }
    // Power stage: FETs or their diodes, precharge, shunt, limiter, bleeders
    // (the loop's terminal voltage is still the step's start's).
    thermal_.add_power_stage_J(bleed_heat + loop_.stage_heat_J(i, dt));
    // Heater pad: its heat spreads evenly over the cells.
    if (commanded().heater && terminal_V() > 0.0)
        thermal_.add_spread_J(terminal_V() * terminal_V() / config_.heater_ohm * dt);
    outside_.step_inverters(terminal_V(), loop_.loop_resistance_ohm(false), dt);

    const bool dissipating = std::abs(i.mean_A) > 1e-3 || commanded().heater || mask != 0;
    if (thermal_.elapse(dt, dissipating)) thermal_.flush(cells_, std::max(time_s_, step_end_s_));

    // Re-solve for the new cell state (EMF, voltage-dependent loads); the
    // inductor keeps its current.
    loop_.resettle(i.end_A, outside_);
    double storage[CellBank::kMaxCells];
    soa_.check(time_s_, cells_, current_A(), bleeding_cell_currents(storage), thermal_.hottest_cell_degC(),
               thermal_.coldest_cell_degC());
}

void Pack::set_ambient_profile(std::vector<std::pair<double, double>> points) {
    thermal_.set_ambient_profile(std::move(points), std::max(time_s_, step_end_s_));
}

void Pack::set_cell(std::size_t index, const CellVariation& variation, double soc) {
    if (index >= cells_.size()) throw std::out_of_range("pack: no cell " + std::to_string(index + 1));
    flush_heat();  // the heat the old cell generated reaches the network before it goes
    const double t = cells_.temperature_degC(index);
    cells_.reset_cell(index, variation, soc, t);
    thermal_.update_cells(cells_);
    resolve();
}

void Pack::flush_heat() { thermal_.flush(cells_, std::max(time_s_, step_end_s_)); }

void Pack::set_cell_temperatures_degC(double t) {
    flush_heat();
    thermal_.set_cells_degC(cells_, t);
    resolve();
}

void Pack::set_cell_temperature_degC(std::size_t index, double t) {
    flush_heat();
    thermal_.set_cell_degC(cells_, index, t);
    resolve();
}

void Pack::set_power_stage_degC(double t) {
    flush_heat();
    thermal_.set_power_stage_degC(t);
}

void Pack::set_temperatures_degC(double t) {
    flush_heat();
    thermal_.set_all_degC(cells_, t);
    resolve();
}

// ---------------------------------------------------------------- inputs

void Pack::command(const PowerStageCommand& cmd) {
    // A floating input moves with the bleed resistors as they were until now.
    if (afe_.open_wire_mask()) {
        double storage[CellBank::kMaxCells];
        afe_.settle_inputs(afe_inputs(bleeding_cell_currents(storage)));
    }
    loop_.set_command(cmd);
    outside_.set_heater(cmd.heater);
    resolve();
}

Load& Pack::add_load(const Load& load) {
    Load& added = outside_.add_load(load);
    resolve();
    return added;
}

Load* Pack::find_load(const std::string& name) { return outside_.find_load(name); }

void Pack::inputs_changed() { resolve(); }

void Pack::configure_sc_comparator(double threshold_A, double delay_s) {
    comparator_.configure(threshold_A, delay_s);
    comparator_.observe(loop_.current_A(), time_s_);
}

void Pack::latch_sc_reported(double trip_time_s) {
    if (comparator_.latched()) return;
    comparator_.latch_reported(trip_time_s, loop_.current_A());
    resolve();
}

void Pack::clear_sc_latch() {
    if (!comparator_.latched()) return;
    comparator_.clear();
    resolve();
}

// ---------------------------------------------------------------- sensors

AfeInputs Pack::afe_inputs(const double* cell_current_A) const {
    return {time_s_,         cells_,           cell_current_A, current_A(), terminal_V(), ambient_degC(),
            power_stage_degC(), commanded().balance_mask, config_.bleed_ohm};
}

void Pack::set_sense_wire_open(int above_cell, bool open) {
    double storage[CellBank::kMaxCells];
    afe_.set_sense_wire_open(above_cell, open, afe_inputs(bleeding_cell_currents(storage)));
    resolve();  // the bleed paths changed
}

void Pack::drift_shunt_offset(double offset_A, double over_s) { afe_.drift_shunt_offset(offset_A, over_s, time_s_); }

void Pack::measure(const SensorSink& out) {
    double storage[CellBank::kMaxCells];
    afe_.measure(afe_inputs(bleeding_cell_currents(storage)), out);
}

void Pack::measure(SensorReadings& out) {
    double storage[CellBank::kMaxCells];
    afe_.measure(afe_inputs(bleeding_cell_currents(storage)), out);
    out.sc_latched = comparator_.latched();
    out.sc_trip_time_s = comparator_.trip_time_s();
}

}  // namespace bmshil::model
