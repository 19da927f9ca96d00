// A DAQ's declared steps widen the tolerances by half a step per channel, and
// its link by the slack it is given; nothing else moves.
#include "oracle/tolerances.h"

#include <gtest/gtest.h>


namespace bmshil::rig::oracle {
namespace {

TEST(Tolerances, ADaqWidensThemByHalfItsStepsAndItsLink) {
    model::PackConfig pack;
    const Tolerances base = tolerances(pack, 0.01);
    EXPECT_EQ(base.link_s, 0.0);
    // The bench agent's simulated instruments: 1 mV cells, 10 mA, 1 ohm.
    const Tolerances t = widened_for_daq(base, pack, {1e-3, 1e-3, 10e-3, 1.0}, 0.0236);
    EXPECT_NEAR(t.cell_V - base.cell_V, 0.5e-3, 1e-12);
    EXPECT_NEAR(t.spread_V - base.spread_V, 1e-3, 1e-12);
    EXPECT_NEAR(t.pack_V - base.pack_V, 16 * 0.5e-3, 1e-12);
    EXPECT_NEAR(t.terminal_V - base.terminal_V, 0.5e-3, 1e-12);
    EXPECT_NEAR(t.current_A - base.current_A, 5e-3, 1e-12);
    // At 60 degC a 10 kOhm, B = 3435 K NTC reads 2981 ohm; one ohm there is
    // (1 / 2981) / (3435 / 333.15^2) = 0.01083 K, half of it 0.0054 K.
    EXPECT_NEAR(t.temperature_degC - base.temperature_degC, 0.00542, 0.00002);
    EXPECT_EQ(t.link_s, 0.0236);
    EXPECT_EQ(t.tick_s, base.tick_s);
}

}  // namespace
}  // namespace bmshil::rig::oracle
