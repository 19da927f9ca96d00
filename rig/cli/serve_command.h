// `bmshil serve`: the simulated battery as a live device for upper-computer
// tools (live/live_server.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "live/live_server.h"

namespace bmshil::rig::cli {

struct ServeCommandOptions {
    live::LiveOptions live;
    std::string params_file;  // a parameter file (bmshil params --out): the set in force
    std::string parity = "N";
    bool no_tcp = false;
    bool quiet = false;
    bool realtime = false;  // SCHED_FIFO and memory locked, where permitted
};

void add_serve_options(CLI::App& app, ServeCommandOptions& o);
// Serves until Ctrl-C (SIGINT / SIGTERM), a client's stop, or --for; prints
// where masters connect first and the pacing at the end.
int serve_command(ServeCommandOptions o);

}  // namespace bmshil::rig::cli
