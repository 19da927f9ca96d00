// A firmware's Modbus register map, loaded from the JSON file the firmware
// ships (for the bundled firmware: firmware_under_test/register_map.json).
// The rig knows registers only through this file, so a user's firmware with
// another map plugs in without rebuilding the rig: nothing here names an
// address of the bundled firmware.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace bmshil::rig {

class RegisterMapError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One named bit of a bit-word register (alarm, protection, fault bits), with
// the parameter and switch that govern it when the map says so.
struct RegisterBit {
    int bit = 0;
    std::string name;
    int parameter = 0;      // 0 = none
    int switch_number = 0;  // 0 = none
};

struct Register;
// A register's raw value (its words joined in the map's word order),
// sign-extended over all its words when the register is signed.
std::int64_t signed_raw(const Register& reg, std::uint32_t raw);

struct Register {
    int address = 0;        // first word's address
    int words = 1;          // 1 or 2; 2-word values in the map's word order
    std::string name;
    std::string group;      // live, history, parameter, switch, extra_parameter, command, ...
    std::string unit;       // of the physical value
    double scale = 1.0;     // physical value = raw x scale
    bool is_signed = false; // raw is two's complement over all its words
    bool readable = true;   // access contains 'r'
    bool writable = false;  // access contains 'w'
    int parameter = 0;      // manual parameter number, 0 = not a parameter
    int switch_number = 0;  // manual switch number, 0 = not a switch
    std::string extra_parameter;    // key of a firmware-specific parameter, empty = none
    std::vector<RegisterBit> bits;  // named bits of a bit word
};

class RegisterMap {
public:
    // Reads and checks a map file; throws RegisterMapError naming the file, the
    // register (index and name) and the field at fault.
    static RegisterMap load(const std::string& path);

    // Throws std::out_of_range for a name the map does not have.
    const Register& by_name(const std::string& name) const;
    // nullptr when no register carries that parameter / switch number.
    const Register* parameter(int number) const;
    const Register* switch_register(int number) const;
    // The register whose words cover `address`, nullptr if none.
    const Register* at_address(int address) const;

    const std::vector<Register>& all() const { return registers_; }
    int default_address() const { return default_address_; }  // the slave address
    // The Modbus function codes the board answers (the map's protocol block).
    const std::vector<int>& functions() const { return functions_; }
    bool high_word_first() const { return high_word_first_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::vector<Register> registers_;  // in file order
    std::map<std::string, std::size_t> by_name_;
    std::map<int, std::size_t> by_parameter_, by_switch_, by_word_;
    int default_address_ = 1;
    std::vector<int> functions_{3, 4, 6, 16};
    bool high_word_first_ = true;
};

}  // namespace bmshil::rig
