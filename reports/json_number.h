// A number as the result files write it: JSON has none for NaN or infinity,
// so those are the strings "NaN", "Infinity" and "-Infinity".
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace bmshil::reports {

inline nlohmann::json json_number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    return v;
}

}  // namespace bmshil::reports
