#include "compare.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "finding_text.h"
#include "json_number.h"
#include "number_format.h"

namespace bmshil::reports {

namespace {

using nlohmann::json;
using rig::Finding;
using rig::ScenarioResult;

// ---- pairing ----

// Which elements of two lists belong together: equal keys, the n-th of a key
// in one list with the n-th in the other.
struct Pairing {
    std::vector<std::pair<std::size_t, std::size_t>> both;
    std::vector<std::size_t> only_in_a;
    std::vector<std::size_t> only_in_b;
};

template <typename T, typename KeyOf>
Pairing pair_by_key(const std::vector<T>& a, const std::vector<T>& b, KeyOf key_of) {
    std::map<std::string, std::deque<std::size_t>> waiting;  // b's indices by key, in order
    for (std::size_t j = 0; j < b.size(); ++j) waiting[key_of(b[j])].push_back(j);
    Pairing p;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto it = waiting.find(key_of(a[i]));
        if (it == waiting.end() || it->second.empty()) {
            p.only_in_a.push_back(i);
            continue;
        }
        p.both.emplace_back(i, it->second.front());
        it->second.pop_front();
    }
    for (const auto& [key, rest] : waiting) p.only_in_b.insert(p.only_in_b.end(), rest.begin(), rest.end());
    return p;
}

// ---- comparing ----

// Two NaNs are the same "nothing measured"; equal infinities the same limit.
bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// Equal values never move. Anything else moves unless its distance is known
// to be within the bound: a NaN against a number cannot be shown to be close,
// and a tolerance of 0 lets no difference through.
void judge_drift(FindingComparison& c, double fraction) {
    if (c.unit_changed()) {  // a delay in s against a voltage: no difference to speak of
        c.difference = c.fraction_of_tolerance = std::numeric_limits<double>::quiet_NaN();
        return;
    }
    if (same_value(c.measured_old, c.measured_new)) return;  // difference and fraction stay 0
    c.difference = c.measured_new - c.measured_old;
    c.fraction_of_tolerance = c.difference / c.tolerance;    // +-inf against a tolerance of 0
    c.moved = !(std::fabs(c.difference) <= fraction * c.tolerance);
}

// The new run is the one under review: its tolerance, kind and unit are the
// reference, the old run's unit is kept to see whether they still agree.
FindingComparison compare_findings(const std::string& item, const Finding& old_f, const Finding& new_f,
                                   double fraction) {
    FindingComparison c;
    c.item = item;
    c.check = new_f.check;
    c.parameter = new_f.parameter != 0 ? new_f.parameter : old_f.parameter;
    c.kind = new_f.kind;
    c.unit = new_f.unit;
    c.old_unit = old_f.unit;
    c.configured_old = old_f.configured;
    c.configured_new = new_f.configured;
    c.measured_old = old_f.measured;
    c.measured_new = new_f.measured;
    c.tolerance = new_f.tolerance;
    c.passed_old = old_f.passed;
    c.passed_new = new_f.passed;
    judge_drift(c, fraction);
    return c;
}

void compare_items(const ScenarioResult& old_item, const ScenarioResult& new_item, double fraction,
                   Comparison& out) {
    if (old_item.status != new_item.status)
        out.status_changes.push_back({new_item.name, old_item.status, new_item.status});
    const Pairing findings =
        pair_by_key(old_item.findings, new_item.findings, [](const Finding& f) { return f.check; });
    for (const auto& [i, j] : findings.both) {
        const Finding& o = old_item.findings[i];
        const Finding& n = new_item.findings[j];
        if (o.parameter != 0 || n.parameter != 0) out.findings.push_back(compare_findings(new_item.name, o, n, fraction));
    }
    for (std::size_t i : findings.only_in_a) {
        const Finding& f = old_item.findings[i];
        if (f.parameter != 0) out.findings_only_in_old.push_back({old_item.name, f.check, f.parameter});
    }
    for (std::size_t j : findings.only_in_b) {
        const Finding& f = new_item.findings[j];
        if (f.parameter != 0) out.findings_only_in_new.push_back({new_item.name, f.check, f.parameter});
    }
}

// "sorted by parameter number, then item"; the check orders an item's own.
template <typename Row>
void sort_by_parameter(std::vector<Row>& rows) {
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return std::tie(a.parameter, a.item, a.check) < std::tie(b.parameter, b.item, b.check);
    });
}

