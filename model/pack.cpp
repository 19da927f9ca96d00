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

// Mean of i(t) = a + b e^{-t/tau} and of i(t)^2 over [0, dt].
struct Average {
    double i;
    double i2;
};
Average rl_average(double a, double b, double tau, double dt) {
    if (tau <= 0.0 || dt <= 0.0) return {a + b, (a + b) * (a + b)};
    const double decay = std::exp(-dt / tau);
    const double one_minus = 1.0 - decay;
    return {a + b * tau * one_minus / dt,
            (a * a * dt + 2.0 * a * b * tau * one_minus + b * b * 0.5 * tau * (1.0 - decay * decay)) / dt};
}

}  // namespace

const char* to_string(SoaKind kind) {
    switch (kind) {
        case SoaKind::charge_below_min_temperature: return "charge_below_min_temperature";
        case SoaKind::cell_over_voltage: return "cell_over_voltage";
        case SoaKind::cell_under_voltage: return "cell_under_voltage";
        case SoaKind::cell_over_temperature: return "cell_over_temperature";
    }
    return "unknown";
}

static ThermalConfig thermal_config(const PackConfig& c, const CellType& type, const CellBank& cells) {
    ThermalConfig t;
    for (std::size_t k = 0; k < cells.size(); ++k) {
        // Heat capacity scales with the cell's mass, taken as its capacity.
        t.cell_heat_capacity_J_per_K.push_back(type.params().heat_capacity_J_per_K() *
                                                cells.variation(k).capacity_scale);
        t.cell_to_ambient_W_per_K.push_back(type.params().convection_W_per_m2K *
                                            type.params().surface_area_m2);
    }
    t.cell_to_cell_W_per_K = c.cell_to_cell_W_per_K;
    t.power_stage_heat_capacity_J_per_K = c.power_stage_heat_capacity_J_per_K;
    t.power_stage_to_ambient_W_per_K = c.power_stage_to_ambient_W_per_K;
    return t;
}

static CellBank make_cells(const PackConfig& c, const std::shared_ptr<const CellType>& type, Random& rng) {
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

Pack::Pack(const PackConfig& config, std::shared_ptr<const CellType> cell_type)
    : Pack(config, std::move(cell_type), Random(config.seed)) {}

// The spread, offsets and tolerances are drawn in this order from one stream
// of the seed: cells, tap offsets, current offset, NTC tolerances.
Pack::Pack(const PackConfig& config, std::shared_ptr<const CellType> cell_type, Random&& rng)
    : config_(config),
      type_(std::move(cell_type)),
      cells_(make_cells(config_, type_, rng)),
      thermal_(ThermalConfig{{1.0}, {1.0}}, config.initial_temperature_degC),
      noise_(config.seed ^ 0x6e6f697365ULL),
      ambient_degC_(config.ambient_degC),
      sc_threshold_A_(config.afe.sc_threshold_A),
      sc_delay_s_(config.afe.sc_delay_s) {
    thermal_ = ThermalNetwork(thermal_config(config_, *type_, cells_), config_.initial_temperature_degC);
    const std::size_t n = cells_.size();
    for (std::size_t k = 0; k < n; ++k)
        tap_offset_V_.push_back(rng.uniform(-config_.afe.cell_offset_max_V, config_.afe.cell_offset_max_V));
    current_offset_A_ = rng.uniform(-config_.afe.current_offset_max_A, config_.afe.current_offset_max_A);
    link_in_tap_ohm_.assign(n, 0.0);
    for (const auto& link : config_.links) {
        if (link.after_cell < 1 || static_cast<std::size_t>(link.after_cell) >= n)
            throw std::invalid_argument("pack: link after_cell " + std::to_string(link.after_cell) +
                                        " outside 1.." + std::to_string(n - 1));
        link_in_tap_ohm_[static_cast<std::size_t>(link.after_cell - 1)] += link.resistance_ohm;
        link_total_ohm_ += link.resistance_ohm;
    }
    for (int cell : config_.ntc_cells)
        if (cell < 1 || static_cast<std::size_t>(cell) > n)
            throw std::invalid_argument("pack: NTC on cell " + std::to_string(cell) + " outside the pack");
    for (std::size_t i = 0; i < 6; ++i)
        ntcs_.emplace_back(config_.ntc, 1.0 + rng.uniform(-config_.ntc_tolerance, config_.ntc_tolerance));
    series_parts_ohm_ = config_.shunt_ohm + config_.busbar_ohm * static_cast<double>(n - 1) + link_total_ohm_;
    pending_heat_J_ = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n + 1));
    soa_open_.assign(4 * n, -1);
    soa_since_s_.assign(4 * n, -1.0);
    update_cell_temperatures();
    resolve();
}

