// bmshil as a user runs it: what each kind of bad input exits with and says,
// found before anything runs (README, "Exit codes": 0 passed, 1 a finding
// against the firmware, 2 bad input, 3 infrastructure, 130 interrupted).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>


namespace {

const std::string kDir = std::string(BMSHIL_BINARY_DIR) + "/main_test";

struct Outcome {
    int rc = -1;
    std::string output;  // stdout and stderr
};

Outcome bmshil(const std::string& args) {
    const std::string cmd = std::string(BMSHIL_BINARY_DIR) + "/bin/bmshil " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    Outcome o;
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) o.output.append(buf, n);
    const int status = pclose(p);
    o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return o;
}

std::string file(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(kDir);
    const std::string path = kDir + "/" + name;
    std::ofstream(path) << text;
    return path;
}

// The bundled map with the bit of #1 taken out of its alarm word.
std::string map_without_the_bit_of_parameter_1() {
    std::ifstream in(std::string(BMSHIL_SOURCE_DIR) + "/firmware_under_test/register_map.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string bit = "{\"bit\": 0, \"name\": \"cell_high_voltage_alarm\", \"parameter\": 1, \"switch\": 9}, ";
    const auto at = text.find(bit);
    if (at != std::string::npos) text.erase(at, bit.size());
    return text;
}

struct Case {
    std::string what, args;
    int rc;
    std::string says;
};

TEST(Main, BadInputIsExit2WithTheFileLineAndValue) {
    const std::string one_wait = "name: t\nsteps:\n  - wait: 1 s\n";
    const std::vector<Case> cases{
        {"a negative seed", "params --random --seed -1", 2, "--seed: '-1': give a whole number 0 or above, without a sign"},
        {"NaN as the hang guard", "suite --timeout-s nan", 2, "--timeout-s: 'nan' is not a finite number"},
        {"inf as the hang guard", "suite --timeout-s inf", 2, "--timeout-s: 'inf' is not a finite number"},
        {"NaN as a C-rate", "pack-discharge --c-rate nan", 2, "--c-rate: 'nan' is not a finite number"},
        {"NaN as a temperature", "cell-sim --profile " + file("p.csv", "0,1\n1,1\n") + " --temp-degC nan", 2,
         "--temp-degC: 'nan' is not a finite number"},
        {"NaN in a profile", "cell-sim --profile " + file("nan.csv", "time_s,current_A\n0,1\n1,nan\n") + " --out " + kDir + "/o.csv", 2,
         "nan.csv:3: expected 'time_s,current_A' as two finite numbers, got '1,nan'"},
        {"an unknown option", "suite --nonsense", 2, "--nonsense"},
        {"a key given twice", "run " + file("dup.yaml", "name: a\nname: b\nsteps:\n  - wait: 1 s\n"), 2,
         "dup.yaml:2: key 'name' given twice in one map (first at line 1)"},
        {"a duration past what the kernel simulates", "run " + file("long.yaml", "name: t\nsteps:\n  - wait: 365 d\n"), 2,
         "long.yaml:3: wait"},
        {"a guard of 0 s", "run " + file("t0.yaml", "name: t\ntimeout: 0 s\nsteps:\n  - wait: 1 s\n"), 2,
         "t0.yaml:2: timeout: a wall-clock guard of 0 s would stop every run"},
        {"a fractional count", "run " + file("frac.yaml", "name: t\nsteps:\n  - repeat: {times: 2.9, steps: [{wait: 1 s}]}\n"), 2,
         "frac.yaml:3: times: expected a whole number, got 2.9"},
        {"an unknown signal", "run " + file("sig.yaml", "name: t\nsteps:\n  - expect: {condition: \"nonsense_V > 3\", within: [0 s, 1 s]}\n"),
         2, "sig.yaml:3: the condition 'nonsense_V > 3': unknown signal 'nonsense_V'"},
        {"an unknown bit", "run " + file("bit.yaml", "name: t\nsteps:\n  - expect: {condition: \"bit:alarm_bits.x == 1\", within: [0 s, 1 s]}\n"),
         2, "bit.yaml:3: the condition 'bit:alarm_bits.x == 1' reads bit 'x' of alarm_bits"},
        {"a parameter key twice", "suite --params " + file("dup_params.yaml", "parameters:\n  5: 3.6\n  5: 3.7\n"), 2,
         "dup_params.yaml:3: key '5' given twice"},
        {"an output that cannot be written", "run " + file("ok.yaml", one_wait) + " --json /proc/no/such/r.json", 2,
         "cannot write /proc/no/such/r.json"},
        {"a register map without a flag the checks read",
         "suite --register-map " + file("map.json", map_without_the_bit_of_parameter_1()), 2,
         "no bit reports parameter #1 (Single Cell High Voltage Alarm)"},
        {"a key that is not a word (found by the fuzz target)",
         "run " + file("key.yaml", "name: t\nsteps:\n  - expect: {condition: \"charge_fet == on\", within:,[s0 1 s]}\n"), 2,
         "key.yaml:3: expect: a key must be a plain word"},
        {"a write outside its parameter's range",
         "run " + file("range.yaml", "name: t\nsteps:\n  - write: {register: single_cell_overvoltage_protection, value: 9 V}\n"), 2,
         "range.yaml:3: write single_cell_overvoltage_protection = 9 V: outside #5's range 2..3.9 V"},
        {"settings that break a rule with the parameters in force",
         "run " + file("rules.yaml", "name: t\nsettings:\n  single_cell_overvoltage_recovery: p5 + 10 mV\nsteps:\n  - wait: 1 s\n"),
         2, "rules.yaml:3: parameter #6 single_cell_overvoltage_recovery = 3.66 V"},
        {"a parameter the manual does not have",
         "run " + file("p99.yaml", "name: t\nsteps:\n  - wait: p99 + 1 s\n"), 2, "p99.yaml:3: wait"},
        {"a scenario given twice", "run " + file("twice.yaml", one_wait) + " " + kDir + "/twice.yaml", 2,
         "is given twice"},
    };
    for (const Case& c : cases) {
        const Outcome o = bmshil(c.args);
        EXPECT_EQ(o.rc, c.rc) << c.what << ": " << o.output;
        EXPECT_NE(o.output.find(c.says), std::string::npos) << c.what << ": " << o.output;
        EXPECT_EQ(o.output.find("passed"), std::string::npos) << c.what << ": nothing may run: " << o.output;
    }
}

TEST(Main, AScenarioFromAPipeIsReadOnce) {
    const std::string path = file("piped.yaml", "name: piped\nsteps:\n  - wait: 1 s\n");
    // popen's /bin/sh has no <(...): bash runs bmshil.
    const std::string cmd = "bash -c 'exec " + std::string(BMSHIL_BINARY_DIR) + "/bin/bmshil run <(cat " + path +
                            ") --results-dir " + kDir + "/pipe' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = pclose(p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    EXPECT_NE(out.find("1 passed"), std::string::npos) << out;
}

TEST(Main, ExitCodesOfARun) {
    const std::string ok = file("pass.yaml", "name: t\nsteps:\n  - wait: 1 s\n  - expect: {condition: \"charge_fet == on\", within: [0 s, 0.1 s]}\n");
    const std::string bad = file("fail.yaml", "name: t\nsteps:\n  - wait: 1 s\n  - expect: {condition: \"charge_fet == off\", within: [0 s, 0.1 s]}\n");
    EXPECT_EQ(bmshil("run " + ok + " --results-dir " + kDir + "/r1").rc, 0);
    EXPECT_EQ(bmshil("run " + bad + " --results-dir " + kDir + "/r2").rc, 1);
    const Outcome load = bmshil("run " + ok + " --results-dir " + kDir + "/r3 --firmware " BMSHIL_CRASH_ON_LOAD_FIRMWARE);
    EXPECT_EQ(load.rc, 1) << load.output;
    EXPECT_NE(load.output.find("loading it killed the process with signal 11"), std::string::npos) << load.output;
    EXPECT_NE(load.output.find("nothing ran"), std::string::npos) << load.output;
}

}  // namespace
