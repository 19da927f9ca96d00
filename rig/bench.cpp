#include "bench.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <functional>
#include <vector>
#include <memory>
#include <stdexcept>
#include <systemc>

#include <sys/prctl.h>

#include <atomic>
#include <csignal>

#include "adapters/zmq/zmq_adapter.h"
#include "pack_module.h"
#include "rig.h"
#include "virtual_board/virtual_board.h"

namespace bmshil::rig {
namespace {

using model::PackModule;
using sc_core::sc_time;
using sc_core::SC_SEC;

// A firmware stand-in with the cost profile of a real one's I/O: it reads every
// sensor each call and drives the FETs, then sleeps until its next tick. Like
// the board (Board::run), it makes its next calls inside the same activation
// while nothing else is due in the kernel before them, up to the run's end.
class StubFirmware : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(StubFirmware);
    StubFirmware(const sc_core::sc_module_name& name, PackModule& pack, double period_s, double run_end_s)
        : sc_module(name), pack_(pack), period_(period_s, SC_SEC), run_end_(run_end_s, SC_SEC) {
        SC_METHOD(tick);
    }
    unsigned long long ticks = 0;
    double min_tap_V = 10.0;

private:
    void tick() {
        sc_time t = sc_core::sc_time_stamp();
        for (;;) {
            pack_.sync_to(t);
            pack_.pack().measure(readings_);
            std::int32_t lowest = INT32_MAX;
            for (std::int32_t v : readings_.cell_tap_uV) lowest = std::min(lowest, v);
            min_tap_V = lowest * 1e-6;
            const bool first = ticks == 0;
            if (first) {
                model::PowerStageCommand cmd;
                cmd.charge_fet = cmd.discharge_fet = true;
                pack_.pack().command(cmd);
                pack_.changed_at(t);
            }
            ++ticks;
            const sc_time next = t + period_;
            const sc_time ahead = next - sc_core::sc_time_stamp();
            if (first || next >= run_end_ || ahead >= sc_core::sc_time_to_pending_activity()) {
                next_trigger(ahead);
                return;
            }
            t = next;
        }
    }

