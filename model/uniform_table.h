// A 1-D lookup table resampled onto a uniform grid, so a lookup on the
// simulation's hot path is one multiply, one truncation and one lerp instead
// of a binary search. Values outside the grid hold the end values.
#pragma once

#include <cstddef>
#include <vector>

namespace bmshil::model {

class UniformTable {
public:
    UniformTable() = default;

    // Linearly interpolates (x, y) (x strictly increasing) onto `points`
    // uniform samples over [x_min, x_max].
    UniformTable(const std::vector<double>& x, const std::vector<double>& y, double x_min,
                 double x_max, std::size_t points);

    double operator()(double x) const {
        double pos = (x - x_min_) * inv_step_;
        if (pos <= 0.0) return values_.front();
        if (pos >= last_index_) return values_.back();
        const auto i = static_cast<std::size_t>(pos);
        const double frac = pos - static_cast<double>(i);
        return values_[i] + frac * (values_[i + 1] - values_[i]);
    }

    bool empty() const { return values_.empty(); }

private:
    std::vector<double> values_;
    double x_min_ = 0.0;
    double inv_step_ = 1.0;
    double last_index_ = 0.0;
};

// Linear interpolation on a non-uniform, strictly increasing grid; ends held.
double interpolate(const std::vector<double>& x, const std::vector<double>& y, double at);

}  // namespace bmshil::model
