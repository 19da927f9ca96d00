// VCD writer: the exact file for a small waveform, and a tiny VCD parser that
// reads the output back (header, scopes, identifiers, value changes) the way
// a viewer would.
#include "vcd_writer.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "report_test_support.h"

namespace bmshil::reports {
namespace {

using test::read_text;
using test::scratch_path;

// What a viewer sees in a VCD file.
struct ParsedVcd {
    std::string version;
    std::string timescale;
    std::map<std::string, std::string> code_of;            // "pack.cell01.voltage_V" -> "!"
    std::map<std::string, std::pair<std::string, int>> var_of;  // code -> (type, size)
    std::vector<std::uint64_t> times;                      // every "#t", in order
    struct Change {
        std::uint64_t time;
        std::string code;
        std::string value;  // "r3.3", "b101", "1", ...
    };
    std::vector<Change> initial;  // $dumpvars
    std::vector<Change> changes;  // after $dumpvars

    // The value of a variable at time t, from the dump and the changes.
    std::string value_at(const std::string& path, std::uint64_t t) const {
        const std::string code = code_of.at(path);
        std::string value;
        for (const auto* list : {&initial, &changes})
            for (const auto& c : *list)
                if (c.code == code && c.time <= t) value = c.value;
        return value;
    }
};

// Reads `$keyword ... $end` sections up to $enddefinitions, then time marks
// and value changes. Throws on anything IEEE 1364 does not allow.
ParsedVcd parse_vcd(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> tokens;
    for (std::string t; in >> t;) tokens.push_back(t);
    std::size_t i = 0;
    const auto next = [&]() -> const std::string& {
        if (i >= tokens.size()) throw std::runtime_error("VCD ends early");
        return tokens[i++];
    };
    const auto until_end = [&]() {
        std::string words;
        for (std::string t = next(); t != "$end"; t = next()) words += (words.empty() ? "" : " ") + t;
        return words;
    };
    ParsedVcd vcd;
    std::vector<std::string> scopes;
    for (bool header = true; header;) {
        const std::string keyword = next();
        if (keyword == "$version") vcd.version = until_end();
        else if (keyword == "$timescale") vcd.timescale = until_end();
        else if (keyword == "$scope") {
            if (next() != "module") throw std::runtime_error("scope is not a module");
            scopes.push_back(next());
            if (next() != "$end") throw std::runtime_error("$scope without $end");
        } else if (keyword == "$upscope") {
            if (scopes.empty()) throw std::runtime_error("$upscope outside a scope");
            scopes.pop_back();
            if (next() != "$end") throw std::runtime_error("$upscope without $end");
        } else if (keyword == "$var") {
            const std::string type = next();
            const int size = std::stoi(next());
            const std::string code = next();
            const std::string name = next();
            if (next() != "$end") throw std::runtime_error("$var without $end");
            if (scopes.empty()) throw std::runtime_error("$var outside a scope");
            std::string path;
            for (const auto& s : scopes) path += s + ".";
            if (!vcd.code_of.emplace(path + name, code).second) throw std::runtime_error("duplicate " + path + name);
            if (!vcd.var_of.emplace(code, std::make_pair(type, size)).second)
                throw std::runtime_error("duplicate identifier code " + code);
        } else if (keyword == "$enddefinitions") {
            if (next() != "$end") throw std::runtime_error("$enddefinitions without $end");
            if (!scopes.empty()) throw std::runtime_error("scope left open");
            header = false;
        } else {
            throw std::runtime_error("unexpected in header: " + keyword);
        }
    }
    std::uint64_t now = 0;
    bool in_dump = false, seen_dump = false;
    while (i < tokens.size()) {
        const std::string t = next();
        ParsedVcd::Change change{now, "", ""};
        if (t[0] == '#') {
            const std::uint64_t time = std::stoull(t.substr(1));
            if (!vcd.times.empty() && time <= vcd.times.back()) throw std::runtime_error("time not increasing: " + t);
            vcd.times.push_back(now = time);
            continue;
        } else if (t == "$dumpvars") {
            if (seen_dump) throw std::runtime_error("second $dumpvars");
            in_dump = seen_dump = true;
            continue;
        } else if (t == "$end" && in_dump) {
            in_dump = false;
            continue;
        } else if (t[0] == 'r' || t[0] == 'b') {
            change.value = t;
            change.code = next();
        } else if (t[0] == '0' || t[0] == '1' || t[0] == 'x' || t[0] == 'z') {
            change.value = t.substr(0, 1);
            change.code = t.substr(1);
        } else {
            throw std::runtime_error("unexpected value change: " + t);
        }
        const auto var = vcd.var_of.find(change.code);
        if (var == vcd.var_of.end()) throw std::runtime_error("undeclared code " + change.code);
        const bool real = var->second.first == "real";
        if (real != (change.value[0] == 'r')) throw std::runtime_error("value of the wrong type for " + change.code);
        if (real) std::stod(change.value.substr(1));  // must be a number
        if (!real && var->second.second == 1 && change.value[0] == 'b') throw std::runtime_error("vector on a scalar");
        if (!real && change.value[0] == 'b' && change.value.size() - 1 > static_cast<std::size_t>(var->second.second))
            throw std::runtime_error("vector wider than its wire: " + change.value);
        (in_dump ? vcd.initial : vcd.changes).push_back(change);
    }
    if (in_dump) throw std::runtime_error("$dumpvars without $end");
    return vcd;
}

TEST(VcdWriter, ExactFile) {
    const std::string path = scratch_path("exact.vcd");
    {
        VcdWriter w(path, "1 us");
        const int voltage = w.add_real("pack.cell01", "voltage_V");
        const int temperature = w.add_real("pack.cell01", "temperature_degC");
        const int current = w.add_real("pack", "current_A");
        const int fet = w.add_wire("board", "charge_fet");
        const int balance = w.add_wire("board", "balance", 16);
        w.change_real(voltage, 3.3);  // initial value
        w.begin();
        w.change_real(voltage, 3.3);  // unchanged: nothing
        w.change_wire(fet, 1);        // at the dump's time: no second "#0"
        w.time(10);
        w.change_real(current, -100.5);
        w.time(20);
        w.change_real(current, -100.5);  // unchanged: no "#20" either
        w.time(30);
        w.change_wire(balance, 5);
        w.change_real(temperature, 25.000000001);  // %.9g
        w.time(40);
        w.close();
    }
    EXPECT_EQ(read_text(path),
              "$version bms-hil $end\n"
              "$timescale 1 us $end\n"
              "$scope module pack $end\n"
              "$var real 64 # current_A $end\n"
              "$scope module cell01 $end\n"
              "$var real 64 ! voltage_V $end\n"
              "$var real 64 \" temperature_degC $end\n"
              "$upscope $end\n"
              "$upscope $end\n"
              "$scope module board $end\n"
              "$var wire 1 $ charge_fet $end\n"
              "$var wire 16 % balance $end\n"
              "$upscope $end\n"
              "$enddefinitions $end\n"
              "#0\n"
              "$dumpvars\n"
              "r3.3 !\n"
              "r0 \"\n"
              "r0 #\n"
              "x$\n"
              "bx %\n"
              "$end\n"
              "1$\n"
              "#10\n"
              "r-100.5 #\n"
              "#30\n"
              "b101 %\n"
              "r25 \"\n"
              "#40\n");
    std::remove(path.c_str());
}

TEST(VcdWriter, ParsesBackWithNestedScopesAndValues) {
    const std::string path = scratch_path("parse.vcd");
    {
        VcdWriter w(path, "10ns");
        std::vector<int> cells;
        for (int c = 1; c <= 16; ++c) {
            const std::string scope = std::string("pack.cell") + (c < 10 ? "0" : "") + std::to_string(c);
            cells.push_back(w.add_real(scope, "voltage_V"));
        }
        const int mode = w.add_wire("board.afe", "mode", 3);
        w.begin();
        for (std::uint64_t t = 0; t < 100; ++t) {
            w.time(t * 1000);
            for (int c = 0; c < 16; ++c) w.change_real(cells[c], 3.2 + 0.001 * static_cast<double>(t / 10) + 0.01 * c);
            w.change_wire(mode, t / 20);
        }
        w.close();
    }
    const ParsedVcd vcd = parse_vcd(read_text(path));
    EXPECT_EQ(vcd.version, "bms-hil");
    EXPECT_EQ(vcd.timescale, "10 ns");
    EXPECT_EQ(vcd.code_of.size(), 17u);
    EXPECT_EQ(vcd.var_of.at(vcd.code_of.at("pack.cell16.voltage_V")), std::make_pair(std::string("real"), 64));
    EXPECT_EQ(vcd.var_of.at(vcd.code_of.at("board.afe.mode")), std::make_pair(std::string("wire"), 3));
    EXPECT_EQ(vcd.value_at("pack.cell01.voltage_V", 0), "r3.2");
    EXPECT_EQ(vcd.value_at("pack.cell16.voltage_V", 95000), "r3.359");
    EXPECT_EQ(vcd.value_at("board.afe.mode", 45000), "b10");
    // The cells change every 10 steps and the mode every 20: only those times appear.
    EXPECT_EQ(vcd.times, (std::vector<std::uint64_t>{0, 10000, 20000, 30000, 40000, 50000, 60000, 70000, 80000,
                                                     90000, 99000}));
    // Begun before the first values: the dump holds r0 and bx, and 10 cell
    // steps (the first at time 0, after the dump) and modes 0..4 follow.
    EXPECT_EQ(vcd.initial.size(), 17u);
    EXPECT_EQ(vcd.changes.size(), 10u * 16u + 5u);
    std::remove(path.c_str());
}

TEST(VcdWriter, IdentifierCodesArePrintableAndUnique) {
    EXPECT_EQ(VcdWriter::identifier_code(0), "!");
    EXPECT_EQ(VcdWriter::identifier_code(93), "~");
    EXPECT_EQ(VcdWriter::identifier_code(94), "!!");
    EXPECT_EQ(VcdWriter::identifier_code(95), "\"!");
    EXPECT_EQ(VcdWriter::identifier_code(94 + 94 * 94 - 1), "~~");
    EXPECT_EQ(VcdWriter::identifier_code(94 + 94 * 94), "!!!");
    std::set<std::string> seen;
    for (int id = 0; id < 20000; ++id) {
        const std::string code = VcdWriter::identifier_code(id);
        for (char c : code) ASSERT_TRUE(c >= '!' && c <= '~') << id;
        ASSERT_TRUE(seen.insert(code).second) << "code " << code << " repeats at " << id;
    }
}

TEST(VcdWriter, ManyVariablesParseBackWithUniqueCodes) {
    const std::string path = scratch_path("many.vcd");
    {
        VcdWriter w(path);
        for (int k = 0; k < 300; ++k) w.add_wire("rig", "s" + std::to_string(k));
        w.begin();
        w.time(1);
        for (int k = 0; k < 300; ++k) w.change_wire(k, static_cast<std::uint64_t>(k % 2));
        w.close();
    }
    const ParsedVcd vcd = parse_vcd(read_text(path));
    ASSERT_EQ(vcd.code_of.size(), 300u);
    EXPECT_EQ(vcd.var_of.size(), 300u);  // parse_vcd also refuses a repeated code
    EXPECT_EQ(vcd.value_at("rig.s299", 1), "1");
    EXPECT_EQ(vcd.value_at("rig.s298", 1), "0");
    EXPECT_EQ(vcd.value_at("rig.s298", 0), "x");
    std::remove(path.c_str());
}

TEST(VcdWriter, SameValueTwiceWritesNothingTheSecondTime) {
    const std::string path = scratch_path("same.vcd");
    {
        VcdWriter w(path);
        const int r = w.add_real("m", "r");
        const int b = w.add_wire("m", "b", 4);
        w.begin();
        w.time(5);
        w.change_real(r, 1.5);
        w.change_wire(b, 9);
        w.time(6);
        w.change_real(r, 1.5);
        w.change_wire(b, 9);
        w.change_real(r, 1.0000000001);  // equal as printed (%.9g): no change in the file
        w.time(7);
        w.change_real(r, std::nan(""));
        w.time(8);
        w.change_real(r, std::nan(""));
    }
    const std::string text = read_text(path);
    const std::string body = text.substr(text.find("$end\n", text.find("$dumpvars")) + 5);
    EXPECT_EQ(body, "#5\nr1.5 !\nb1001 \"\n#6\nr1 !\n#7\nrnan !\n#8\n");
    std::remove(path.c_str());
}

TEST(VcdWriter, TimeGoingBackwardsThrows) {
    const std::string path = scratch_path("back.vcd");
    VcdWriter w(path);
    w.add_real("m", "r");
    w.begin();
    w.time(100);
    w.time(100);  // staying is fine
    EXPECT_THROW(w.time(99), std::logic_error);
    std::remove(path.c_str());
}

TEST(VcdWriter, MisuseThrows) {
    const std::string path = scratch_path("misuse.vcd");
    EXPECT_THROW(VcdWriter(path, "2 us"), std::invalid_argument);
    EXPECT_THROW(VcdWriter(path, "1 min"), std::invalid_argument);
    EXPECT_THROW(VcdWriter("/proc/bmshil_no_such_dir/x.vcd"), std::runtime_error);
    VcdWriter w(path);
    EXPECT_THROW(w.add_real("", "r"), std::invalid_argument);
    EXPECT_THROW(w.add_real("pack..cell", "r"), std::invalid_argument);
    EXPECT_THROW(w.add_real("pack", "two words"), std::invalid_argument);
    EXPECT_THROW(w.add_real("pack", "a.b"), std::invalid_argument);
    EXPECT_THROW(w.add_wire("pack", "w", 0), std::invalid_argument);
    EXPECT_THROW(w.add_wire("pack", "w", 65), std::invalid_argument);
    const int r = w.add_real("pack", "r");
    const int b = w.add_wire("pack", "b", 2);
    EXPECT_THROW(w.add_real("pack", "r"), std::invalid_argument);
    EXPECT_THROW(w.change_wire(r, 1), std::invalid_argument);
    EXPECT_THROW(w.change_real(b, 1.0), std::invalid_argument);
    EXPECT_THROW(w.change_wire(b, 4), std::out_of_range);
    EXPECT_THROW(w.change_real(7, 1.0), std::out_of_range);
    w.begin();
    EXPECT_THROW(w.begin(), std::logic_error);
    EXPECT_THROW(w.add_real("pack", "late"), std::logic_error);
    w.close();
    EXPECT_THROW(w.time(1), std::logic_error);
    EXPECT_THROW(w.change_real(r, 1.0), std::logic_error);
    w.close();  // closing twice is harmless
    std::remove(path.c_str());
}

TEST(VcdWriter, SixtyFourBitWire) {
    const std::string path = scratch_path("wide.vcd");
    {
        VcdWriter w(path);
        const int b = w.add_wire("m", "b", 64);
        w.begin();
        w.time(1);
        w.change_wire(b, ~std::uint64_t{0});
    }
    const ParsedVcd vcd = parse_vcd(read_text(path));
    EXPECT_EQ(vcd.value_at("m.b", 1), "b" + std::string(64, '1'));
    std::remove(path.c_str());
}

TEST(VcdWriter, DestructorWithoutBeginLeavesAValidFile) {
    const std::string path = scratch_path("unbegun.vcd");
    {
        VcdWriter w(path);
        w.add_real("m", "r");
        w.time(3);
    }
    const ParsedVcd vcd = parse_vcd(read_text(path));
    EXPECT_EQ(vcd.times, std::vector<std::uint64_t>{3});
    EXPECT_EQ(vcd.value_at("m.r", 3), "r0");
    std::remove(path.c_str());
}

}  // namespace
}  // namespace bmshil::reports
