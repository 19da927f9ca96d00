// `bmshil merge SHARD.json...`: one result, JUnit file and HTML report from
// the shards of a run (`bmshil suite --shard K/N` on the machines of a CI
// matrix; reports/merge.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace bmshil::rig::cli {

struct MergeCommandOptions {
    std::vector<std::string> shards;     // their JSON results
    std::string json, junit, html;       // what to write ("" = not)
    std::vector<std::string> plot_dirs;  // the shards' plots/ folders, for the HTML report
    std::string params;                  // the parameter file the shards ran with ("" = the manual's defaults)
    std::string spec_dir;
    std::string title;
    std::string baseline;
    double drift_fraction = 0.5;
};

void add_merge_options(CLI::App& app, MergeCommandOptions& o);
int merge_command(const MergeCommandOptions& o);

}  // namespace bmshil::rig::cli
