// `bmshil virtual-board` and `bmshil keygen`: the board side of the DAQ
// protocol as a process of its own, and the CURVE certificates for it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "virtual_board/virtual_board.h"

namespace bmshil::rig::cli {

struct KeygenOptions {
    std::string dir = ".";
    std::string name;
};

void add_virtual_board_options(CLI::App& app, VirtualBoardOptions& o);
// Serves until SIGINT / SIGTERM; prints the bound address first.
int virtual_board_command(const VirtualBoardOptions& o);

void add_keygen_options(CLI::App& app, KeygenOptions& o);
int keygen_command(const KeygenOptions& o);

}  // namespace bmshil::rig::cli
