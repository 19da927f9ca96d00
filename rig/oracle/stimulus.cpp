#include "stimulus.h"

#include <algorithm>
#include <cmath>

namespace bmshil::rig::oracle {

double quantity_of(const StimulusPlan& p, Quantity q, const std::vector<int>& ntc_cells) {
    const auto [lo, hi] = std::minmax_element(p.cell_V.begin(), p.cell_V.end());
    double sum = 0.0;
    for (double v : p.cell_V) sum += v;
    double t_hi = -1e300, t_lo = 1e300;
    for (int cell : ntc_cells) {
        const double t = p.cell_degC.at(static_cast<std::size_t>(cell - 1));
        t_hi = std::max(t_hi, t);
        t_lo = std::min(t_lo, t);
    }
    switch (q) {
        case Quantity::cell_max_V: return *hi;
        case Quantity::cell_min_V: return *lo;
        case Quantity::pack_V: return sum;
        // With a charger the terminal shows at most its setpoint.
        case Quantity::terminal_V: return p.charger_connected ? std::max(p.charger_V, sum) : sum;
        case Quantity::cell_max_degC: return t_hi;
        case Quantity::cell_min_degC: return t_lo;
        case Quantity::ambient_degC: return p.ambient_degC;
        case Quantity::power_degC: return p.power_degC;
        case Quantity::charge_current_A: return p.charger_connected ? p.charge_current_A : 0.0;
        case Quantity::discharge_current_A: return p.discharge_current_A;
        case Quantity::cell_spread_V: return *hi - *lo;
    }
    return 0.0;
}

namespace {

// The gap between the highest low-side value and the lowest high-side value
// of the thresholds on one group of sensors; its middle is furthest from both.
struct Gap {
    double low = -1e300, high = 1e300;
    void low_side(double v) { low = std::max(low, v); }
    void high_side(double v) { high = std::min(high, v); }
    double middle(double fallback_width) const {
        if (low < -1e299 && high > 1e299) return 25.0;
        if (low < -1e299) return high - fallback_width;
        if (high > 1e299) return low + fallback_width;
        return 0.5 * (low + high);
    }
};

}  // namespace

Levels levels_in_force(const ParameterSet& params, std::size_t cell_count) {
    const double n = static_cast<double>(cell_count);
    Gap cells_V, cells_degC, ambient_degC, power_degC;
    for (const Threshold& t : params.spec().thresholds()) {
        Gap* gap = nullptr;
        double scale = 1.0;
        switch (t.quantity) {
            case Quantity::cell_max_V:
            case Quantity::cell_min_V: gap = &cells_V; break;
            case Quantity::pack_V: gap = &cells_V, scale = 1.0 / n; break;
            case Quantity::cell_max_degC:
            case Quantity::cell_min_degC: gap = &cells_degC; break;
            case Quantity::ambient_degC: gap = &ambient_degC; break;
            case Quantity::power_degC: gap = &power_degC; break;
            default: break;
        }
        if (gap == nullptr) continue;
        for (int number : {t.trip, t.recovery}) {
            if (number == 0) continue;
            const double v = params[number] * scale;
            (t.direction > 0 ? gap->high_side(v) : gap->low_side(v));
        }
    }
    // Heating (#37 on, #38 off) acts on the coldest cell: stay above its end.
    cells_degC.low_side(params[38]);
    Levels l;
    l.parked_cell_V = cells_V.middle(0.2);
    l.neutral_cell_degC = cells_degC.middle(20.0);
    l.neutral_ambient_degC = ambient_degC.middle(20.0);
    l.neutral_power_degC = power_degC.middle(20.0);
    // The power stage warms the cells' surroundings; nothing is gained by a
    // power-stage temperature above what the cells sit at.
    l.neutral_power_degC = std::min(l.neutral_power_degC, std::max(l.neutral_cell_degC, l.neutral_ambient_degC));
    return l;
}

void Emulators::apply(const StimulusPlan& plan) {
    model::Pack& p = rig_.pack();
    bool changed = false;
    for (std::size_t k = 0; k < plan.cell_V.size() && k < p.cell_count(); ++k)
        if (first_ || plan.cell_V[k] != last_.cell_V[k]) {
            place_cell_at_voltage(p, k, plan.cell_V[k]);
            changed = true;
        }
    for (std::size_t k = 0; k < plan.cell_degC.size() && k < p.cell_count(); ++k)
        if (first_ || plan.cell_degC[k] != last_.cell_degC[k]) p.set_cell_temperature_degC(k, plan.cell_degC[k]);
    if (first_ || plan.ambient_degC != last_.ambient_degC) p.set_ambient_degC(plan.ambient_degC);
    if (first_ || plan.power_degC != last_.power_degC) p.set_power_stage_degC(plan.power_degC);
    if (first_ || plan.charger_connected != last_.charger_connected || plan.charger_V != last_.charger_V ||
        plan.charge_current_A != last_.charge_current_A) {
        p.charger().connected = plan.charger_connected;
        p.charger().voltage_setpoint_V = plan.charger_V;
        p.charger().current_limit_A = plan.charge_current_A;
        changed = true;
    }
    if (first_ || plan.discharge_current_A != last_.discharge_current_A) {
        model::Load* load = p.find_load("stimulus");
        if (load == nullptr) {
            model::Load l;
            l.name = "stimulus";
            load = &p.add_load(l);
        }
        load->kind = model::LoadKind::current;
        load->current_A = plan.discharge_current_A;
        load->connected = plan.discharge_current_A > 0.0;
        changed = true;
    }
    first_ = false;
    last_ = plan;
    if (changed) rig_.inputs_changed();
}

namespace {

// The SOC at which a rested cell (charge branch, as Cell's constructor leaves
// it) shows the open-circuit voltage v.
double soc_at_rested_V(const model::CellType& type, double v, double temperature_degC) {
    return type.rested_soc_at_V(v, 1.0, temperature_degC + model::kKelvinOffset);
}

}  // namespace

void place_cell_at_voltage(model::Pack& p, std::size_t k, double v) {
    const model::CellView c = p.cell(k);
    const model::CellVariation variation = c.variation();
    p.set_cell(k, variation, soc_at_rested_V(*p.cell_type(), v, c.temperature_degC()));
}

std::optional<StimulusPlan> loaded_plan(const model::Pack& pack, const StimulusPlan& plan, double window_s) {
    // Current into the cells, + while charging (the model's sign).
    const double current_A = plan.discharge_current_A > 0.0 ? -plan.discharge_current_A
                             : plan.charger_connected    ? plan.charge_current_A
                                                         : 0.0;
    if (current_A == 0.0 || window_s <= 0.0) return std::nullopt;
    StimulusPlan loaded = plan;
    for (std::size_t k = 0; k < plan.cell_V.size() && k < pack.cell_count(); ++k) {
        const double degC = k < plan.cell_degC.size() ? plan.cell_degC[k] : pack.cell(k).temperature_degC();
        model::Cell probe(pack.cell_type(), pack.cell(k).variation(),
                          soc_at_rested_V(*pack.cell_type(), plan.cell_V[k], degC), degC);
        probe.step(current_A, window_s);  // exact under a constant current: one step
        loaded.cell_V[k] = probe.terminal_V(current_A);
    }
    return loaded;
}

}  // namespace bmshil::rig::oracle
