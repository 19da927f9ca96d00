// The board running its calls ahead of the kernel (Board::run): the firmware
// must see exactly the calls, times and readings it sees with one kernel
// activation per call, through load steps, a short circuit the AFE trips on,
// a run_until that pauses on an output change, and an overcharge.
// The kernel elaborates once per process, so each way runs in a child.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "oracle/stimulus.h"
#include "rig.h"

namespace bmshil::rig {
namespace {

// What one call took in and gave out, as the firmware saw it.
struct CallRecord {
    std::uint64_t now_us;
    std::int32_t cell_tap_uv[BMSHIL_MAX_CELLS];
    std::int32_t pack_terminal_mv;
    std::int32_t shunt_current_ma;
    std::uint32_t ntc_ohm[BMSHIL_NTC_COUNT];
    std::uint8_t afe_sc_tripped, charge_fet_on, discharge_fet_on;
    std::uint16_t balance_mask;
    std::uint64_t next_wake_us;
    double rig_now_s;  // the rig's time seen from inside the call
};

struct RunFigures {
    std::uint64_t calls = 0, activations = 0;
    double cell_high_opened_at_s = 0, short_opened_at_s = 0, overcharge_opened_at_s = 0;
};

model::Load load(const std::string& name, model::LoadKind kind, double value) {
    model::Load l;
    l.name = name;
    l.kind = kind;
    if (kind == model::LoadKind::current) l.current_A = value;
    else l.resistance_ohm = value;
    l.connected = true;
    return l;
}

// The whole course, writing every call's record and the figures to `file`.
void run_course(bool run_ahead, const std::string& file) {
    RigConfig config;
    config.cell_file = std::string(BMSHIL_SOURCE_DIR) + "/model/cell_sets/lfp_100ah_prismatic.yaml";
    config.firmware_library = BMSHIL_FIRMWARE_LIBRARY;
    config.pack.initial_soc = 0.97;
    config.board.run_ahead_of_kernel = run_ahead;
    Rig rig(config);
    std::vector<CallRecord> calls;
    rig.board().set_after_call([&] {
        const bmshil_board_inputs& in = rig.board().inputs();
        const bmshil_board_outputs& out = rig.board().outputs();
        CallRecord r{};
        r.now_us = in.now_us;
        std::memcpy(r.cell_tap_uv, in.cell_tap_uv, sizeof r.cell_tap_uv);
        r.pack_terminal_mv = in.pack_terminal_mv;
        r.shunt_current_ma = in.shunt_current_ma;
        std::memcpy(r.ntc_ohm, in.ntc_ohm, sizeof r.ntc_ohm);
        r.afe_sc_tripped = in.afe_sc_tripped;
        r.charge_fet_on = out.charge_fet_on;
        r.discharge_fet_on = out.discharge_fet_on;
        r.balance_mask = out.balance_mask;
        r.next_wake_us = out.next_wake_us;
        r.rig_now_s = rig.now_s();
        calls.push_back(r);
    });
    RunFigures f;
    rig.run_for(2.0);
    rig.pack().add_load(load("1C", model::LoadKind::current, 100.0));
    rig.inputs_changed();
    rig.run_for(30.0);
    // One cell set over the charge limit, watched as a scenario watches a
    // register: a long stride up to just before the protection's delay, cut
    // short where the board's balancing output changes, then fine steps.
    // A read of the port between runs calls the firmware outside the kernel;
    // its balancing output changes there, and the kernel hears of it first
    // thing in the next run, in the same delta as the board's wake.
    oracle::place_cell_at_voltage(rig.pack(), 3, 3.70);
    rig.inputs_changed();
    rig.board().run_now();
    rig.run_until([&] { return rig.board().outputs().charge_fet_on == 0; }, 0.84, 60.0);
    rig.run_until([&] { return rig.board().outputs().charge_fet_on == 0; }, 0.4, 0.03);
    f.cell_high_opened_at_s = rig.now_s();
    oracle::place_cell_at_voltage(rig.pack(), 3, 3.30);
    rig.inputs_changed();
    rig.run_for(5.0);
    // A hard short: the AFE trips on its own, the firmware follows.
    rig.pack().add_load(load("short", model::LoadKind::resistance, 0.002));
    rig.inputs_changed();
    rig.run_until([&] { return rig.board().outputs().discharge_fet_on == 0; }, 1.0, 0.5);
    f.short_opened_at_s = rig.now_s();
    rig.pack().find_load("short")->connected = false;
    rig.pack().find_load("1C")->connected = false;
    rig.inputs_changed();
    rig.run_for(90.0);
    // An overcharge in long strides, cut short by the output change.
    rig.pack().charger().connected = true;
    rig.pack().charger().voltage_setpoint_V = 60.0;
    rig.pack().charger().current_limit_A = 50.0;
    rig.inputs_changed();
    rig.run_until([&] { return rig.board().outputs().charge_fet_on == 0; }, 3600.0, 60.0);
    f.overcharge_opened_at_s = rig.now_s();
    rig.run_for(10.0);
    f.calls = rig.board().calls();
    f.activations = rig.board().activations();
    std::FILE* out = std::fopen(file.c_str(), "wb");
    std::fwrite(&f, sizeof f, 1, out);
    std::fwrite(calls.data(), sizeof(CallRecord), calls.size(), out);
    std::fclose(out);
}

bool run_in_child(bool run_ahead, const std::string& file, RunFigures& f, std::vector<CallRecord>& calls) {
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        int rc = 0;
        try {
            run_course(run_ahead, file);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "child: %s\n", e.what());
            rc = 1;
        }
        _exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
    std::FILE* in = std::fopen(file.c_str(), "rb");
    if (!in || std::fread(&f, sizeof f, 1, in) != 1) return false;
    CallRecord r;
    while (std::fread(&r, sizeof r, 1, in) == 1) calls.push_back(r);
    std::fclose(in);
    std::remove(file.c_str());
    return true;
}

TEST(Board, CallsAheadOfTheKernelAreTheCallsOfOneActivationEach) {
    const std::string base = ::testing::TempDir() + "board_test_" + std::to_string(getpid());
    RunFigures each{}, ahead{};
    std::vector<CallRecord> each_calls, ahead_calls;
    ASSERT_TRUE(run_in_child(false, base + ".each", each, each_calls));
    ASSERT_TRUE(run_in_child(true, base + ".ahead", ahead, ahead_calls));
    std::printf("one activation per call: %llu calls in %llu activations; ahead of the kernel: %llu calls in %llu "
                "activations (%.1f calls each)\n",
                static_cast<unsigned long long>(each.calls), static_cast<unsigned long long>(each.activations),
                static_cast<unsigned long long>(ahead.calls), static_cast<unsigned long long>(ahead.activations),
                static_cast<double>(ahead.calls) / static_cast<double>(ahead.activations));
    std::printf("charge FET open at %.2f s with cell 4 high; discharge FET open at %.4f s after the short, charge FET open at %.2f s in the overcharge\n",
                ahead.cell_high_opened_at_s, ahead.short_opened_at_s, ahead.overcharge_opened_at_s);

    // The course happened: the short and the overcharge each opened their FET.
    EXPECT_GT(ahead.short_opened_at_s, 37.0);
    EXPECT_LT(ahead.short_opened_at_s, 38.5);
    EXPECT_GT(ahead.overcharge_opened_at_s, ahead.short_opened_at_s + 90.0);

    // The same calls, at the same times, on the same readings, to the bit.
    ASSERT_GT(each_calls.size(), 10000u);
    ASSERT_EQ(each_calls.size(), ahead_calls.size());
    for (std::size_t k = 0; k < each_calls.size(); ++k) {
        ASSERT_EQ(0, std::memcmp(&each_calls[k], &ahead_calls[k], sizeof(CallRecord)))
            << "call " << k << " at " << each_calls[k].now_us << " us (ahead: " << ahead_calls[k].now_us << " us)";
        // Inside a call the rig's time is the call's, whoever is ahead.
        ASSERT_NEAR(ahead_calls[k].rig_now_s, ahead_calls[k].now_us * 1e-6, 0.5e-6);
    }
    EXPECT_EQ(each.cell_high_opened_at_s, ahead.cell_high_opened_at_s);
    EXPECT_EQ(each.short_opened_at_s, ahead.short_opened_at_s);
    EXPECT_EQ(each.overcharge_opened_at_s, ahead.overcharge_opened_at_s);

    // One activation per call one way (all but the call run_now made); the
    // other, many calls per activation.
    EXPECT_EQ(each.activations, each.calls - 1);
    EXPECT_LT(ahead.activations * 10, ahead.calls);
}

}  // namespace
}  // namespace bmshil::rig
