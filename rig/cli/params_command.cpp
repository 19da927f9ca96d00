#include "params_command.h"
#include "validators.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "oracle/parameter_file.h"
#include "oracle/parameter_rules.h"
#include "oracle/profiles.h"

namespace bmshil::rig::cli {

void add_params_options(CLI::App& app, ParamsCommandOptions& o) {
    auto* sep = app.add_flag("--separating", o.separating,
                             "The separating set: values equal at the defaults pulled apart, delays and counts moved");
    auto* rnd = app.add_flag("--random", o.random, "A random valid set drawn from --seed");
    sep->excludes(rnd);
    app.add_option("--seed", o.seed, "Seed of the random set")->check(not_negative());
    app.add_option("--out", o.out, "Write the parameter file here (default: standard output)");
    auto* check = app.add_option("--check", o.check, "Check a parameter file against the manual's rules")
                      ->check(CLI::ExistingFile);
    check->excludes(sep)->excludes(rnd);
}

int params_command(const ParamsCommandOptions& o) {
    const oracle::Spec spec = oracle::Spec::load(o.spec_dir);
    if (!o.check.empty()) {
        const oracle::ParameterSet set = oracle::load_parameter_file(spec, o.check);
        const auto bad = oracle::check_rules(set);
        for (const auto& v : bad) std::fprintf(stderr, "%s\n", v.message(spec).c_str());
        if (!bad.empty()) return 2;
        std::printf("%s: valid (%zu parameters and %zu switches set)\n", o.check.c_str(),
                    set.overridden_parameters().size(), set.overridden_switches().size());
        return 0;
    }
    if (!o.separating && !o.random) throw std::runtime_error("params: give --separating, --random or --check FILE");
    const oracle::ParameterSet set = o.separating ? oracle::separating_set(spec) : oracle::random_set(spec, o.seed);
    const std::string header = o.separating
                                   ? "The separating set (bmshil params --separating), generated from spec/."
                                   : "A random valid set (bmshil params --random --seed " + std::to_string(o.seed) +
                                         "), generated from spec/.";
    const std::string text = oracle::format_parameter_file(set, header);
    if (o.out.empty()) {
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    std::ofstream out(o.out);
    if (!out) throw std::runtime_error(o.out + ": cannot write");
    out << text;
    if (!out.flush()) throw std::runtime_error(o.out + ": write failed");
    return 0;
}

}  // namespace bmshil::rig::cli
