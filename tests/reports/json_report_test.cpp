// JSON result: layout, counts, exact round trip of every field, and errors
// that name the file and the place in it.
#include "json_report.h"

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report_test_support.h"

namespace bmshil::reports {
namespace {

using rig::ScenarioStatus;
using test::read_text;
using test::sample_suite;
using test::scratch_path;
using test::write_text;

// Same bits, except that any NaN equals any NaN (JSON keeps no payload).
bool same_double(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::memcmp(&a, &b, sizeof a) == 0;
}

#define EXPECT_SAME_DOUBLE(a, b) EXPECT_TRUE(same_double((a), (b))) << #a << " = " << (a) << ", " << #b << " = " << (b)

void expect_same(const rig::SuiteResult& a, const rig::SuiteResult& b) {
    EXPECT_EQ(a.firmware, b.firmware);
    EXPECT_EQ(a.firmware_file, b.firmware_file);
    EXPECT_EQ(a.board.backend, b.board.backend);
    EXPECT_EQ(a.board.board, b.board.board);
    EXPECT_EQ(a.board.firmware, b.board.firmware);
    EXPECT_EQ(a.board.daq, b.board.daq);
    EXPECT_EQ(a.board.calibration, b.board.calibration);
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.coverage.parameters_verified, b.coverage.parameters_verified);
    EXPECT_EQ(a.coverage.switches_verified, b.coverage.switches_verified);
    EXPECT_EQ(a.coverage.parameters_not_verifiable, b.coverage.parameters_not_verifiable);
    EXPECT_EQ(a.coverage.switches_not_verifiable, b.coverage.switches_not_verifiable);
    EXPECT_EQ(a.coverage.parameter_count, b.coverage.parameter_count);
    EXPECT_EQ(a.coverage.switch_count, b.coverage.switch_count);
    ASSERT_EQ(a.scenarios.size(), b.scenarios.size());
    for (std::size_t i = 0; i < a.scenarios.size(); ++i) {
        const auto& x = a.scenarios[i];
        const auto& y = b.scenarios[i];
        SCOPED_TRACE(x.name);
        EXPECT_EQ(x.name, y.name);
        EXPECT_EQ(x.group, y.group);
        EXPECT_EQ(x.source, y.source);
        EXPECT_EQ(x.status, y.status);
        EXPECT_SAME_DOUBLE(x.simulated_s, y.simulated_s);
        EXPECT_SAME_DOUBLE(x.wall_s, y.wall_s);
        EXPECT_EQ(x.error, y.error);
        EXPECT_EQ(x.vcd_file, y.vcd_file);
        ASSERT_EQ(x.findings.size(), y.findings.size());
        for (std::size_t k = 0; k < x.findings.size(); ++k) {
            const auto& f = x.findings[k];
            const auto& g = y.findings[k];
            EXPECT_EQ(f.check, g.check);
            EXPECT_EQ(f.parameter, g.parameter);
            EXPECT_EQ(f.switch_number, g.switch_number);
            EXPECT_EQ(f.kind, g.kind);
            EXPECT_EQ(f.passed, g.passed);
            EXPECT_SAME_DOUBLE(f.configured, g.configured);
            EXPECT_SAME_DOUBLE(f.measured, g.measured);
            EXPECT_SAME_DOUBLE(f.stimulus_s, g.stimulus_s);
            EXPECT_SAME_DOUBLE(f.reaction_s, g.reaction_s);
            EXPECT_SAME_DOUBLE(f.window_from_s, g.window_from_s);
            EXPECT_SAME_DOUBLE(f.window_to_s, g.window_to_s);
            EXPECT_SAME_DOUBLE(f.tolerance, g.tolerance);
            EXPECT_EQ(f.unit, g.unit);
            EXPECT_EQ(f.message, g.message);
        }
        ASSERT_EQ(x.safety.size(), y.safety.size());
        for (std::size_t k = 0; k < x.safety.size(); ++k) {
            const auto& s = x.safety[k];
            const auto& t = y.safety[k];
            EXPECT_EQ(s.kind, t.kind);
            EXPECT_EQ(s.cell, t.cell);
            EXPECT_SAME_DOUBLE(s.start_s, t.start_s);
            EXPECT_SAME_DOUBLE(s.end_s, t.end_s);
            EXPECT_SAME_DOUBLE(s.worst, t.worst);
        }
    }
}

// The sample plus the values that break naive number printing and strings
// that need escaping in JSON.
rig::SuiteResult awkward_suite() {
    auto r = sample_suite();
    r.seed = std::numeric_limits<std::uint64_t>::max();
    r.firmware = "fw \"quoted\" \\ back\nslash\t\x01 3.7 \xC2\xB0" "C";
    r.board = {"zmq:tcp://127.0.0.1:5555", "bench 2 \"left\"", "fw 1.2", "DAQ\tunit", "2026-11-30 \xC2\xB1 1 mV"};
    r.coverage.parameter_count = 86;
    r.coverage.switch_count = 63;
    auto& f = r.scenarios[0].findings[0];
    f.configured = 0.1 + 0.2;  // 0.30000000000000004
    f.measured = std::numeric_limits<double>::quiet_NaN();
    f.tolerance = std::numeric_limits<double>::infinity();
    auto& g = r.scenarios[0].findings[1];
    g.configured = -std::numeric_limits<double>::infinity();
    g.measured = -0.0;
    g.tolerance = std::numeric_limits<double>::denorm_min();
    g.parameter = std::numeric_limits<int>::min();
    g.switch_number = std::numeric_limits<int>::max();
    r.scenarios[0].safety[0].worst = std::numeric_limits<double>::max();
    r.scenarios[0].safety[0].start_s = 1e-300;
    r.scenarios[1].simulated_s = 172800.000001;
    return r;
}

TEST(JsonReport, SmallDocumentLayout) {
    rig::SuiteResult r;
    r.firmware = "ref";
    r.firmware_file = "fw.so";
    r.board = {"native:fw.so", "native, in-process", "ref", "none", "none"};
    r.seed = 7;
    rig::ScenarioResult s;
    s.name = "generated/p005";
    s.group = "generated";
    s.simulated_s = 2.5;
    s.wall_s = 0.125;
    s.findings.push_back({"p005.trip_value", 5, 0, "trip_value", true, 3.65, 3.652, 0.01, "V", "ok"});
    s.findings.back().stimulus_s = 1.5;
    s.findings.back().reaction_s = 2.5;
    r.scenarios.push_back(s);
    r.coverage.parameters_verified = {5};
    r.coverage.parameters_not_verifiable = {{80, "display"}};
    const char* expected = R"({
  "board": {
    "backend": "native:fw.so",
    "board": "native, in-process",
    "calibration": "none",
    "daq": "none",
    "firmware": "ref"
  },
  "counts": {
    "error": 0,
    "failed": 0,
    "findings": 1,
    "findings_failed": 0,
    "passed": 1,
    "safety_findings": 0,
    "scenarios": 1,
    "timeout": 0
  },
  "coverage": {
    "parameter_count": 87,
    "parameters_not_verifiable": [
      {
        "number": 80,
        "reason": "display"
      }
    ],
    "parameters_not_verifiable_count": 1,
    "parameters_verified": [
      5
    ],
    "parameters_verified_count": 1,
    "switch_count": 64,
    "switches_not_verifiable": [],
    "switches_not_verifiable_count": 0,
    "switches_verified": [],
    "switches_verified_count": 0
  },
  "firmware": "ref",
  "firmware_file": "fw.so",
  "format_version": 4,
  "interrupted": false,
  "not_run": [],
  "passed": true,
  "scenarios": [
    {
      "error": "",
      "findings": [
        {
          "check": "p005.trip_value",
          "configured": 3.65,
          "kind": "trip_value",
          "measured": 3.652,
          "message": "ok",
          "parameter": 5,
          "passed": true,
          "reaction_s": 2.5,
          "stimulus_s": 1.5,
          "switch_number": 0,
          "tolerance": 0.01,
          "unit": "V",
          "window_from_s": "NaN",
          "window_to_s": "NaN"
        }
      ],
      "group": "generated",
      "name": "generated/p005",
      "safety": [],
      "simulated_s": 2.5,
      "source": "",
      "status": "passed",
      "vcd_file": "",
      "wall_s": 0.125
    }
  ],
  "seed": 7
}
)";
    EXPECT_EQ(result_json(r), expected);
}