// ---------------------------------------------------------------- the loop

TerminalNetwork Pack::network(double terminal_estimate_V, bool with_charger, bool charger_as_source) const {
    TerminalNetwork net;
    if (with_charger && charger_.connected) {
        if (charger_as_source) {
            net.norton_A += charger_.current_limit_A;
        } else {
            net.norton_A += charger_.regulated_V() / charger_.output_resistance_ohm;
            net.conductance_S += 1.0 / charger_.output_resistance_ohm;
        }
    }
    for (const Load& load : loads_) {
        if (!load.connected) continue;
        switch (load.kind) {
            case LoadKind::current:
                if (terminal_estimate_V > load.dropout_V) net.norton_A -= load.current_A;
                break;
            case LoadKind::power:
                if (terminal_estimate_V > load.dropout_V) net.norton_A -= load.power_W / terminal_estimate_V;
                break;
            case LoadKind::resistance:
                net.conductance_S += 1.0 / load.resistance_ohm;
                break;
            case LoadKind::inverter:
                net.norton_A += load.link_V / load.esr_ohm;
                net.conductance_S += 1.0 / load.esr_ohm;
                break;
        }
    }
    if (cmd_.heater) net.conductance_S += 1.0 / config_.heater_ohm;
    return net;
}

double Pack::pack_emf_V() const {
    double e = 0.0;
    for (std::size_t k = 0; k < cells_.size(); ++k) e += cells_.emf_now_V(k);
    return e;
}

double Pack::switch_resistance_ohm(bool charging) const {
    const bool dsg_on = cmd_.discharge_fet && !sc_latched_;
    if (charging) return config_.fet_on_ohm + (dsg_on ? config_.fet_on_ohm : 0.0);  // else a body diode
    return (dsg_on ? config_.fet_on_ohm : config_.precharge_ohm) + (cmd_.charge_fet ? config_.fet_on_ohm : 0.0);
}

double Pack::loop_resistance_ohm(bool charging) const {
    return fixed_resistance_ohm_ + switch_resistance_ohm(charging);
}

void Pack::refresh_emf() {
    cells_.update_emf();
    cell_emf_sum_V_ = cells_.emf_sum_V();
    fixed_resistance_ohm_ = cells_.r0_sum_ohm() + series_parts_ohm_;
}

namespace {
struct PathState {
    bool charge_allowed;
    bool discharge_allowed;
    double charge_drop_V;     // body diode in the charge direction
    double discharge_drop_V;  // body diode in the discharge direction
};
}  // namespace

static PathState path_state(const PowerStageCommand& cmd, bool sc_latched, double diode_V) {
    const bool dsg_on = cmd.discharge_fet && !sc_latched;
    PathState p;
    // A charge current needs the charge FET; the discharge FET's body diode
    // passes it when that FET is open.
    p.charge_allowed = cmd.charge_fet;
    p.charge_drop_V = dsg_on ? 0.0 : diode_V;
    // A discharge current needs the discharge FET or the precharge path; the
    // charge FET's body diode passes it when that FET is open.
    p.discharge_allowed = dsg_on || cmd.precharge;
    p.discharge_drop_V = cmd.charge_fet ? 0.0 : diode_V;
    return p;
}

