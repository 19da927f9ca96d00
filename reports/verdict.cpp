// Names of the scenario statuses as reports and result files spell them.
#include "verdict.h"

namespace bmshil::rig {

const char* to_string(ScenarioStatus s) {
    switch (s) {
        case ScenarioStatus::passed: return "passed";
        case ScenarioStatus::failed: return "failed";
        case ScenarioStatus::error: return "error";
        case ScenarioStatus::timeout: return "timeout";
    }
    return "unknown";  // only reachable with a value cast from outside the enum
}

}  // namespace bmshil::rig
