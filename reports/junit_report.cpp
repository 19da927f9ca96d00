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
        time_s += s.wall_s;  // what CI dashboards show: real time, not simulated
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

std::string property(const std::string& name, const std::string& value) {
    return "        <property" + attribute("name", name) + attribute("value", value) + "/>\n";
}

// The simulated time, and per finding what it verifies with the configured
// and measured values, for tools that chart properties over builds.
std::string testcase_properties(const ScenarioResult& s) {
    std::string out = "      <properties>\n";
    out += property("simulated_s", format_general(s.simulated_s, 12));
    for (const auto& f : s.findings) {
        const std::string key = "finding." + f.check + ".";
        if (f.parameter != 0) out += property(key + "parameter", std::to_string(f.parameter));
        if (f.switch_number != 0) out += property(key + "switch", std::to_string(f.switch_number));
        out += property(key + "configured", format_general(f.configured, 12));
        out += property(key + "measured", format_general(f.measured, 12));
        out += property(key + "tolerance", format_general(f.tolerance, 12));
        out += property(key + "unit", f.unit);
    }
    return out + "      </properties>\n";
}

void write_testcase(std::string& out, const ScenarioResult& s, const std::string& classname) {
    out += "    <testcase" + attribute("classname", classname) + attribute("name", case_name(s)) + " time=\"" +
           seconds(s.wall_s) + "\">\n";
    out += testcase_properties(s);
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

// The kind of check an item is, one test suite each: "trip_value",
// "delay", ... for a generated item ("p005.trip_value"), "port" for the port's
// cases, the group itself ("scenarios") otherwise.
std::string kind_of(const std::string& group, const std::string& case_name) {
    if (group != "generated") return group;
    const auto dot = case_name.find('.');
    if (dot == std::string::npos) return group;
    const std::string head = case_name.substr(0, dot);
    return head == "port" ? head : case_name.substr(dot + 1);
}

std::string classname_of(const std::string& group, const std::string& kind) {
    return kind == group ? group : group + "." + kind;
}

}  // namespace

std::string junit_xml(const rig::SuiteResult& result) {
    // Suites by kind of check, sorted by name; within one, items by name. The
    // suite is already sorted, but the file must not depend on who assembled it.
    std::map<std::string, std::vector<const ScenarioResult*>> groups;
    std::map<std::string, std::string> classnames;
    for (const auto& s : result.scenarios) {
        const std::string kind = kind_of(s.group, case_name(s));
        groups[kind].push_back(&s);
        classnames[kind] = classname_of(s.group, kind);
    }
    // Items an interrupted run did not get to: skipped test cases, by kind.
    std::map<std::string, std::vector<std::string>> not_run;
    for (const std::string& name : result.not_run) {
        const auto slash = name.find('/');
        const std::string group = slash == std::string::npos ? "" : name.substr(0, slash);
        const std::string item = slash == std::string::npos ? name : name.substr(slash + 1);
        const std::string kind = kind_of(group, item);
        not_run[kind].push_back(item);
        groups[kind];
        classnames[kind] = classname_of(group, kind);
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
        for (const auto* s : scenarios) write_testcase(out, *s, classnames[name]);
        for (const std::string& c : not_run[name])
            out += "    <testcase" + attribute("classname", classnames[name]) + attribute("name", c) +
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
