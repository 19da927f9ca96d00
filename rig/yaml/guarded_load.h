// YAML as the rig reads its input files (scenarios, parameter sets): bounded
// in size and in what its aliases expand to, and with every key of a map given
// once. yaml-cpp alone accepts a duplicate key silently (one copy wins) and
// lets a few kilobytes of nested aliases expand to gigabytes when walked.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace bmshil::rig::yaml {

class YamlInputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Limits {
    std::size_t max_bytes = 1 << 20;      // 1 MiB: a scenario is a few kB
    std::size_t max_nodes = 100000;       // nodes after aliases are expanded
};

// Parses `text` (named `file` in errors: "file:line: ..."); throws
// YamlInputError for a file too large, a YAML syntax error, aliases that
// expand past the limit, or a key given twice in one map.
YAML::Node load(const std::string& text, const std::string& file, const Limits& limits = {});

}  // namespace bmshil::rig::yaml