Pack::LoopSolution Pack::solve_loop() const {
    const double e = cell_emf_sum_V_;
    const PathState path = path_state(cmd_, sc_latched_, config_.body_diode_V);
    // Voltage-dependent loads see the last terminal voltage, or the pack's when
    // the path has just opened to them.
    const double v_est = terminal_V_ > 1.0 || !path.discharge_allowed ? terminal_V_ : e;
    // Charger output diode: an off charger contributes nothing.
    const TerminalNetwork n = network(v_est, charger_mode_ != ChargerMode::off,
                                      charger_mode_ == ChargerMode::current_limit);

    LoopSolution s;
    s.conductance_S = n.conductance_S;
    s.network_open_V = n.conductance_S > 0.0 ? n.norton_A / n.conductance_S : 0.0;
    const auto solve = [&](bool charging, double drop) {
        const double r = loop_resistance_ohm(charging);
        const double v0 = charging ? e + drop : e - drop;
        if (n.conductance_S <= 0.0) return std::pair{n.norton_A, 0.0};
        const double i = (n.norton_A - n.conductance_S * v0) / (1.0 + n.conductance_S * r);
        const double tau = config_.loop_inductance_H / (1.0 / n.conductance_S + r);
        return std::pair{i, tau};
    };
    if (path.charge_allowed) {
        auto [i, tau] = solve(true, path.charge_drop_V);
        if (i > 0.0) {
            if (cmd_.limiter && i > config_.limiter_current_A) {
                s.infinity_A = config_.limiter_current_A;
                s.tau_s = 0.0;  // the limiter regulates the current
            } else {
                s.infinity_A = i;
                s.tau_s = tau;
            }
            return s;
        }
    }
    if (path.discharge_allowed) {
        auto [i, tau] = solve(false, path.discharge_drop_V);
        if (i < 0.0) {
            s.infinity_A = i;
            s.tau_s = tau;
            return s;
        }
    }
    return s;  // no path: no current
}

double Pack::terminal_for(double i) const {
    const PathState path = path_state(cmd_, sc_latched_, config_.body_diode_V);
    if (i > 0.0) {
        const double pack_side = cell_emf_sum_V_ + loop_resistance_ohm(true) * i + path.charge_drop_V;
        if (cmd_.limiter && i >= config_.limiter_current_A - 1e-12) {
            // The limiter drops what the network pushes beyond the pack side.
            const TerminalNetwork n = network(terminal_V_, charger_mode_ != ChargerMode::off,
                                              charger_mode_ == ChargerMode::current_limit);
            if (n.conductance_S > 0.0) return std::max(pack_side, (n.norton_A - i) / n.conductance_S);
        }
        return pack_side;
    }
    if (i < 0.0) return cell_emf_sum_V_ + loop_resistance_ohm(false) * i - path.discharge_drop_V;
    // Nothing draws: a conducting discharge path carries the pack's voltage
    // to the terminal; otherwise the terminal shows what the outside holds it at.
    if (loop_.conductance_S <= 0.0 && path.discharge_allowed) return cell_emf_sum_V_;
    return loop_.network_open_V;
}

void Pack::resolve() {
    refresh_emf();
    // The charger is a CV source with a current limit and an output diode:
    // find the mode consistent with the terminal voltage it produces.
    charger_mode_ = ChargerMode::voltage;
    for (int attempt = 0; attempt < 4; ++attempt) {
        loop_ = solve_loop();
        if (!charger_.connected) break;
        const double v = terminal_for(loop_.infinity_A);
        const double reg = charger_.regulated_V();
        const double r = charger_.output_resistance_ohm;
        ChargerMode next = charger_mode_;
        if (charger_mode_ == ChargerMode::voltage) {
            const double i_ch = (reg - v) / r;
            if (i_ch > charger_.current_limit_A) next = ChargerMode::current_limit;
            else if (i_ch < 0.0) next = ChargerMode::off;
        } else if (charger_mode_ == ChargerMode::current_limit) {
            if (v > reg - charger_.current_limit_A * r) next = ChargerMode::voltage;
        } else if (v < reg) {
            next = ChargerMode::voltage;
        }
        if (next == charger_mode_) break;
        charger_mode_ = next;
    }
    // An inductive loop keeps its current across the change unless the path
    // for it is gone, in which case the switch absorbs the stored energy.
    const PathState path = path_state(cmd_, sc_latched_, config_.body_diode_V);
    const bool blocked = (current_A_ > 0.0 && !(path.charge_allowed && loop_.infinity_A > 0.0)) ||
                         (current_A_ < 0.0 && !(path.discharge_allowed && loop_.infinity_A < 0.0));
    if (loop_.tau_s <= 0.0 || blocked) {
        if (blocked && loop_.tau_s > 0.0) {
            const double energy = 0.5 * config_.loop_inductance_H * current_A_ * current_A_;
            pending_heat_J_[static_cast<Eigen::Index>(cells_.size())] += energy;
            heat_total_J_ += energy;
        }
        current_A_ = loop_.tau_s <= 0.0 ? loop_.infinity_A : 0.0;
    }
    terminal_V_ = terminal_for(current_A_);
    update_comparator();
}