TEST(JsonReport, CountsAndCoverageCounts) {
    const auto j = nlohmann::json::parse(result_json(sample_suite()));
    EXPECT_EQ(j["passed"], false);
    EXPECT_EQ(j["seed"], 42u);
    EXPECT_EQ(j["counts"]["scenarios"], 4);
    EXPECT_EQ(j["counts"]["passed"], 1);
    EXPECT_EQ(j["counts"]["failed"], 1);
    EXPECT_EQ(j["counts"]["error"], 1);
    EXPECT_EQ(j["counts"]["timeout"], 1);
    EXPECT_EQ(j["counts"]["findings"], 3);
    EXPECT_EQ(j["counts"]["findings_failed"], 1);
    EXPECT_EQ(j["counts"]["safety_findings"], 1);
    const auto& c = j["coverage"];
    EXPECT_EQ(c["parameters_verified"], nlohmann::json({5, 6}));
    EXPECT_EQ(c["parameters_verified_count"], 2);
    EXPECT_EQ(c["parameter_count"], 87);
    EXPECT_EQ(c["switches_verified_count"], 1);
    EXPECT_EQ(c["switch_count"], 64);
    EXPECT_EQ(c["parameters_not_verifiable_count"], 1);
    EXPECT_EQ(c["switches_not_verifiable_count"], 2);
    EXPECT_EQ(c["switches_not_verifiable"][1], nlohmann::json({{"number", 64}, {"reason", "reserved"}}));
    EXPECT_EQ(j["scenarios"][2]["status"], "error");
    EXPECT_EQ(j["scenarios"][3]["status"], "timeout");
    EXPECT_EQ(j["scenarios"][0]["safety"][0]["end_s"], -1.0);
}

