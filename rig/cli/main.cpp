// bmshil: the one command-line tool of bms-hil.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <systemc>

#include "bench.h"
#include "board_commands.h"
#include "compare_command.h"
#include "merge_command.h"
#include "params_command.h"
#include "serve_command.h"
#include "suite_commands.h"
#include "validators.h"
#include "cell_params.h"
#include "cell_profile.h"

namespace {

using bmshil::rig::cli::finite_in;
using bmshil::rig::cli::not_negative;

// The bundled firmware, built beside this executable (build/bin -> build/lib).
std::string default_firmware() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return (exe.parent_path().parent_path() / "lib" / "libbms_firmware.so").string();
}

std::string default_cell_file() {
    return std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml";
}

int cell_sim(const std::string& cell, const std::string& profile, double temp_degC, const std::string& out,
             double initial_soc) {
    const auto params = bmshil::model::load_cell_params(cell);
    const auto points = bmshil::model::load_profile_csv(profile);
    bmshil::model::CellRunOptions options;
    options.ambient_degC = temp_degC;
    options.initial_soc = initial_soc;
    options.stop_below_V = params.voltage_min_V;
    options.stop_above_V = params.voltage_max_V + 0.2;
    const auto samples = bmshil::model::run_cell_profile(params, points, options);
    bmshil::model::write_cell_samples_csv(out, samples);
    double ah = 0.0;
    for (std::size_t i = 1; i < samples.size(); ++i)
        ah += samples[i].current_A * (samples[i].time_s - samples[i - 1].time_s) / 3600.0;
    std::printf("cell-sim: %s, %zu profile points, %zu samples, %.1f s, net charge %.4f Ah, end %.4f V at SOC %.4f -> %s\n",
                params.name.c_str(), points.size(), samples.size(), samples.back().time_s, ah,
                samples.back().voltage_V, samples.back().soc, out.c_str());
    // A lab record with its voltage: how well the cell set follows it.
    if (!std::isnan(points.front().voltage_V)) {
        const auto fit = bmshil::model::compare_voltage(points, samples);
        std::printf("cell-sim: against the measured voltage: RMSE %.1f mV over %zu points (max |error| %.1f mV); "
                    "%.1f mV over the first 95 %% of the measured charge (%zu points); charge moved %.4f Ah simulated, "
                    "%.4f Ah measured (%+.2f %%)\n",
                    fit.rmse_V * 1e3, fit.points, fit.max_abs_V * 1e3, fit.rmse_in_fraction_V * 1e3,
                    fit.points_in_fraction, fit.simulated_Ah, fit.measured_Ah,
                    fit.measured_Ah > 0 ? 100.0 * (fit.simulated_Ah / fit.measured_Ah - 1.0) : 0.0);
    }
    return 0;
}

}  // namespace

