// A rig to drive step by step from outside a scenario file: the Python module
// (bindings/) is a thin layer over this. It holds what run_item builds for one
// item (the rig, a Modbus master on the board's port, the parameters in force
// written to the board) and adds what a script needs: inputs by name,
// conditions in the scenario language, named probes, and recorders of chosen
// probes. Inputs go through the scenario runner, so a charger or a load means
// the same here as in a scenario. One per process, like the Rig it holds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oracle/spec.h"
#include "rig.h"
#include "trace_buffer.h"
#include "verdict.h"

namespace bmshil::rig {

class ModbusObserver;
class RegisterMap;
class Waveform;
struct PortAccess;
namespace scenario {
class ScenarioRunner;
struct Step;
struct Scenario;
}

struct SessionOptions {
    std::string firmware_library;
    std::string board_uri;     // "" = native:firmware_library
    std::string register_map;  // the firmware's machine-readable map
    std::string cell_file;
    std::string spec_dir;
    std::uint64_t seed = 1;
    double soc = 0.5;
    std::optional<double> temperature_degC;  // every node at start (default: the model's)
    std::optional<double> ambient_degC;      // default: the starting temperature
    bool spread = true;                      // cells differ as the seed draws them
    std::map<int, double> parameters;        // overrides of the manual's defaults, in its units
    std::map<int, bool> switches;
    std::string waveform_file;               // a VCD written as the run goes ("" = none)
};

// Bad input to the session (an unknown probe, a broken parameter rule, a
// condition that does not parse): the Python module raises ValueError.
class SessionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Session {
public:
    // Checks the options (the parameter set against the manual's rules first),
    // builds the rig, powers the board on and writes the parameters in force.
    explicit Session(const SessionOptions& options);
    ~Session();

    // Called between strides of a long run, about every 20 ms of wall time; it
    // may throw to stop the run (Python's Ctrl-C), leaving the rig at the time
    // it reached.
    using Check = std::function<void()>;

    double now_s() const;
    void run_for(double seconds, const Check& check = {});
    // Runs until the condition (scenario language: "discharge_fet == off",
    // "cell_max_V >= p5 - 10 mV") holds, looked at every poll_s and at every
    // change of the board's outputs; false if timeout_s passed first.
    // poll_s 0 = a tick (1 s for a condition on the port).
    bool run_until(const std::string& condition, double timeout_s, double poll_s = 0.0, const Check& check = {});
    bool holds(const std::string& condition);

    // Any probe (probes.h) or at: mark; a port probe is a Modbus transaction.
    double read(const std::string& probe);
    // A register by name in its physical unit (or a bare number in the map's unit).
    void write(const std::string& register_name, double value);
    // Parameters and switches changed together, checked against the manual's
    // rules with the rest in force, then written as one block.
    void write_settings(const std::map<int, double>& parameters, const std::map<int, bool>& switches);
    const oracle::ParameterSet& parameters() const;
    // The board took these settings from elsewhere (a master on the bus wrote
    // them and the board acknowledged): the parameters in force follow, and
    // nothing is written.
    void follow_settings(const std::map<int, double>& parameters, const std::map<int, bool>& switches);

    // Inputs. Values in SI units; a step of a scenario file does the same.
    void charger(bool connected, std::optional<double> voltage_V, std::optional<double> current_A,
                 std::optional<double> overshoot_V);
    // kind: current (A), power (W), resistance (ohm), inverter (W), or "" to
    // keep what the load was.
    void load(const std::string& name, bool connected, const std::string& kind, std::optional<double> value);
    void ambient(double degC, double over_s);
    void ntc_fault(int ntc, const std::string& state);  // 0..5; ok, open, short
    // Sensor faults on the physical circuit (model/afe.h): an NTC's part drifts
    // (R25 times r25_scale, its Beta now beta_K; either may be left as it is);
    // the sense wire above a cell (1..cells-1) comes off or back; the shunt
    // channel's offset drifts to offset_A beyond the part's own over over_s.
    void ntc_drift(int ntc, std::optional<double> r25_scale, std::optional<double> beta_K);
    void sense_wire(int above_cell, bool open);
    void shunt_offset(double offset_A, double over_s);
    void set_cell(int cell, std::optional<double> soc, std::optional<double> voltage_V,
                  std::optional<double> capacity_scale, std::optional<double> resistance_scale,
                  std::optional<double> self_discharge_scale);
    void button(bool pressed);
    void power_cycle(double off_s);
    // The model's safe-operating-area findings so far.
    std::vector<SafetyFinding> safety() const;

    // A recorder of probes (model and outputs; not the port) sampled every
    // interval_s of simulated time, or at every firmware call when 0. Its
    // first column is time_s. Returns its number.
    int record(const std::vector<std::string>& probes, double interval_s);
    // What a recorder holds so far; it goes on into an empty buffer.
    TakenTrace take(int recorder);
    void stop(int recorder);
    std::vector<std::string> recorded_names(int recorder) const;

    // Closes the waveform (kept on disk).
    void close_waveform();
    Rig& rig() { return *rig_; }
    const oracle::Spec& spec() const { return spec_; }
    // One step of the scenario language, as a scenario runs it.
    void apply_step(const scenario::Step& step) { apply(step); }
    // A whole scenario, its expectations judged (bmshil serve plays one live).
    ScenarioResult play(const scenario::Scenario& s);

private:
    struct Recorder;
    // Advances up to `seconds`; with stop_on_pause, returns true as soon as
    // the kernel pauses early on a change of the board's outputs.
    bool advance(double seconds, const Check& check, bool stop_on_pause);
    void apply(const scenario::Step& step);
    void after_call();
    void sample(Recorder& r);
    double next_sample_s() const;
    Recorder& recorder(int id);
    const Recorder& recorder(int id) const;

    oracle::Spec spec_;
    std::unique_ptr<Rig> rig_;
    std::unique_ptr<RegisterMap> map_;
    std::unique_ptr<ModbusObserver> observer_;
    std::unique_ptr<PortAccess> port_;
    std::unique_ptr<scenario::ScenarioRunner> runner_;
    std::unique_ptr<Waveform> waveform_;
    std::map<int, std::unique_ptr<Recorder>> recorders_;
    int next_recorder_ = 1;
    std::vector<double> row_;
};

}  // namespace bmshil::rig
