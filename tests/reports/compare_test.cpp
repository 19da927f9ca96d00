// Comparing two results: which measured values moved against their
// tolerance, verdicts and statuses that changed, items in one run only, and
// the text and JSON a reviewer and an HTML report read.
#include "compare.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bmshil::reports {
namespace {

using rig::Finding;
using rig::ScenarioResult;
using rig::ScenarioStatus;
using rig::SuiteResult;

Finding finding(const std::string& check, int parameter, const std::string& kind, bool passed, double configured,
                double measured, double tolerance, const std::string& unit) {
    Finding f;
    f.check = check;
    f.parameter = parameter;
    f.kind = kind;
    f.passed = passed;
    f.configured = configured;
    f.measured = measured;
    f.tolerance = tolerance;
    f.unit = unit;
    return f;
}

// The item's status follows its findings, as the suite reports it.
ScenarioResult item(const std::string& name, std::vector<Finding> findings) {
    ScenarioResult s;
    s.name = name;
    s.group = "generated";
    s.findings = std::move(findings);
    for (const Finding& f : s.findings)
        if (!f.passed) s.status = ScenarioStatus::failed;
    return s;
}

SuiteResult run(std::vector<ScenarioResult> items) {
    SuiteResult r;
    r.firmware = "ref-bms";
    r.scenarios = std::move(items);
    return r;
}

// Over-voltage trip (#5) at 3.65 V, tolerance 0.015 V.
ScenarioResult ov_trip(double measured, bool passed) {
    return item("generated/p005.trip_value",
                {finding("p005.trip_value", 5, "trip_value", passed, 3.65, measured, 0.015, "V")});
}

TEST(Compare, TripValueMovedFiftyMillivoltsIsFlagged) {
    const Comparison c = compare_results(run({ov_trip(3.65, true)}), run({ov_trip(3.70, false)}), 0.5);
    ASSERT_EQ(c.findings.size(), 1u);
    const FindingComparison& f = c.findings[0];
    EXPECT_EQ(f.item, "generated/p005.trip_value");
    EXPECT_EQ(f.check, "p005.trip_value");
    EXPECT_EQ(f.parameter, 5);
    EXPECT_EQ(f.kind, "trip_value");
    EXPECT_EQ(f.unit, "V");
    EXPECT_DOUBLE_EQ(f.configured_old, 3.65);
    EXPECT_DOUBLE_EQ(f.configured_new, 3.65);
    EXPECT_DOUBLE_EQ(f.measured_old, 3.65);
    EXPECT_DOUBLE_EQ(f.measured_new, 3.70);
    EXPECT_NEAR(f.difference, 0.050, 1e-12);
    EXPECT_DOUBLE_EQ(f.tolerance, 0.015);
    EXPECT_NEAR(f.fraction_of_tolerance, 0.050 / 0.015, 1e-9);  // 3.333...
    EXPECT_TRUE(f.moved);
    EXPECT_TRUE(f.verdict_changed());
    EXPECT_EQ(c.moved_count(), 1u);
    EXPECT_EQ(c.verdict_changes(), 1u);
    EXPECT_TRUE(c.drifted());
}

TEST(Compare, FiveMillivoltsIsWithinHalfTheTolerance) {
    const SuiteResult old_run = run({ov_trip(3.650, true)});
    const SuiteResult new_run = run({ov_trip(3.655, true)});
    const Comparison c = compare_results(old_run, new_run, 0.5);  // bound 0.0075 V
    ASSERT_EQ(c.findings.size(), 1u);
    EXPECT_NEAR(c.findings[0].difference, 0.005, 1e-12);
    EXPECT_NEAR(c.findings[0].fraction_of_tolerance, 1.0 / 3.0, 1e-9);
    EXPECT_FALSE(c.findings[0].moved);
    EXPECT_FALSE(c.findings[0].flagged());
    EXPECT_FALSE(c.drifted());
    // The same 5 mV is a move against a bound of 0.3 x 0.015 V = 4.5 mV.
    EXPECT_TRUE(compare_results(old_run, new_run, 0.3).findings[0].moved);
}

TEST(Compare, ADownwardMoveIsNegative) {
    const Comparison c = compare_results(run({ov_trip(3.70, false)}), run({ov_trip(3.65, true)}), 0.5);
    ASSERT_EQ(c.findings.size(), 1u);
    EXPECT_NEAR(c.findings[0].difference, -0.050, 1e-12);
    EXPECT_NEAR(c.findings[0].fraction_of_tolerance, -0.050 / 0.015, 1e-9);
    EXPECT_TRUE(c.findings[0].moved);
    EXPECT_TRUE(c.findings[0].verdict_changed());  // failed -> passed
}

TEST(Compare, AVerdictChangeWithoutAMoveIsFlagged) {
    // The same delay, judged against a tolerance that shrank.
    const auto delay = [](bool passed, double tolerance) {
        return item("generated/p067.delay", {finding("p067.delay", 67, "delay", passed, 1.0, 1.03, tolerance, "s")});
    };
    const Comparison c = compare_results(run({delay(true, 0.05)}), run({delay(false, 0.02)}), 0.5);
    ASSERT_EQ(c.findings.size(), 1u);
    const FindingComparison& f = c.findings[0];
    EXPECT_FALSE(f.moved);
    EXPECT_DOUBLE_EQ(f.difference, 0.0);
    EXPECT_DOUBLE_EQ(f.tolerance, 0.02);  // the new run's
    EXPECT_TRUE(f.passed_old);
    EXPECT_FALSE(f.passed_new);
    EXPECT_TRUE(f.flagged());
    EXPECT_EQ(c.verdict_changes(), 1u);
    ASSERT_EQ(c.status_changes.size(), 1u);
    EXPECT_EQ(c.status_changes[0].item, "generated/p067.delay");
    EXPECT_EQ(c.status_changes[0].old_status, ScenarioStatus::passed);
    EXPECT_EQ(c.status_changes[0].new_status, ScenarioStatus::failed);
    EXPECT_TRUE(c.drifted());
}

TEST(Compare, AToleranceOfZeroLetsNoDifferenceThrough) {
    const auto count = [](double measured) {
        return item("scenarios/short_circuit",
                    {finding("short_circuit:12", 71, "expectation", true, 3.0, measured, 0.0, "count")});
    };
    const Comparison moved = compare_results(run({count(3.0)}), run({count(3.000001)}), 0.5);
    ASSERT_EQ(moved.findings.size(), 1u);
    EXPECT_TRUE(moved.findings[0].moved);
    EXPECT_TRUE(std::isinf(moved.findings[0].fraction_of_tolerance));
    EXPECT_GT(moved.findings[0].fraction_of_tolerance, 0.0);

    const Comparison same = compare_results(run({count(3.0)}), run({count(3.0)}), 0.5);
    EXPECT_FALSE(same.findings[0].moved);
    EXPECT_DOUBLE_EQ(same.findings[0].fraction_of_tolerance, 0.0);  // not 0/0
    EXPECT_FALSE(same.drifted());
}

TEST(Compare, NothingMeasuredTwiceIsNoMoveButNothingAgainstAValueIs) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_FALSE(compare_results(run({ov_trip(nan, true)}), run({ov_trip(nan, true)}), 0.5).findings[0].moved);
    EXPECT_TRUE(compare_results(run({ov_trip(3.65, true)}), run({ov_trip(nan, true)}), 0.5).findings[0].moved);
}

