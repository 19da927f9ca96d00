#include "systemc_test_main.h"

#include <gtest/gtest.h>

#include <systemc>

namespace bmshil::test {
namespace {

std::string g_expected_type;  // "" while nothing is expected
int g_expected_count = 0;

void fail_on_warning_or_error(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
    if (report.get_severity() >= sc_core::SC_WARNING) {
        if (!g_expected_type.empty() && g_expected_type == report.get_msg_type()) {
            ++g_expected_count;
        } else {
            static const char* const kSeverity[] = {"info", "warning", "error", "fatal"};
            ADD_FAILURE() << "SystemC " << kSeverity[report.get_severity()] << " " << report.get_msg_type() << ": "
                          << report.get_msg();
        }
        // An error or fatal report would otherwise throw or abort out of the
        // test; it has failed it already.
        sc_core::sc_report_handler::default_handler(report, actions & ~(sc_core::SC_THROW | sc_core::SC_ABORT));
        return;
    }
    sc_core::sc_report_handler::default_handler(report, actions);
}

}  // namespace

ExpectSystemcReports::ExpectSystemcReports(std::string message_type) {
    g_expected_type = std::move(message_type);
    g_expected_count = 0;
}
ExpectSystemcReports::~ExpectSystemcReports() { g_expected_type.clear(); }
int ExpectSystemcReports::count() const { return g_expected_count; }

}  // namespace bmshil::test

// SystemC's library calls sc_main from a main of its own; this main is the
// tests' own, and the kernel is started by each test.
int sc_main(int, char*[]) { return 0; }

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    sc_core::sc_report_handler::set_handler(bmshil::test::fail_on_warning_or_error);
    return RUN_ALL_TESTS();
}
