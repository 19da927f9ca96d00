#include "board_commands.h"

#include <csignal>
#include <cstdio>

#include "adapters/zmq/link.h"
#include "suite_commands.h"

namespace bmshil::rig::cli {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void stop_serving(int) { g_stop = true; }

}  // namespace

void add_virtual_board_options(CLI::App& app, VirtualBoardOptions& o) {
    app.add_option("--firmware", o.firmware_library, "Firmware shared library (exports bmshil_firmware_get)")
        ->check(CLI::ExistingFile);
    app.add_option("--bind", o.bind, "Where to listen: tcp://127.0.0.1:PORT (a port of * picks one), ipc://PATH");
    app.add_option("--curve-secret", o.secret_key_file, "This board's secret certificate: CURVE on")
        ->check(CLI::ExistingFile);
    app.add_option("--allow", o.allow_dir, "Folder of the client certificates (*.key) let in under CURVE")
        ->check(CLI::ExistingDirectory);
    app.add_option("--link-timeout-ms", o.link_timeout_ms, "A session silent this long is dropped")
        ->check(CLI::Range(100, 3600000));
    app.add_option("--name", o.board_name, "The board's name in the handshake (and so in every report)");
}

int virtual_board_command(const VirtualBoardOptions& o) {
    VirtualBoard board(o);
    struct sigaction sa {};
    sa.sa_handler = stop_serving;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::printf("virtual-board: %s on %s%s\n", o.firmware_library.c_str(), board.endpoint().c_str(),
                o.secret_key_file.empty() ? "" : " (CURVE)");
    std::fflush(stdout);
    board.serve(g_stop);
    std::printf("virtual-board: stopped after %llu firmware calls\n",
                static_cast<unsigned long long>(board.firmware_calls()));
    return kExitPassed;
}

void add_keygen_options(CLI::App& app, KeygenOptions& o) {
    app.add_option("name", o.name, "Certificate name: writes NAME.key (public) and NAME.key_secret")->required();
    app.add_option("--dir", o.dir, "Folder to write them to");
}

int keygen_command(const KeygenOptions& o) {
    const daq::CurveKeys keys = daq::write_certificates(o.dir, o.name);
    std::printf("keygen: %s/%s.key (public %s) and %s/%s.key_secret\n", o.dir.c_str(), o.name.c_str(),
                keys.public_key.c_str(), o.dir.c_str(), o.name.c_str());
    return kExitPassed;
}

}  // namespace bmshil::rig::cli