// ---------------------------------------------------------------- stepping

double Pack::max_step_s() const {
    double dt = kRestStep_s;
    const double i = std::abs(current_A_) + (cmd_.balance_mask ? 0.2 : 0.0);
    if (i > 1e-3) {
        dt = std::min(kActiveStep_s, kSocPerStep * type_->params().capacity_Ah * 3600.0 / i);
    }
    if (loop_.tau_s > 0.0 && std::abs(current_A_ - loop_.infinity_A) > 1e-6 * (1.0 + std::abs(loop_.infinity_A)))
        dt = std::min(dt, 0.5 * loop_.tau_s);
    for (const Load& load : loads_) {
        if (load.connected && load.kind == LoadKind::inverter &&
            std::abs(load.link_V - terminal_V_) > 0.05) {
            const double r = load.esr_ohm + loop_resistance_ohm(false);
            dt = std::min(dt, 0.05 * load.capacitance_F * r);
        }
    }
    return dt;
}

double Pack::crossing_in_s() const {
    if (sc_latched_ || sc_armed_ || loop_.tau_s <= 0.0) return kInfinity;
    const double now = -current_A_, target = -loop_.infinity_A;
    if (!(target > sc_threshold_A_ && now < sc_threshold_A_)) return kInfinity;
    return -loop_.tau_s * std::log((sc_threshold_A_ - target) / (now - target));
}

double Pack::next_wake_s() const {
    double t = time_s_ + max_step_s();
    if (sc_armed_) t = std::min(t, sc_trip_at_s_);
    t = std::min(t, time_s_ + crossing_in_s());
    return t;
}

void Pack::update_comparator() {
    if (sc_latched_) return;
    // The AFE's comparator watches the discharge current through the shunt.
    if (-current_A_ >= sc_threshold_A_ * (1.0 - 1e-12)) {
        if (!sc_armed_) {
            sc_armed_ = true;
            sc_trip_at_s_ = time_s_ + sc_delay_s_;
        }
    } else {
        sc_armed_ = false;
    }
}

void Pack::advance_to(double t_s) {
    while (time_s_ < t_s) {
        double target = std::min(t_s, time_s_ + max_step_s());
        enum class Event { none, crossing, trip } event = Event::none;
        if (sc_armed_ && sc_trip_at_s_ <= target) {
            target = sc_trip_at_s_;
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
            sc_armed_ = false;
            sc_latched_ = true;
            sc_trip_time_s_ = sc_trip_at_s_;
            sc_trip_current_A_ = current_A_;
            resolve();
        } else if (event == Event::crossing) {
            current_A_ = -sc_threshold_A_;  // exactly at the crossing
            sc_armed_ = true;
            sc_trip_at_s_ = time_s_ + sc_delay_s_;
        } else {
            update_comparator();
        }
    }
}

