#include "plot_trace.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "number_format.h"

namespace bmshil::reports {
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

void PlotTrace::reduce_to(std::size_t buckets) {
    while (used_ > std::max<std::size_t>(buckets, 1)) coarsen();
}

PlotTrace PlotTrace::only(const std::vector<std::string>& names) const {
    std::vector<std::size_t> columns;
    std::vector<std::string> kept;
    for (const std::string& name : names) {
        const auto it = std::find(names_.begin(), names_.end(), name);
        if (it == names_.end()) continue;
        columns.push_back(static_cast<std::size_t>(it - names_.begin()));
        kept.push_back(name);
    }
    PlotTrace out(kept, capacity_);
    out.used_ = used_;
    out.start_s_ = start_s_;
    out.bucket_s_ = bucket_s_;
    out.last_s_ = last_s_;
    out.started_ = started_;
    for (std::size_t k = 0; k < used_; ++k)
        for (std::size_t c = 0; c < columns.size(); ++c) {
            out.min_[k * kept.size() + c] = min(k, columns[c]);
            out.max_[k * kept.size() + c] = max(k, columns[c]);
        }
    return out;
}

std::string PlotTrace::to_json() const {
    using nlohmann::json;
    const auto column = [&](bool lows, std::size_t p) {
        json values = json::array();
        for (std::size_t k = 0; k < used_; ++k) {
            const double v = lows ? min(k, p) : max(k, p);
            values.push_back(std::isnan(v) ? json(nullptr) : json(round_significant(v, 6)));
        }
        return values;
    };
    json mins = json::array(), maxs = json::array();
    for (std::size_t p = 0; p < names_.size(); ++p) {
        mins.push_back(column(true, p));
        maxs.push_back(column(false, p));
    }
    const json j = {{"names", names_}, {"start_s", start_s_}, {"bucket_s", bucket_s_}, {"end_s", last_s_},
                    {"min", mins},     {"max", maxs}};
    return j.dump();
}

PlotTrace PlotTrace::from_json(const std::string& text, const std::string& what) {
    using nlohmann::json;
    try {
        const json j = json::parse(text);
        const auto names = j.at("names").get<std::vector<std::string>>();
        const json& mins = j.at("min");
        const json& maxs = j.at("max");
        if (mins.size() != names.size() || maxs.size() != names.size())
            throw std::runtime_error("min and max need one column per name");
        const std::size_t buckets = names.empty() ? 0 : mins.at(0).size();
        PlotTrace t(names, std::max<std::size_t>(buckets, 2));
        t.started_ = true;
        t.used_ = buckets;
        t.start_s_ = j.at("start_s").get<double>();
        t.bucket_s_ = j.at("bucket_s").get<double>();
        t.last_s_ = j.at("end_s").get<double>();
        for (std::size_t p = 0; p < names.size(); ++p) {
            if (mins.at(p).size() != buckets || maxs.at(p).size() != buckets)
                throw std::runtime_error("column " + names[p] + " has another length");
            for (std::size_t k = 0; k < buckets; ++k) {
                const json& lo = mins[p][k];
                const json& hi = maxs[p][k];
                t.min_[k * names.size() + p] = lo.is_null() ? kNaN : lo.get<double>();
                t.max_[k * names.size() + p] = hi.is_null() ? kNaN : hi.get<double>();
            }
        }
        return t;
    } catch (const json::exception& e) {
        throw std::runtime_error(what + ": not a plot trace: " + e.what());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(what + ": " + e.what());
    }
}

}  // namespace bmshil::reports
