// The pack in the SystemC kernel: it wakes itself at the comparator's trip,
// and notifies it at the exact time. One elaboration per process, so this file
// holds one scenario. Kernel warnings fail the test.
#include "pack_module.h"

#include <gtest/gtest.h>

#include <memory>

#include "test_support.h"


namespace bmshil::model {
namespace {

using sc_core::sc_time;
using sc_core::SC_SEC;

class Scenario : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Scenario);
    Scenario(const sc_core::sc_module_name& name, PackModule& pack) : sc_module(name), pack_(pack) {
        SC_THREAD(drive);
        SC_THREAD(watch_trip);
    }
    double trip_seen_s = -1.0;
    double reads = 0;

private:
    void drive() {
        PowerStageCommand cmd;
        cmd.charge_fet = cmd.discharge_fet = true;
        pack_.sync();
        pack_.pack().command(cmd);
        pack_.changed();
        wait(sc_time(0.5, SC_SEC));
        pack_.sync();
        Load s;
        s.name = "short";
        s.kind = LoadKind::resistance;
        s.resistance_ohm = 0.002;
        s.connected = true;
        pack_.pack().add_load(s);
        pack_.changed();
        // Nobody reads the pack after this: the model must wake by itself.
    }
    void watch_trip() {
        wait(pack_.sc_trip_event());
        trip_seen_s = sc_core::sc_time_stamp().to_seconds();
    }
    PackModule& pack_;
};

TEST(PackModule, WakesAtTheComparatorTripAndNotifiesIt) {
    auto type = std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")));
    PackConfig config;
    PackModule pack("pack", config, type);
    Scenario scenario("scenario", pack);
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    ASSERT_TRUE(pack.pack().sc_latched());
    const double trip_s = pack.pack().sc_trip_time_s();
    EXPECT_GT(trip_s - 0.5, config.afe.sc_delay_s);
    EXPECT_LT(trip_s - 0.5, config.afe.sc_delay_s + 50e-6);
    EXPECT_NEAR(scenario.trip_seen_s, trip_s, 1e-12) << "the trip event is notified at the trip time";
    EXPECT_EQ(pack.pack().current_A(), 0.0);
}

}  // namespace
}  // namespace bmshil::model
