#include "waveform.h"

#include <cmath>
#include <cstdio>

namespace bmshil::rig {
namespace {
double round_to(double v, double step) { return std::round(v / step) * step; }
}  // namespace

Waveform::Waveform(const std::string& path, Rig& rig, const RegisterMap* map)
    : rig_(rig), probes_(rig, no_port_), vcd_(path, "1 us") {
    // (scope, VCD name, probe, rounding)
    const struct {
        const char* scope;
        const char* name;
        const char* probe;
        double step;
    } reals[] = {
        {"pack", "current_A", "current_A", 0.01},          {"pack", "terminal_V", "terminal_V", 0.001},
        {"pack", "cell_min_V", "cell_min_V", 0.001},       {"pack", "cell_max_V", "cell_max_V", 0.001},
        {"pack", "cell_min_degC", "cell_min_degC", 0.01},  {"pack", "cell_max_degC", "cell_max_degC", 0.01},
        {"pack", "ambient_degC", "ambient_degC", 0.01},    {"pack", "power_stage_degC", "power_degC", 0.01},
    };
    for (const auto& r : reals) traces_.push_back({vcd_.add_real(r.scope, r.name), probes_.get(r.probe), r.step});
    for (std::size_t k = 0; k < rig.pack().cell_count(); ++k) {
        char name[32], probe[32];
        std::snprintf(name, sizeof name, "cell%02zu_V", k + 1);
        std::snprintf(probe, sizeof probe, "cell%zu_V", k + 1);
        traces_.push_back({vcd_.add_real("pack.cells", name), probes_.get(probe), 0.001});
    }
    // The gates as the firmware drives them (the AFE's latch is its own wire).
    for (const char* wire : {"charge_fet", "discharge_fet_cmd", "precharge", "heater", "limiter", "afe_sc_latched"}) {
        const std::string vcd_name = std::string(wire) == "discharge_fet_cmd" ? "discharge_fet" : wire;
        traces_.push_back({vcd_.add_wire("board", vcd_name), probes_.get(wire), 0.0});
    }
    traces_.push_back({vcd_.add_wire("board", "balance_mask", 16), probes_.get("balance_mask"), -1.0});
    // The firmware's state as read over the port: unknown (x) until first read.
    if (map != nullptr)
        for (const Register& reg : map->all()) {
            if (reg.group != "live" || !reg.readable) continue;
            const int width = 16 * reg.words;
            if (!reg.bits.empty())
                port_[reg.name] = {vcd_.add_wire("port", reg.name, width), true, reg.scale, width};
            else if (reg.unit == "%")
                port_[reg.name] = {vcd_.add_real("port", reg.name), false, reg.scale, width};
        }
    sample();
    vcd_.begin();
    rig.board().set_after_call([this] { sample(); });
}

Waveform::~Waveform() { close(); }

void Waveform::sample() {
    if (closed_) return;
    const auto t_us = static_cast<std::uint64_t>(std::llround(rig_.now_s() * 1e6));
    vcd_.time(t_us);
    for (Trace& t : traces_) {
        const double v = t.step > 0.0 ? round_to(t.probe(), t.step) : t.probe();
        // Equal, or both NaN: nothing new for the file.
        if (t.written && (v == t.last || (std::isnan(v) && std::isnan(t.last)))) continue;
        t.last = v;
        t.written = true;
        if (t.step > 0.0)
            vcd_.change_real(t.id, v);
        else
            vcd_.change_wire(t.id, static_cast<std::uint64_t>(v) & (t.step < 0.0 ? 0xFFFFu : 1u));
    }
}

void Waveform::port_read(const Register& reg, std::int64_t raw) {
    const auto it = port_.find(reg.name);
    if (closed_ || it == port_.end()) return;
    vcd_.time(static_cast<std::uint64_t>(std::llround(rig_.now_s() * 1e6)));
    const PortVariable& v = it->second;
    if (v.wire)
        vcd_.change_wire(v.id, static_cast<std::uint64_t>(raw) & ((std::uint64_t{1} << v.width) - 1));
    else
        vcd_.change_real(v.id, static_cast<double>(raw) * v.scale);
}

std::vector<std::string> Waveform::port_registers() const {
    std::vector<std::string> names;
    for (const auto& [name, v] : port_) names.push_back(name);
    return names;
}

void Waveform::close() {
    if (closed_) return;
    closed_ = true;
    rig_.board().set_after_call({});
    vcd_.close();
}

}  // namespace bmshil::rig