    PackModule& pack_;
    sc_time period_, run_end_;
    model::SensorReadings readings_;
};

std::shared_ptr<const model::CellType> load_type(const std::string& file) {
    return std::make_shared<const model::CellType>(model::load_cell_params(file));
}

// Runs fn in a child process and waits; the child's output is the result.
int in_child(const std::function<int()>& fn) {
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int rc = 1;
        try {
            rc = fn();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "error: %s\n", e.what());
        }
        std::fflush(stdout);
        _exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// Runs a measuring case in a child `repeats` times and prints the median of
// the figures the child reports: a 2-core machine shared with other work gives
// the odd slow run, and one run is not a measurement.
double repeated(const char* label, int repeats, const std::function<double()>& fn, double floor_x = 0.0,
                const char* unit = "x real time") {
    std::vector<double> figures;
    for (int r = 0; r < repeats; ++r) {
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
        in_child([&] {
            close(fds[0]);
            const double figure = fn();
            const bool ok = write(fds[1], &figure, sizeof figure) == static_cast<ssize_t>(sizeof figure);
            close(fds[1]);
            return ok ? 0 : 1;
        });
        close(fds[1]);
        double figure = 0.0;
        if (read(fds[0], &figure, sizeof figure) == static_cast<ssize_t>(sizeof figure)) figures.push_back(figure);
        close(fds[0]);
    }
    if (figures.empty()) return 0.0;
    std::sort(figures.begin(), figures.end());
    const double median = figures[figures.size() / 2];
    std::printf("%s: median of %zu runs %.0f %s (runs %.0f-%.0f)", label, figures.size(), median, unit,
                figures.front(), figures.back());
    if (floor_x > 0.0) std::printf(", %.2f of the floor", median / floor_x);
    std::printf("\n");
    return median;
}

double wall_seconds(const std::function<void()>& fn) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The floor: the same 16 cells' equations as case (a), stepped in a plain loop
// every 10 ms with their EMF read after each step (what the loop solution and
// the sensors need), with no kernel, no loop solution and no firmware.
double bench_floor(const BenchOptions& o) {
    model::PackConfig config;
    config.seed = o.seed;
    const model::Pack pack(config, load_type(o.cell_file));
    model::CellBank cells = pack.cells();
    const double current_A = -cells.type().params().capacity_Ah;
    const double dt_s = 0.010;
    const long steps = std::lround(o.discharge_s / dt_s);
    const double wall = wall_seconds([&] {
        for (long s = 0; s < steps; ++s) cells.step(current_A, dt_s);
    });
    const double emf_sum_V = cells.emf_sum_V();
    std::printf("(floor) 16 cells at 1C stepped every 10 ms in a plain loop: %.0f s simulated in %.3f s wall: "
                "%.0fx real time, %.1f ns per tick (pack EMF at the end %.3f V)\n",
                o.discharge_s, wall, o.discharge_s / wall, wall / static_cast<double>(steps) * 1e9, emf_sum_V);
    return o.discharge_s / wall;
}

double bench_discharge(const BenchOptions& o) {
    model::PackConfig config;
    config.seed = o.seed;
    PackModule pack("pack", config, load_type(o.cell_file));
    StubFirmware firmware("firmware", pack, 0.010, o.discharge_s);
    model::Load load;
    load.name = "1C";
    load.kind = model::LoadKind::current;
    load.current_A = pack.pack().cell(0).type().params().capacity_Ah;
    load.connected = true;
    pack.pack().add_load(load);
    const double wall = wall_seconds([&] { sc_core::sc_start(sc_time(o.discharge_s, SC_SEC)); });
    std::printf("(a) 16S at 1C, stub firmware every 10 ms: %.0f s simulated in %.3f s wall: %.0fx real time "
                "(target >= 20000x), %llu firmware calls, %.0f ns per call\n",
                o.discharge_s, wall, o.discharge_s / wall, firmware.ticks, wall / firmware.ticks * 1e9);
    return o.discharge_s / wall;
}

double bench_rest(const BenchOptions& o) {
    model::PackConfig config;
    config.seed = o.seed;
    PackModule pack("pack", config, load_type(o.cell_file));
    // A sleeping BMS wakes once a second to look at its inputs.
    const double sim_s = 48.0 * 3600.0;
    StubFirmware firmware("firmware", pack, 1.0, sim_s);
    const double wall = wall_seconds([&] { sc_core::sc_start(sc_time(sim_s, SC_SEC)); });
    std::printf("(b) 48 h at rest, stub firmware waking every 1 s: %.3f s wall: %.0fx real time "
                "(target >= 1000000x), %llu firmware calls\n",
                wall, sim_s / wall, firmware.ticks);
    return sim_s / wall;
}

class ShortAt : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(ShortAt);
    ShortAt(const sc_core::sc_module_name& name, PackModule& pack, double at_s, double ohm)
        : sc_module(name), pack_(pack), at_s_(at_s), ohm_(ohm) {
        SC_THREAD(run);
    }

private:
    void run() {
        wait(sc_time(at_s_, SC_SEC));
        pack_.sync();
        model::Load s;
        s.name = "short";
        s.kind = model::LoadKind::resistance;
        s.resistance_ohm = ohm_;
        s.connected = true;
        pack_.pack().add_load(s);
        pack_.changed();
    }
    PackModule& pack_;
    double at_s_, ohm_;
};

int bench_short(const BenchOptions& o) {
    model::PackConfig config;
    config.seed = o.seed;
    PackModule pack("pack", config, load_type(o.cell_file));
    model::PowerStageCommand cmd;
    cmd.charge_fet = cmd.discharge_fet = true;
    pack.pack().command(cmd);
    ShortAt short_at("short", pack, 0.005, 0.002);
    const double sim_s = 0.010;
    const double wall = wall_seconds([&] { sc_core::sc_start(sc_time(sim_s, SC_SEC)); });
    pack.sync();
    std::printf("(c) 2 mOhm short at 5 ms, 10 ms simulated: %.6f s wall: %.3fx real time; "
                "trip at %.3f us after the short, %.0f A when the AFE opened the FET\n",
                wall, sim_s / wall, (pack.pack().sc_trip_time_s() - 0.005) * 1e6,
                -pack.pack().sc_trip_current_A());
    return pack.pack().sc_latched() ? 0 : 1;
}

