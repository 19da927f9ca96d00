// Numbers as findings and errors print them: six significant digits, so
// 3.65 V reads "3.65" and 0.0054 V "0.0054".
#pragma once

#include <cstdio>
#include <string>

namespace bmshil::rig::oracle {

inline std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

}  // namespace bmshil::rig::oracle