TEST(Compare, ItemsInOneRunOnlyAreListed) {
    const ScenarioResult delay =
        item("generated/p005.delay", {finding("p005.delay", 5, "delay", true, 1.0, 1.01, 0.02, "s")});
    const ScenarioResult recovery =
        item("generated/p005.recovery", {finding("p005.recovery", 6, "recovery", true, 3.38, 3.381, 0.005, "V")});
    const Comparison c =
        compare_results(run({delay, ov_trip(3.65, true)}), run({ov_trip(3.65, true), recovery}), 0.5);
    EXPECT_EQ(c.findings.size(), 1u);  // the trip value, in both
    EXPECT_EQ(c.only_in_old, std::vector<std::string>{"generated/p005.delay"});
    EXPECT_EQ(c.only_in_new, std::vector<std::string>{"generated/p005.recovery"});
    EXPECT_EQ(c.moved_count(), 0u);
    EXPECT_TRUE(c.drifted());
    const std::string text = comparison_text(c, false);
    EXPECT_NE(text.find("1 item only in old, 1 only in new"), std::string::npos) << text;
    EXPECT_NE(text.find("only in the old run: generated/p005.delay\n"), std::string::npos) << text;
    EXPECT_NE(text.find("only in the new run: generated/p005.recovery\n"), std::string::npos) << text;
}