// A 1C constant-current load on the rig's pack, from now on.
void connect_1c_load(Rig& rig) {
    model::Load load;
    load.name = "1C";
    load.kind = model::LoadKind::current;
    load.current_A = rig.pack().cell(0).type().params().capacity_Ah;
    load.connected = true;
    rig.pack().add_load(load);
    rig.inputs_changed();
}

// What one read of the clock costs here: timing the firmware puts two around
// each call, about one of them on the harness's side of the split.
double clock_read_ns() {
    const int reads = 1000000;
    const double wall = wall_seconds([&] {
        for (int k = 0; k < reads; ++k) std::chrono::steady_clock::now();  // a vDSO call: never optimised out
    });
    return wall / reads * 1e9;
}

// The bundled firmware in the loop: how the wall time splits between the
// firmware's own code and the harness (model, kernel, board glue).
// Returns the harness's wall time per firmware call in ns, less the clock
// read that timing the firmware adds to it.
double bench_firmware_discharge(const BenchOptions& o) {
    RigConfig config;
    config.cell_file = o.cell_file;
    config.firmware_library = o.firmware_library;
    config.pack.seed = o.seed;
    config.board.measure_firmware_time = true;
    Rig rig(config);
    connect_1c_load(rig);
    const double clock_ns = clock_read_ns();
    const double sim_s = 1800.0;
    const double wall = wall_seconds([&] { rig.run_for(sim_s); });
    const double fw = rig.board().firmware_wall_s();
    const double calls = static_cast<double>(rig.board().calls());
    const double harness_ns = (wall - fw) / calls * 1e9;
    std::printf("(d) 16S at 1C with the bundled firmware every 10 ms: %.0f s in %.3f s wall: %.0fx real time; "
                "firmware %.3f s, harness %.3f s: %.0f ns per call, %.0f ns without the %.0f ns clock read that "
                "times the firmware (target <= 150 ns), firmware %.0f ns (%llu calls in %llu kernel activations)\n",
                sim_s, wall, sim_s / wall, fw, wall - fw, harness_ns, harness_ns - clock_ns, clock_ns,
                fw / calls * 1e9, static_cast<unsigned long long>(rig.board().calls()),
                static_cast<unsigned long long>(rig.board().activations()));
    return harness_ns - clock_ns;
}

int bench_firmware_standby(const BenchOptions& o) {
    RigConfig config;
    config.cell_file = o.cell_file;
    config.firmware_library = o.firmware_library;
    config.pack.seed = o.seed;
    config.pack.initial_soc = 0.6;
    Rig rig(config);
    const double sim_s = 48.0 * 3600.0 + 60.0;
    const double wall = wall_seconds([&] { rig.run_for(sim_s); });
    std::printf("(e) 48 h standby with the bundled firmware (it sleeps at 48 h): %.3f s wall: %.0fx real time, "
                "%llu firmware calls (target < 10 s)\n",
                wall, sim_s / wall, static_cast<unsigned long long>(rig.board().calls()));
    return 0;
}

// A virtual board in a process of its own at `bind`; returns its pid and the
// address it bound once it serves. It dies with this process.
pid_t start_virtual_board(const std::string& firmware, const std::string& bind, std::string& endpoint) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        static std::atomic<bool> never{false};
        VirtualBoardOptions vo;
        vo.firmware_library = firmware;
        vo.bind = bind;
        VirtualBoard board(vo);
        const std::string at = board.endpoint() + "\n";
        if (write(fds[1], at.data(), at.size()) != static_cast<ssize_t>(at.size())) _exit(1);
        close(fds[1]);
        board.serve(never);
        _exit(0);
    }
    close(fds[1]);
    char buf[512];
    const ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    if (n <= 1) throw std::runtime_error("the virtual board did not start at " + bind);
    endpoint.assign(buf, static_cast<std::size_t>(n - 1));
    return pid;
}

