#include "spec.h"

#include "csv_table.h"

#include <fstream>
#include <vector>

namespace bmshil::rig::oracle {
namespace {

int to_int(const std::string& text, const std::string& where) {
    try {
        return std::stoi(text);
    } catch (const std::exception&) {
        throw SpecError(where + ": expected a number, got '" + text + "'");
    }
}

}  // namespace

bool Switch::unused() const {
    return meaning.find("unused") != std::string::npos || meaning.find("not supported") != std::string::npos ||
           meaning.find("not in use") != std::string::npos;
}

Spec Spec::load(const std::string& folder) {
    Spec spec;
    const std::string pfile = folder + "/parameters.csv";
    for (const CsvRow& row : read_csv(pfile, 9)) {
        const auto& f = row.fields;
        Parameter p;
        p.number = to_int(f[0], pfile);
        p.key = f[1];
        p.name = f[2];
        try {
            p.default_value = std::stod(f[3]);
        } catch (const std::exception&) {
            throw SpecError(pfile + ": parameter " + f[0] + ": default '" + f[3] + "' is not a number");
        }
        p.unit = f[4];
        try {
            p.min_value = std::stod(f[5]);
            p.max_value = std::stod(f[6]);
        } catch (const std::exception&) {
            throw SpecError(pfile + ": parameter " + f[0] + ": range '" + f[5] + "'..'" + f[6] + "' is not two numbers");
        }
        if (!(p.min_value <= p.default_value && p.default_value <= p.max_value))
            throw SpecError(pfile + ": parameter " + f[0] + ": default " + f[3] + " outside its range " + f[5] + ".." + f[6]);
        if (f[7] != "pack" && f[7] != "behaviour")
            throw SpecError(pfile + ":" + std::to_string(row.line) + ": describes '" + f[7] + "' is not pack or behaviour");
        p.describes_pack = f[7] == "pack";
        p.meaning = f[8];
        spec.parameters_[p.number] = p;
    }
    const std::string sfile = folder + "/switches.csv";
    for (const CsvRow& row : read_csv(sfile, 6)) {
        const auto& f = row.fields;
        Switch s;
        s.number = to_int(f[0], sfile);
        s.key = f[1];
        s.name = f[2];
        if (f[3] != "on" && f[3] != "off") throw SpecError(sfile + ": switch " + f[0] + ": default '" + f[3] + "'");
        s.default_on = f[3] == "on";
        s.needs_hardware = f[4];
        s.meaning = f[5];
        spec.switches_[s.number] = s;
    }
    spec.thresholds_ = load_thresholds(folder + "/thresholds.csv");
    for (const Threshold& t : spec.thresholds_)
        for (int n : {t.trip, t.recovery, t.delay_parameter})
            if (n != 0 && !spec.parameters_.count(n))
                throw SpecError(folder + "/thresholds.csv: threshold '" + t.name + "' names parameter #" + std::to_string(n) +
                                ", which parameters.csv does not have");
    // The counts are the tables' own; numbers run 1..N without gaps.
    const auto contiguous = [](const auto& table) {
        return !table.empty() && table.begin()->first == 1 && table.rbegin()->first == static_cast<int>(table.size());
    };
    if (!contiguous(spec.parameters_)) throw SpecError(pfile + ": parameter numbers must run 1..N without gaps");
    if (!contiguous(spec.switches_)) throw SpecError(sfile + ": switch numbers must run 1..N without gaps");
    return spec;
}

const Parameter& Spec::parameter(int number) const {
    const auto it = parameters_.find(number);
    if (it == parameters_.end()) throw SpecError("no parameter #" + std::to_string(number));
    return it->second;
}

const Threshold* Spec::threshold(int trip) const {
    for (const Threshold& t : thresholds_)
        if (t.trip == trip) return &t;
    return nullptr;
}

const Switch& Spec::switch_(int number) const {
    const auto it = switches_.find(number);
    if (it == switches_.end()) throw SpecError("no switch " + std::to_string(number));
    return it->second;
}

ParameterSet::ParameterSet(const Spec& spec) : spec_(&spec) {
    for (const auto& [n, p] : spec.parameters()) values_[n] = p.default_value;
    for (const auto& [n, s] : spec.switches()) switches_[n] = s.default_on;
}

double ParameterSet::operator[](int number) const {
    const auto it = values_.find(number);
    if (it == values_.end()) throw SpecError("no parameter #" + std::to_string(number));
    return it->second;
}

bool ParameterSet::switch_on(int number) const {
    const auto it = switches_.find(number);
    if (it == switches_.end()) throw SpecError("no switch " + std::to_string(number));
    return it->second;
}

void ParameterSet::set(int number, double value, Origin origin) {
    spec_->parameter(number);
    values_[number] = value;
    parameter_origins_[number] = std::move(origin);
}

void ParameterSet::set_switch(int number, bool on, Origin origin) {
    spec_->switch_(number);
    switches_[number] = on;
    switch_origins_[number] = std::move(origin);
}

Origin ParameterSet::origin_of_parameter(int number) const {
    const auto it = parameter_origins_.find(number);
    return it == parameter_origins_.end() ? Origin{} : it->second;
}

std::string Origin::where() const {
    if (file.empty()) return "";
    return line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
}

}  // namespace bmshil::rig::oracle