TEST(Compare, OnlyFindingsThatNameAParameterAreCompared) {
    const auto sw = [](double measured) {
        return item("generated/p005.switch_off", {finding("p005.switch_off", 0, "switch_off", true, 0.0, measured, 0.0, "s")});
    };
    const Comparison c = compare_results(run({sw(5.0)}), run({sw(4.0)}), 0.5);
    EXPECT_TRUE(c.findings.empty());
    EXPECT_FALSE(c.drifted());
}

TEST(Compare, AParameterFindingOneRunDidNotReportIsListed) {
    const ScenarioResult both = item("generated/p005.trip_value",
                                     {finding("p005.trip_value", 5, "trip_value", true, 3.65, 3.651, 0.015, "V"),
                                      finding("p005.trip_value.cell16", 5, "trip_value", true, 3.65, 3.652, 0.015, "V")});
    const Comparison c = compare_results(run({both}), run({ov_trip(3.651, true)}), 0.5);
    EXPECT_EQ(c.findings.size(), 1u);
    ASSERT_EQ(c.findings_only_in_old.size(), 1u);
    EXPECT_EQ(c.findings_only_in_old[0].check, "p005.trip_value.cell16");
    EXPECT_EQ(c.findings_only_in_old[0].parameter, 5);
    EXPECT_TRUE(c.drifted());
}

TEST(Compare, AChangedUnitIsFlaggedAndNotSubtracted) {
    // What a recovery delay reports when its protection never tripped.
    const ScenarioResult old_item = item("generated/p005.recovery_delay",
                                         {finding("p005.recovery_delay", 6, "recovery_delay", true, 1.0, 1.01, 0.02, "s")});
    const ScenarioResult new_item = item("generated/p005.recovery_delay",
                                         {finding("p005.recovery_delay", 5, "recovery_delay", false, 0.0, 0.0, 0.0, "V")});
    const Comparison c = compare_results(run({old_item}), run({new_item}), 0.5);
    ASSERT_EQ(c.findings.size(), 1u);
    const FindingComparison& f = c.findings[0];
    EXPECT_EQ(f.parameter, 5);  // the new run's
    EXPECT_TRUE(f.unit_changed());
    EXPECT_TRUE(std::isnan(f.difference));
    EXPECT_TRUE(f.flagged());
    EXPECT_EQ(c.unit_changes(), 1u);
    EXPECT_NE(comparison_text(c, false).find("measured 1.01 s -> 0 V (units differ: not compared)"), std::string::npos);
}

TEST(Compare, SortedByParameterThenItem) {
    const auto trip = [](const std::string& name, int parameter) {
        return item(name, {finding(name.substr(10), parameter, "trip_value", true, 1.0, 2.0, 0.1, "V")});
    };
    const SuiteResult r = run({trip("generated/p040.trip_value", 40), trip("generated/p005.trip_value", 5),
                               trip("generated/b005.trip_value", 5), trip("generated/p001.trip_value", 1)});
    const Comparison c = compare_results(r, r, 0.5);
    ASSERT_EQ(c.findings.size(), 4u);
    EXPECT_EQ(c.findings[0].item, "generated/p001.trip_value");
    EXPECT_EQ(c.findings[1].item, "generated/b005.trip_value");
    EXPECT_EQ(c.findings[2].item, "generated/p005.trip_value");
    EXPECT_EQ(c.findings[3].item, "generated/p040.trip_value");
}

