#include "cell_profile.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <stdexcept>

#include "thermal_network.h"

namespace bmshil::model {

std::vector<ProfilePoint> load_profile_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open profile");
    std::vector<ProfilePoint> out;
    std::string line;
    int line_no = 0;
    bool with_voltage = false;  // from the header or the first row
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        std::istringstream row(line);
        std::string t_text, i_text, v_text;
        std::getline(row, t_text, ',');
        std::getline(row, i_text, ',');
        const bool has_v = static_cast<bool>(std::getline(row, v_text, ','));
        char* end_t = nullptr;
        char* end_i = nullptr;
        char* end_v = nullptr;
        const double t = std::strtod(t_text.c_str(), &end_t);
        const double i = std::strtod(i_text.c_str(), &end_i);
        const double v = has_v ? std::strtod(v_text.c_str(), &end_v) : 0.0;
        const bool t_number = end_t != t_text.c_str(), i_number = end_i != i_text.c_str();
        if (out.empty() && !t_number && !i_number) {  // a header line (words, not numbers)
            with_voltage = has_v;
            continue;
        }
        if (out.empty() && !with_voltage) with_voltage = has_v;
        const std::string where = path + ":" + std::to_string(line_no) + ": ";
        if (!t_number || !i_number || !std::isfinite(t) || !std::isfinite(i))
            throw std::runtime_error(where + "expected 'time_s,current_A' as two finite numbers, got '" + line + "'");
        if (with_voltage && (!has_v || end_v == v_text.c_str() || !std::isfinite(v) || v <= 0.0))
            throw std::runtime_error(where + "expected a measured voltage > 0 V in the third column, as in the rows "
                                             "before, got '" + line + "'");
        if (!with_voltage && has_v)
            throw std::runtime_error(where + "a third column, but the rows before have none: '" + line + "'");
        if (!out.empty() && t <= out.back().time_s)
            throw std::runtime_error(where + "time " + t_text + " does not increase");
        ProfilePoint point{t, i};
        if (with_voltage) point.voltage_V = v;
        out.push_back(point);
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

VoltageFit compare_voltage(const std::vector<ProfilePoint>& profile, const std::vector<CellSample>& samples,
                           double charge_fraction) {
    if (profile.empty() || std::isnan(profile.front().voltage_V))
        throw std::invalid_argument("the profile has no measured voltage to compare with");
    VoltageFit fit;
    if (samples.empty()) return fit;
    const double end_s = samples.back().time_s;
    // The charge the measured record moved: the current held from one point to the next.
    std::vector<double> moved_Ah(profile.size(), 0.0);
    for (std::size_t p = 1; p < profile.size(); ++p)
        moved_Ah[p] = moved_Ah[p - 1] +
                      std::abs(profile[p - 1].current_A) * (profile[p].time_s - profile[p - 1].time_s) / 3600.0;
    fit.measured_Ah = moved_Ah.back();
    for (std::size_t k = 1; k < samples.size(); ++k)
        fit.simulated_Ah += std::abs(samples[k].current_A) * (samples[k].time_s - samples[k - 1].time_s) / 3600.0;
    double sum2 = 0.0, sum2_in = 0.0;
    std::size_t k = 0;
    for (std::size_t p = 0; p < profile.size() && profile[p].time_s <= end_s; ++p) {
        const double t = profile[p].time_s;
        while (k + 1 < samples.size() && samples[k + 1].time_s < t) ++k;
        double v = samples[k].voltage_V;
        if (k + 1 < samples.size() && samples[k + 1].time_s > samples[k].time_s && t >= samples[k].time_s) {
            const double w = (t - samples[k].time_s) / (samples[k + 1].time_s - samples[k].time_s);
            v = samples[k].voltage_V + std::min(1.0, w) * (samples[k + 1].voltage_V - samples[k].voltage_V);
        }
        const double e = v - profile[p].voltage_V;
        ++fit.points;
        sum2 += e * e;
        fit.max_abs_V = std::max(fit.max_abs_V, std::abs(e));
        if (moved_Ah[p] <= charge_fraction * fit.measured_Ah) {
            ++fit.points_in_fraction;
            sum2_in += e * e;
        }
    }
    if (fit.points) fit.rmse_V = std::sqrt(sum2 / static_cast<double>(fit.points));
    if (fit.points_in_fraction) fit.rmse_in_fraction_V = std::sqrt(sum2_in / static_cast<double>(fit.points_in_fraction));
    return fit;
}

}  // namespace bmshil::model
