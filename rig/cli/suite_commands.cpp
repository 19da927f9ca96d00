#include "suite_commands.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "adapters/board_uri.h"
#include "adapters/zmq/link.h"
#include "json_report.h"
#include "junit_report.h"
#include "oracle/parameter_file.h"
#include "oracle/parameter_rules.h"
#include "suite.h"
#include "validators.h"

namespace bmshil::rig::cli {
namespace fs = std::filesystem;

void add_suite_options(CLI::App& app, SuiteCommandOptions& o, bool scenario_files) {
    app.add_option("--firmware", o.firmware, "Firmware shared library (exports bmshil_firmware_get)")
        ->check(CLI::ExistingFile);
    app.add_option("--board", o.board,
                   "The board: native:LIB (default: native:FIRMWARE), zmq:tcp://HOST:PORT[?mode=realtime&...], "
                   "zmq:ipc://PATH");
    app.add_option("--register-map", o.register_map, "The firmware's register map JSON")->check(CLI::ExistingFile);
    app.add_option("--params", o.params, "YAML with parameters: {N: value} and switches: {N: on|off}")
        ->check(CLI::ExistingFile);
    app.add_option("--cell", o.cell_file, "Cell set file")->check(CLI::ExistingFile);
    app.add_option("--seed", o.seed, "Seed of the pack's spread and sensor noise")->check(not_negative());
    app.add_option("--jobs,-j", o.jobs, "Scenarios run at once (forked children)")->check(CLI::Range(1, 64));
    app.add_option("--timeout-s", o.timeout_s, "Wall seconds before a scenario counts as hung")
        ->check(finite_in(0.1, 86400.0));
    app.add_option("--filter", o.filter, "Only items whose name matches this regex");
    app.add_option("--junit", o.junit, "Write JUnit XML here");
    app.add_option("--json", o.json, "Write the JSON result here");
    app.add_option("--vcd", o.vcd_dir, "Folder for waveforms of failures");
    app.add_option("--results-dir", o.results_dir, "Folder for per-item results (kept when interrupted)");
    if (!scenario_files)
        app.add_option("--scenarios", o.scenarios_dir, "Folder of hand-written scenarios (default: the bundled ones)")
            ->check(CLI::ExistingDirectory);
    if (scenario_files) app.add_option("files", o.files, "Scenario files (YAML)")->required()->check(CLI::ExistingFile);
}

int exit_status_of(const std::exception& e) {
    if (dynamic_cast<const FirmwareLoadError*>(&e)) return kExitFinding;
    if (dynamic_cast<const InfrastructureError*>(&e) || dynamic_cast<const daq::LinkError*>(&e) || dynamic_cast<const std::filesystem::filesystem_error*>(&e) ||
        dynamic_cast<const reports::ResultFileError*>(&e))
        return kExitInfrastructure;
    return kExitBadInput;
}

namespace {

[[noreturn]] void unwritable(const std::string& path, const std::string& why) {
    throw std::invalid_argument("cannot write " + path + ": " + why + "; nothing was run");
}

void check_writable_dir(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) unwritable(dir, ec.message());
    const fs::path probe = fs::path(dir) / ".bmshil-write-check";
    {
        std::ofstream f(probe);
        if (!f) unwritable(dir, std::strerror(errno));
    }
    fs::remove(probe, ec);
}

void check_writable_file(const std::string& file) {
    const fs::path path(file);
    if (fs::is_directory(path)) unwritable(file, "it is a folder");
    try {
        check_writable_dir(path.has_parent_path() ? path.parent_path().string() : ".");
    } catch (const std::invalid_argument&) {
        unwritable(file, "its folder cannot be made or written");
    }
    if (fs::exists(path) && access(file.c_str(), W_OK) != 0) unwritable(file, std::strerror(errno));
}

SuiteOptions suite_options(const SuiteCommandOptions& o) {
    SuiteOptions s;
    s.firmware_library = o.firmware;
    s.board_uri = o.board;
    if (!s.board_uri.empty()) parse_board_uri(s.board_uri);  // bad input: exit 2 before anything
    s.register_map = o.register_map;
    s.cell_file = o.cell_file;
    s.spec_dir = o.spec_dir;
    s.seed = o.seed;
    s.jobs = o.jobs;
    s.timeout_s = o.timeout_s;
    s.filter = o.filter;
    s.results_dir = o.results_dir;
    s.vcd_dir = o.vcd_dir;
    // The parameter file, checked entry by entry and then as a set against
    // the manual's rules, before anything runs.
    const oracle::Spec spec = oracle::Spec::load(o.spec_dir);
    const oracle::ParameterSet set = oracle::load_parameter_file(spec, o.params);
    const std::vector<oracle::RuleViolation> bad = oracle::check_rules(set);
    if (!bad.empty()) {
        std::string what = o.params + ": the parameter set breaks " + std::to_string(bad.size()) + " rule" +
                           (bad.size() == 1 ? "" : "s") + " of the manual; nothing was run";
        for (const auto& v : bad) what += "\n  " + v.message(spec);
        throw std::runtime_error(what);
    }
    set_overrides(s, set);
    return s;
}

}  // namespace

