// The coverage line: every parameter and switch of the manual is exercised by some
// test of this executable (or is "stored and reported" with a reason).
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "fake_board.h"

namespace bmstest {
std::vector<CoverageRow> &coverage_rows()
{
    static std::vector<CoverageRow> rows;
    return rows;
}
} // namespace bmstest

TEST(Coverage, EveryParameterAndSwitch)
{
    std::set<int> params, switches;
    for (const auto &r : bmstest::coverage_rows()) {
        params.insert(r.params.begin(), r.params.end());
        switches.insert(r.switches.begin(), r.switches.end());
    }
    std::string missing;
    for (unsigned i = 0; i < BMS_PARAM_COUNT; i++) {
        if (!params.count(bms_param_defs[i].number)) missing += " #" + std::to_string(bms_param_defs[i].number);
    }
    for (unsigned i = 0; i < BMS_SWITCH_COUNT; i++) {
        if (!switches.count(bms_switch_defs[i].number))
            missing += " switch " + std::to_string(bms_switch_defs[i].number);
    }
    std::printf("parameters covered: %zu/%u, switches covered: %zu/%u\n", params.size(), BMS_PARAM_COUNT,
                switches.size(), BMS_SWITCH_COUNT);
    for (const auto &r : bmstest::coverage_rows()) {
        if (!r.reason.empty()) {
            std::string list;
            for (int s : r.switches) list += " " + std::to_string(s);
            std::printf("  stored and reported only (switch%s): %s [%s]\n", list.c_str(), r.reason.c_str(),
                        r.test.c_str());
        }
    }
    EXPECT_TRUE(missing.empty()) << "not covered:" << missing;
    EXPECT_EQ(params.size(), BMS_PARAM_COUNT);
    EXPECT_EQ(switches.size(), BMS_SWITCH_COUNT);
}
