#include "pack_module.h"

#include <algorithm>

namespace bmshil::model {

using sc_core::sc_time;

PackModule::PackModule(const sc_core::sc_module_name& name, const PackConfig& config,
                       std::shared_ptr<const CellType> cell_type)
    : sc_module(name), pack_(config, std::move(cell_type)) {
    SC_METHOD(on_wake);
    sensitive << wake_;
}

void PackModule::sync_to(const sc_time& t) {
    pack_.advance_to(t.to_seconds());
    if (pack_.sc_latched() && !latched_seen_) sc_trip_.notify(t - sc_core::sc_time_stamp());
    latched_seen_ = pack_.sc_latched();
}

sc_time PackModule::wake_delay(const Pack& pack, double now_s) {
    return sc_time(std::max(pack.next_wake_s() - now_s, 1e-12), sc_core::SC_SEC);
}

void PackModule::changed_at(const sc_time& t) {
    const sc_time delay = wake_delay(pack_, t.to_seconds());
    wake_.cancel();
    wake_.notify(t - sc_core::sc_time_stamp() + delay);
    scheduled_wake_ = t + delay;
}

void PackModule::on_wake() {
    sync();
    changed();
}

}  // namespace bmshil::model
