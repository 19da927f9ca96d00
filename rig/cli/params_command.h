// `bmshil params`: parameter sets from spec/ (the separating set, random
// valid sets) as parameter files, and checking a parameter file.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace bmshil::rig::cli {

struct ParamsCommandOptions {
    std::string spec_dir;
    bool separating = false;
    bool random = false;
    std::uint64_t seed = 1;
    std::string out;    // "" = standard output
    std::string check;  // a parameter file to check
};

void add_params_options(CLI::App& app, ParamsCommandOptions& o);
int params_command(const ParamsCommandOptions& o);

}  // namespace bmshil::rig::cli
