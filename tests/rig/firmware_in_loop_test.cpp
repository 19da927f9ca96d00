// The bundled firmware in the loop: the seam carries measurements in and FET
// commands out, at simulated time.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "rig.h"


namespace bmshil::rig {
namespace {

TEST(FirmwareInLoop, OverchargeTripsTheChargeFetAtTheCellLimit) {
    RigConfig config;
    config.cell_file = std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml";
    config.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
    config.pack.initial_soc = 0.97;
    Rig rig(config);
    rig.run_for(5.0);
    ASSERT_EQ(rig.board().outputs().charge_fet_on, 1);
    // A charger regulating well above 16 x 3.65 V pushes the top cell past it.
    rig.pack().charger().connected = true;
    rig.pack().charger().voltage_setpoint_V = 60.0;
    rig.pack().charger().current_limit_A = 50.0;
    rig.inputs_changed();
    const auto max_cell = [&] {
        double v = 0;
        for (std::size_t k = 0; k < rig.pack().cell_count(); ++k) v = std::max(v, rig.pack().cell_voltage_V(k));
        return v;
    };
    // Trace the true highest cell every tick until the charge FET opens.
    std::vector<std::pair<double, double>> trace;
    const bool opened = rig.run_until([&] {
        trace.emplace_back(rig.now_s(), max_cell());
        return rig.board().outputs().charge_fet_on == 0;
    }, 3600.0, 0.01);
    ASSERT_TRUE(opened);
    // The protection confirms for 1000 ms: the voltage it judged is the one
    // 1 s before the FET opened. The AFE reads within offset 2 mV + noise
    // 3 x 0.5 mV + one 0.38 mV code, and one 10 ms tick moves little.
    const double judged_at = rig.now_s() - 1.0;
    double judged_V = 0;
    for (const auto& [t, v] : trace)
        if (t <= judged_at + 1e-9) judged_V = v;
    std::printf("charge FET opened at %.2f s; highest cell 1 s earlier: %.4f V (limit 3.650 V +- 4 mV); %llu firmware calls\n",
                rig.now_s(), judged_V, static_cast<unsigned long long>(rig.board().calls()));
    EXPECT_NEAR(judged_V, 3.650, 0.004);
    rig.run_for(1.0);
    EXPECT_LE(rig.pack().current_A(), 0.0);
}

}  // namespace
}  // namespace bmshil::rig
