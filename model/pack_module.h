// The pack in the SystemC kernel: one module, one method. The physics is
// advanced lazily (sync() before every read or input change) and the method
// wakes only when the model says it must: at a comparator crossing or trip, or
// after the longest step the state allows.
#pragma once

#include <systemc>

#include "pack.h"

namespace bmshil::model {

class PackModule : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(PackModule);
    PackModule(const sc_core::sc_module_name& name, const PackConfig& config,
               std::shared_ptr<const CellType> cell_type);

    // Brings the physics up to the kernel's current time.
    void sync();
    // After changing inputs through pack(): re-plan the next wake.
    void changed();
    Pack& pack() { return pack_; }
    // Notified when the AFE's short-circuit comparator trips.
    const sc_core::sc_event& sc_trip_event() const { return sc_trip_; }
    // When the method next runs (it syncs the pack and re-plans): a caller
    // predicting the pack's course replays these wakes to stay on its path.
    const sc_core::sc_time& scheduled_wake() const { return scheduled_wake_; }
    // The delay changed() plans for `pack` at `now_s`, exactly as it computes it.
    static sc_core::sc_time wake_delay(const Pack& pack, double now_s);

    static double now_s() { return sc_core::sc_time_stamp().to_seconds(); }

private:
    void on_wake();

    Pack pack_;
    sc_core::sc_event wake_{"wake"};
    sc_core::sc_event sc_trip_{"sc_trip"};
    bool latched_seen_ = false;
    sc_core::sc_time scheduled_wake_;
};

}  // namespace bmshil::model
