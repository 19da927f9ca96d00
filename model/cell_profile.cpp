#include "cell_profile.h"

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "thermal_network.h"

namespace bmshil::model {

std::vector<ProfilePoint> load_profile_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open profile");
    std::vector<ProfilePoint> out;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        std::istringstream row(line);
        std::string t_text, i_text;
        std::getline(row, t_text, ',');
        std::getline(row, i_text, ',');
        char* end_t = nullptr;
        char* end_i = nullptr;
        const double t = std::strtod(t_text.c_str(), &end_t);
        const double i = std::strtod(i_text.c_str(), &end_i);
        const bool t_number = end_t != t_text.c_str(), i_number = end_i != i_text.c_str();
        if (out.empty() && !t_number && !i_number) continue;  // a header line (words, not numbers)
        if (!t_number || !i_number || !std::isfinite(t) || !std::isfinite(i))
            throw std::runtime_error(path + ":" + std::to_string(line_no) +
                                     ": expected 'time_s,current_A' as two finite numbers, got '" + line + "'");
        if (!out.empty() && t <= out.back().time_s)
            throw std::runtime_error(path + ":" + std::to_string(line_no) + ": time " + t_text +
                                     " does not increase");
        out.push_back({t, i});
    }
    if (out.size() < 2) throw std::runtime_error(path + ": a profile needs at least two rows");
    return out;
}

std::vector<CellSample> run_cell_profile(const CellParams& params, const std::vector<ProfilePoint>& profile,
                                         const CellRunOptions& options) {
    auto type = std::make_shared<const CellType>(params);
    Cell cell(type, CellVariation{}, options.initial_soc, options.ambient_degC);
    ThermalConfig tc;
    tc.cell_heat_capacity_J_per_K = {params.heat_capacity_J_per_K()};
    tc.cell_to_ambient_W_per_K = {params.convection_W_per_m2K * params.surface_area_m2};
    ThermalNetwork thermal(tc, options.ambient_degC);
    Eigen::VectorXd heat = Eigen::VectorXd::Zero(2);

    std::vector<CellSample> out;
    const auto sample = [&](double t, double i) {
        out.push_back({t, i, cell.terminal_V(i), cell.soc(), cell.temperature_degC()});
    };
    double t = profile.front().time_s;
    sample(t, profile.front().current_A);
    for (std::size_t p = 0; p + 1 < profile.size(); ++p) {
        const double i = profile[p].current_A;
        const double end = profile[p + 1].time_s;
        while (t < end) {
            const double dt = std::min(options.max_step_s, end - t);
            cell.step(i, dt);
            heat[0] = cell.take_heat_J();
            thermal.step(heat, dt, options.ambient_degC);
            cell.set_temperature_degC(thermal.temperature_degC(0));
            t += dt;
            sample(t, i);
            const double v = out.back().voltage_V;
            if ((options.stop_below_V > 0.0 && v < options.stop_below_V) || v > options.stop_above_V) return out;
        }
    }
    return out;
}

void write_cell_samples_csv(const std::string& path, const std::vector<CellSample>& samples) {
    std::ofstream out(path);
    if (!out) throw std::runtime_error(path + ": cannot write");
    out << "time_s,current_A,voltage_V,soc,temperature_degC\n";
    out.precision(10);
    for (const CellSample& s : samples)
        out << s.time_s << ',' << s.current_A << ',' << s.voltage_V << ',' << s.soc << ',' << s.temperature_degC
            << '\n';
    if (!out) throw std::runtime_error(path + ": write failed");
}

}  // namespace bmshil::model
