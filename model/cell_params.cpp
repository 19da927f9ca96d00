#include "cell_params.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace bmshil::model {
namespace {

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& key, const YAML::Node* node,
                           const std::string& what) const {
        std::ostringstream msg;
        msg << file_;
        if (node != nullptr && node->Mark().line >= 0) msg << ":" << node->Mark().line + 1;
        msg << ": key '" << key << "': " << what;
        throw CellParamsError(msg.str());
    }

    YAML::Node child(const YAML::Node& map, const std::string& parent, const std::string& key) {
        const std::string full = parent.empty() ? key : parent + "." + key;
        if (!map.IsMap()) fail(parent, &map, "expected a mapping");
        const YAML::Node node = map[key];
        if (!node) fail(full, &map, "missing");
        return node;
    }

    // Rejects keys nobody reads: a typo must not pass silently.
    void only_keys(const YAML::Node& map, const std::string& parent,
                   const std::set<std::string>& allowed) {
        for (const auto& kv : map) {
            const auto key = kv.first.as<std::string>();
            if (allowed.count(key) == 0) {
                const std::string full = parent.empty() ? key : parent + "." + key;
                fail(full, &kv.first, "unknown key");
            }
        }
    }

    std::string text(const YAML::Node& map, const std::string& parent, const std::string& key) {
        const YAML::Node node = child(map, parent, key);
        if (!node.IsScalar()) fail(parent.empty() ? key : parent + "." + key, &node, "expected text");
        return node.as<std::string>();
    }

    double number(const YAML::Node& map, const std::string& parent, const std::string& key,
                  double min, double max) {
        const std::string full = parent.empty() ? key : parent + "." + key;
        const YAML::Node node = child(map, parent, key);
        double value = 0.0;
        try {
            value = node.as<double>();
        } catch (const YAML::Exception&) {
            fail(full, &node, "expected a number, got '" + node.Scalar() + "'");
        }
        if (!std::isfinite(value) || value < min || value > max) {
            std::ostringstream what;
            what << "value " << value << " outside [" << min << ", " << max << "]";
            fail(full, &node, what.str());
        }
        return value;
    }

    std::vector<double> numbers(const YAML::Node& map, const std::string& parent,
                                const std::string& key, double min, double max) {
        const std::string full = parent + "." + key;
        const YAML::Node node = child(map, parent, key);
        if (!node.IsSequence() || node.size() < 2) fail(full, &node, "expected a list of at least 2 numbers");
        std::vector<double> out;
        for (std::size_t i = 0; i < node.size(); ++i) {
            double v = 0.0;
            try {
                v = node[i].as<double>();
            } catch (const YAML::Exception&) {
                fail(full, &node, "element " + std::to_string(i) + " is not a number");
            }
            if (!std::isfinite(v) || v < min || v > max) {
                std::ostringstream what;
                what << "element " << i << " = " << v << " outside [" << min << ", " << max << "]";
                fail(full, &node, what.str());
            }
            out.push_back(v);
        }
        return out;
    }

    void strictly_increasing(const std::vector<double>& v, const YAML::Node& map,
                             const std::string& full) {
        for (std::size_t i = 1; i < v.size(); ++i)
            if (!(v[i] > v[i - 1])) {
                std::ostringstream what;
                what << "not strictly increasing: element " << i << " = " << v[i]
                     << " after " << v[i - 1];
                fail(full, &map, what.str());
            }
    }

    void same_length(const std::vector<double>& grid, const std::vector<double>& v,
                     const YAML::Node& map, const std::string& full) {
        if (v.size() != grid.size())
            fail(full, &map, "has " + std::to_string(v.size()) + " elements, its soc column " +
                                 std::to_string(grid.size()));
    }

private:
    std::string file_;
};

}  // namespace

