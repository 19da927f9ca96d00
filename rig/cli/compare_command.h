// `bmshil compare OLD.json NEW.json`: the results of two firmware builds side
// by side (reports/compare.h), for a CI reviewer.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "compare.h"

namespace bmshil::rig::cli {

struct CompareCommandOptions {
    std::string old_file;   // JSON results, as `bmshil suite --json` writes them
    std::string new_file;
    double fraction = reports::default_drift_fraction;
    bool all = false;             // list every compared finding, not only the flagged ones
    std::string json;             // also write the comparison here ("" = no)
    bool fail_on_drift = false;   // exit 1 when anything moved, changed or is in one run only
};

void add_compare_options(CLI::App& app, CompareCommandOptions& o);
int compare_command(const CompareCommandOptions& o);

}  // namespace bmshil::rig::cli
