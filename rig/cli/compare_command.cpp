#include "compare_command.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "file_output.h"
#include "json_report.h"
#include "suite_commands.h"

namespace bmshil::rig::cli {

namespace {

// A share of a tolerance: finite and above 0 (0 would make every rounding
// error a move; NaN would make none).
CLI::Validator finite_above_zero() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (end == text.c_str() || *end != '\0') return "'" + text + "' is not a number";
            if (!std::isfinite(v)) return "'" + text + "' is not a finite number";
            if (!(v > 0.0)) return text + " is not above 0";
            return "";
        },
        "FINITE > 0");
}

}  // namespace

void add_compare_options(CLI::App& app, CompareCommandOptions& o) {
    app.add_option("old", o.old_file, "JSON result of the old build (bmshil suite --json)")->required()->type_name("OLD.json");
    app.add_option("new", o.new_file, "JSON result of the new build")->required()->type_name("NEW.json");
    app.add_option("--fraction", o.fraction,
                   "A finding moved when |new - old| > this x its tolerance (a tolerance of 0: any difference)")
        ->check(finite_above_zero())
        ->capture_default_str();
    app.add_flag("--all", o.all, "List every compared finding, not only the moved and changed ones");
    app.add_option("--json", o.json, "Also write the comparison as JSON here");
    app.add_flag("--fail-on-drift", o.fail_on_drift,
                 "Exit 1 when a finding moved or changed its verdict or unit, an item changed its status, or an item or "
                 "finding is in one run only");
}

int compare_command(const CompareCommandOptions& o) {
    // Both files read before anything is printed or written.
    const SuiteResult old_run = read_result_file(o.old_file);
    const SuiteResult new_run = read_result_file(o.new_file);
    const reports::Comparison comparison = reports::compare_results(old_run, new_run, o.fraction);
    if (!o.json.empty()) reports::write_file_atomically(o.json, reports::comparison_json(comparison));
    std::fputs(reports::comparison_text(comparison, o.all).c_str(), stdout);
    return o.fail_on_drift && comparison.drifted() ? kExitFinding : kExitPassed;
}

}  // namespace bmshil::rig::cli