// (f) Lock-step round trips to a virtual board in another process: one STEP
// with a whole set of inputs, one STEP_OK back.
int bench_link_round_trips(const BenchOptions& o, const std::string& bind, const char* label) {
    std::string endpoint;
    const pid_t board = start_virtual_board(o.firmware_library, bind, endpoint);
    ZmqAdapterOptions zo;
    zo.link.endpoint = endpoint;
    ZmqAdapter adapter(zo);
    std::vector<std::uint8_t> storage(4096, 0xFF), tx(1024);
    bmshil_board_storage s{storage.data(), storage.size()};
    adapter.reset(s);
    bmshil_board_inputs in{};
    for (auto& v : in.cell_tap_uv) v = 3300000;
    for (auto& r : in.ntc_ohm) r = 10000;
    in.pack_terminal_mv = 52800;
    bmshil_board_outputs out{};
    const int n = 20000;
    const double wall = wall_seconds([&] {
        for (int i = 0; i < n; ++i) {
            in.now_us = 10000ull * static_cast<std::uint64_t>(i);
            bmshil_board_port port{nullptr, 0, tx.data(), tx.size(), 0};
            adapter.step(in, out, port);
        }
    });
    std::printf("(f) lock-step round trips over %s: %d in %.3f s: %.0f per second, %.1f us each\n", label, n, wall,
                n / wall, wall / n * 1e6);
    kill(board, SIGKILL);
    waitpid(board, nullptr, 0);
    return 0;
}

// (g) Case (d) over the link: the same 30 minutes at 1C with the bundled
// firmware behind `bmshil virtual-board` instead of in-process.
int bench_firmware_discharge_remote(const BenchOptions& o) {
    std::string endpoint;
    const pid_t board = start_virtual_board(o.firmware_library, "ipc:///tmp/bmshil-bench-" + std::to_string(getpid()),
                                            endpoint);
    RigConfig config;
    config.cell_file = o.cell_file;
    config.board_uri = "zmq:" + endpoint;
    config.pack.seed = o.seed;
    Rig rig(config);
    connect_1c_load(rig);
    const double sim_s = 1800.0;
    const double wall = wall_seconds([&] { rig.run_for(sim_s); });
    std::printf("(g) case (d) over zmq lock-step (ipc): %.0f s in %.3f s wall: %.0fx real time (%llu calls in %llu "
                "exchanges, %.1f us per call)\n",
                sim_s, wall, sim_s / wall, static_cast<unsigned long long>(rig.board().calls()),
                static_cast<unsigned long long>(rig.board().exchanges()),
                wall / static_cast<double>(rig.board().calls()) * 1e6);
    kill(board, SIGKILL);
    waitpid(board, nullptr, 0);
    return 0;
}

}  // namespace

int run_bench(const BenchOptions& o) {
    std::printf("bench: cell set %s, seed %llu\n", o.cell_file.c_str(), o.seed);
    const auto wanted = [&](const char* name) {
        return o.cases.empty() || std::find(o.cases.begin(), o.cases.end(), name) != o.cases.end();
    };
    int rc = 0;
    // Every case is also given as a fraction of the floor measured in this run:
    // machines here differ by 2x and more, the ratio much less.
    double floor_x = 0.0;
    if (wanted("floor") || wanted("a") || wanted("b")) floor_x = repeated("(floor)", 5, [&] { return bench_floor(o); });
    if (wanted("a")) repeated("(a)", 5, [&] { return bench_discharge(o); }, floor_x);
    if (wanted("b")) repeated("(b)", 5, [&] { return bench_rest(o); }, floor_x);
    if (wanted("c")) rc |= in_child([&] { return bench_short(o); });
    if (!o.firmware_library.empty()) {
        if (wanted("d")) repeated("(d) harness per call without the timing clock read", 5, [&] { return bench_firmware_discharge(o); }, 0.0, "ns");
        if (wanted("e")) rc |= in_child([&] { return bench_firmware_standby(o); });
        const std::string ipc = "ipc:///tmp/bmshil-bench-link-" + std::to_string(getpid());
        if (wanted("f")) rc |= in_child([&] { return bench_link_round_trips(o, ipc, "ipc"); });
        if (wanted("f")) rc |= in_child([&] { return bench_link_round_trips(o, "tcp://127.0.0.1:*", "tcp loopback"); });
        if (wanted("g")) rc |= in_child([&] { return bench_firmware_discharge_remote(o); });
    }
    return rc;
}

