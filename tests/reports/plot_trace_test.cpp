// The plot trace: min and max per time bucket, coarsened as a run goes on,
// so a short spike survives and memory stays bounded; its JSON round trip.
#include "plot_trace.h"

#include <cmath>

#include <gtest/gtest.h>

namespace bmshil::reports {
namespace {

TEST(PlotTrace, ASpikeOfOneSampleSurvivesCoarseningOverALongRun) {
    PlotTrace t({"current_A", "discharge_fet"}, 64);
    // A day at rest sampled every 10 s, with a 200 us short at 40000 s.
    for (double s = 0.0; s <= 86400.0; s += 10.0) {
        t.add(s, {-1.0, 1.0});
        if (s == 40000.0) {
            t.add(s + 0.0001, {-2500.0, 1.0});
            t.add(s + 0.0003, {0.0, 0.0});
        }
    }
    EXPECT_LE(t.bucket_count(), 64u);
    EXPECT_GE(t.bucket_s() * 64, 86400.0);
    double lowest = 0.0, fet_low = 1.0;
    for (std::size_t k = 0; k < t.bucket_count(); ++k) {
        lowest = std::min(lowest, t.min(k, 0));
        fet_low = std::min(fet_low, t.min(k, 1));
    }
    EXPECT_DOUBLE_EQ(lowest, -2500.0);
    EXPECT_DOUBLE_EQ(fet_low, 0.0);
    // Every bucket holds a sample: no gaps at rest.
    for (std::size_t k = 0; k < t.bucket_count(); ++k) EXPECT_FALSE(std::isnan(t.max(k, 0))) << k;
}

TEST(PlotTrace, ReduceAndSelectKeepTheExtremes) {
    PlotTrace t({"a", "b", "c"}, 100);
    for (int k = 0; k < 100; ++k) t.add(k * 0.001, {double(k), -double(k), 7.0});
    ASSERT_EQ(t.bucket_count(), 100u);
    PlotTrace only = t.only({"c", "a", "unknown"});
    ASSERT_EQ(only.names(), (std::vector<std::string>{"c", "a"}));
    only.reduce_to(10);
    EXPECT_LE(only.bucket_count(), 10u);
    EXPECT_DOUBLE_EQ(only.max(only.bucket_count() - 1, 1), 99.0);
    EXPECT_DOUBLE_EQ(only.min(0, 1), 0.0);
    EXPECT_DOUBLE_EQ(only.min(3, 0), 7.0);
}

TEST(PlotTrace, JsonRoundTripKeepsEveryBucketAndGaps) {
    PlotTrace t({"v"}, 8);
    t.add(0.0, {3.3});
    t.add(0.0065, {3.6});  // buckets 1..5 stay empty
    const PlotTrace back = PlotTrace::from_json(t.to_json(), "t.json");
    ASSERT_EQ(back.bucket_count(), t.bucket_count());
    EXPECT_DOUBLE_EQ(back.min(0, 0), 3.3);
    EXPECT_TRUE(std::isnan(back.min(1, 0)));
    EXPECT_DOUBLE_EQ(back.max(back.bucket_count() - 1, 0), 3.6);
    EXPECT_DOUBLE_EQ(back.start_s(), 0.0);
    EXPECT_DOUBLE_EQ(back.last_time_s(), 0.0065);
}

TEST(PlotTrace, BadJsonNamesTheFile) {
    try {
        PlotTrace::from_json("{\"names\": [\"v\"]}", "items/x.plot.json");
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("items/x.plot.json"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace bmshil::reports
