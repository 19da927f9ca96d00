// Number formatting shared by the judging functions.
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
