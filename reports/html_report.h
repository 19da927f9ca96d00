// One self-contained HTML page per run, for a person: the summary (firmware,
// board, seed, the parameters in force, counts, wall time), the coverage
// matrix of the manual, every item with its findings and plots of what the
// protection did, and, given a baseline, what moved between two builds. It
// opens offline: the plot library (uPlot, reports/vendor/uplot) and the data
// are inside the page; the plots are drawn by reports/html/report.js.
#pragma once

#include <string>
#include <vector>

#include "verdict.h"

namespace bmshil::reports {

// A parameter or switch as the report lists it, with the value in force.
struct SettingRow {
    int number = 0;
    std::string key;
    std::string value;   // as written in the manual's unit, or on / off
    std::string unit;
    bool overridden = false;  // not the manual's default
};

struct HtmlReportInput {
    const rig::SuiteResult* result = nullptr;
    std::vector<SettingRow> parameters, switches;
    std::vector<std::string> plot_dirs;  // where the items' plots are (rig/item_plot.h); the first that has one
    double wall_s = 0.0;          // the whole run
    std::string title;            // e.g. "the manual's defaults"
    std::string comparison_json;  // reports/compare.h's JSON against a baseline, "" = none
    std::string baseline;         // the baseline's file, as given
    std::string vcd_link_base;    // the VCD links relative to the page ("" = the paths as recorded)
};

// Passed items keep this many plot buckets and the envelope of the cells;
// failed ones all their buckets and every cell, so the page of a whole suite
// stays small (a few MB) and a failure shows in detail.
inline constexpr std::size_t kPassedPlotBuckets = 100;
// The probes a passed item's plot keeps.
const std::vector<std::string>& passed_plot_probes();

std::string html_report(const HtmlReportInput& input);
void write_html_report(const HtmlReportInput& input, const std::string& path);

}  // namespace bmshil::reports
