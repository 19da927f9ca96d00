// One result from the shards of a run (bmshil suite --shard K/N on several
// machines): the items of all, the coverage as the union of what each
// verified, the run interrupted if any shard was.
#pragma once

#include <stdexcept>
#include <vector>

#include "verdict.h"

namespace bmshil::reports {

// Throws std::invalid_argument when the shards are not of one run: another
// firmware, board or seed, or an item in two shards.
rig::SuiteResult merge_results(const std::vector<rig::SuiteResult>& shards, const std::vector<std::string>& names);

}  // namespace bmshil::reports