TEST(Compare, TextSummaryThenTheMovedFinding) {
    const ScenarioResult steady =
        item("generated/p001.trip_value", {finding("p001.trip_value", 1, "trip_value", true, 3.6, 3.601, 0.015, "V")});
    const Comparison c =
        compare_results(run({steady, ov_trip(3.65, true)}), run({steady, ov_trip(3.70, false)}), 0.5);
    const std::string text = comparison_text(c, false);
    const std::string summary = text.substr(0, text.find('\n'));
    EXPECT_EQ(summary.rfind("2 findings compared, 1 moved (more than 0.5 x tolerance), 1 verdict changed, ", 0), 0u)
        << summary;
    EXPECT_NE(summary.find("1 status changed"), std::string::npos) << summary;
    const std::string line = text.substr(summary.size() + 1, text.find('\n', summary.size() + 1) - summary.size() - 1);
    EXPECT_EQ(line.rfind("#5 ", 0), 0u) << line;
    EXPECT_NE(line.find("3.65"), std::string::npos) << line;
    EXPECT_NE(line.find("3.7"), std::string::npos) << line;
    EXPECT_EQ(line,
              "#5 generated/p005.trip_value p005.trip_value: measured 3.65 V -> 3.7 V "
              "(+0.05 V, 3.33 x tolerance 0.015 V), passed -> failed");
    EXPECT_EQ(text.find("#1 "), std::string::npos) << "an unmoved finding is listed only with --all";
    const std::string all = comparison_text(c, true);
    EXPECT_NE(all.find("every compared finding:\n#1 generated/p001.trip_value p001.trip_value: measured 3.601 V -> "
                       "3.601 V (0 V, 0 x tolerance 0.015 V), passed\n#5 "),
              std::string::npos)
        << all;
}

TEST(Compare, TextNamesAChangedSetting) {
    const Comparison c = compare_results(
        run({ov_trip(3.65, true)}),
        run({item("generated/p005.trip_value",
                  {finding("p005.trip_value", 5, "trip_value", true, 3.60, 3.601, 0.015, "V")})}),
        0.5);
    EXPECT_NE(comparison_text(c, false).find(", passed; configured 3.65 V -> 3.6 V\n"), std::string::npos);
}

TEST(Compare, JsonHasOneObjectPerComparedFinding) {
    const auto count = [](double measured) {
        return item("scenarios/lock", {finding("lock:7", 71, "expectation", true, 3.0, measured, 0.0, "count")});
    };
    const Comparison c = compare_results(run({ov_trip(3.65, true), count(3.0)}),
                                         run({ov_trip(3.70, false), count(4.0)}), 0.5);
    const nlohmann::json j = nlohmann::json::parse(comparison_json(c));
    EXPECT_EQ(j["fraction"], 0.5);
    EXPECT_EQ(j["drifted"], true);
    EXPECT_EQ(j["counts"]["compared"], 2);
    EXPECT_EQ(j["counts"]["moved"], 2);
    ASSERT_EQ(j["findings"].size(), 2u);
    const nlohmann::json& f = j["findings"][0];
    EXPECT_EQ(f["item"], "generated/p005.trip_value");
    EXPECT_EQ(f["check"], "p005.trip_value");
    EXPECT_EQ(f["parameter"], 5);
    EXPECT_EQ(f["kind"], "trip_value");
    EXPECT_EQ(f["unit"], "V");
    EXPECT_DOUBLE_EQ(f["configured_old"].get<double>(), 3.65);
    EXPECT_DOUBLE_EQ(f["configured_new"].get<double>(), 3.65);
    EXPECT_DOUBLE_EQ(f["measured_old"].get<double>(), 3.65);
    EXPECT_DOUBLE_EQ(f["measured_new"].get<double>(), 3.70);
    EXPECT_NEAR(f["difference"].get<double>(), 0.05, 1e-12);
    EXPECT_DOUBLE_EQ(f["tolerance"].get<double>(), 0.015);
    EXPECT_NEAR(f["fraction_of_tolerance"].get<double>(), 3.3333333, 1e-6);
    EXPECT_EQ(f["passed_old"], true);
    EXPECT_EQ(f["passed_new"], false);
    EXPECT_EQ(f["moved"], true);
    EXPECT_EQ(f["verdict_changed"], true);
    // JSON has no infinity: written as the result file writes it.
    EXPECT_EQ(j["findings"][1]["fraction_of_tolerance"], "Infinity");
    EXPECT_EQ(j["status_changes"][0]["item"], "generated/p005.trip_value");
    EXPECT_EQ(j["status_changes"][0]["old"], "passed");
    EXPECT_EQ(j["status_changes"][0]["new"], "failed");
}

}  // namespace
}  // namespace bmshil::reports