TEST(JsonReport, NonFiniteNumbersAreNamedStrings) {
    const auto j = nlohmann::json::parse(result_json(awkward_suite()));
    const auto& findings = j["scenarios"][0]["findings"];
    EXPECT_EQ(findings[0]["measured"], "NaN");
    EXPECT_EQ(findings[0]["tolerance"], "Infinity");
    EXPECT_EQ(findings[1]["configured"], "-Infinity");
    EXPECT_NE(result_json(awkward_suite()).find("\"configured\": 0.30000000000000004"), std::string::npos);
}

TEST(JsonReport, RoundTripKeepsEveryField) {
    const auto original = awkward_suite();
    const std::string path = scratch_path("result.json");
    write_json(original, path);
    const auto back = read_json(path);
    expect_same(original, back);
    EXPECT_TRUE(std::signbit(back.scenarios[0].findings[1].measured));  // -0.0 stays negative
    std::remove(path.c_str());
}

TEST(JsonReport, RoundTripOfTheSampleAndOfAnEmptySuite) {
    expect_same(sample_suite(), parse_result_json(result_json(sample_suite()), "sample"));
    expect_same(rig::SuiteResult{}, parse_result_json(result_json(rig::SuiteResult{}), "empty"));
}

TEST(JsonReport, SameResultWrittenTwiceAndRewrittenGivesTheSameBytes) {
    const std::string a = scratch_path("a.json"), b = scratch_path("b.json");
    write_json(awkward_suite(), a);
    write_json(read_json(a), b);
    const std::string text = read_text(a);
    EXPECT_EQ(text, read_text(b));
    EXPECT_EQ(text, result_json(awkward_suite()));
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    std::remove(a.c_str());
    std::remove(b.c_str());
}

TEST(JsonReport, InvalidUtf8IsReplacedNotFatal) {
    rig::SuiteResult r;
    r.firmware = "fw\xFF";
    EXPECT_EQ(parse_result_json(result_json(r), "x").firmware, "fw\xEF\xBF\xBD");
}

// The message of the ResultFileError that reading `text` from a file throws.
std::string read_error(const std::string& text, const std::string& path) {
    write_text(path, text);
    try {
        read_json(path);
    } catch (const ResultFileError& e) {
        std::remove(path.c_str());
        return e.what();
    }
    std::remove(path.c_str());
    return "no error";
}

TEST(JsonReport, BadJsonNamesTheFile) {
    const std::string path = scratch_path("bad.json");
    const std::string message = read_error("{\"firmware\": \"x\",\n  oops}\n", path);
    EXPECT_EQ(message.rfind(path + ": not valid JSON: ", 0), 0u) << message;
    EXPECT_NE(message.find("line 2"), std::string::npos) << message;
    EXPECT_EQ(read_error("", path).rfind(path + ": not valid JSON: ", 0), 0u);
}

TEST(JsonReport, MissingFileNamesTheFile) {
    const std::string path = scratch_path("missing.json");
    try {
        read_json(path);
        FAIL() << "no exception";
    } catch (const ResultFileError& e) {
        EXPECT_EQ(std::string(e.what()), path + ": cannot open: No such file or directory");
    }
}

TEST(JsonReport, ErrorsSayWhereInTheFile) {
    const std::string path = scratch_path("broken.json");
    auto j = nlohmann::json::parse(result_json(sample_suite()));

    auto missing = j;
    missing["scenarios"][0]["findings"][1].erase("measured");
    EXPECT_EQ(read_error(missing.dump(), path), path + ": scenarios[0].findings[1]: missing key \"measured\"");

    auto wrong_type = j;
    wrong_type["scenarios"][1]["simulated_s"] = "soon";
    EXPECT_EQ(read_error(wrong_type.dump(), path),
              path + ": scenarios[1].simulated_s: expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", got \"soon\"");

    auto status = j;
    status["scenarios"][2]["status"] = "crashed";
    EXPECT_EQ(read_error(status.dump(), path), path + ": scenarios[2].status: unknown status \"crashed\"");

    auto too_big = j;
    too_big["coverage"]["parameters_verified"][1] = 4294967296u;
    EXPECT_EQ(read_error(too_big.dump(), path), path + ": coverage.parameters_verified[1]: integer out of range");

    auto reason = j;
    reason["coverage"]["switches_not_verifiable"][0]["reason"] = 3;
    EXPECT_EQ(read_error(reason.dump(), path),
              path + ": coverage.switches_not_verifiable[0].reason: expected a string, got number");

    auto seed = j;
    seed["seed"] = -1;
    EXPECT_EQ(read_error(seed.dump(), path), path + ": seed: expected an unsigned integer, got -1");

    auto version = j;
    version["format_version"] = 3;
    EXPECT_EQ(read_error(version.dump(), path), path + ": format_version: format version 3, this build reads 4");

    auto board = j;
    board["board"].erase("daq");
    EXPECT_EQ(read_error(board.dump(), path), path + ": board: missing key \"daq\"");

    EXPECT_EQ(read_error("[1, 2]", path), path + ": expected an object at the top level");
}

}  // namespace
}  // namespace bmshil::reports
