#include "item_plot.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "file_output.h"
#include "html_report.h"

namespace bmshil::rig {

std::vector<std::string> item_plot_probes(std::size_t cell_count) {
    std::vector<std::string> names;
    for (std::size_t k = 1; k <= cell_count; ++k) names.push_back("cell" + std::to_string(k) + "_V");
    for (const char* name : {"cell_max_V", "cell_min_V", "current_A", "cell_max_degC", "cell_min_degC",
                             "ambient_degC", "power_degC", "charge_fet", "discharge_fet", "precharge", "heater",
                             "balancing", "limiter", "afe_sc_latched"})
        names.push_back(name);
    return names;
}

namespace {
// A change of current this large is an event worth its own sample (a load
// or a charger switched, a limiter acting), whatever the bucket.
constexpr double kCurrentStep_A = 0.5;
}  // namespace

ItemPlot::ItemPlot(Rig& rig)
    : rig_(rig), probes_(rig, no_port_), trace_(item_plot_probes(rig.pack().cell_count()), kBuckets) {
    for (const std::string& name : trace_.names()) columns_.push_back(probes_.get(name));
    const auto& names = trace_.names();
    current_column_ = static_cast<std::size_t>(std::find(names.begin(), names.end(), "current_A") - names.begin());
    row_.resize(columns_.size());
    sample();  // the first one, always
}

void ItemPlot::sample() {
    const model::Pack& pack = rig_.pack();
    const bmshil_board_outputs& out = rig_.board().outputs();
    const double current_A = pack.current_A();
    const bool event = std::memcmp(&out, &last_outputs_, sizeof out) != 0 || pack.sc_latched() != last_latched_ ||
                       std::abs(current_A - last_current_A_) > kCurrentStep_A;
    if (!event && last_sample_s_ >= 0.0 && rig_.now_s() - last_sample_s_ < trace_.bucket_s() / 8.0) return;
    last_outputs_ = out;
    last_latched_ = pack.sc_latched();
    last_current_A_ = current_A;
    last_sample_s_ = rig_.now_s();
    record();
}

void ItemPlot::record() {
    for (std::size_t k = 0; k < columns_.size(); ++k) row_[k] = columns_[k]();
    // A short circuit lasts from its start to the AFE's trip, between two
    // firmware calls: the current that tripped it goes in at the trip's time,
    // or the plot would show a short without its current.
    const model::Pack& pack = rig_.pack();
    if (pack.sc_latched() && pack.sc_trip_time_s() != last_trip_s_) {
        last_trip_s_ = pack.sc_trip_time_s();
        std::vector<double> at_trip = row_;
        at_trip[current_column_] = pack.sc_trip_current_A();
        trace_.add(last_trip_s_, at_trip);
    }
    trace_.add(rig_.now_s(), row_);
}

void ItemPlot::write(const std::string& path, bool passed) const {
    if (!passed) {
        reports::write_file_atomically(path, trace_.to_json());
        return;
    }
    reports::PlotTrace kept = trace_.only(reports::passed_plot_probes());
    kept.reduce_to(reports::kPassedPlotBuckets);
    reports::write_file_atomically(path, kept.to_json());
}

}  // namespace bmshil::rig
