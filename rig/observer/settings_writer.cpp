#include "settings_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "oracle/format.h"
#include "oracle/parameter_rules.h"

namespace bmshil::rig {
namespace {

using oracle::fmt;

// Function 16 carries at most 123 registers (Modbus application protocol 6.12).
constexpr int kMaxBlockWords = 123;

struct Pending {
    int number;
    const Register* reg;
    double value;
};

std::string describe(const oracle::ParameterSet& set, const Pending& p) {
    const oracle::Parameter& par = set.spec().parameter(p.number);
    return set.origin_of_parameter(p.number).where() + "parameter #" + std::to_string(p.number) + " " + par.key +
           " = " + fmt(p.value) + " " + par.unit;
}

// Contiguous spans of writable parameter registers covering the pending
// writes, gaps filled with what the board holds now.
bool write_as_blocks(ModbusObserver& obs, const std::vector<Pending>& pending, int* transactions) {
    std::map<int, std::uint16_t> words;  // address -> word to send
    for (const Pending& p : pending) {
        const std::vector<std::uint16_t> w = obs.encode(*p.reg, p.value);
        for (std::size_t k = 0; k < w.size(); ++k) words[p.reg->address + static_cast<int>(k)] = w[k];
    }
    // Fill the gaps between pending registers with the board's current words,
    // as long as the gap is made of writable parameter registers.
    std::vector<std::pair<int, std::vector<std::uint16_t>>> blocks;
    for (auto it = words.begin(); it != words.end();) {
        int start = it->first, end = it->first;  // [start, end]
        auto next = std::next(it);
        while (next != words.end()) {
            bool fillable = next->first - start < kMaxBlockWords;
            for (int a = end + 1; fillable && a < next->first; ++a) {
                const Register* r = obs.map().at_address(a);
                fillable = r != nullptr && r->writable && r->parameter != 0;
            }
            if (!fillable) break;
            end = next->first;
            ++next;
        }
        std::vector<std::uint16_t> block(static_cast<std::size_t>(end - start + 1));
        const std::vector<std::uint16_t> now = obs.read_holding(start, end - start + 1);
        ++*transactions;
        for (int a = start; a <= end; ++a) {
            const auto w = words.find(a);
            block[static_cast<std::size_t>(a - start)] = w != words.end() ? w->second : now[static_cast<std::size_t>(a - start)];
        }
        blocks.emplace_back(start, std::move(block));
        it = next;
    }
    for (const auto& [address, block] : blocks) {
        try {
            obs.write_registers(address, block);
            ++*transactions;
        } catch (const ModbusError& e) {
            if (e.exception_code() == 0) throw;  // no answer: not the set's fault
            return false;
        }
    }
    return true;
}

}  // namespace

std::string modbus_exception_name(int code) {
    switch (code) {
        case 1: return "Modbus exception 1, illegal function";
        case 2: return "Modbus exception 2, illegal data address";
        case 3: return "Modbus exception 3, illegal data value";
        case 4: return "Modbus exception 4, slave device failure";
        case 6: return "Modbus exception 6, slave device busy";
        default: return "Modbus exception " + std::to_string(code);
    }
}

int write_settings(ModbusObserver& obs, const oracle::ParameterSet& set) {
    int transactions = 0;
    std::vector<Pending> pending;
    for (const auto& [n, origin] : set.overridden_parameters()) {
        const Register* reg = obs.map().parameter(n);
        if (reg == nullptr)
            throw SettingsError(origin.where() + "parameter #" + std::to_string(n) + ": the register map (" +
                                obs.map().path() + ") has no register for it");
        pending.push_back({n, reg, set[n]});
        // A value the firmware's register cannot hold is refused here, by name.
        try {
            obs.encode(*reg, set[n]);
        } catch (const std::out_of_range&) {
            const double lo = reg->is_signed ? -std::ldexp(1.0, 16 * reg->words - 1) : 0.0;
            const double hi = (reg->is_signed ? std::ldexp(1.0, 16 * reg->words - 1) : std::ldexp(1.0, 16 * reg->words)) - 1.0;
            throw SettingsError(describe(set, pending.back()) + ": the firmware's register " + reg->name + " holds " +
                                fmt(lo * reg->scale) + ".." + fmt(hi * reg->scale) + " " + reg->unit + " (register map " +
                                obs.map().path() + ")");
        }
    }
    if (!pending.empty() && !write_as_blocks(obs, pending, &transactions)) {
        // The firmware refused the block. One at a time, each step a valid set
        // by the manual's rules, so the refusal names its parameter.
        oracle::ParameterSet now(set.spec());
        std::vector<Pending> left = pending;
        while (!left.empty()) {
            std::size_t pick = 0;
            for (std::size_t k = 0; k < left.size(); ++k) {
                oracle::ParameterSet trial = now;
                trial.set(left[k].number, left[k].value);
                if (oracle::check_rules(trial).empty()) {
                    pick = k;
                    break;
                }
            }
            const Pending p = left[pick];
            left.erase(left.begin() + static_cast<std::ptrdiff_t>(pick));
            try {
                obs.write(p.reg->name, p.value);
                ++transactions;
            } catch (const ModbusError& e) {
                throw SettingsError(describe(set, p) + ": the firmware refused the write to register " + p.reg->name +
                                    " (" + modbus_exception_name(e.exception_code()) + ")");
            }
            now.set(p.number, p.value);
        }
    }
    for (const auto& [n, origin] : set.overridden_switches()) {
        const Register* reg = obs.map().switch_register(n);
        if (reg == nullptr)
            throw SettingsError(origin.where() + "switch " + std::to_string(n) + ": the register map (" +
                                obs.map().path() + ") has no register for it");
        try {
            obs.write(reg->name, set.switch_on(n) ? 1.0 : 0.0);
            ++transactions;
        } catch (const ModbusError& e) {
            throw SettingsError(origin.where() + "switch " + std::to_string(n) + " " + set.spec().switch_(n).key + " = " +
                                (set.switch_on(n) ? "on" : "off") + ": the firmware refused the write (" +
                                modbus_exception_name(e.exception_code()) + ")");
        }
    }
    return transactions;
}

}  // namespace bmshil::rig
