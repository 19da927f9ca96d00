// One LiFePO4 cell: R0, a Butler-Volmer charge-transfer element with a
// capacitance in parallel, one slow linear RC pair, solid diffusion (the
// surface SOC lags the bulk SOC), OCV with charge/discharge hysteresis and an
// entropic term, Arrhenius kinetics, coulombic efficiency and self-discharge.
// Current is positive while charging. Equations: model/cell_sets/FORMAT.md.
//
// A Cell is a bank of one (cell_bank.h holds the equations, once, for any
// number of cells); CellView reads one cell of a larger bank, such as a
// pack's. Both answer the same questions (CellReadouts).
#pragma once

#include <cstddef>
#include <memory>

#include "cell_bank.h"

namespace bmshil::model {

// The questions one can ask a cell, for a Cell and for a view into a bank.
template <class Self>
class CellReadouts {
public:
    // Bulk SOC (charge / capacity).
    double soc() const { return bank().soc(index()); }
    // SOC at the particles' surface: the OCV is read there.
    double surface_soc() const { return bank().surface_soc(index()); }
    double capacity_Ah() const { return bank().capacity_Ah(index()); }
    double hysteresis() const { return bank().hysteresis(index()); }
    // Voltage across the charge-transfer element and across the RC pair.
    double v_ct_V() const { return bank().v_ct_V(index()); }
    double v_rc_V() const { return bank().v_rc_V(index()); }
    double temperature_degC() const { return bank().temperature_degC(index()); }
    // Equilibrium voltage (no hysteresis) at the bulk SOC: average branch plus
    // entropic shift (the rested cell's).
    double equilibrium_V() const { return bank().equilibrium_V(index()); }
    // Open-circuit voltage at the bulk SOC on the current hysteresis state.
    double ocv_V() const { return bank().ocv_V(index()); }
    // Voltage internal to R0: OCV at the surface SOC plus the charge-transfer
    // and RC polarisation.
    double emf_V() const { return bank().emf_now_V(index()); }
    double r0_ohm() const { return bank().r0_ohm(index()); }
    // R0 as last read from the tables (refreshed with SOC and temperature).
    double r0_cached_ohm() const { return bank().r0_cached_ohm(index()); }
    double terminal_V(double current_A) const { return emf_V() + current_A * r0_ohm(); }
    const CellVariation& variation() const { return bank().variation(index()); }
    const CellEnergy& energy() const { return bank().energy(index()); }
    const CellType& type() const { return bank().type(); }

private:
    const CellBank& bank() const { return static_cast<const Self&>(*this).readout_bank(); }
    std::size_t index() const { return static_cast<const Self&>(*this).readout_index(); }
};

class Cell : public CellReadouts<Cell> {
public:
    Cell(std::shared_ptr<const CellType> type, CellVariation variation, double soc, double temperature_degC)
        : bank_(std::move(type), 1, &variation, &soc, temperature_degC) {}

    // Advances the cell by dt_s under a constant terminal current.
    void step(double current_A, double dt_s) { bank_.step(current_A, dt_s); }
    // The heat generated since the last call, J (irreversible, entropic and
    // side reactions).
    double take_heat_J() { return bank_.take_heat_J(0); }
    // Rest the cell fully: charge transfer and RC pair discharged, no
    // concentration gradient, hysteresis on a branch (-1..1).
    void set_state(double soc, double hysteresis) { bank_.set_state(0, soc, hysteresis); }
    void set_temperature_degC(double t) { bank_.set_temperature_degC(0, t); }
    void set_self_discharge_scale(double s) { bank_.set_self_discharge_scale(0, s); }

private:
    friend class CellReadouts<Cell>;
    const CellBank& readout_bank() const { return bank_; }
    std::size_t readout_index() const { return 0; }
    CellBank bank_;
};

// One cell of a bank, read-only.
class CellView : public CellReadouts<CellView> {
public:
    CellView(const CellBank& bank, std::size_t index) : bank_(&bank), index_(index) {}

private:
    friend class CellReadouts<CellView>;
    const CellBank& readout_bank() const { return *bank_; }
    std::size_t readout_index() const { return index_; }
    const CellBank* bank_;
    std::size_t index_;
};

}  // namespace bmshil::model