// ---- text ----

// Values with six significant digits, as finding_line prints them
// (quantity, finding_text.h); the difference and its share of the tolerance
// need fewer to be read.
std::string signed_quantity(double v, const std::string& unit) {
    const std::string text = (v > 0.0 ? "+" : "") + format_general(v, 3);
    return unit.empty() ? text : text + " " + unit;
}

std::string counted(std::size_t n, const std::string& one, const std::string& many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

const char* verdict(bool passed) { return passed ? "passed" : "failed"; }

// "+0.05 V, 3.33 x tolerance 0.015 V"; a share of a tolerance of 0 says nothing.
std::string change_text(const FindingComparison& c) {
    if (c.unit_changed()) return "units differ: not compared";
    std::string text = signed_quantity(c.difference, c.unit) + ", ";
    if (c.tolerance == 0.0) return text + "tolerance " + quantity(0.0, c.unit);
    return text + format_general(c.fraction_of_tolerance, 3) + " x tolerance " + quantity(c.tolerance, c.unit);
}

std::string finding_comparison_line(const FindingComparison& c) {
    std::string line = "#" + std::to_string(c.parameter) + " " + c.item + " " + c.check + ": measured " +
                       quantity(c.measured_old, c.old_unit) + " -> " + quantity(c.measured_new, c.unit) + " (" +
                       change_text(c) + "), ";
    line += c.verdict_changed() ? std::string(verdict(c.passed_old)) + " -> " + verdict(c.passed_new)
                                : std::string(verdict(c.passed_new));
    // A value moved because the setting moved is explained by this alone.
    if (!same_value(c.configured_old, c.configured_new) || c.unit_changed())
        line += "; configured " + quantity(c.configured_old, c.old_unit) + " -> " + quantity(c.configured_new, c.unit);
    return line + "\n";
}

std::string unmatched_line(const UnmatchedFinding& f, const char* run) {
    return "#" + std::to_string(f.parameter) + " " + f.item + " " + f.check + ": only in the " + run + " run\n";
}

std::string summary_line(const Comparison& c) {
    std::string line = counted(c.findings.size(), "finding", "findings") + " compared, " +
                       std::to_string(c.moved_count()) + " moved (more than " + format_general(c.fraction, 6) +
                       " x tolerance), " + counted(c.verdict_changes(), "verdict", "verdicts") + " changed, ";
    if (c.unit_changes() != 0) line += counted(c.unit_changes(), "unit", "units") + " changed, ";
    if (!c.findings_only_in_old.empty() || !c.findings_only_in_new.empty())
        line += std::to_string(c.findings_only_in_old.size()) + " findings only in old, " +
                std::to_string(c.findings_only_in_new.size()) + " only in new, ";
    return line + counted(c.only_in_old.size(), "item", "items") + " only in old, " +
           std::to_string(c.only_in_new.size()) + " only in new, " +
           counted(c.status_changes.size(), "status", "statuses") + " changed\n";
}

// ---- JSON ----

json finding_comparison_json(const FindingComparison& c) {
    return {{"item", c.item},
            {"check", c.check},
            {"parameter", c.parameter},
            {"kind", c.kind},
            {"unit", c.unit},
            {"unit_old", c.old_unit},
            {"configured_old", json_number(c.configured_old)},
            {"configured_new", json_number(c.configured_new)},
            {"measured_old", json_number(c.measured_old)},
            {"measured_new", json_number(c.measured_new)},
            {"difference", json_number(c.difference)},
            {"tolerance", json_number(c.tolerance)},
            {"fraction_of_tolerance", json_number(c.fraction_of_tolerance)},
            {"passed_old", c.passed_old},
            {"passed_new", c.passed_new},
            {"moved", c.moved},
            {"verdict_changed", c.verdict_changed()},
            {"unit_changed", c.unit_changed()}};
}

json unmatched_json(const std::vector<UnmatchedFinding>& list) {
    json out = json::array();
    for (const auto& f : list) out.push_back({{"item", f.item}, {"check", f.check}, {"parameter", f.parameter}});
    return out;
}

json status_changes_json(const std::vector<StatusChange>& list) {
    json out = json::array();
    for (const auto& s : list)
        out.push_back({{"item", s.item}, {"old", rig::to_string(s.old_status)}, {"new", rig::to_string(s.new_status)}});
    return out;
}

json counts_json(const Comparison& c) {
    return {{"compared", c.findings.size()},
            {"moved", c.moved_count()},
            {"verdicts_changed", c.verdict_changes()},
            {"units_changed", c.unit_changes()},
            {"findings_only_in_old", c.findings_only_in_old.size()},
            {"findings_only_in_new", c.findings_only_in_new.size()},
            {"items_only_in_old", c.only_in_old.size()},
            {"items_only_in_new", c.only_in_new.size()},
            {"status_changes", c.status_changes.size()}};
}

}  // namespace