namespace {

class DischargeMonitor : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(DischargeMonitor);
    DischargeMonitor(const sc_core::sc_module_name& name, PackModule& pack, const DischargeOptions& o,
                     std::ofstream& out)
        : sc_module(name), pack_(pack), o_(o), out_(out) {
        SC_METHOD(sample);
    }
    bool stopped = false;
    double delivered_Ah = 0.0;

private:
    void sample() {
        pack_.sync();
        model::Pack& p = pack_.pack();
        const double t = p.time_s();
        delivered_Ah += -p.current_A() * (t - last_s_) / 3600.0;
        last_s_ = t;
        double vmin = 1e9, vmax = -1e9, tmax = -1e9;
        for (std::size_t k = 0; k < p.cell_count(); ++k) {
            vmin = std::min(vmin, p.cell_voltage_V(k));
            vmax = std::max(vmax, p.cell_voltage_V(k));
            tmax = std::max(tmax, p.cell(k).temperature_degC());
        }
        out_ << t << ',' << p.current_A() << ',' << p.terminal_V() << ',' << vmin << ',' << vmax << ',' << tmax;
        for (std::size_t k = 0; k < p.cell_count(); ++k) out_ << ',' << p.cell_voltage_V(k);
        out_ << '\n';
        if (vmin <= o_.stop_cell_V) {
            stopped = true;
            sc_core::sc_stop();
            return;
        }
        // Sample finely as the first cell nears the cut-off.
        const double dt = vmin < o_.stop_cell_V + 0.15 ? 0.1 : o_.sample_s;
        next_trigger(sc_time(dt, SC_SEC));
    }
    PackModule& pack_;
    const DischargeOptions& o_;
    std::ofstream& out_;
    double last_s_ = 0.0;
};

}  // namespace

int run_pack_discharge(const DischargeOptions& o) {
    model::PackConfig config;
    config.seed = o.seed;
    config.ambient_degC = o.ambient_degC;
    config.initial_temperature_degC = o.ambient_degC;
    auto type = load_type(o.cell_file);
    PackModule pack("pack", config, type);
    model::PowerStageCommand cmd;
    cmd.charge_fet = cmd.discharge_fet = true;
    pack.pack().command(cmd);
    model::Load load;
    load.name = "discharge";
    load.kind = model::LoadKind::current;
    load.current_A = o.c_rate * type->params().capacity_Ah;
    load.connected = true;
    pack.pack().add_load(load);

    std::ofstream out(o.out_csv);
    if (!out) throw std::runtime_error(o.out_csv + ": cannot write");
    out << "time_s,current_A,pack_V,cell_min_V,cell_max_V,cell_max_degC";
    for (std::size_t k = 1; k <= pack.pack().cell_count(); ++k) out << ",cell" << k << "_V";
    out << '\n';
    out.precision(8);
    DischargeMonitor monitor("monitor", pack, o, out);
    std::printf("pack-discharge: 16S %s at %.2fC (%.1f A) from full, seed %llu, to the first cell at %.3f V\n",
                type->params().name.c_str(), o.c_rate, load.current_A, o.seed, o.stop_cell_V);
    const double wall = wall_seconds([&] { sc_core::sc_start(sc_time(4.0 * 3600.0 / o.c_rate, SC_SEC)); });
    pack.sync();
    model::Pack& p = pack.pack();
    double vmin = 1e9, vmax = -1e9, tmax = -1e9;
    std::size_t weakest = 0;
    for (std::size_t k = 0; k < p.cell_count(); ++k) {
        const double v = p.cell_voltage_V(k);
        if (v < vmin) { vmin = v; weakest = k; }
        vmax = std::max(vmax, v);
        tmax = std::max(tmax, p.cell(k).temperature_degC());
    }
    std::printf("  duration        %.1f s simulated (%.3f s wall)\n", p.time_s(), wall);
    std::printf("  delivered       %.2f Ah (%.1f %% of rated %.0f Ah)\n", monitor.delivered_Ah,
                100.0 * monitor.delivered_Ah / type->params().capacity_Ah, type->params().capacity_Ah);
    std::printf("  end voltages    pack %.3f V, cells %.3f-%.3f V (first at cut-off: cell %zu)\n", p.terminal_V(),
                vmin, vmax, weakest + 1);
    std::printf("  temperature     max cell %.2f degC (rise %.2f K), power stage %.2f degC\n", tmax,
                tmax - o.ambient_degC, p.power_stage_degC());
    std::printf("  SOA findings    %zu\n", p.soa_violations().size());
    std::printf("  trace           %s\n", o.out_csv.c_str());
    return monitor.stopped ? 0 : 1;
}

}  // namespace bmshil::rig
