#include "json_report.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "file_output.h"
#include "json_number.h"

namespace bmshil::reports {

namespace {

using nlohmann::json;
using rig::Coverage;
using rig::Finding;
using rig::SafetyFinding;
using rig::ScenarioResult;
using rig::ScenarioStatus;
using rig::SuiteResult;

// ---- writing ----

json number(double v) { return json_number(v); }

json numbered_reasons(const std::vector<std::pair<int, std::string>>& list) {
    json out = json::array();
    for (const auto& [n, reason] : list) out.push_back({{"number", n}, {"reason", reason}});
    return out;
}

json finding_json(const Finding& f) {
    return {{"check", f.check},
            {"parameter", f.parameter},
            {"switch_number", f.switch_number},
            {"kind", f.kind},
            {"passed", f.passed},
            {"configured", number(f.configured)},
            {"measured", number(f.measured)},
            {"tolerance", number(f.tolerance)},
            {"unit", f.unit},
            {"message", f.message},
            {"stimulus_s", number(f.stimulus_s)},
            {"reaction_s", number(f.reaction_s)},
            {"window_from_s", number(f.window_from_s)},
            {"window_to_s", number(f.window_to_s)}};
}

json safety_json(const SafetyFinding& s) {
    return {{"kind", s.kind},
            {"cell", s.cell},
            {"start_s", number(s.start_s)},
            {"end_s", number(s.end_s)},
            {"worst", number(s.worst)}};
}

json scenario_json(const ScenarioResult& s) {
    json findings = json::array();
    for (const auto& f : s.findings) findings.push_back(finding_json(f));
    json safety = json::array();
    for (const auto& x : s.safety) safety.push_back(safety_json(x));
    return {{"name", s.name},
            {"group", s.group},
            {"source", s.source},
            {"status", rig::to_string(s.status)},
            {"simulated_s", number(s.simulated_s)},
            {"wall_s", number(s.wall_s)},
            {"findings", findings},
            {"safety", safety},
            {"error", s.error},
            {"vcd_file", s.vcd_file}};
}

json coverage_json(const Coverage& c) {
    return {{"parameters_verified", c.parameters_verified},
            {"parameters_verified_count", c.parameters_verified.size()},
            {"parameters_not_verifiable", numbered_reasons(c.parameters_not_verifiable)},
            {"parameters_not_verifiable_count", c.parameters_not_verifiable.size()},
            {"parameter_count", c.parameter_count},
            {"switches_verified", c.switches_verified},
            {"switches_verified_count", c.switches_verified.size()},
            {"switches_not_verifiable", numbered_reasons(c.switches_not_verifiable)},
            {"switches_not_verifiable_count", c.switches_not_verifiable.size()},
            {"switch_count", c.switch_count}};
}

json counts_json(const SuiteResult& r) {
    int by_status[4] = {0, 0, 0, 0};
    std::size_t findings = 0, findings_failed = 0, safety = 0;
    for (const auto& s : r.scenarios) {
        ++by_status[static_cast<int>(s.status)];
        findings += s.findings.size();
        for (const auto& f : s.findings) findings_failed += f.passed ? 0 : 1;
        safety += s.safety.size();
    }
    return {{"scenarios", r.scenarios.size()},
            {"passed", by_status[static_cast<int>(ScenarioStatus::passed)]},
            {"failed", by_status[static_cast<int>(ScenarioStatus::failed)]},
            {"error", by_status[static_cast<int>(ScenarioStatus::error)]},
            {"timeout", by_status[static_cast<int>(ScenarioStatus::timeout)]},
            {"findings", findings},
            {"findings_failed", findings_failed},
            {"safety_findings", safety}};
}

// ---- reading ----

// Where in which file a value sits, for error messages:
// "out/result.json: scenarios[2].findings[0].measured: expected a number".
struct Place {
    const std::string& file;
    std::string path;

