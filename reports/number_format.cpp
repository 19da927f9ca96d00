#include "number_format.h"

#include <cmath>

#include <charconv>
#include <stdexcept>

namespace bmshil::reports {

namespace {

template <typename... Args>
std::string to_chars_string(Args... args) {
    // 400 bytes hold any double in fixed notation with up to 60 decimals
    // (the largest double has 309 integer digits).
    char buffer[400];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, args...);
    if (ec != std::errc()) throw std::logic_error("number too long to format");
    return std::string(buffer, end);
}

}  // namespace

std::string format_general(double value, int significant) {
    return to_chars_string(value, std::chars_format::general, significant);
}

std::string format_fixed(double value, int decimals) {
    if (decimals < 0 || decimals > 60) throw std::invalid_argument("format_fixed: decimals out of range");
    return to_chars_string(value, std::chars_format::fixed, decimals);
}

std::string format_unsigned(std::uint64_t value) { return to_chars_string(value); }

double round_significant(double value, int significant) {
    if (value == 0.0 || !std::isfinite(value)) return value;
    const int exponent = static_cast<int>(std::floor(std::log10(std::abs(value))));
    const double scale = std::pow(10.0, significant - 1 - exponent);
    return std::round(value * scale) / scale;
}

}  // namespace bmshil::reports
