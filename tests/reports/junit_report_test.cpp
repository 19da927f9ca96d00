// JUnit XML: the exact document for a suite with one of everything (one test
// suite per kind of check, wall time as time, simulated time and each
// finding's numbers as properties), escaping, counts, and the same bytes for
// the same result.
#include "junit_report.h"

#include <algorithm>
#include <cstdio>

#include <gtest/gtest.h>

#include "finding_text.h"
#include "report_test_support.h"
#include "xml_escape.h"

namespace bmshil::reports {
namespace {

using rig::ScenarioStatus;
using test::read_text;
using test::sample_suite;
using test::scratch_path;

TEST(XmlEscape, MarkupCharactersBecomeEntities) {
    EXPECT_EQ(escape_xml_text("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&apos;d");
    EXPECT_EQ(escape_xml_attribute("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&apos;d");
}

TEST(XmlEscape, LineBreaksSurviveInAttributes) {
    EXPECT_EQ(escape_xml_attribute("one\ntwo\tthree\r"), "one&#10;two&#9;three&#13;");
    EXPECT_EQ(escape_xml_text("one\ntwo\tthree\r"), "one\ntwo\tthree&#13;");
}

TEST(XmlEscape, BytesXmlForbidsBecomeReplacementCharacters) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(escape_xml_text(std::string("a\0b\x1b" "c", 5)), "a" + fffd + "b" + fffd + "c");
    EXPECT_EQ(escape_xml_text("3.7 \xC2\xB0" "C \xE2\x9C\x93 \xF0\x9F\x94\x8B"), "3.7 \xC2\xB0" "C \xE2\x9C\x93 \xF0\x9F\x94\x8B");
    EXPECT_EQ(escape_xml_text("x\xFFy"), "x" + fffd + "y");              // never valid in UTF-8
    EXPECT_EQ(escape_xml_text("x\xC0\xAFy"), "x" + fffd + fffd + "y");  // overlong '/'
    EXPECT_EQ(escape_xml_text("x\xED\xA0\x80y"), "x" + fffd + fffd + fffd + "y");  // surrogate
    EXPECT_EQ(escape_xml_text("x\xE2\x82"), "x" + fffd + fffd);        // cut short at the end
    EXPECT_EQ(escape_xml_text("x\xEF\xBF\xBFy"), "x" + fffd + "y");     // U+FFFF, not an XML character
}

TEST(FindingText, FailedFindingLine) {
    const rig::Finding f{"p006.delay", 6, 0, "delay", false, 2.0, 2.75, 0.1, "s", "tripped 0.75 s late"};
    EXPECT_EQ(finding_line(f),
              "p006.delay (parameter 6): configured 2 s, measured 2.75 s, tolerance 0.1 s: tripped 0.75 s late");
    const rig::Finding both{"s003.lock", 31, 3, "lock", false, 1.0, 0.0, 0.0, "", ""};
    EXPECT_EQ(finding_line(both), "s003.lock (parameter 31, switch 3): configured 1, measured 0, tolerance 0");
    const rig::Finding tiny{"p040.sc_delay", 40, 0, "delay", true, 0.0002, 0.000200123456, 1e-6, "s", ""};
    const rig::Finding multi{"expect.2", 0, 0, "expectation", false, 1, 0, 0, "", "first\nsecond\r\nthird"};
    EXPECT_EQ(finding_line(multi), "expect.2: configured 1, measured 0, tolerance 0: first second  third");
    EXPECT_EQ(finding_line(tiny),
              "p040.sc_delay (parameter 40): configured 0.0002 s, measured 0.000200123 s, tolerance 1e-06 s");
}

TEST(FindingText, SafetyLine) {
    EXPECT_EQ(safety_line({"cell_under_voltage", 7, 1.5, 2.25, 2.41}),
              "cell_under_voltage, cell 7: from 1.5 s to 2.25 s, worst 2.41");
    EXPECT_EQ(safety_line({"charge_below_min_temperature", 0, 60, -1, -5.5}),
              "charge_below_min_temperature: from 60 s to the end, worst -5.5");
}

TEST(JunitReport, WholeDocument) {
    const char* expected = R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="bms-hil" tests="4" failures="1" errors="2" skipped="0" time="30.875000">
  <testsuite name="scenarios" tests="2" failures="0" errors="2" skipped="0" time="30.500000">
    <properties>
      <property name="firmware" value="ref-bms 1.2 &lt;debug&gt;"/>
      <property name="firmware_file" value="build/lib/libbms_firmware.so"/>
      <property name="board.backend" value="zmq:tcp://127.0.0.1:5555"/>
      <property name="board.board" value="bench 2"/>
      <property name="board.firmware" value="ref-bms 1.2 &lt;debug&gt;"/>
      <property name="board.daq" value="DAQ &amp; shunt"/>
      <property name="board.calibration" value="2026-11-30"/>
      <property name="seed" value="42"/>
    </properties>
    <testcase classname="scenarios" name="charge_in_freeze" time="0.500000">
      <properties>
        <property name="simulated_s" value="0"/>
      </properties>
      <error message="firmware crashed: SIGSEGV in bms_tick" type="error">firmware crashed: SIGSEGV in bms_tick</error>
      <system-out>source: scenarios/charge_in_freeze.yaml
</system-out>
    </testcase>
    <testcase classname="scenarios" name="standby_48h" time="30.000000">
      <properties>
        <property name="simulated_s" value="172800"/>
      </properties>
      <error message="no answer within 30 s wall" type="timeout">no answer within 30 s wall</error>
      <system-out>source: scenarios/standby_48h.yaml
</system-out>
    </testcase>
  </testsuite>
  <testsuite name="switch_off" tests="1" failures="0" errors="0" skipped="0" time="0.125000">
    <properties>
      <property name="firmware" value="ref-bms 1.2 &lt;debug&gt;"/>
      <property name="firmware_file" value="build/lib/libbms_firmware.so"/>
      <property name="board.backend" value="zmq:tcp://127.0.0.1:5555"/>
      <property name="board.board" value="bench 2"/>
      <property name="board.firmware" value="ref-bms 1.2 &lt;debug&gt;"/>
      <property name="board.daq" value="DAQ &amp; shunt"/>
      <property name="board.calibration" value="2026-11-30"/>
      <property name="seed" value="42"/>
    </properties>
    <testcase classname="generated.switch_off" name="s012.switch_off" time="0.125000">
      <properties>
        <property name="simulated_s" value="3"/>
        <property name="finding.s012.switch_off.switch" value="12"/>
        <property name="finding.s012.switch_off.configured" value="0"/>
        <property name="finding.s012.switch_off.measured" value="0"/>
        <property name="finding.s012.switch_off.tolerance" value="0"/>
        <property name="finding.s012.switch_off.unit" value="count"/>
      </properties>
      <system-out>PASS s012.switch_off (switch 12): configured 0 count, measured 0 count, tolerance 0 count
</system-out>
    </testcase>
  </testsuite>
  <testsuite name="trip_value" tests="1" failures="1" errors="0" skipped="0" time="0.250000">
    <properties>
      <property name="firmware" value="ref-bms 1.2 &lt;debug&gt;"/>
      <property name="firmware_file" value="build/lib/libbms_firmware.so"/>
      <property name="board.backend" value="zmq:tcp://127.0.0.1:5555"/>
      <property name="board.board" value="bench 2"/>
      <property name="board.firmware" value="ref-bms 1.2 &lt;debug&gt;"/>
      <property name="board.daq" value="DAQ &amp; shunt"/>
      <property name="board.calibration" value="2026-11-30"/>
      <property name="seed" value="42"/>
    </properties>
    <testcase classname="generated.trip_value" name="p005.trip_value" time="0.250000">
      <properties>
        <property name="simulated_s" value="12.5"/>
        <property name="finding.p005.trip_value.parameter" value="5"/>
        <property name="finding.p005.trip_value.configured" value="3.65"/>
        <property name="finding.p005.trip_value.measured" value="3.652"/>
        <property name="finding.p005.trip_value.tolerance" value="0.01"/>
        <property name="finding.p005.trip_value.unit" value="V"/>
        <property name="finding.p006.delay.parameter" value="6"/>
        <property name="finding.p006.delay.configured" value="2"/>
        <property name="finding.p006.delay.measured" value="2.75"/>
        <property name="finding.p006.delay.tolerance" value="0.1"/>
        <property name="finding.p006.delay.unit" value="s"/>
      </properties>
      <failure message="p006.delay (parameter 6): configured 2 s, measured 2.75 s, tolerance 0.1 s: tripped 0.75 s late" type="failed">p006.delay (parameter 6): configured 2 s, measured 2.75 s, tolerance 0.1 s: tripped 0.75 s late</failure>
      <system-out>PASS p005.trip_value (parameter 5): configured 3.65 V, measured 3.652 V, tolerance 0.01 V: tripped in band
FAIL p006.delay (parameter 6): configured 2 s, measured 2.75 s, tolerance 0.1 s: tripped 0.75 s late
SAFETY cell_over_voltage, cell 3: from 11.25 s to the end, worst 3.712
waveform: results/generated_p005.trip_value.vcd
[[ATTACHMENT|results/generated_p005.trip_value.vcd]]
</system-out>
    </testcase>
  </testsuite>
</testsuites>
)";
    EXPECT_EQ(junit_xml(sample_suite()), expected);
}

TEST(JunitReport, GroupsSortedByNameWhateverTheInputOrder) {
    auto suite = sample_suite();
    std::reverse(suite.scenarios.begin(), suite.scenarios.end());
    EXPECT_EQ(junit_xml(suite), junit_xml(sample_suite()));
}

TEST(JunitReport, EachFailedFindingOnItsOwnLine) {
    rig::SuiteResult suite;
    rig::ScenarioResult s;
    s.name = "generated/p001_pack_ov";
    s.group = "generated";
    s.status = ScenarioStatus::failed;
    s.findings.push_back({"p001.trip_value", 1, 0, "trip_value", false, 58.4, 59.1, 0.16, "V", "late"});
    s.findings.push_back({"p001.recovery", 1, 0, "recovery", true, 55.2, 55.2, 0.16, "V", ""});
    s.findings.push_back({"p002.delay", 2, 0, "delay", false, 1.0, 0.5, 0.1, "s", "early"});
    suite.scenarios.push_back(s);
    const std::string xml = junit_xml(suite);
    const std::string line1 = "p001.trip_value (parameter 1): configured 58.4 V, measured 59.1 V, tolerance 0.16 V: late";
    const std::string line2 = "p002.delay (parameter 2): configured 1 s, measured 0.5 s, tolerance 0.1 s: early";
    EXPECT_NE(xml.find("<failure message=\"" + line1 + "&#10;" + line2 + "\" type=\"failed\">" + line1 + "\n" + line2 +
                       "</failure>"),
              std::string::npos)
        << xml;
}

TEST(JunitReport, MarkupInMessagesIsEscapedEverywhere) {
    rig::SuiteResult suite;
    rig::ScenarioResult s;
    s.name = "scenarios/quotes";
    s.group = "scenarios";
    s.status = ScenarioStatus::failed;
    s.findings.push_back({"expect.1", 0, 0, "expectation", false, 1, 0, 0, "", "expected <charge_fet> & \"on\" 'now'"});
    suite.scenarios.push_back(s);
    const std::string xml = junit_xml(suite);
    const std::string escaped = "expected &lt;charge_fet&gt; &amp; &quot;on&quot; &apos;now&apos;";
    EXPECT_NE(xml.find("message=\"expect.1: configured 1, measured 0, tolerance 0: " + escaped + "\""), std::string::npos)
        << xml;
    EXPECT_NE(xml.find("FAIL expect.1: configured 1, measured 0, tolerance 0: " + escaped + "\n"), std::string::npos);
    EXPECT_EQ(xml.find("<charge_fet>"), std::string::npos);
}

TEST(JunitReport, FailedWithoutAFailedFindingStillSaysWhereToLook) {
    rig::SuiteResult suite;
    rig::ScenarioResult s;
    s.name = "scenarios/x";
    s.group = "scenarios";
    s.status = ScenarioStatus::failed;
    suite.scenarios.push_back(s);
    EXPECT_NE(junit_xml(suite).find("<failure message=\"failed without a failed finding; see system-out\""),
              std::string::npos);
}

TEST(JunitReport, NameOutsideItsGroupIsKeptWhole) {
    rig::SuiteResult suite;
    rig::ScenarioResult s;
    s.name = "other/x";
    s.group = "scenarios";
    suite.scenarios.push_back(s);
    EXPECT_NE(junit_xml(suite).find("<testcase classname=\"scenarios\" name=\"other/x\" time=\"0.000000\">"),
              std::string::npos);
}

TEST(JunitReport, EmptySuite) {
    EXPECT_EQ(junit_xml({}),
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<testsuites name=\"bms-hil\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000000\">\n"
              "</testsuites>\n");
}

TEST(JunitReport, SameResultWrittenTwiceGivesTheSameBytes) {
    const std::string a = scratch_path("a.xml"), b = scratch_path("b.xml");
    write_junit(sample_suite(), a);
    write_junit(sample_suite(), b);
    EXPECT_EQ(read_text(a), read_text(b));
    EXPECT_EQ(read_text(a), junit_xml(sample_suite()));
    std::remove(a.c_str());
    std::remove(b.c_str());
}

TEST(JunitReport, UnwritablePathIsNamed) {
    const std::string path = "/proc/bmshil_no_such_dir/junit.xml";
    try {
        write_junit(sample_suite(), path);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace bmshil::reports

namespace bmshil::reports {
namespace {

// An interrupted run: what it did not get to is there, skipped, and counted.
TEST(JunitReport, ItemsNotRunAreSkippedTestCases) {
    auto suite = sample_suite();
    suite.interrupted = true;
    suite.not_run = {"generated/p007.delay", "scenarios/short_circuit"};
    const std::string xml = junit_xml(suite);
    EXPECT_NE(xml.find("<testcase classname=\"generated.delay\" name=\"p007.delay\" time=\"0.000000\">\n"
                       "      <skipped message=\"not run: the run was interrupted\"/>"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("name=\"scenarios\""), std::string::npos);
    EXPECT_NE(xml.find("skipped=\"2\""), std::string::npos) << "the total counts both";
}

}  // namespace
}  // namespace bmshil::reports
