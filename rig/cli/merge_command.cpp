#include "merge_command.h"

#include <cstdio>
#include <optional>
#include <stdexcept>

#include "json_report.h"
#include "junit_report.h"
#include "merge.h"
#include "oracle/parameter_file.h"
#include "suite_commands.h"
#include "validators.h"

namespace bmshil::rig::cli {

void add_merge_options(CLI::App& app, MergeCommandOptions& o) {
    app.add_option("shards", o.shards, "The shards' JSON results (bmshil suite --shard K/N --json)")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--json", o.json, "Write the merged JSON result here");
    app.add_option("--junit", o.junit, "Write the merged JUnit XML here");
    app.add_option("--html", o.html, "Write the merged HTML report here");
    app.add_option("--plots", o.plot_dirs, "A shard's plots/ folder (give each), for the HTML report")
        ->check(CLI::ExistingDirectory);
    app.add_option("--params", o.params, "The parameter file the shards ran with")->check(CLI::ExistingFile);
    app.add_option("--title", o.title, "The HTML report's subtitle");
    app.add_option("--baseline", o.baseline, "A baseline's JSON result: the report shows what moved since")
        ->check(CLI::ExistingFile);
}

int merge_command(const MergeCommandOptions& o) {
    // Every file read and the shards checked against each other before anything is written.
    std::vector<SuiteResult> shards;
    for (const std::string& f : o.shards) shards.push_back(read_result_file(f));
    const SuiteResult merged = reports::merge_results(shards, o.shards);
    const std::optional<SuiteResult> baseline =
        o.baseline.empty() ? std::nullopt : std::optional<SuiteResult>(read_result_file(o.baseline));
    const oracle::Spec spec = oracle::Spec::load(o.spec_dir);
    const oracle::ParameterSet in_force =
        o.params.empty() ? oracle::ParameterSet(spec) : oracle::load_parameter_file(spec, o.params);
    if (!o.json.empty()) reports::write_json(merged, o.json);
    if (!o.junit.empty()) reports::write_junit(merged, o.junit);
    if (!o.html.empty()) {
        ReportOptions r;
        r.html = o.html;
        r.title = o.title;
        r.baseline_file = o.baseline;
        r.plot_dirs = o.plot_dirs;
        r.drift_fraction = o.drift_fraction;
        write_report(r, merged, in_force, baseline, 0.0);
    }
    std::size_t passed = 0;
    for (const ScenarioResult& r : merged.scenarios) passed += r.status == ScenarioStatus::passed;
    std::printf("merged %zu shards: %zu items, %zu passed; coverage: parameters verified %zu/%d, switches verified %zu/%d\n",
                shards.size(), merged.scenarios.size(), passed, merged.coverage.parameters_verified.size(),
                merged.coverage.parameter_count, merged.coverage.switches_verified.size(), merged.coverage.switch_count);
    if (merged.interrupted || !merged.not_run.empty()) return kExitInterrupted;
    for (const ScenarioResult& r : merged.scenarios)
        if (r.status == ScenarioStatus::failed || r.status == ScenarioStatus::timeout) return kExitFinding;
    for (const ScenarioResult& r : merged.scenarios)
        if (r.status == ScenarioStatus::error) return kExitInfrastructure;
    return kExitPassed;
}

}  // namespace bmshil::rig::cli
