// What the report plots of one item, recorded as the item runs: every cell's
// voltage, the current, the temperatures, and the board's outputs as steps,
// sampled at every firmware call (and so at an AFE trip, which calls it),
// reduced to time buckets as it goes (reports/plot_trace.h).
#pragma once

#include <string>
#include <vector>

#include "plot_trace.h"
#include "probes.h"
#include "rig.h"

namespace bmshil::rig {

class ItemPlot {
public:
    // Buckets the whole item ends up in; the report reduces passed items further.
    static constexpr std::size_t kBuckets = 512;

    explicit ItemPlot(Rig& rig);
    // After a firmware call. Between events (the outputs or the AFE latch
    // changed, the current stepped) it samples at most every eighth of a
    // bucket: a slow signal has no extreme between two such samples, and a
    // weeks-long run costs a few thousand samples, not millions.
    void sample();
    // A sample now, whatever the last one (the item's end).
    void record();
    // What goes on disk: all of it for a failure, a passed item's reduced
    // (reports/html_report.h) as the report keeps it.
    void write(const std::string& path, bool passed) const;
    const reports::PlotTrace& trace() const { return trace_; }

private:
    Rig& rig_;
    PortAccess no_port_;  // the pack and the outputs, never the port
    Probes probes_;
    std::vector<Probe> columns_;
    std::vector<double> row_;
    std::size_t current_column_ = 0;
    double last_sample_s_ = -1.0, last_current_A_ = 0.0;
    bmshil_board_outputs last_outputs_{};
    bool last_latched_ = false;
    double last_trip_s_ = -1.0;  // the AFE trip already in the plot
    reports::PlotTrace trace_;
};

// The probes an item's plot holds, in order: cell1_V..cellN_V, then the rest.
std::vector<std::string> item_plot_probes(std::size_t cell_count);

}  // namespace bmshil::rig
