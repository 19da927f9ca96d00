// Checks of command-line values that CLI11's own leave open: a double that
// parses as nan or inf passes CLI::Range (every comparison with NaN is false),
// and "-1" given for an unsigned option wraps around to 2^64 - 1.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

namespace bmshil::rig::cli {

// A finite number within [lo, hi].
inline CLI::Validator finite_in(double lo, double hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (end == text.c_str() || *end != '\0') return "'" + text + "' is not a number";
            if (!std::isfinite(v)) return "'" + text + "' is not a finite number";
            if (v < lo || v > hi) return text + " is outside " + CLI::detail::to_string(lo) + ".." + CLI::detail::to_string(hi);
            return "";
        },
        "FINITE in [" + CLI::detail::to_string(lo) + " - " + CLI::detail::to_string(hi) + "]");
}

// An unsigned integer written without a sign.
inline const CLI::Validator& not_negative() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            const auto first = text.find_first_not_of(" \t");
            if (first != std::string::npos && (text[first] == '-' || text[first] == '+'))
                return "'" + text + "': give a whole number 0 or above, without a sign";
            return "";
        },
        "UINT");
    return v;
}

}  // namespace bmshil::rig::cli
