// The pacer's schedule and its lateness figures.
#include <gtest/gtest.h>

#include <thread>

#include "live/pacer.h"

namespace bmshil::rig::live {
namespace {

TEST(Pacer, ScheduleFollowsTheSpeed) {
    Pacer p(100.0, 0.010);
    p.start(50.0);
    // Simulated 60 s is due 0.1 s of wall time after the start at 100x.
    EXPECT_NEAR(p.wall_due_s(60.0), 0.1, 1e-12);
    EXPECT_GT(p.wall_until_s(60.0), 0.09);
    EXPECT_THROW(Pacer(0.0, 0.010), std::invalid_argument);
}

TEST(Pacer, LatenessIsMeasuredAndAnOverrunCounted) {
    Pacer p(1.0, 0.010);
    p.start(0.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    // Reaching simulated 1 ms 30 ms of wall time late: an overrun (more than a tick).
    p.reached(0.001);
    EXPECT_GE(p.figures().worst_lateness_s, 0.028);
    EXPECT_EQ(p.figures().overruns, 1u);
    EXPECT_EQ(p.figures().worst_at_s, 0.001);
    EXPECT_EQ(p.figures().overruns_at_wake, 0u);  // its own work made it late
    // Already 30 ms late when it woke: the host's.
    p.reached(0.002, 0.029);
    EXPECT_EQ(p.figures().overruns, 2u);
    EXPECT_EQ(p.figures().overruns_at_wake, 1u);
    // Ahead of the schedule: no lateness, no overrun.
    p.reached(10.0);
    EXPECT_EQ(p.figures().overruns, 2u);
    EXPECT_EQ(p.figures().checks, 3u);
    EXPECT_NEAR(p.figures().simulated_s, 10.0, 1e-12);
}

}  // namespace
}  // namespace bmshil::rig::live
