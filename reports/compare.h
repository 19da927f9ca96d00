// Two results of the suite side by side (`bmshil compare OLD.json NEW.json`):
// which measured values of the manual's parameters moved between two builds of
// a firmware, which verdicts changed, and which items came or went. A value can
// move a long way inside its tolerance with both builds passing; a reviewer
// wants to see that before the next build crosses the line.
#pragma once

#include <string>
#include <vector>

#include "verdict.h"

namespace bmshil::reports {

// A finding moved when |measured_new - measured_old| > this x its tolerance.
inline constexpr double default_drift_fraction = 0.5;

// One finding that names a parameter, found in both runs: same item
// (ScenarioResult::name) and same Finding::check.
struct FindingComparison {
    std::string item;
    std::string check;
    int parameter = 0;      // the new run's (the old run's when the new one names none)
    std::string kind;       // the new run's
    std::string unit;       // the new run's
    std::string old_unit;   // differs from unit only when the two runs measured different quantities
    double configured_old = 0.0;
    double configured_new = 0.0;
    double measured_old = 0.0;
    double measured_new = 0.0;
    double difference = 0.0;              // measured_new - measured_old, in unit; NaN when the units differ
    double tolerance = 0.0;               // the new run's
    double fraction_of_tolerance = 0.0;   // difference / tolerance; +-inf for any difference when tolerance is 0
    bool passed_old = false;
    bool passed_new = false;
    bool moved = false;                   // |difference| > fraction x tolerance

    bool verdict_changed() const { return passed_old != passed_new; }
    bool unit_changed() const { return unit != old_unit; }
    // What the text lists before everything else.
    bool flagged() const { return moved || verdict_changed() || unit_changed(); }
};

// A finding naming a parameter that one run reported for an item and the
// other did not, though both ran the item.
struct UnmatchedFinding {
    std::string item;
    std::string check;
    int parameter = 0;
};

struct StatusChange {
    std::string item;
    rig::ScenarioStatus old_status = rig::ScenarioStatus::passed;
    rig::ScenarioStatus new_status = rig::ScenarioStatus::passed;
};

struct Comparison {
    double fraction = default_drift_fraction;      // what moved means, as given
    std::vector<FindingComparison> findings;        // by parameter, then item, then check
    std::vector<std::string> only_in_old;           // item names, sorted
    std::vector<std::string> only_in_new;
    std::vector<UnmatchedFinding> findings_only_in_old;  // by parameter, then item, then check
    std::vector<UnmatchedFinding> findings_only_in_new;
    std::vector<StatusChange> status_changes;       // by item

    std::size_t moved_count() const;
    std::size_t verdict_changes() const;
    std::size_t unit_changes() const;
    // Anything a reviewer must look at: a finding moved, changed its verdict
    // or its unit, an item or a parameter's finding is in one run only, or an
    // item changed its status. What `--fail-on-drift` fails on.
    bool drifted() const;
};

// Pairs the items of both runs by name and their findings by check (the n-th
// finding of a check with the n-th, should an item report one twice), and
// compares every pair in which either side names a parameter.
// fraction: a finding moved when |difference| > fraction x the new tolerance.
Comparison compare_results(const rig::SuiteResult& old_run, const rig::SuiteResult& new_run, double fraction);

// For people: a summary line, then one line per flagged finding, the items
// in one run only, the findings in one run only and the status changes, then,
// with `all`, every compared finding. Ends with a newline.
//   #5 generated/p005.trip_value p005.trip_value: measured 3.65 V -> 3.7 V
//      (+0.05 V, 3.33 x tolerance 0.015 V), passed -> failed
// (one line). Numbers as %.6g, the difference and its fraction as %.3g.
std::string comparison_text(const Comparison& c, bool all);

// For machines (an HTML report): one object per compared finding with every
// field of FindingComparison, the lists, and the counts. Keys sorted, 2-space
// indent, trailing newline; NaN and infinities as the strings "NaN",
// "Infinity", "-Infinity", as in the result file.
std::string comparison_json(const Comparison& c);

}  // namespace bmshil::reports
