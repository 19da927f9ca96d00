#include "serve_command.h"

#include <sched.h>
#include <sys/mman.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>

#include "oracle/spec.h"
#include "suite_commands.h"
#include "validators.h"

namespace bmshil::rig::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void stop_live(int) { g_stop = true; }

}  // namespace

void add_serve_options(CLI::App& app, ServeCommandOptions& o) {
    live::LiveOptions& l = o.live;
    app.add_option("--firmware", l.session.firmware_library, "Firmware shared library (exports bmshil_firmware_get)")
        ->check(CLI::ExistingFile);
    app.add_option("--board", l.session.board_uri, "The board behind the seam: native:LIB, zmq:tcp://HOST:PORT, zmq:ipc://PATH");
    app.add_option("--register-map", l.session.register_map, "The firmware's register map JSON")
        ->check(CLI::ExistingFile);
    app.add_option("--params", o.params_file, "Parameter file: the set in force, written over the port at start")
        ->check(CLI::ExistingFile);
    app.add_option("--seed", l.session.seed, "Seed of the pack's spread and the sensors' noise");
    app.add_option("--soc", l.session.soc, "State of charge at start, 0..1")->check(CLI::Range(0.0, 1.0));
    app.add_option("--speed", l.speed, "Simulated seconds per wall second (1: real time)")
        ->check(CLI::Range(1e-3, 1e6));
    app.add_option("--baud", l.serial.baud, "The RS485 line's baud rate")->check(CLI::Range(300, 921600));
    app.add_option("--parity", o.parity, "N, E or O")->check(CLI::IsMember({"N", "E", "O"}));
    app.add_option("--stop-bits", l.serial.stop_bits, "1 or 2")->check(CLI::IsMember({1, 2}));
    app.add_option("--pty-link", l.pty_link, "Also name the pseudo-terminal by this symbolic link");
    app.add_option("--tcp-host", l.tcp_host, "Address of the raw-RTU TCP socket (loopback by default)");
    app.add_option("--tcp-port", l.tcp_port, "Its port (0: one the system picks)")->check(CLI::Range(0, 65535));
    app.add_flag("--no-tcp", o.no_tcp, "No TCP socket");
    app.add_option("--control", l.control,
                   "ZeroMQ endpoint of the control channel (REP; loopback by default; \"none\": no channel)");
    app.add_option("--scenario", l.scenario_file, "A scenario played live from the start; serving goes on after it")
        ->check(CLI::ExistingFile);
    app.add_option("--for", l.run_for_s, "Stop after this many simulated seconds (default: until Ctrl-C)")
        ->check(CLI::Range(0.0, 1e9));
    app.add_flag("--quiet", o.quiet, "No status line");
    app.add_flag("--realtime", o.realtime,
                 "Real-time scheduling (SCHED_FIFO) and locked memory, where permitted: a loaded host wakes the "
                 "pacing late less often");
}

int serve_command(ServeCommandOptions o) {
    live::LiveOptions& l = o.live;
    l.serial.parity = o.parity[0];
    l.tcp = !o.no_tcp;
    l.status_line = !o.quiet;
    if (l.control == "none") l.control.clear();
    if (!o.params_file.empty()) {
        const oracle::Spec spec = oracle::Spec::load(l.session.spec_dir);
        const oracle::ParameterSet set = checked_parameter_file(spec, o.params_file);
        for (const auto& [n, origin] : set.overridden_parameters()) l.session.parameters[n] = set[n];
        for (const auto& [n, origin] : set.overridden_switches()) l.session.switches[n] = set.switch_on(n);
    }
    live::LiveServer server(l);
    if (o.realtime) {
        // A late wake-up is the host's scheduler's, not the model's: at a
        // real-time priority, with no page to fault in, it comes on time.
        sched_param sp{};
        sp.sched_priority = 10;
        if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
            std::printf("serve: --realtime: SCHED_FIFO not permitted (%s); normal priority\n", std::strerror(errno));
        if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
            std::printf("serve: --realtime: memory not locked (%s)\n", std::strerror(errno));
    }
    struct sigaction sa {};
    sa.sa_handler = stop_live;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::printf("serve: pty %s%s\n", server.pty_device().c_str(),
                l.pty_link.empty() ? "" : (" (" + l.pty_link + ")").c_str());
    if (l.tcp) std::printf("serve: tcp %s (raw RTU frames)\n", server.tcp_address().c_str());
    if (!l.control.empty()) std::printf("serve: control %s\n", server.control_endpoint().c_str());
    std::printf("serve: %d baud %d%c%d, speed x%g, slave address 1; Ctrl-C stops\n", l.serial.baud, l.serial.data_bits,
                l.serial.parity, l.serial.stop_bits, l.speed);
    std::fflush(stdout);
    const std::optional<ScenarioResult> played = server.serve(g_stop);
    const live::PacingFigures& f = server.pacing();
    std::printf("serve: %.1f s simulated in %.1f s wall (x%.1f); lateness at worst %.2f ms (at %.3f s), %llu of %llu "
                "slices later than a tick (%llu of them already when the host woke the process, %llu by the "
                "slice's own work); %llu bytes from masters, %llu to them\n",
                f.simulated_s, f.wall_s, f.achieved_speed(), f.worst_lateness_s * 1e3, f.worst_at_s,
                static_cast<unsigned long long>(f.overruns), static_cast<unsigned long long>(f.checks),
                static_cast<unsigned long long>(f.overruns_at_wake),
                static_cast<unsigned long long>(f.overruns - f.overruns_at_wake),
                static_cast<unsigned long long>(server.bytes_from_masters()),
                static_cast<unsigned long long>(server.bytes_to_masters()));
    if (played) {
        std::size_t failed = 0;
        for (const Finding& finding : played->findings)
            if (!finding.passed) {
                ++failed;
                std::printf("serve: scenario finding: %s\n", finding.message.c_str());
            }
        std::printf("serve: scenario %s: %zu findings, %zu failed\n", l.scenario_file.c_str(),
                    played->findings.size(), failed);
        if (failed) return kExitFinding;
    }
    return kExitPassed;
}

}  // namespace bmshil::rig::cli
