// The suite: checks generated from the parameter and switch tables, plus the
// hand-written scenarios, each run in a forked child (the SystemC kernel
// elaborates once per process, and a child isolates a firmware that crashes
// or hangs). Finished results are kept on disk as they arrive, so an
// interrupted run loses nothing that finished.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "adapters/native/native_adapter.h"  // FirmwareLoadError: the library crashed, exited or lacks the contract
#include "oracle/catalog.h"
#include "oracle/spec.h"
#include "oracle/checks/checks.h"
#include "scenario/scenario.h"
#include "verdict.h"

namespace bmshil::rig {

// A failure of the rig itself, the board link or the file system (exit 3).
struct InfrastructureError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ParameterOverride {
    int number = 0;
    double value = 0.0;  // in the manual's unit
    oracle::Origin origin;
};
struct SwitchOverride {
    int number = 0;
    bool on = false;
    oracle::Origin origin;
};

struct SuiteOptions {
    std::string firmware_library;
    // The board (adapters/board_uri.h); "" = native:firmware_library.
    std::string board_uri;
    std::string register_map;      // the firmware's machine-readable map
    std::string cell_file;
    std::string spec_dir;
    std::uint64_t seed = 1;
    int jobs = 2;
    double timeout_s = 300.0;      // wall time per item before it counts as hung
    std::string filter;            // ECMAScript regex on item names ("" = all)
    int shard_index = 1, shard_count = 1;  // --shard K/N: the K-th of N parts of the plan (1-based)
    bool generated = true;
    std::vector<std::string> scenario_files;
    std::string results_dir;       // one JSON per finished item
    std::string vcd_dir;           // waveforms of failed items ("" = none)
    std::string plot_dir;          // every item's plot for the HTML report ("" = none; item_plot.h, item_files.h)
    // Overrides of the manual's defaults, with where each was given.
    std::vector<ParameterOverride> parameters;
    std::vector<SwitchOverride> switches;
    std::function<void(const ScenarioResult&, std::size_t done, std::size_t total)> progress;
};

struct SuiteItem {
    std::string name;  // unique, stable: "generated/p005.trip_value", "scenarios/short_circuit"
    std::optional<oracle::Threshold> threshold;  // a generated check of this threshold
    oracle::CheckKind kind = oracle::CheckKind::trip_value;
    std::string scenario_file;
    std::shared_ptr<const scenario::Scenario> scenario;  // as read when the plan was made
    int stored_switch = 0;  // a switch checked as stored and reported over the port
    std::string port_case;  // a Modbus conformance check of the board's port (oracle/checks/port.h)
    double timeout_s = 0.0;  // the scenario's own wall-clock guard (0 = the suite's)
    // What the item verifies once it reaches a verdict (passed or failed).
    std::vector<int> parameters, switches;
    bool generated() const { return threshold || stored_switch || !port_case.empty(); }
};

// What the suite will run, and what it cannot verify (number, reason).
struct SuitePlan {
    std::vector<SuiteItem> items;
    Coverage coverage;  // what the items verify once they run
    // Why a parameter / switch no item names is left out (the plan's reasons).
    std::map<int, std::string> parameter_reasons, switch_reasons;
};
SuitePlan plan_suite(const SuiteOptions& options);

// The coverage of a run: only items that reached a verdict (passed or failed)
// verify what they name; an item that errored, timed out or did not run
// verifies nothing, and what only it names is listed with that reason.
Coverage coverage_of(const SuitePlan& plan, const std::vector<ScenarioResult>& results);

// The manual's defaults with the options' overrides.
oracle::ParameterSet parameters_in_force(const oracle::Spec& spec, const SuiteOptions& options);
// The overrides of a parameter set (e.g. a parameter file), for the options.
void set_overrides(SuiteOptions& options, const oracle::ParameterSet& set);

// Runs one item in this process: builds the rig, the port, runs, judges.
ScenarioResult run_item(const SuiteItem& item, const SuiteOptions& options);

// Runs every item in forked children, at most options.jobs at a time.
// Returns with `interrupted` set when SIGINT/SIGTERM stopped it early.
SuiteResult run_suite(const SuiteOptions& options, bool* interrupted);

}  // namespace bmshil::rig