CellParams load_cell_params(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw CellParamsError(path + ": cannot open cell set file");
    } catch (const YAML::ParserException& e) {
        throw CellParamsError(path + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax: " + e.msg);
    }
    Reader r(path);
    if (!root.IsMap()) r.fail("(top level)", &root, "expected a mapping");
    r.only_keys(root, "",
                {"name", "description", "sources", "licence", "capacity_Ah",
                 "coulombic_efficiency", "self_discharge_pct_per_month",
                 "reference_temperature_degC", "voltage_min_V", "voltage_max_V",
                 "hysteresis_transition_soc", "ocv", "resistance", "charge_transfer", "diffusion",
                 "thermal"});

    CellParams p;
    p.source_file = path;
    p.name = r.text(root, "", "name");
    r.text(root, "", "description");
    r.text(root, "", "licence");
    if (!r.child(root, "", "sources").IsSequence()) r.fail("sources", &root, "expected a list");
    p.capacity_Ah = r.number(root, "", "capacity_Ah", 1e-3, 1e4);
    p.coulombic_efficiency = r.number(root, "", "coulombic_efficiency", 0.9, 1.0);
    p.self_discharge_pct_per_month = r.number(root, "", "self_discharge_pct_per_month", 0.0, 50.0);
    p.reference_temperature_degC = r.number(root, "", "reference_temperature_degC", -40.0, 80.0);
    p.voltage_min_V = r.number(root, "", "voltage_min_V", 1.0, 4.5);
    p.voltage_max_V = r.number(root, "", "voltage_max_V", 1.0, 4.5);
    if (p.voltage_max_V <= p.voltage_min_V) r.fail("voltage_max_V", &root, "must exceed voltage_min_V");
    p.hysteresis_transition_soc = r.number(root, "", "hysteresis_transition_soc", 1e-4, 0.5);

    const YAML::Node ocv = r.child(root, "", "ocv");
    r.only_keys(ocv, "ocv", {"soc", "average_V", "hysteresis_gap_mV", "entropic_mV_per_K"});
    p.ocv_soc = r.numbers(ocv, "ocv", "soc", 0.0, 1.0);
    r.strictly_increasing(p.ocv_soc, ocv, "ocv.soc");
    if (p.ocv_soc.front() != 0.0 || p.ocv_soc.back() != 1.0)
        r.fail("ocv.soc", &ocv, "must start at 0 and end at 1");
    p.ocv_average_V = r.numbers(ocv, "ocv", "average_V", 1.0, 4.5);
    r.same_length(p.ocv_soc, p.ocv_average_V, ocv, "ocv.average_V");
    r.strictly_increasing(p.ocv_average_V, ocv, "ocv.average_V");
    p.hysteresis_gap_mV = r.numbers(ocv, "ocv", "hysteresis_gap_mV", 0.0, 200.0);
    r.same_length(p.ocv_soc, p.hysteresis_gap_mV, ocv, "ocv.hysteresis_gap_mV");
    p.entropic_mV_per_K = r.numbers(ocv, "ocv", "entropic_mV_per_K", -2.0, 2.0);
    r.same_length(p.ocv_soc, p.entropic_mV_per_K, ocv, "ocv.entropic_mV_per_K");

    const YAML::Node res = r.child(root, "", "resistance");
    // Format 1 had two RC pairs; format 2 replaced the fast one by the Butler-Volmer
    // element and renamed the slow one. An old file must say so, not "unknown key".
    if (res.IsMap())
        for (const auto& kv : res) {
            const auto key = kv.first.as<std::string>();
            if (key == "r1_mohm" || key == "tau1_s" || key == "r2_mohm" || key == "tau2_s")
                r.fail("resistance." + key, &kv.first,
                       "replaced in format 2: the fast RC pair (r1_mohm, tau1_s) by the Butler-Volmer element "
                       "'charge_transfer', the slow pair (r2_mohm, tau2_s) by resistance.rc_mohm/rc_tau_s "
                       "(see model/cell_sets/FORMAT.md)");
        }
    r.only_keys(res, "resistance", {"soc", "r0_mohm", "rc_mohm", "rc_tau_s", "activation_energy_J_per_mol"});
    p.resistance_soc = r.numbers(res, "resistance", "soc", 0.0, 1.0);
    r.strictly_increasing(p.resistance_soc, res, "resistance.soc");
    const auto table = [&](const char* key, double min, double max) {
        auto v = r.numbers(res, "resistance", key, min, max);
        r.same_length(p.resistance_soc, v, res, std::string("resistance.") + key);
        return v;
    };
    p.r0_mohm = table("r0_mohm", 1e-4, 1e4);
    p.rc_mohm = table("rc_mohm", 1e-5, 1e4);
    p.rc_tau_s = table("rc_tau_s", 1e-3, 1e5);
    p.activation_energy_J_per_mol = r.number(res, "resistance", "activation_energy_J_per_mol", 0.0, 1e5);

    const YAML::Node ct = r.child(root, "", "charge_transfer");
    r.only_keys(ct, "charge_transfer", {"exchange_current_A", "capacitance_F", "activation_energy_J_per_mol"});
    p.exchange_current_A = r.number(ct, "charge_transfer", "exchange_current_A", 1e-4, 1e5);
    p.charge_transfer_capacitance_F = r.number(ct, "charge_transfer", "capacitance_F", 1e-4, 1e7);
    p.charge_transfer_activation_energy_J_per_mol =
        r.number(ct, "charge_transfer", "activation_energy_J_per_mol", 0.0, 2e5);

    const YAML::Node diff = r.child(root, "", "diffusion");
    r.only_keys(diff, "diffusion", {"time_s", "activation_energy_J_per_mol"});
    p.diffusion_time_s = r.number(diff, "diffusion", "time_s", 1.0, 1e6);
    p.diffusion_activation_energy_J_per_mol = r.number(diff, "diffusion", "activation_energy_J_per_mol", 0.0, 2e5);

    const YAML::Node th = r.child(root, "", "thermal");
    r.only_keys(th, "thermal",
                {"mass_kg", "specific_heat_J_per_kgK", "surface_area_m2", "convection_W_per_m2K"});
    p.mass_kg = r.number(th, "thermal", "mass_kg", 1e-3, 1e3);
    p.specific_heat_J_per_kgK = r.number(th, "thermal", "specific_heat_J_per_kgK", 100.0, 5000.0);
    p.surface_area_m2 = r.number(th, "thermal", "surface_area_m2", 1e-5, 10.0);
    p.convection_W_per_m2K = r.number(th, "thermal", "convection_W_per_m2K", 0.0, 1000.0);
    return p;
}

}  // namespace bmshil::model
