#include "waveform.h"

#include <cmath>
#include <cstdio>

namespace bmshil::rig {
namespace {
double round_to(double v, double step) { return std::round(v / step) * step; }
}  // namespace

Waveform::Waveform(const std::string& path, Rig& rig) : rig_(rig), vcd_(path, "1 us") {
    current_ = vcd_.add_real("pack", "current_A");
    terminal_ = vcd_.add_real("pack", "terminal_V");
    cell_min_ = vcd_.add_real("pack", "cell_min_V");
    cell_max_ = vcd_.add_real("pack", "cell_max_V");
    t_min_ = vcd_.add_real("pack", "cell_min_degC");
    t_max_ = vcd_.add_real("pack", "cell_max_degC");
    ambient_ = vcd_.add_real("pack", "ambient_degC");
    power_ = vcd_.add_real("pack", "power_stage_degC");
    for (std::size_t k = 0; k < rig.pack().cell_count(); ++k) {
        char name[32];
        std::snprintf(name, sizeof name, "cell%02zu_V", k + 1);
        cells_.push_back(vcd_.add_real("pack.cells", name));
    }
    chg_ = vcd_.add_wire("board", "charge_fet");
    dsg_ = vcd_.add_wire("board", "discharge_fet");
    pre_ = vcd_.add_wire("board", "precharge");
    heat_ = vcd_.add_wire("board", "heater");
    lim_ = vcd_.add_wire("board", "limiter");
    sc_ = vcd_.add_wire("board", "afe_sc_latched");
    balance_ = vcd_.add_wire("board", "balance_mask", 16);
    sample();
    vcd_.begin();
    rig.board().set_after_call([this] { sample(); });
}

Waveform::~Waveform() { close(); }

void Waveform::sample() {
    if (closed_) return;
    model::Pack& p = rig_.pack();
    const auto t_us = static_cast<std::uint64_t>(std::llround(rig_.now_s() * 1e6));
    vcd_.time(t_us);
    vcd_.change_real(current_, round_to(p.current_A(), 0.01));
    vcd_.change_real(terminal_, round_to(p.terminal_V(), 0.001));
    double vmin = 1e9, vmax = -1e9, tmin = 1e9, tmax = -1e9;
    for (std::size_t k = 0; k < p.cell_count(); ++k) {
        const double v = p.cell_voltage_V(k);
        vcd_.change_real(cells_[k], round_to(v, 0.001));
        vmin = std::min(vmin, v);
        vmax = std::max(vmax, v);
        tmin = std::min(tmin, p.cell(k).temperature_degC());
        tmax = std::max(tmax, p.cell(k).temperature_degC());
    }
    vcd_.change_real(cell_min_, round_to(vmin, 0.001));
    vcd_.change_real(cell_max_, round_to(vmax, 0.001));
    vcd_.change_real(t_min_, round_to(tmin, 0.01));
    vcd_.change_real(t_max_, round_to(tmax, 0.01));
    vcd_.change_real(ambient_, round_to(p.ambient_degC(), 0.01));
    vcd_.change_real(power_, round_to(p.power_stage_degC(), 0.01));
    const model::PowerStageCommand& c = p.commanded();
    vcd_.change_wire(chg_, c.charge_fet);
    vcd_.change_wire(dsg_, c.discharge_fet);
    vcd_.change_wire(pre_, c.precharge);
    vcd_.change_wire(heat_, c.heater);
    vcd_.change_wire(lim_, c.limiter);
    vcd_.change_wire(sc_, p.sc_latched());
    vcd_.change_wire(balance_, c.balance_mask & 0xFFFFu);
}

void Waveform::close() {
    if (closed_) return;
    closed_ = true;
    rig_.board().set_after_call({});
    vcd_.close();
}

}  // namespace bmshil::rig
