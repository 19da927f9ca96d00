// `bmshil run`, `bmshil suite`, `bmshil list`: the CLI over rig/suite.h.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace bmshil::rig::cli {

// What bmshil's exit status means (README, "Exit codes"): one thing each.
constexpr int kExitPassed = 0;          // every item ran and passed
constexpr int kExitFinding = 1;         // a finding against the firmware: a check failed, it hung or crashed
constexpr int kExitBadInput = 2;        // bad input, found before anything ran
constexpr int kExitInfrastructure = 3;  // the rig, the board link or the file system failed
constexpr int kExitInterrupted = 130;   // stopped by SIGINT / SIGTERM: never a pass

// The exit status for an error that ended the command.
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
    std::vector<std::string> files;  // run: scenario files
};

void add_suite_options(CLI::App& app, SuiteCommandOptions& o, bool scenario_files);
int run_suite_command(SuiteCommandOptions o, bool generated, bool handwritten);
int list_command(const SuiteCommandOptions& o);

}  // namespace bmshil::rig::cli
