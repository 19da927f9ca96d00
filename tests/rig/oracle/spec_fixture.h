// The repo's spec/, loaded once per test program.
#pragma once

#include <string>

#include "oracle/spec.h"

namespace bmshil::rig::oracle {

inline const Spec& spec() {
    static const Spec s = Spec::load(std::string(BMSHIL_SOURCE_DIR) + "/spec");
    return s;
}

}  // namespace bmshil::rig::oracle