int list_command(const SuiteCommandOptions& o) {
    SuiteOptions s = suite_options(o);
    for (const auto& entry : fs::directory_iterator(o.scenarios_dir))
        if (entry.path().extension() == ".yaml") s.scenario_files.push_back(entry.path().string());
    std::sort(s.scenario_files.begin(), s.scenario_files.end());
    const SuitePlan plan = plan_suite(s);
    for (const SuiteItem& item : plan.items) std::printf("%s\n", item.name.c_str());
    std::printf("%zu items; parameters verified %zu/%d, switches %zu/%d\n", plan.items.size(),
                plan.coverage.parameters_verified.size(), plan.coverage.parameter_count,
                plan.coverage.switches_verified.size(), plan.coverage.switch_count);
    return 0;
}

int run_suite_command(SuiteCommandOptions o, bool generated, bool handwritten) {
    SuiteOptions s = suite_options(o);
    s.generated = generated;
    if (handwritten) {
        for (const auto& entry : fs::directory_iterator(o.scenarios_dir))
            if (entry.path().extension() == ".yaml") s.scenario_files.push_back(entry.path().string());
        std::sort(s.scenario_files.begin(), s.scenario_files.end());
    }
    for (const std::string& f : o.files) s.scenario_files.push_back(f);
    if (s.results_dir.empty()) s.results_dir = "reports/out/results";
    // Every output checked before the first item: a path that cannot be
    // written is found now, not after the whole run.
    for (const std::string* file : {&o.json, &o.junit})
        if (!file->empty()) check_writable_file(*file);
    for (const std::string* dir : {&s.results_dir, &o.vcd_dir})
        if (!dir->empty()) check_writable_dir(*dir);
    const auto start = std::chrono::steady_clock::now();
    std::printf("bmshil: %s %s, seed %llu, %d jobs\n", s.board_uri.empty() ? "firmware" : "board",
                s.board_uri.empty() ? s.firmware_library.c_str() : s.board_uri.c_str(), o.seed, s.jobs);
    s.progress = [&](const ScenarioResult& r, std::size_t done, std::size_t total) {
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::string detail;
        for (const Finding& f : r.findings)
            if (!f.passed) detail += "\n      " + f.check + ": " + f.message;
        if (!r.error.empty()) detail += "\n      " + r.error;
        std::printf("[%3zu/%zu %6.1f s] %-7s %s%s\n", done, total, wall, to_string(r.status), r.name.c_str(), detail.c_str());
        std::fflush(stdout);
    };
    bool interrupted = false;
    SuiteResult result;
    try {
        result = run_suite(s, &interrupted);
    } catch (const FirmwareLoadError&) {
        std::printf("nothing ran: the firmware could not be loaded\n");
        throw;
    }
    if (!o.json.empty()) reports::write_json(result, o.json);
    if (!o.junit.empty()) reports::write_junit(result, o.junit);
    std::size_t passed = 0, failed = 0, errors = 0;
    for (const ScenarioResult& r : result.scenarios) {
        if (r.status == ScenarioStatus::passed) ++passed;
        else if (r.status == ScenarioStatus::error) ++errors;
        else ++failed;  // failed, timeout (a hung firmware), crashed
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (generated)
        std::printf("coverage: parameters verified %zu/%d, switches verified %zu/%d\n",
                    result.coverage.parameters_verified.size(), result.coverage.parameter_count,
                    result.coverage.switches_verified.size(), result.coverage.switch_count);
    std::printf("%zu passed, %zu failed, %zu could not be judged in %.1f s\n", passed, failed, errors, wall);
    if (interrupted) {
        std::printf("interrupted: %zu of %zu items not run (finished results kept; the run does not pass)\n",
                    result.not_run.size(), result.not_run.size() + result.scenarios.size());
        return kExitInterrupted;
    }
    if (failed) return kExitFinding;
    return errors ? kExitInfrastructure : kExitPassed;
}

}  // namespace bmshil::rig::cli
