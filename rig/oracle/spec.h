// The parameter manual as the oracle reads it: spec/parameters.csv and
// spec/switches.csv (defaults), never the firmware's tables.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "catalog.h"

namespace bmshil::rig::oracle {

struct Parameter {
    int number = 0;
    std::string key, name, unit, meaning;
    double default_value = 0.0;
    // The range a setting may take (spec/INTERPRETATION.md, "Settings"), in `unit`.
    double min_value = 0.0, max_value = 0.0;
    // What it describes: the pack itself (its capacity, its cell count, where
    // its interconnects sit), or how the firmware behaves. A test bench keeps
    // the former true to the pack; only the latter is varied in profiles.
    bool describes_pack = false;
    // Counts are whole numbers.
    bool integral() const { return unit == "count"; }
};

struct Switch {
    int number = 0;
    std::string key, name, meaning;
    bool default_on = false;
    // What it needs that the rig does not model ("" = nothing): such a switch
    // is checked as stored and reported only.
    std::string needs_hardware;
    // The manual marks it unused or unsupported: stored and reported only.
    bool unused() const;
};

class SpecError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Spec {
public:
    // Loads parameters.csv and switches.csv from a folder (the repo's spec/).
    static Spec load(const std::string& folder);

    const Parameter& parameter(int number) const;
    const Switch& switch_(int number) const;
    const std::map<int, Parameter>& parameters() const { return parameters_; }
    const std::map<int, Switch>& switches() const { return switches_; }
    // spec/thresholds.csv: what each threshold watches and does.
    const std::vector<Threshold>& thresholds() const { return thresholds_; }
    const Threshold* threshold(int trip) const;

private:
    std::map<int, Parameter> parameters_;
    std::map<int, Switch> switches_;
    std::vector<Threshold> thresholds_;
};

// Where a setting was given: a file and line, for errors that point at it.
struct Origin {
    std::string file;
    int line = 0;
    std::string where() const;  // "file:line: ", or "" when unknown
};

// The values in force for one run: the manual's defaults, overridden.
class ParameterSet {
public:
    explicit ParameterSet(const Spec& spec);
    double operator[](int number) const;  // in the manual's unit
    bool switch_on(int number) const;
    void set(int number, double value, Origin origin = {});
    void set_switch(int number, bool on, Origin origin = {});
    const Spec& spec() const { return *spec_; }

    // What differs from the manual's defaults, in number order, with where it was given.
    const std::map<int, Origin>& overridden_parameters() const { return parameter_origins_; }
    const std::map<int, Origin>& overridden_switches() const { return switch_origins_; }
    Origin origin_of_parameter(int number) const;

private:
    const Spec* spec_;
    std::map<int, double> values_;
    std::map<int, bool> switches_;
    std::map<int, Origin> parameter_origins_, switch_origins_;
};

}  // namespace bmshil::rig::oracle
