// The suite's result as JUnit XML, the format CI servers (GitLab, Jenkins,
// GitHub actions) show as a test report.
#pragma once

#include <string>

#include "verdict.h"

namespace bmshil::reports {

// One <testsuites>; one <testsuite> per group, sorted by name; one <testcase>
// per scenario (classname = group, name = the scenario name after "group/").
// Times are simulated seconds, and nothing depends on the clock, the host or
// the locale: the same result always gives the same bytes.
// status failed -> <failure> listing each failed finding on its own line;
// status error/timeout -> <error> with the error text;
// <system-out> holds every finding, passed ones too, and the safety findings.
std::string junit_xml(const rig::SuiteResult& result);

// Writes junit_xml(result) to path (atomically). Throws std::runtime_error
// naming the path if it cannot.
void write_junit(const rig::SuiteResult& result, const std::string& path);

}  // namespace bmshil::reports
