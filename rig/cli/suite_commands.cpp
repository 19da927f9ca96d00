#include "suite_commands.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "adapters/board_uri.h"
#include "adapters/zmq/link.h"
#include "compare.h"
#include "html_report.h"
#include "json_report.h"
#include "junit_report.h"
#include "number_format.h"
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
    app.add_option("--html", o.html, "Write the HTML report here (its plots go in plots/ beside it)");
    app.add_option("--baseline", o.baseline, "A baseline's JSON result: the report shows what moved since")
        ->check(CLI::ExistingFile);
    app.add_option("--drift-fraction", o.drift_fraction,
                   "With --baseline: a finding moved when it changed by more than this share of its tolerance")
        ->check(finite_in(1e-9, 1e9));
    app.add_option("--title", o.title, "The HTML report's subtitle (e.g. the parameter set)");
    app.add_option("--shard", o.shard, "K/N: run the K-th of N parts of the plan (CI matrices; bmshil merge joins them)");
    if (!scenario_files)
        app.add_option("--scenarios", o.scenarios_dir, "Folder of hand-written scenarios (default: the bundled ones)")
            ->check(CLI::ExistingDirectory);
    if (scenario_files) app.add_option("files", o.files, "Scenario files (YAML)")->required()->check(CLI::ExistingFile);
}

oracle::ParameterSet checked_parameter_file(const oracle::Spec& spec, const std::string& path) {
    const oracle::ParameterSet set = oracle::load_parameter_file(spec, path);
    const std::vector<oracle::RuleViolation> bad = oracle::check_rules(set);
    if (!bad.empty()) {
        std::string what = path + ": the parameter set breaks " + std::to_string(bad.size()) + " rule" +
                           (bad.size() == 1 ? "" : "s") + " of the manual; nothing was run";
        for (const auto& v : bad) what += "\n  " + v.message(spec);
        throw std::invalid_argument(what);
    }
    return set;
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

// "K/N" with 1 <= K <= N: bad input otherwise, before anything runs.
void parse_shard(const std::string& text, int* index, int* count) {
    int k = 0, n = 0, used = 0;
    if (std::sscanf(text.c_str(), "%d/%d%n", &k, &n, &used) != 2 || used != static_cast<int>(text.size()) || n < 1 ||
        n > 1000 || k < 1 || k > n)
        throw std::invalid_argument("--shard " + text + ": expected K/N with 1 <= K <= N <= 1000, e.g. 2/4");
    *index = k;
    *count = n;
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
    if (!o.shard.empty()) parse_shard(o.shard, &s.shard_index, &s.shard_count);
    s.results_dir = o.results_dir;
    s.vcd_dir = o.vcd_dir;
    // The parameter file, checked entry by entry and then as a set against
    // the manual's rules, before anything runs.
    const oracle::Spec spec = oracle::Spec::load(o.spec_dir);
    set_overrides(s, checked_parameter_file(spec, o.params));
    return s;
}

SuiteResult read_baseline(const std::string& path) {
    try {
        return read_result_file(path);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("--baseline: ") + e.what() + "; nothing was run");
    }
}

// The parameters and switches in force, as the report lists them.
void settings_rows(const oracle::ParameterSet& set, std::vector<reports::SettingRow>& parameters,
                   std::vector<reports::SettingRow>& switches) {
    const oracle::Spec& spec = set.spec();
    for (const auto& [n, p] : spec.parameters())
        parameters.push_back({n, p.key, reports::format_general(set[n], 6), p.unit,
                              set.overridden_parameters().count(n) != 0});
    for (const auto& [n, sw] : spec.switches())
        switches.push_back({n, sw.key, set.switch_on(n) ? "on" : "off", "", set.overridden_switches().count(n) != 0});
}

}  // namespace

SuiteResult read_result_file(const std::string& path) {
    // A folder opens as an empty stream, which read_json would call "not valid JSON".
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw std::invalid_argument(path + ": is a folder, not a result file");
    try {
        return reports::read_json(path);
    } catch (const reports::ResultFileError& e) {
        throw std::invalid_argument(e.what());
    }
}

void write_report(const ReportOptions& r, const SuiteResult& result, const oracle::ParameterSet& in_force,
                  const std::optional<SuiteResult>& baseline, double wall_s) {
    reports::HtmlReportInput in;
    in.result = &result;
    settings_rows(in_force, in.parameters, in.switches);
    in.plot_dirs = r.plot_dirs;
    in.wall_s = wall_s;
    in.title = r.title;
    if (baseline) {
        in.comparison_json = reports::comparison_json(reports::compare_results(*baseline, result, r.drift_fraction));
        in.baseline = r.baseline_file;
    }
    // The VCD links relative to the page, when the waveforms are beside it.
    if (!r.vcd_dir.empty()) {
        std::error_code ec;
        const fs::path rel = fs::relative(fs::absolute(r.vcd_dir), fs::absolute(fs::path(r.html).parent_path()), ec);
        if (!ec) in.vcd_link_base = rel.string();
    }
    reports::write_html_report(in, r.html);
}

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
    if (!o.html.empty()) s.plot_dir = (fs::path(o.html).parent_path() / "plots").string();
    // The baseline is read now: a bad file is bad input, before anything runs.
    const std::optional<SuiteResult> baseline =
        o.baseline.empty() ? std::nullopt : std::optional<SuiteResult>(read_baseline(o.baseline));
    for (const std::string* file : {&o.json, &o.junit, &o.html})
        if (!file->empty()) check_writable_file(*file);
    for (const std::string* dir : {&s.results_dir, &o.vcd_dir, &s.plot_dir})
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
    if (!o.html.empty()) {
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ReportOptions r;
        r.html = o.html;
        r.title = o.title;
        r.baseline_file = o.baseline;
        r.vcd_dir = o.vcd_dir;
        r.drift_fraction = o.drift_fraction;
        if (!s.plot_dir.empty()) r.plot_dirs.push_back(s.plot_dir);
        const oracle::Spec spec = oracle::Spec::load(s.spec_dir);
        write_report(r, result, parameters_in_force(spec, s), baseline, wall);
        std::printf("report: %s\n", o.html.c_str());
    }
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
