#include "merge.h"

#include <algorithm>
#include <map>
#include <set>

namespace bmshil::reports {
namespace {

void same(const std::string& what, const std::string& first, const std::string& other, const std::string& first_name,
          const std::string& other_name) {
    if (first != other)
        throw std::invalid_argument(other_name + ": " + what + " \"" + other + "\" differs from " + first_name + "'s \"" +
                                    first + "\"; shards of one run share it");
}

// What every shard left unverified (and no shard verified), with the first reason given.
std::vector<std::pair<int, std::string>> still_unverified(
    const std::set<int>& verified, const std::vector<const std::vector<std::pair<int, std::string>>*>& lists) {
    std::map<int, std::string> reasons;
    for (const auto* list : lists)
        for (const auto& [n, why] : *list)
            if (!verified.count(n) && !reasons.count(n)) reasons[n] = why;
    return {reasons.begin(), reasons.end()};
}

}  // namespace

rig::SuiteResult merge_results(const std::vector<rig::SuiteResult>& shards, const std::vector<std::string>& names) {
    if (shards.empty()) throw std::invalid_argument("no results to merge");
    const rig::SuiteResult& first = shards.front();
    rig::SuiteResult out;
    out.firmware = first.firmware;
    out.firmware_file = first.firmware_file;
    out.board = first.board;
    out.seed = first.seed;
    std::map<std::string, std::string> owner;  // item -> the shard it came from
    std::set<int> parameters, switches;
    std::vector<const std::vector<std::pair<int, std::string>>*> parameter_reasons, switch_reasons;
    for (std::size_t k = 0; k < shards.size(); ++k) {
        const rig::SuiteResult& r = shards[k];
        const std::string& name = names.at(k);
        same("firmware", first.firmware, r.firmware, names[0], name);
        same("board", first.board.backend, r.board.backend, names[0], name);
        if (r.seed != first.seed)
            throw std::invalid_argument(name + ": seed " + std::to_string(r.seed) + " differs from " + names[0] + "'s " +
                                        std::to_string(first.seed) + "; shards of one run share it");
        for (const rig::ScenarioResult& s : r.scenarios) {
            const auto [it, fresh] = owner.emplace(s.name, name);
            if (!fresh) throw std::invalid_argument(name + ": item " + s.name + " is also in " + it->second);
            out.scenarios.push_back(s);
        }
        out.interrupted = out.interrupted || r.interrupted;
        out.not_run.insert(out.not_run.end(), r.not_run.begin(), r.not_run.end());
        parameters.insert(r.coverage.parameters_verified.begin(), r.coverage.parameters_verified.end());
        switches.insert(r.coverage.switches_verified.begin(), r.coverage.switches_verified.end());
        parameter_reasons.push_back(&r.coverage.parameters_not_verifiable);
        switch_reasons.push_back(&r.coverage.switches_not_verifiable);
    }
    std::sort(out.scenarios.begin(), out.scenarios.end(),
              [](const rig::ScenarioResult& a, const rig::ScenarioResult& b) { return a.name < b.name; });
    std::sort(out.not_run.begin(), out.not_run.end());
    out.coverage.parameter_count = first.coverage.parameter_count;
    out.coverage.switch_count = first.coverage.switch_count;
    out.coverage.parameters_verified.assign(parameters.begin(), parameters.end());
    out.coverage.switches_verified.assign(switches.begin(), switches.end());
    out.coverage.parameters_not_verifiable = still_unverified(parameters, parameter_reasons);
    out.coverage.switches_not_verifiable = still_unverified(switches, switch_reasons);
    return out;
}

}  // namespace bmshil::reports
