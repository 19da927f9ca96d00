#include "plot_trace.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace bmshil::rig {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The first bucket width, before the run's length is known; it doubles as
// the run goes on.
constexpr double kFirstBucket_s = 1e-3;

double lower(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : std::min(a, b); }
double upper(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : std::max(a, b); }
}  // namespace

PlotTrace::PlotTrace(std::vector<std::string> names, std::size_t buckets)
    : names_(std::move(names)), capacity_(buckets) {
    if (capacity_ < 2) throw std::invalid_argument("a plot trace needs at least 2 buckets");
    if (capacity_ % 2 != 0) ++capacity_;
    min_.assign(capacity_ * names_.size(), kNaN);
    max_.assign(capacity_ * names_.size(), kNaN);
}

void PlotTrace::add(double time_s, const std::vector<double>& values) {
    if (values.size() != names_.size()) throw std::invalid_argument("plot trace: a sample of the wrong width");
    if (!started_) {
        started_ = true;
        start_s_ = time_s;
        bucket_s_ = kFirstBucket_s;
    }
    last_s_ = std::max(last_s_, time_s);
    auto index = [&] { return static_cast<std::size_t>(std::max(0.0, (time_s - start_s_) / bucket_s_)); };
    while (index() >= capacity_) coarsen();
    const std::size_t k = index();
    used_ = std::max(used_, k + 1);
    const std::size_t n = names_.size();
    for (std::size_t p = 0; p < n; ++p) {
        min_[k * n + p] = lower(min_[k * n + p], values[p]);
        max_[k * n + p] = upper(max_[k * n + p], values[p]);
    }
}

void PlotTrace::coarsen() {
    const std::size_t n = names_.size();
    for (std::size_t k = 0; k < capacity_ / 2; ++k)
        for (std::size_t p = 0; p < n; ++p) {
            min_[k * n + p] = lower(min_[2 * k * n + p], min_[(2 * k + 1) * n + p]);
            max_[k * n + p] = upper(max_[2 * k * n + p], max_[(2 * k + 1) * n + p]);
        }
    std::fill(min_.begin() + static_cast<std::ptrdiff_t>(capacity_ / 2 * n), min_.end(), kNaN);
    std::fill(max_.begin() + static_cast<std::ptrdiff_t>(capacity_ / 2 * n), max_.end(), kNaN);
    used_ = (used_ + 1) / 2;
    bucket_s_ *= 2.0;
}

}  // namespace bmshil::rig
