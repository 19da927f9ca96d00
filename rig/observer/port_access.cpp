#include "port_access.h"

#include <functional>
#include <stdexcept>
#include <string>

#include "settings_writer.h"

namespace bmshil::rig {
namespace {

// One bit of a bit word, chosen by what the register map says of it.
bool read_bit(ModbusObserver& obs, const std::string& word, const std::function<bool(const RegisterBit&)>& which,
              const std::string& what) {
    const Register& reg = obs.map().by_name(word);
    const auto raw = static_cast<std::uint64_t>(obs.read_raw(reg));
    for (const RegisterBit& b : reg.bits)
        if (which(b)) return ((raw >> b.bit) & 1u) != 0;
    throw std::runtime_error("the register map gives " + word + " no bit " + what);
}

}  // namespace

// The port, through a real Modbus master talking to the board.
PortAccess port_for(ModbusObserver& obs) {
    PortAccess port;
    port.read = [&obs](const std::string& name) { return obs.read(name); };
    port.write = [&obs](const std::string& name, double v) { obs.write(name, v); };
    port.flag = [&obs](const std::string& word, int parameter) {
        const auto of_parameter = [&](const RegisterBit& b) { return b.parameter == parameter; };
        if (!word.empty()) return read_bit(obs, word, of_parameter, "for parameter #" + std::to_string(parameter));
        // No word named: the one bit of the whole map that reports the parameter.
        std::string found;
        for (const Register& r : obs.map().all())
            for (const RegisterBit& b : r.bits)
                if (of_parameter(b)) {
                    if (!found.empty() && found != r.name)
                        throw std::runtime_error("the register map (" + obs.map().path() + ") reports parameter #" +
                                                 std::to_string(parameter) + " in both " + found + " and " + r.name);
                    found = r.name;
                }
        if (found.empty())
            throw std::runtime_error("the register map (" + obs.map().path() + ") has no bit for parameter #" +
                                     std::to_string(parameter));
        return read_bit(obs, found, of_parameter, "for parameter #" + std::to_string(parameter));
    };
    port.bit = [&obs](const std::string& word, const std::string& bit) {
        return read_bit(obs, word, [&](const RegisterBit& b) { return b.name == bit; }, "named " + bit);
    };
    port.write_switch = [&obs](int number, bool on) {
        const Register* reg = obs.map().switch_register(number);
        if (reg == nullptr) throw std::runtime_error("the register map has no register for switch " + std::to_string(number));
        obs.write(reg->name, on ? 1.0 : 0.0);
    };
    port.parameter_of = [&obs](const std::string& name) { return obs.map().by_name(name).parameter; };
    port.switch_of = [&obs](const std::string& name) { return obs.map().by_name(name).switch_number; };
    port.unit_of = [&obs](const std::string& name) { return obs.map().by_name(name).unit; };
    port.write_settings = [&obs](const oracle::ParameterSet& set) { write_settings(obs, set); };
    return port;
}

}  // namespace bmshil::rig