std::size_t Comparison::moved_count() const {
    return std::count_if(findings.begin(), findings.end(), [](const FindingComparison& f) { return f.moved; });
}

std::size_t Comparison::verdict_changes() const {
    return std::count_if(findings.begin(), findings.end(),
                         [](const FindingComparison& f) { return f.verdict_changed(); });
}

std::size_t Comparison::unit_changes() const {
    return std::count_if(findings.begin(), findings.end(), [](const FindingComparison& f) { return f.unit_changed(); });
}

bool Comparison::drifted() const {
    const bool finding_flagged =
        std::any_of(findings.begin(), findings.end(), [](const FindingComparison& f) { return f.flagged(); });
    return finding_flagged || !only_in_old.empty() || !only_in_new.empty() || !findings_only_in_old.empty() ||
           !findings_only_in_new.empty() || !status_changes.empty();
}

Comparison compare_results(const rig::SuiteResult& old_run, const rig::SuiteResult& new_run, double fraction) {
    Comparison c;
    c.fraction = fraction;
    const auto name_of = [](const ScenarioResult& s) { return s.name; };
    const Pairing items = pair_by_key(old_run.scenarios, new_run.scenarios, name_of);
    for (const auto& [i, j] : items.both) compare_items(old_run.scenarios[i], new_run.scenarios[j], fraction, c);
    for (std::size_t i : items.only_in_a) c.only_in_old.push_back(old_run.scenarios[i].name);
    for (std::size_t j : items.only_in_b) c.only_in_new.push_back(new_run.scenarios[j].name);
    sort_by_parameter(c.findings);
    sort_by_parameter(c.findings_only_in_old);
    sort_by_parameter(c.findings_only_in_new);
    std::sort(c.only_in_old.begin(), c.only_in_old.end());
    std::sort(c.only_in_new.begin(), c.only_in_new.end());
    std::stable_sort(c.status_changes.begin(), c.status_changes.end(),
                     [](const StatusChange& a, const StatusChange& b) { return a.item < b.item; });
    return c;
}

std::string comparison_text(const Comparison& c, bool all) {
    std::string text = summary_line(c);
    for (const auto& f : c.findings)
        if (f.flagged()) text += finding_comparison_line(f);
    for (const auto& f : c.findings_only_in_old) text += unmatched_line(f, "old");
    for (const auto& f : c.findings_only_in_new) text += unmatched_line(f, "new");
    for (const auto& item : c.only_in_old) text += "only in the old run: " + item + "\n";
    for (const auto& item : c.only_in_new) text += "only in the new run: " + item + "\n";
    for (const auto& s : c.status_changes)
        text += "status of " + s.item + ": " + rig::to_string(s.old_status) + " -> " + rig::to_string(s.new_status) +
                "\n";
    if (all) {
        text += "every compared finding:\n";
        for (const auto& f : c.findings) text += finding_comparison_line(f);
    }
    return text;
}

std::string comparison_json(const Comparison& c) {
    json findings = json::array();
    for (const auto& f : c.findings) findings.push_back(finding_comparison_json(f));
    const json out = {{"fraction", json_number(c.fraction)},
                      {"drifted", c.drifted()},
                      {"counts", counts_json(c)},
                      {"findings", findings},
                      {"findings_only_in_old", unmatched_json(c.findings_only_in_old)},
                      {"findings_only_in_new", unmatched_json(c.findings_only_in_new)},
                      {"items_only_in_old", c.only_in_old},
                      {"items_only_in_new", c.only_in_new},
                      {"status_changes", status_changes_json(c.status_changes)}};
    // Replace, as the result file does: a name from a file is not checked for UTF-8.
    return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace bmshil::reports
