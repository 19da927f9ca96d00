// The shared main of the tests that run the SystemC kernel: a SystemC warning,
// error or fatal report fails the test that is running (the kernel's own
// reports included), since a kernel that warned has not simulated what the
// test meant. A test that provokes one on purpose says so for its scope.
#pragma once

#include <string>

namespace bmshil::test {

// While one lives, SystemC reports of this message type are expected and do
// not fail the test; it counts them.
class ExpectSystemcReports {
public:
    explicit ExpectSystemcReports(std::string message_type);
    ~ExpectSystemcReports();
    ExpectSystemcReports(const ExpectSystemcReports&) = delete;
    ExpectSystemcReports& operator=(const ExpectSystemcReports&) = delete;
    int count() const;
};

}  // namespace bmshil::test
