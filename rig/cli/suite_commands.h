// `bmshil run`, `bmshil suite`, `bmshil list`: the CLI over rig/suite.h.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "oracle/spec.h"
#include "suite.h"

namespace bmshil::rig::cli {

// What bmshil's exit status means (README, "Exit codes"): one thing each.
constexpr int kExitPassed = 0;          // every item ran and passed
constexpr int kExitFinding = 1;         // a finding against the firmware: a check failed, it hung or crashed
constexpr int kExitBadInput = 2;        // bad input, found before anything ran
constexpr int kExitInfrastructure = 3;  // the rig, the board link or the file system failed
constexpr int kExitInterrupted = 130;   // stopped by SIGINT / SIGTERM: never a pass

// The exit status for an error that ended the command.
// A parameter file read entry by entry, then checked as a set against the
// manual's rules (each broken rule named with its file:line); throws
// std::invalid_argument before anything runs.
oracle::ParameterSet checked_parameter_file(const oracle::Spec& spec, const std::string& path);
int exit_status_of(const std::exception& e);

struct SuiteCommandOptions {
    std::string firmware;
    std::string board;           // --board URI ("" = native:firmware)
    std::string register_map;
    std::string params;          // YAML: parameters: {5: 3.6}, switches: {31: on}
    std::string cell_file;
    std::string spec_dir;
    std::string scenarios_dir;
    unsigned long long seed = 1;
    int jobs = 2;
    double timeout_s = 300.0;
    std::string filter;
    std::string junit, json, vcd_dir, results_dir;
    std::string html;      // report.html (reports/html_report.h); its plots go beside it in plots/
    std::string baseline;  // a baseline's JSON result: the report shows what moved since
    double drift_fraction = 0.5;  // a finding moved past this share of its tolerance
    std::string title;     // the report's subtitle
    std::string shard;     // "K/N" ("" = the whole plan)
    std::vector<std::string> files;  // run: scenario files
};

void add_suite_options(CLI::App& app, SuiteCommandOptions& o, bool scenario_files);
int run_suite_command(SuiteCommandOptions o, bool generated, bool handwritten);
int list_command(const SuiteCommandOptions& o);

// A result file the user gave (--baseline, compare, merge): one that cannot
// be read is bad input (exit 2), not the rig's own file system (exit 3).
SuiteResult read_result_file(const std::string& path);

// The HTML report of a finished run (reports/html_report.h).
struct ReportOptions {
    std::string html;                    // where it goes
    std::string title;
    std::string baseline_file;           // as given, for the drift section's title
    std::string vcd_dir;                 // linked relative to the page
    std::vector<std::string> plot_dirs;  // the items' plots
    double drift_fraction = 0.5;
};
// Writes r.html (with what moved since the baseline, if any).
void write_report(const ReportOptions& r, const SuiteResult& result, const oracle::ParameterSet& in_force,
                  const std::optional<SuiteResult>& baseline, double wall_s);

}  // namespace bmshil::rig::cli