// The kernel's banner would precede every command's output; users see it with
// --version instead.
int main(int argc, char* argv[]) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    // sc_stop() at the end of a run is the normal way out, not news.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
    CLI::App app{"bms-hil: hardware-in-the-loop rig and pack simulator for BMS firmware"};
    app.require_subcommand(1);

    auto* sim = app.add_subcommand("cell-sim", "Play a current profile through one cell from full");
    std::string cell_file = default_cell_file(), profile, out = "cell_sim.csv";
    double temp_degC = 25.0, initial_soc = 1.0;
    sim->add_option("--cell", cell_file, "Cell set file (YAML)")->check(CLI::ExistingFile);
    sim->add_option("--profile", profile, "CSV of time_s,current_A (+ = charge)")->required()->check(CLI::ExistingFile);
    sim->add_option("--temp-degC", temp_degC, "Ambient and initial temperature")->check(finite_in(-60.0, 120.0));
    sim->add_option("--initial-soc", initial_soc, "Start SOC (rested)")->check(finite_in(0.0, 1.0));
    sim->add_option("--out", out, "Output CSV: time, current, voltage, SOC, temperature");

    auto* bench = app.add_subcommand("bench", "Simulated time per wall time of the model and kernel");
    bmshil::rig::BenchOptions bench_options;
    bench_options.cell_file = default_cell_file();
    bench_options.firmware_library = default_firmware();
    bench->add_option("--cell", bench_options.cell_file, "Cell set file")->check(CLI::ExistingFile);
    bench->add_option("--seed", bench_options.seed, "Seed of the pack's spread and noise")->check(not_negative());
    bench->add_option("--firmware", bench_options.firmware_library, "Firmware library for cases (d) and (e)");
    bench->add_option("--case", bench_options.cases, "Only these cases (floor, a-g); repeatable or comma-separated")
        ->delimiter(',')
        ->check(CLI::IsMember({"floor", "a", "b", "c", "d", "e", "f", "g"}));

    auto* discharge = app.add_subcommand("pack-discharge", "16S constant-current discharge from full, with a trace");
    bmshil::rig::DischargeOptions discharge_options;
    discharge_options.cell_file = default_cell_file();
    discharge_options.out_csv = "pack_discharge.csv";
    discharge->add_option("--cell", discharge_options.cell_file, "Cell set file")->check(CLI::ExistingFile);
    discharge->add_option("--out", discharge_options.out_csv, "Trace CSV");
    discharge->add_option("--seed", discharge_options.seed, "Seed of the pack's spread and noise")->check(not_negative());
    discharge->add_option("--c-rate", discharge_options.c_rate, "Discharge current in C")->check(finite_in(0.01, 10.0));
    discharge->add_option("--stop-cell-V", discharge_options.stop_cell_V, "Stop when the first cell reaches this")
        ->check(finite_in(1.0, 5.0));
    discharge->add_option("--ambient-degC", discharge_options.ambient_degC, "Ambient temperature")
        ->check(finite_in(-60.0, 120.0));

    bmshil::rig::cli::SuiteCommandOptions suite_options;
    suite_options.firmware = default_firmware();
    suite_options.register_map = std::string(BMSHIL_SOURCE_DIR) + "/firmware_under_test/register_map.json";
    suite_options.cell_file = default_cell_file();
    suite_options.spec_dir = std::string(BMSHIL_SOURCE_DIR) + "/spec";
    suite_options.scenarios_dir = std::string(BMSHIL_SOURCE_DIR) + "/scenarios";
    auto* suite = app.add_subcommand("suite", "The generated checks of every threshold plus the hand-written scenarios");
    bmshil::rig::cli::add_suite_options(*suite, suite_options, false);
    auto* run = app.add_subcommand("run", "Run scenario files");
    bmshil::rig::cli::SuiteCommandOptions run_options = suite_options;
    bmshil::rig::cli::add_suite_options(*run, run_options, true);
    auto* list = app.add_subcommand("list", "List what the suite runs and what it covers");
    bmshil::rig::cli::SuiteCommandOptions list_options = suite_options;
    list->add_option("--filter", list_options.filter, "Only items whose name matches this regex");

    auto* params = app.add_subcommand("params", "Parameter sets from spec/: the separating set, random valid sets; check a file");
    bmshil::rig::cli::ParamsCommandOptions params_options;
    params_options.spec_dir = suite_options.spec_dir;
    bmshil::rig::cli::add_params_options(*params, params_options);

    auto* vboard = app.add_subcommand("virtual-board", "Host a firmware library behind the DAQ protocol (a board for --board zmq:...)");
    bmshil::rig::VirtualBoardOptions vboard_options;
    vboard_options.firmware_library = default_firmware();
    bmshil::rig::cli::add_virtual_board_options(*vboard, vboard_options);
    auto* serve = app.add_subcommand("serve", "The pack and a firmware live, in real time or faster: its RS485 port for real Modbus masters");
    bmshil::rig::cli::ServeCommandOptions serve_options;
    serve_options.live.session.firmware_library = default_firmware();
    serve_options.live.session.register_map = suite_options.register_map;
    serve_options.live.session.cell_file = suite_options.cell_file;
    serve_options.live.session.spec_dir = suite_options.spec_dir;
    bmshil::rig::cli::add_serve_options(*serve, serve_options);
    auto* keygen = app.add_subcommand("keygen", "Write a CURVE certificate pair for a board link");
    bmshil::rig::cli::KeygenOptions keygen_options;
    bmshil::rig::cli::add_keygen_options(*keygen, keygen_options);
    auto* compare = app.add_subcommand("compare", "Compare two JSON results: measured values that moved, verdicts that changed");
    bmshil::rig::cli::CompareCommandOptions compare_options;
    bmshil::rig::cli::add_compare_options(*compare, compare_options);
    auto* merge = app.add_subcommand("merge", "Join the shards of a run (suite --shard K/N): one JSON, JUnit and HTML report");
    bmshil::rig::cli::MergeCommandOptions merge_options;
    merge_options.spec_dir = suite_options.spec_dir;
    bmshil::rig::cli::add_merge_options(*merge, merge_options);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);  // prints the message (or the help)
        return rc == 0 ? 0 : bmshil::rig::cli::kExitBadInput;
    }
    try {
        if (*sim) return cell_sim(cell_file, profile, temp_degC, out, initial_soc);
        if (*bench) return bmshil::rig::run_bench(bench_options);
        if (*discharge) return bmshil::rig::run_pack_discharge(discharge_options);
        if (*suite) return bmshil::rig::cli::run_suite_command(suite_options, true, true);
        if (*run) return bmshil::rig::cli::run_suite_command(run_options, false, false);
        if (*list) return bmshil::rig::cli::list_command(list_options);
        if (*params) return bmshil::rig::cli::params_command(params_options);
        if (*vboard) return bmshil::rig::cli::virtual_board_command(vboard_options);
        if (*serve) return bmshil::rig::cli::serve_command(serve_options);
        if (*keygen) return bmshil::rig::cli::keygen_command(keygen_options);
        if (*compare) return bmshil::rig::cli::compare_command(compare_options);
        if (*merge) return bmshil::rig::cli::merge_command(merge_options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bmshil: error: %s\n", e.what());
        return bmshil::rig::cli::exit_status_of(e);
    }
    return 0;
}
