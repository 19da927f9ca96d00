// The parameter manual as the oracle reads it: spec/parameters.csv and
// spec/switches.csv (defaults), never the firmware's tables.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace bmshil::rig::oracle {

struct Parameter {
    int number = 0;
    std::string key, name, unit, meaning;
    double default_value = 0.0;
};

struct Switch {
    int number = 0;
    std::string key, name, meaning;
    bool default_on = false;
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

private:
    std::map<int, Parameter> parameters_;
    std::map<int, Switch> switches_;
};

// The values in force for one run: the manual's defaults, overridden.
class ParameterSet {
public:
    explicit ParameterSet(const Spec& spec);
    double operator[](int number) const;  // in the manual's unit
    bool switch_on(int number) const;
    void set(int number, double value);
    void set_switch(int number, bool on);
    const Spec& spec() const { return *spec_; }

private:
    const Spec* spec_;
    std::map<int, double> values_;
    std::map<int, bool> switches_;
};

}  // namespace bmshil::rig::oracle