    Place key(const std::string& k) const { return {file, path.empty() ? k : path + "." + k}; }
    Place index(std::size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
    [[noreturn]] void fail(const std::string& what) const {
        throw ResultFileError(file + ": " + (path.empty() ? "" : path + ": ") + what);
    }
};

const json& member(const json& object, const std::string& k, const Place& at) {
    if (!object.is_object()) at.fail("expected an object");
    const auto it = object.find(k);
    if (it == object.end()) at.fail("missing key \"" + k + "\"");
    return *it;
}

std::string read_string(const json& object, const std::string& k, const Place& at) {
    const json& v = member(object, k, at);
    if (!v.is_string()) at.key(k).fail(std::string("expected a string, got ") + v.type_name());
    return v.get<std::string>();
}

bool read_bool(const json& object, const std::string& k, const Place& at) {
    const json& v = member(object, k, at);
    if (!v.is_boolean()) at.key(k).fail(std::string("expected true or false, got ") + v.type_name());
    return v.get<bool>();
}

int as_int(const json& v, const Place& at) {
    if (!v.is_number_integer()) at.fail(std::string("expected an integer, got ") + v.type_name());
    // Compare in the stored signedness: a large unsigned must not wrap into range.
    if (v.is_number_unsigned()) {
        if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
            at.fail("integer out of range");
    } else {
        const auto i = v.get<std::int64_t>();
        if (i < std::numeric_limits<int>::min() || i > std::numeric_limits<int>::max()) at.fail("integer out of range");
    }
    return v.get<int>();
}

int read_int(const json& object, const std::string& k, const Place& at) {
    return as_int(member(object, k, at), at.key(k));
}

double read_double(const json& object, const std::string& k, const Place& at) {
    const json& v = member(object, k, at);
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
        if (s == "Infinity") return std::numeric_limits<double>::infinity();
        if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    }
    at.key(k).fail("expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", got " + v.dump());
}

const json& read_array(const json& object, const std::string& k, const Place& at) {
    const json& v = member(object, k, at);
    if (!v.is_array()) at.key(k).fail(std::string("expected an array, got ") + v.type_name());
    return v;
}

ScenarioStatus read_status(const json& object, const Place& at) {
    const std::string s = read_string(object, "status", at);
    for (auto status : {ScenarioStatus::passed, ScenarioStatus::failed, ScenarioStatus::error, ScenarioStatus::timeout})
        if (s == rig::to_string(status)) return status;
    at.key("status").fail("unknown status \"" + s + "\"");
}

Finding read_finding(const json& j, const Place& at) {
    Finding f;
    f.check = read_string(j, "check", at);
    f.parameter = read_int(j, "parameter", at);
    f.switch_number = read_int(j, "switch_number", at);
    f.kind = read_string(j, "kind", at);
    f.passed = read_bool(j, "passed", at);
    f.configured = read_double(j, "configured", at);
    f.measured = read_double(j, "measured", at);
    f.tolerance = read_double(j, "tolerance", at);
    f.unit = read_string(j, "unit", at);
    f.message = read_string(j, "message", at);
    f.stimulus_s = read_double(j, "stimulus_s", at);
    f.reaction_s = read_double(j, "reaction_s", at);
    f.window_from_s = read_double(j, "window_from_s", at);
    f.window_to_s = read_double(j, "window_to_s", at);
    return f;
}

SafetyFinding read_safety(const json& j, const Place& at) {
    SafetyFinding s;
    s.kind = read_string(j, "kind", at);
    s.cell = read_int(j, "cell", at);
    s.start_s = read_double(j, "start_s", at);
    s.end_s = read_double(j, "end_s", at);
    s.worst = read_double(j, "worst", at);
    return s;
}

ScenarioResult read_scenario(const json& j, const Place& at) {
    ScenarioResult s;
    s.name = read_string(j, "name", at);
    s.group = read_string(j, "group", at);
    s.source = read_string(j, "source", at);
    s.status = read_status(j, at);
    s.simulated_s = read_double(j, "simulated_s", at);
    s.wall_s = read_double(j, "wall_s", at);
    const json& findings = read_array(j, "findings", at);
    for (std::size_t i = 0; i < findings.size(); ++i)
        s.findings.push_back(read_finding(findings[i], at.key("findings").index(i)));
    const json& safety = read_array(j, "safety", at);
    for (std::size_t i = 0; i < safety.size(); ++i)
        s.safety.push_back(read_safety(safety[i], at.key("safety").index(i)));
    s.error = read_string(j, "error", at);
    s.vcd_file = read_string(j, "vcd_file", at);
    return s;
}

std::vector<int> read_numbers(const json& object, const std::string& k, const Place& at) {
    const json& list = read_array(object, k, at);
    std::vector<int> out;
    for (std::size_t i = 0; i < list.size(); ++i) out.push_back(as_int(list[i], at.key(k).index(i)));
    return out;
}

std::vector<std::pair<int, std::string>> read_reasons(const json& object, const std::string& k, const Place& at) {
    const json& list = read_array(object, k, at);
    std::vector<std::pair<int, std::string>> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const Place item = at.key(k).index(i);
        out.emplace_back(read_int(list[i], "number", item), read_string(list[i], "reason", item));
    }
    return out;
}

Coverage read_coverage(const json& j, const Place& at) {
    Coverage c;
    c.parameters_verified = read_numbers(j, "parameters_verified", at);
    c.switches_verified = read_numbers(j, "switches_verified", at);
    c.parameters_not_verifiable = read_reasons(j, "parameters_not_verifiable", at);
    c.switches_not_verifiable = read_reasons(j, "switches_not_verifiable", at);
    c.parameter_count = read_int(j, "parameter_count", at);
    c.switch_count = read_int(j, "switch_count", at);
    return c;
}

json board_json(const rig::BoardIdentity& b) {
    return {{"backend", b.backend}, {"board", b.board}, {"firmware", b.firmware}, {"daq", b.daq},
            {"calibration", b.calibration}};
}

rig::BoardIdentity read_board(const json& j, const Place& at) {
    if (!j.is_object()) at.fail("expected an object, got " + j.dump());
    rig::BoardIdentity b;
    b.backend = read_string(j, "backend", at);
    b.board = read_string(j, "board", at);
    b.firmware = read_string(j, "firmware", at);
    b.daq = read_string(j, "daq", at);
    b.calibration = read_string(j, "calibration", at);
    return b;
}

}  // namespace

std::string result_json(const SuiteResult& r) {
    json scenarios = json::array();
    for (const auto& s : r.scenarios) scenarios.push_back(scenario_json(s));
    const json j = {{"format_version", result_format_version},
                    {"firmware", r.firmware},
                    {"firmware_file", r.firmware_file},
                    {"board", board_json(r.board)},
                    {"seed", r.seed},
                    {"passed", r.passed()},
                    {"interrupted", r.interrupted},
                    {"not_run", r.not_run},
                    {"counts", counts_json(r)},
                    {"coverage", coverage_json(r.coverage)},
                    {"scenarios", scenarios}};
    json out = j;
    if (!r.run_id.empty()) out["run_id"] = r.run_id;
    return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

void write_json(const SuiteResult& result, const std::string& path) {
    write_file_atomically(path, result_json(result));
}

SuiteResult parse_result_json(const std::string& text, const std::string& name) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        throw ResultFileError(name + ": not valid JSON: " + e.what());
    }
    const Place top{name, ""};
    if (!j.is_object()) top.fail("expected an object at the top level");
    const int version = read_int(j, "format_version", top);
    if (version != result_format_version)
        top.key("format_version")
            .fail("format version " + std::to_string(version) + ", this build reads " +
                  std::to_string(result_format_version));