void Pack::step(double dt) {
    if (dt <= 0.0) return;
    ++steps_;
    step_end_s_ = time_s_ + dt;
    const std::size_t n = cells_.size();
    const Eigen::Index power = static_cast<Eigen::Index>(n);
    const double i0 = current_A_;
    const bool inductive = loop_.tau_s > 0.0;
    const Average avg = inductive ? rl_average(loop_.infinity_A, i0 - loop_.infinity_A, loop_.tau_s, dt)
                                  : Average{loop_.infinity_A, loop_.infinity_A * loop_.infinity_A};
    const double i_end = inductive ? loop_.infinity_A + (i0 - loop_.infinity_A) * std::exp(-dt / loop_.tau_s)
                                   : loop_.infinity_A;

    // Cells, with their bleed resistors; their heat is collected at the flush.
    double bleed_heat = 0.0;
    if (cmd_.balance_mask == 0) {
        cells_.step(avg.i, dt);
    } else {
        double i_cell[CellBank::kMaxCells];
        const double* emf = cells_.emf_V();
        for (std::size_t k = 0; k < n; ++k) {
            i_cell[k] = avg.i;
            if (cmd_.balance_mask & (1u << k)) {
                const double i_bleed = emf[k] / config_.bleed_ohm;
                i_cell[k] -= i_bleed;
                bleed_heat += i_bleed * i_bleed * config_.bleed_ohm * dt;
            }
        }
        cells_.step(i_cell, dt);
    }
    // The new state's EMF, for the loop solution and the sensors.
    cell_emf_sum_V_ = cells_.emf_sum_V();
    fixed_resistance_ohm_ = cells_.r0_sum_ohm() + series_parts_ohm_;

    // Busbars: half their heat to each neighbouring cell. Links are cables
    // between rows of cells, in the air: their heat leaves with it.
    const double i2dt = avg.i2 * dt;
    if (i2dt > 0.0) {
        pending_busbar_J_ += i2dt * config_.busbar_ohm;  // per busbar; spread at the flush
        heat_total_J_ += i2dt * config_.busbar_ohm * static_cast<double>(n - 1);
        heat_to_air_J_ += i2dt * link_total_ohm_;
    }

    // Power stage: FETs or their diodes, precharge, shunt, limiter, bleeders.
    double stage = bleed_heat;
    if (avg.i != 0.0) {
        const PathState path = path_state(cmd_, sc_latched_, config_.body_diode_V);
        const bool charging = avg.i > 0.0;
        stage += i2dt * (switch_resistance_ohm(charging) + config_.shunt_ohm);
        stage += std::abs(avg.i) * dt * (charging ? path.charge_drop_V : path.discharge_drop_V);
        if (charging && cmd_.limiter && loop_.tau_s <= 0.0 && loop_.infinity_A >= config_.limiter_current_A) {
            const double pack_side = cell_emf_sum_V_ + loop_resistance_ohm(true) * avg.i + path.charge_drop_V;
            stage += std::max(0.0, terminal_V_ - pack_side) * avg.i * dt;
        }
    }
    pending_heat_J_[power] += stage;
    heat_total_J_ += stage;

    // Heater pad: its heat spreads evenly over the cells.
    if (cmd_.heater && terminal_V_ > 0.0) {
        const double q = terminal_V_ * terminal_V_ / config_.heater_ohm * dt;
        for (std::size_t k = 0; k < n; ++k) pending_heat_J_[static_cast<Eigen::Index>(k)] += q / static_cast<double>(n);
        heat_total_J_ += q;
    }

    // Inverter DC links charge through their ESR and feed their power stage.
    for (Load& load : loads_) {
        if (!load.connected || load.kind != LoadKind::inverter) continue;
        const double i_out = (load.link_V - terminal_V_) / load.esr_ohm;
        const double i_stage = load.link_V >= load.start_V ? load.power_W / load.link_V : 0.0;
        load.link_V = std::max(0.0, load.link_V - (i_out + i_stage) * dt / load.capacitance_F);
    }

    // Heat reaches the thermal network at most every thermal_interval_s while
    // anything dissipates, and every kRestStep_s at rest (temperatures then
    // follow only the ambient, with time constants of hours).
    pending_time_s_ += dt;
    const bool dissipating = std::abs(avg.i) > 1e-3 || cmd_.heater || cmd_.balance_mask != 0;
    if (pending_time_s_ >= (dissipating ? config_.thermal_interval_s : kRestStep_s)) flush_heat();

    current_A_ = i_end;
    // Re-solve for the new cell state (EMF, voltage-dependent loads).
    const double keep = current_A_;
    resolve_quiet(keep);
    check_soa();
}

void Pack::resolve_quiet(double current) {
    loop_ = solve_loop();
    current_A_ = loop_.tau_s <= 0.0 ? loop_.infinity_A : current;
    terminal_V_ = terminal_for(current_A_);
}

void Pack::update_ambient() {
    if (ambient_profile_.empty()) return;
    // The ambient over the pending interval, taken at its middle.
    const double t = std::max(time_s_, step_end_s_) - 0.5 * pending_time_s_;
    const auto& p = ambient_profile_;
    if (t <= p.front().first) { ambient_degC_ = p.front().second; return; }
    if (t >= p.back().first) { ambient_degC_ = p.back().second; return; }
    for (std::size_t i = 1; i < p.size(); ++i)
        if (t <= p[i].first) {
            const double f = (t - p[i - 1].first) / (p[i].first - p[i - 1].first);
            ambient_degC_ = p[i - 1].second + f * (p[i].second - p[i - 1].second);
            return;
        }
}

