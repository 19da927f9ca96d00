#include "uniform_table.h"

#include <algorithm>
#include <stdexcept>

namespace bmshil::model {

double interpolate(const std::vector<double>& x, const std::vector<double>& y, double at) {
    if (x.empty() || x.size() != y.size()) throw std::invalid_argument("interpolate: bad table");
    if (at <= x.front()) return y.front();
    if (at >= x.back()) return y.back();
    const auto upper = std::upper_bound(x.begin(), x.end(), at);
    const std::size_t i = static_cast<std::size_t>(upper - x.begin());
    const double frac = (at - x[i - 1]) / (x[i] - x[i - 1]);
    return y[i - 1] + frac * (y[i] - y[i - 1]);
}

UniformTable::UniformTable(const std::vector<double>& x, const std::vector<double>& y,
                           double x_min, double x_max, std::size_t points)
    : x_min_(x_min) {
    if (points < 2 || !(x_max > x_min)) throw std::invalid_argument("UniformTable: bad grid");
    const double step = (x_max - x_min) / static_cast<double>(points - 1);
    inv_step_ = 1.0 / step;
    last_index_ = static_cast<double>(points - 1);
    values_.resize(points);
    for (std::size_t i = 0; i < points; ++i)
        values_[i] = interpolate(x, y, x_min + step * static_cast<double>(i));
}

}  // namespace bmshil::model