    SuiteResult r;
    r.firmware = read_string(j, "firmware", top);
    r.firmware_file = read_string(j, "firmware_file", top);
    r.board = read_board(member(j, "board", top), top.key("board"));
    const json& seed = member(j, "seed", top);
    if (!seed.is_number_unsigned()) top.key("seed").fail("expected an unsigned integer, got " + seed.dump());
    r.seed = seed.get<std::uint64_t>();
    r.coverage = read_coverage(member(j, "coverage", top), top.key("coverage"));
    if (j.contains("run_id")) r.run_id = read_string(j, "run_id", top);
    r.interrupted = read_bool(j, "interrupted", top);
    for (const json& n : read_array(j, "not_run", top)) {
        if (!n.is_string()) top.key("not_run").fail("expected item names, got " + n.dump());
        r.not_run.push_back(n.get<std::string>());
    }
    const json& scenarios = read_array(j, "scenarios", top);
    for (std::size_t i = 0; i < scenarios.size(); ++i)
        r.scenarios.push_back(read_scenario(scenarios[i], top.key("scenarios").index(i)));
    return r;
}

SuiteResult read_json(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ResultFileError(path + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ResultFileError(path + ": cannot read");
    return parse_result_json(text.str(), path);
}

}  // namespace bmshil::reports