void Pack::set_ambient_profile(std::vector<std::pair<double, double>> points) {
    for (std::size_t i = 1; i < points.size(); ++i)
        if (!(points[i].first > points[i - 1].first))
            throw std::invalid_argument("ambient profile: times must increase (point " + std::to_string(i) + ")");
    ambient_profile_ = std::move(points);
    update_ambient();
}

void Pack::set_cell(std::size_t index, const CellVariation& variation, double soc) {
    if (index >= cells_.size()) throw std::out_of_range("pack: no cell " + std::to_string(index + 1));
    const double t = cells_.temperature_degC(index);
    cells_.reset_cell(index, variation, soc, t);
    update_cell_temperatures();
    resolve();
}

void Pack::flush_heat() {
    if (pending_time_s_ <= 0.0) return;
    update_ambient();
    const std::size_t n = cells_.size();
    for (std::size_t k = 0; k < n; ++k) {
        const double q = cells_.take_heat_J(k);
        pending_heat_J_[static_cast<Eigen::Index>(k)] += q;
        heat_total_J_ += q;
    }
    for (std::size_t k = 0; k + 1 < n; ++k) {
        pending_heat_J_[static_cast<Eigen::Index>(k)] += 0.5 * pending_busbar_J_;
        pending_heat_J_[static_cast<Eigen::Index>(k + 1)] += 0.5 * pending_busbar_J_;
    }
    pending_busbar_J_ = 0.0;
    thermal_.step(pending_heat_J_, pending_time_s_, ambient_degC_);
    pending_heat_J_.setZero();
    pending_time_s_ = 0.0;
    update_cell_temperatures();
}

void Pack::update_cell_temperatures() {
    hottest_cell_degC_ = -1e9;
    coldest_cell_degC_ = 1e9;
    for (std::size_t k = 0; k < cells_.size(); ++k) {
        const double t = thermal_.temperature_degC(k);
        cells_.set_temperature_degC(k, t);
        hottest_cell_degC_ = std::max(hottest_cell_degC_, t);
        coldest_cell_degC_ = std::min(coldest_cell_degC_, t);
    }
}

void Pack::set_cell_temperatures_degC(double t) {
    flush_heat();
    for (std::size_t k = 0; k < cells_.size(); ++k) thermal_.set_degC(k, t);
    update_cell_temperatures();
    resolve();
}

void Pack::set_cell_temperature_degC(std::size_t index, double t) {
    flush_heat();
    thermal_.set_degC(index, t);
    update_cell_temperatures();
    resolve();
}

void Pack::set_power_stage_degC(double t) {
    flush_heat();
    thermal_.set_degC(thermal_.power_node(), t);
}

void Pack::set_temperatures_degC(double t) {
    flush_heat();
    thermal_.set_all_degC(t);
    update_cell_temperatures();
    resolve();
}

void Pack::check_soa() {
    const SoaLimits& lim = config_.soa;
    const std::size_t n = cells_.size();
    if (soa_open_count_ == 0 && cmd_.balance_mask == 0) {
        // Fast path: nothing open, one current for all cells, every cell inside
        // its limits. Temperatures change only at a thermal flush.
        const double i = current_A_;
        const double* emf = cells_.emf_V();
        double v_max = -1e9, v_min = 1e9;
        for (std::size_t k = 0; k < n; ++k) {
            const double v = emf[k] + i * cells_.r0_cached_ohm(k);
            v_max = std::max(v_max, v);
            v_min = std::min(v_min, v);
        }
        const bool charging_cold = i > lim.charging_threshold_A && coldest_cell_degC_ < lim.charge_min_degC;
        if (v_max <= lim.cell_max_V && v_min >= lim.cell_min_V && hottest_cell_degC_ <= lim.cell_max_degC &&
            !charging_cold)
            return;
    }
    for (std::size_t k = 0; k < n; ++k) {
        const double i = cell_current_A(k);
        const double v = cells_.emf_V()[k] + i * cells_.r0_cached_ohm(k);
        const double t = cells_.temperature_degC(k);
        const bool active[4] = {i > lim.charging_threshold_A && t < lim.charge_min_degC, v > lim.cell_max_V,
                                v < lim.cell_min_V, t > lim.cell_max_degC};
        const double value[4] = {t, v, v, t};
        for (int kind = 0; kind < 4; ++kind) {
            int& open = soa_open_[static_cast<std::size_t>(kind) * n + k];
            double& since = soa_since_s_[static_cast<std::size_t>(kind) * n + k];
            if (active[kind]) {
                if (open == -1) {  // begins: pending until it lasts
                    since = time_s_;
                    open = -2;
                    ++soa_open_count_;
                }
                if (open == -2) {
                    // The limits are for sustained operation: a dip under a short,
                    // an inrush, or the tick a charge flows before a BMS can react,
                    // shorter than min_excursion_s, is not a violation.
                    if (time_s_ - since >= lim.min_excursion_s) {
                        open = static_cast<int>(soa_.size());
                        soa_.push_back({static_cast<SoaKind>(kind), static_cast<int>(k + 1), since, -1.0, value[kind]});
                    }
                } else {
                    SoaViolation& s = soa_[static_cast<std::size_t>(open)];
                    const bool worse = (kind == 2 || kind == 0) ? value[kind] < s.worst : value[kind] > s.worst;
                    if (worse) s.worst = value[kind];
                }
            } else {
                if (open >= 0) soa_[static_cast<std::size_t>(open)].end_s = time_s_;
                if (open != -1) --soa_open_count_;
                open = -1;
                since = -1.0;
            }
        }
    }
}

