// What a run concludes: findings per check, per scenario, per suite. The
// reports (JUnit XML, JSON, VCD) are written from these alone.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace bmshil::rig {

// One check of one protection, or one expectation of a hand-written scenario.
struct Finding {
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
    std::string check;          // stable identifier, e.g. "p005.trip_value"
    int parameter = 0;          // parameter number of the manual (0 = none)
    int switch_number = 0;      // function switch number (0 = none)
    std::string kind;           // trip_value, delay, recovery, switch_off, lock, expectation, safety
    bool passed = false;
    double configured = 0.0;    // the value in force (parameter or expectation)
    double measured = 0.0;      // what the rig saw
    double tolerance = 0.0;     // allowed |measured - configured|
    std::string unit;           // V, A, degC, s, count, ...
    std::string message;        // one line a firmware engineer reads first
    // Where on a plot of the item (simulated seconds since the rig started;
    // NaN when unknown): when the stimulus came (the threshold crossed, the
    // step, the mark counted from), when the reaction was seen, and the time
    // window it was allowed in. A value check's band is configured +- tolerance.
    double stimulus_s = kUnknown;
    double reaction_s = kUnknown;
    double window_from_s = kUnknown;
    double window_to_s = kUnknown;
};

// A physical safe-operating-area violation reported by the model itself.
struct SafetyFinding {
    std::string kind;           // charge_below_min_temperature, cell_over_voltage, ...
    int cell = 0;               // 1-based
    double start_s = 0.0;
    double end_s = -1.0;        // < 0: still open at the end
    double worst = 0.0;
};

enum class ScenarioStatus { passed, failed, error, timeout };
const char* to_string(ScenarioStatus s);

struct ScenarioResult {
    std::string name;           // unique within the suite, e.g. "generated/p005_cell_ov_protection"
    std::string group;          // "generated" or "scenarios"
    std::string source;         // file it came from ("" for generated)
    ScenarioStatus status = ScenarioStatus::passed;
    double simulated_s = 0.0;
    double wall_s = 0.0;        // real time the item took, from its start to its result
    std::vector<Finding> findings;
    std::vector<SafetyFinding> safety;
    std::string error;          // why it could not run (status error or timeout)
    std::string vcd_file;       // waveform written for a failure ("" if none)
};

struct Coverage {
    std::vector<int> parameters_verified;   // numbers
    std::vector<int> switches_verified;
    std::vector<std::pair<int, std::string>> parameters_not_verifiable;  // number, reason
    std::vector<std::pair<int, std::string>> switches_not_verifiable;
    int parameter_count = 87;
    int switch_count = 64;
};

// Which board the run drove, as its backend introduced itself (a remote
// board's WELCOME); written into every report.
struct BoardIdentity {
    std::string backend;        // the board's URI: native:LIB, zmq:tcp://HOST:PORT, ...
    std::string board;
    std::string firmware;
    std::string daq;
    std::string calibration;
};

struct SuiteResult {
    std::string firmware;       // the firmware's name as it reports it
    std::string firmware_file;
    BoardIdentity board;
    std::uint64_t seed = 1;
    std::string run_id;         // in a per-item result: the run it belongs to ("" in the merged report)
    std::vector<ScenarioResult> scenarios;  // in a stable order (by name)
    Coverage coverage;
    bool interrupted = false;            // stopped early (Ctrl-C, SIGTERM)
    std::vector<std::string> not_run;    // items the plan has and no result was taken for
    // A run passes only when every item of its plan ran and passed.
    bool passed() const {
        if (interrupted || !not_run.empty()) return false;
        for (const auto& s : scenarios)
            if (s.status != ScenarioStatus::passed) return false;
        return true;
    }
};

}  // namespace bmshil::rig
