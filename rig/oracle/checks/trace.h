// What a check records while it drives the rig: the true value of the
// quantity under test over time. The judging functions turn a trace into a
// finding without a kernel, so they are unit-tested on made-up traces.
#pragma once

#include <deque>
#include <optional>

namespace bmshil::rig::oracle {

struct Sample {
    double time_s = 0.0;
    double value = 0.0;
};

class Trace {
public:
    // Keeps the samples of the last `keep_s` seconds (0: all).
    explicit Trace(double keep_s = 0.0) : keep_s_(keep_s) {}
    void add(double time_s, double value) {
        samples_.push_back({time_s, value});
        while (keep_s_ > 0.0 && samples_.size() > 2 && samples_.front().time_s < time_s - keep_s_) samples_.pop_front();
    }
    // The value last recorded at or before `time_s` (the first one if none was).
    std::optional<double> value_at(double time_s) const {
        if (samples_.empty()) return std::nullopt;
        double v = samples_.front().value;
        for (const Sample& s : samples_) {
            if (s.time_s > time_s + 1e-9) break;
            v = s.value;
        }
        return v;
    }
    const std::deque<Sample>& samples() const { return samples_; }
    bool empty() const { return samples_.empty(); }

private:
    double keep_s_;
    std::deque<Sample> samples_;
};

}  // namespace bmshil::rig::oracle
