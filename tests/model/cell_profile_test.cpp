// `bmshil cell-sim`'s engine: profiles are read strictly and played exactly.
#include "cell_profile.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "test_support.h"

namespace bmshil::model {
namespace {

std::string write(const std::string& name, const std::string& text) {
    const std::string path = "/tmp/bmshil_profile_" + name + ".csv";
    std::ofstream(path) << text;
    return path;
}

TEST(CellProfile, ReadsHeaderCommentsAndRows) {
    const auto p = load_profile_csv(write("ok", "# lab profile\ntime_s,current_A\n0,-1\n10,0\n20,0.5\n"));
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[2].time_s, 20.0);
    EXPECT_EQ(p[2].current_A, 0.5);
}

TEST(CellProfile, BadRowNamesFileLineAndValue) {
    try {
        load_profile_csv(write("bad", "time_s,current_A\n0,-1\n10,abc\n"));
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("bmshil_profile_bad.csv:3: expected 'time_s,current_A' as two finite numbers, got '10,abc'"),
                  std::string::npos)
            << e.what();
    }
    try {
        load_profile_csv(write("order", "0,-1\n10,0\n5,0\n"));
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(":3: time 5 does not increase"), std::string::npos) << e.what();
    }
}

TEST(CellProfile, PlaysCurrentAndCountsCharge) {
    const CellParams params = load_cell_params(test::cell_set("lfp_2ah_aboutenergy_18650"));
    const std::vector<ProfilePoint> profile{{0.0, -2.0}, {900.0, 0.0}, {1800.0, 1.0}, {2700.0, 0.0}};
    CellRunOptions options;
    const auto out = run_cell_profile(params, profile, options);
    const CellSample& end = out.back();
    EXPECT_DOUBLE_EQ(end.time_s, 2700.0);
    // -0.5 Ah then +0.25 Ah at 99.9 % coulombic efficiency, less 45 min of self-discharge
    // (a few mK of warming aside, at its 25 degC rate).
    const double self_discharge = params.self_discharge_pct_per_month / 100.0 * 2700.0 / (30.0 * 86400.0);
    const double expected_soc =
        1.0 + (-0.5 + 0.25 * params.coulombic_efficiency) / params.capacity_Ah - self_discharge;
    EXPECT_NEAR(end.soc, expected_soc, 5e-6);
    EXPECT_GT(out[900].temperature_degC, 25.0);  // warmed by the 1C discharge
}

}  // namespace
}  // namespace bmshil::model
