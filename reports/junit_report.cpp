#include "junit_report.h"

#include <algorithm>
#include <map>
#include <vector>

#include "file_output.h"
#include "finding_text.h"
#include "number_format.h"
#include "xml_escape.h"

namespace bmshil::reports {

namespace {

using rig::ScenarioResult;
using rig::ScenarioStatus;

struct Counts {
    int tests = 0;
    int failures = 0;
    int errors = 0;
    int skipped = 0;  // in the plan, not run (an interrupted run)
    double time_s = 0.0;

    void add(const ScenarioResult& s) {
        ++tests;
        if (s.status == ScenarioStatus::failed) ++failures;
        if (s.status == ScenarioStatus::error || s.status == ScenarioStatus::timeout) ++errors;
        time_s += s.simulated_s;
    }
    void add(const Counts& c) {
        tests += c.tests;
        failures += c.failures;
        errors += c.errors;
        skipped += c.skipped;
        time_s += c.time_s;
    }
};

// JUnit's time is an xs:decimal: fixed notation, never an exponent.
std::string seconds(double s) { return format_fixed(s, 6); }

std::string count_attributes(const Counts& c) {
    return " tests=\"" + std::to_string(c.tests) + "\" failures=\"" + std::to_string(c.failures) + "\" errors=\"" +
           std::to_string(c.errors) + "\" skipped=\"" + std::to_string(c.skipped) + "\" time=\"" + seconds(c.time_s) + "\"";
}

std::string attribute(const char* name, const std::string& value) {
    return std::string(" ") + name + "=\"" + escape_xml_attribute(value) + "\"";
}

// "generated/p005_cell_ov" in group "generated" -> "p005_cell_ov".
std::string case_name(const ScenarioResult& s) {
    const std::string prefix = s.group + "/";
    if (!s.group.empty() && s.name.size() > prefix.size() && s.name.compare(0, prefix.size(), prefix) == 0)
        return s.name.substr(prefix.size());
    return s.name;
}

std::string failure_text(const ScenarioResult& s) {
    std::string text;
    for (const auto& f : s.findings) {
        if (f.passed) continue;
        if (!text.empty()) text += "\n";
        text += finding_line(f);
    }
    // A scenario may fail on something the oracle did not phrase as a finding;
    // the message must still say where to look.
    return text.empty() ? "failed without a failed finding; see system-out" : text;
}

std::string system_out(const ScenarioResult& s) {
    std::string text;
    if (!s.source.empty()) text += "source: " + s.source + "\n";
    for (const auto& f : s.findings) text += (f.passed ? "PASS " : "FAIL ") + finding_line(f) + "\n";
    for (const auto& safety : s.safety) text += "SAFETY " + safety_line(safety) + "\n";
    if (!s.vcd_file.empty()) {
        text += "waveform: " + s.vcd_file + "\n";
        // GitLab and Jenkins' attachments plugin link files named this way.
        text += "[[ATTACHMENT|" + s.vcd_file + "]]\n";
    }
    return text;
}

void write_testcase(std::string& out, const ScenarioResult& s) {
    out += "    <testcase" + attribute("classname", s.group) + attribute("name", case_name(s)) + " time=\"" +
           seconds(s.simulated_s) + "\">\n";
    if (s.status == ScenarioStatus::failed) {
        const std::string text = failure_text(s);
        out += "      <failure" + attribute("message", text) + " type=\"failed\">" + escape_xml_text(text) +
               "</failure>\n";
    } else if (s.status == ScenarioStatus::error || s.status == ScenarioStatus::timeout) {
        const std::string type = rig::to_string(s.status);
        const std::string text = s.error.empty() ? type : s.error;
        out += "      <error" + attribute("message", text) + attribute("type", type) + ">" + escape_xml_text(text) +
               "</error>\n";
    }
    const std::string log = system_out(s);
    if (!log.empty()) out += "      <system-out>" + escape_xml_text(log) + "</system-out>\n";
    out += "    </testcase>\n";
}

}  // namespace

std::string junit_xml(const rig::SuiteResult& result) {
    // Groups sorted by name; within a group, scenarios by name. The suite is
    // already sorted, but the file must not depend on who assembled it.
    std::map<std::string, std::vector<const ScenarioResult*>> groups;
    for (const auto& s : result.scenarios) groups[s.group].push_back(&s);
    // Items an interrupted run did not get to: skipped test cases, by group.
    std::map<std::string, std::vector<std::string>> not_run;
    for (const std::string& name : result.not_run) {
        const auto slash = name.find('/');
        const std::string group = slash == std::string::npos ? "" : name.substr(0, slash);
        not_run[group].push_back(slash == std::string::npos ? name : name.substr(slash + 1));
        groups[group];
    }

    Counts total;
    std::map<std::string, Counts> group_counts;
    for (auto& [name, scenarios] : groups) {
        std::stable_sort(scenarios.begin(), scenarios.end(),
                         [](const ScenarioResult* a, const ScenarioResult* b) { return a->name < b->name; });
        for (const auto* s : scenarios) group_counts[name].add(*s);
        group_counts[name].tests += static_cast<int>(not_run[name].size());
        group_counts[name].skipped += static_cast<int>(not_run[name].size());
        total.add(group_counts[name]);
    }

    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"bms-hil\"" + count_attributes(total) + ">\n";
    for (const auto& [name, scenarios] : groups) {
        out += "  <testsuite" + attribute("name", name) + count_attributes(group_counts[name]) + ">\n";
        out += "    <properties>\n";
        out += "      <property name=\"firmware\"" + attribute("value", result.firmware) + "/>\n";
        out += "      <property name=\"firmware_file\"" + attribute("value", result.firmware_file) + "/>\n";
        const rig::BoardIdentity& b = result.board;
        for (const auto& [key, value] : {std::pair<const char*, const std::string&>{"board.backend", b.backend},
                                         {"board.board", b.board},
                                         {"board.firmware", b.firmware},
                                         {"board.daq", b.daq},
                                         {"board.calibration", b.calibration}})
            out += std::string("      <property name=\"") + key + "\"" + attribute("value", value) + "/>\n";
        out += "      <property name=\"seed\" value=\"" + format_unsigned(result.seed) + "\"/>\n";
        out += "    </properties>\n";
        for (const auto* s : scenarios) write_testcase(out, *s);
        for (const std::string& c : not_run[name])
            out += "    <testcase" + attribute("classname", name) + attribute("name", c) +
                   " time=\"0.000000\">\n      <skipped message=\"not run: the run was interrupted\"/>\n    </testcase>\n";
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    return out;
}

void write_junit(const rig::SuiteResult& result, const std::string& path) {
    write_file_atomically(path, junit_xml(result));
}

}  // namespace bmshil::reports