// ---------------------------------------------------------------- inputs

void Pack::command(const PowerStageCommand& cmd) {
    cmd_ = cmd;
    resolve();
}

Load& Pack::add_load(const Load& load) {
    loads_.push_back(load);
    resolve();
    return loads_.back();
}

Load* Pack::find_load(const std::string& name) {
    for (Load& l : loads_)
        if (l.name == name) return &l;
    return nullptr;
}

void Pack::inputs_changed() { resolve(); }

void Pack::configure_sc_comparator(double threshold_A, double delay_s) {
    sc_threshold_A_ = threshold_A;
    sc_delay_s_ = delay_s;
    update_comparator();
}

void Pack::latch_sc_reported(double trip_time_s) {
    if (sc_latched_) return;
    sc_armed_ = false;
    sc_latched_ = true;
    sc_trip_time_s_ = trip_time_s;
    sc_trip_current_A_ = current_A_;
    resolve();
}

void Pack::clear_sc_latch() {
    if (!sc_latched_) return;
    sc_latched_ = false;
    resolve();
}

// ---------------------------------------------------------------- sensors

void Pack::measure(SensorReadings& out) {
    const std::size_t n = cells_.size();
    const AfeConfig& afe = config_.afe;
    out.cell_tap_uV.resize(n);
    const double inv_lsb = 1.0 / afe.cell_lsb_V;
    const double lsb_uV = afe.cell_lsb_V * 1e6;
    for (std::size_t k = 0; k < n; ++k) {
        const double v = cells_.emf_V()[k] + cell_current_A(k) * cells_.r0_cached_ohm(k) +
                         link_in_tap_ohm_[k] * current_A_ + tap_offset_V_[k] + afe.cell_noise_V * noise_.next();
        // The AFE's code, then microvolts as its driver reports them.
        const long code = std::lrint(v * inv_lsb);
        out.cell_tap_uV[k] = static_cast<std::int32_t>(std::lrint(static_cast<double>(code) * lsb_uV));
    }
    out.pack_terminal_mV = static_cast<std::int32_t>(std::nearbyint((terminal_V_ + afe.pack_noise_V * noise_.next()) * 1e3));
    const double i = current_A_ + current_offset_A_ + afe.current_noise_A * noise_.next();
    out.shunt_current_mA =
        static_cast<std::int32_t>(std::nearbyint(std::nearbyint(i / afe.current_lsb_A) * afe.current_lsb_A * 1e3));
    for (std::size_t j = 0; j < 4; ++j) {
        const std::size_t cell = static_cast<std::size_t>(config_.ntc_cells[j] - 1);
        out.ntc_ohm[j] = ntcs_[j].reading_ohm(cells_.temperature_degC(cell));
    }
    out.ntc_ohm[4] = ntcs_[4].reading_ohm(ambient_degC_);
    out.ntc_ohm[5] = ntcs_[5].reading_ohm(power_stage_degC());
    out.sc_latched = sc_latched_;
    out.sc_trip_time_s = sc_trip_time_s_;
}

}  // namespace bmshil::model
