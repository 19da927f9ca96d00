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
    void sync() { sync_to(sc_core::sc_time_stamp()); }
    // After changing inputs through pack(): re-plan the next wake.
    void changed() { changed_at(sc_core::sc_time_stamp()); }
    // The same at a time `t` at or after the kernel's, for a process running
    // ahead of the kernel (the board's calls inside one activation): the trip
    // event and the next wake are notified for the times they belong to.
    void sync_to(const sc_core::sc_time& t);
    void changed_at(const sc_core::sc_time& t);
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
