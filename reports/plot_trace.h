// What a report plots of an item: chosen probes over the whole run, reduced
// as it goes to a fixed number of time buckets, each keeping the minimum and
// the maximum of every probe (what a pixel column of a plot shows), so a
// 200 us short in a three-week scenario still shows, and memory stays bounded.
// The full resolution is the item's VCD (waveform.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bmshil::reports {

class PlotTrace {
public:
    // `buckets`: how many time buckets the whole run ends up in (at least 2).
    PlotTrace(std::vector<std::string> names, std::size_t buckets);

    // One sample of every probe, in names() order, at time_s (non-decreasing).
    void add(double time_s, const std::vector<double>& values);

    const std::vector<std::string>& names() const { return names_; }
    std::size_t bucket_count() const { return used_; }
    double start_s() const { return start_s_; }
    double bucket_s() const { return bucket_s_; }
    // Of bucket k: [min, max] of probe p; NaN for a bucket no sample fell in.
    double min(std::size_t k, std::size_t p) const { return min_[k * names_.size() + p]; }
    double max(std::size_t k, std::size_t p) const { return max_[k * names_.size() + p]; }
    double last_time_s() const { return last_s_; }

    // Merges buckets until at most `buckets` remain (a report's passed items
    // need fewer than its failures).
    void reduce_to(std::size_t buckets);
    // Keeps only the probes named (in that order; unknown names are skipped).
    PlotTrace only(const std::vector<std::string>& names) const;

    // {"names", "start_s", "bucket_s", "min": [per probe, per bucket], "max"}:
    // NaN as null. from_json throws std::runtime_error naming what is wrong.
    std::string to_json() const;
    static PlotTrace from_json(const std::string& text, const std::string& what);

private:
    // Halves the time resolution: bucket k takes buckets 2k and 2k+1.
    void coarsen();

    std::vector<std::string> names_;
    std::size_t capacity_;
    std::size_t used_ = 0;
    double start_s_ = 0.0, bucket_s_ = 0.0, last_s_ = 0.0;
    bool started_ = false;
    std::vector<double> min_, max_;
};

}  // namespace bmshil::reports
