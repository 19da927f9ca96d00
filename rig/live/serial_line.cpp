#include "serial_line.h"

#include <algorithm>
#include <limits>

namespace bmshil::rig::live {

void SerialLine::send(const std::vector<std::uint8_t>& bytes, double t_s) {
    const double char_s = format_.char_time_s();
    double start_s = std::max(t_s, line_free_s_);
    for (std::uint8_t b : bytes) {
        start_s += char_s;
        queue_.push_back({b, start_s});
    }
    line_free_s_ = start_s;
}

std::vector<std::uint8_t> SerialLine::take_arrived(double t_s) {
    std::vector<std::uint8_t> out;
    while (!queue_.empty() && queue_.front().arrives_s <= t_s) {
        out.push_back(queue_.front().value);
        queue_.pop_front();
    }
    return out;
}

double SerialLine::next_arrival_s() const {
    return queue_.empty() ? std::numeric_limits<double>::infinity() : queue_.front().arrives_s;
}

}  // namespace bmshil::rig::live
