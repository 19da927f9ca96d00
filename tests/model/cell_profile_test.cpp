// `bmshil cell-sim`'s engine: profiles are read strictly and played exactly.
#include "cell_profile.h"

#include <gtest/gtest.h>

#include <cmath>
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

TEST(CellProfile, ACyclersRecordKeepsItsVoltageColumn) {
    const auto p = load_profile_csv(write("record", "Time [s],I[A],U[V]\n0,-1,3.35\n0.5,-1,3.31\n1,0,3.32\n"));
    ASSERT_EQ(p.size(), 3u);
    EXPECT_DOUBLE_EQ(p[1].voltage_V, 3.31);
    const auto bare = load_profile_csv(write("bare", "0,-1\n10,0\n"));
    EXPECT_TRUE(std::isnan(bare[0].voltage_V));
    try {
        load_profile_csv(write("halfv", "time_s,current_A,voltage_V\n0,-1,3.3\n10,0\n"));
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("bmshil_profile_halfv.csv:3: expected a measured voltage > 0 V in the third column"),
                  std::string::npos)
            << e.what();
    }
}

TEST(CellProfile, VoltageFitIsTheRmseOfTheDifferenceOverTheRecordAndItsFirstChargeFraction) {
    const CellParams params = load_cell_params(test::cell_set("lfp_2ah_aboutenergy_18650"));
    // A C/2 discharge for 30 min, sampled each minute; "measured" = simulated + 5 mV,
    // then 20 mV for the last third of the charge moved.
    std::vector<ProfilePoint> profile;
    for (int k = 0; k <= 30; ++k) profile.push_back({60.0 * k, -1.0});
    CellRunOptions options;
    const auto samples = run_cell_profile(params, profile, options);
    for (ProfilePoint& p : profile) {
        for (const CellSample& s : samples)
            if (s.time_s == p.time_s) p.voltage_V = s.voltage_V + (p.time_s <= 1200.0 ? 0.005 : 0.020);
    }
    const VoltageFit fit = compare_voltage(profile, samples, 0.67);
    EXPECT_EQ(fit.points, 31u);
    EXPECT_EQ(fit.points_in_fraction, 21u);  // 0..20 min of 30: up to 67 % of the charge
    EXPECT_NEAR(fit.rmse_in_fraction_V, 0.005, 1e-12);
    EXPECT_NEAR(fit.rmse_V, std::sqrt((21 * 25e-6 + 10 * 400e-6) / 31.0), 1e-12);
    EXPECT_NEAR(fit.max_abs_V, 0.020, 1e-12);
    EXPECT_NEAR(fit.measured_Ah, 0.5, 1e-12);
    EXPECT_NEAR(fit.simulated_Ah, 0.5, 1e-9);
    std::vector<ProfilePoint> bare(profile);
    for (ProfilePoint& p : bare) p.voltage_V = std::nan("");
    EXPECT_THROW(compare_voltage(bare, samples), std::invalid_argument);
}

}  // namespace
}  // namespace bmshil::model
