#include "register_map.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace bmshil::rig {
namespace {

using nlohmann::json;

// Names where a problem sits, so a user fixes their map without a debugger.
class Where {
public:
    explicit Where(const std::string& path) : path_(path) {}
    void at_register(std::size_t index, const std::string& name) {
        std::ostringstream s;
        s << "register " << index << " (" << (name.empty() ? "unnamed" : name) << ")";
        register_ = s.str();
    }
    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        std::ostringstream s;
        s << "register map " << path_ << ": ";
        if (!register_.empty()) s << register_ << ": ";
        if (!field.empty()) s << "field \"" << field << "\": ";
        s << problem;
        throw RegisterMapError(s.str());
    }

private:
    std::string path_;
    std::string register_;
};

const json& required(const json& object, const char* field, const Where& where) {
    const auto it = object.find(field);
    if (it == object.end()) where.fail(field, "missing");
    return *it;
}

long long integer(const json& value, const std::string& field, long long min, long long max, const Where& where) {
    if (!value.is_number_integer()) where.fail(field, "not an integer: " + value.dump());
    const long long v = value.get<long long>();
    if (v < min || v > max)
        where.fail(field, std::to_string(v) + " outside " + std::to_string(min) + ".." + std::to_string(max));
    return v;
}

std::string text(const json& value, const std::string& field, const Where& where) {
    if (!value.is_string()) where.fail(field, "not a string: " + value.dump());
    return value.get<std::string>();
}

int optional_number(const json& object, const char* field, const Where& where) {
    const auto it = object.find(field);
    if (it == object.end()) return 0;
    return static_cast<int>(integer(*it, field, 1, 65535, where));
}

std::vector<RegisterBit> parse_bits(const json& entry, int words, const Where& where) {
    std::vector<RegisterBit> bits;
    const auto it = entry.find("bits");
    if (it == entry.end()) return bits;
    if (!it->is_array()) where.fail("bits", "not an array");
    for (std::size_t k = 0; k < it->size(); ++k) {
        const json& b = (*it)[k];
        const std::string field = "bits[" + std::to_string(k) + "]";
        if (!b.is_object()) where.fail(field, "not an object");
        RegisterBit bit;
        bit.bit = static_cast<int>(integer(required(b, "bit", where), field + ".bit", 0, 16 * words - 1, where));
        bit.name = text(required(b, "name", where), field + ".name", where);
        bit.parameter = optional_number(b, "parameter", where);
        bit.switch_number = optional_number(b, "switch", where);
        for (const RegisterBit& other : bits)
            if (other.bit == bit.bit) where.fail(field + ".bit", "bit " + std::to_string(bit.bit) + " named twice");
        bits.push_back(bit);
    }
    return bits;
}

Register parse_register(const json& entry, const Where& where) {
    if (!entry.is_object()) where.fail("", "not an object");
    Register r;
    r.name = text(required(entry, "name", where), "name", where);
    if (r.name.empty()) where.fail("name", "empty");
    r.address = static_cast<int>(integer(required(entry, "address", where), "address", 0, 65535, where));
    r.words = static_cast<int>(integer(required(entry, "words", where), "words", 1, 2, where));
    if (r.address + r.words - 1 > 65535) where.fail("words", "runs past address 65535");
    r.group = text(required(entry, "group", where), "group", where);
    r.unit = text(required(entry, "unit", where), "unit", where);
    const json& scale = required(entry, "scale", where);
    if (!scale.is_number()) where.fail("scale", "not a number: " + scale.dump());
    r.scale = scale.get<double>();
    if (!std::isfinite(r.scale) || r.scale <= 0.0) where.fail("scale", "must be a positive number");
    const json& is_signed = required(entry, "signed", where);
    if (!is_signed.is_boolean()) where.fail("signed", "not true/false: " + is_signed.dump());
    r.is_signed = is_signed.get<bool>();
    const std::string access = text(required(entry, "access", where), "access", where);
    if (access != "r" && access != "w" && access != "rw") where.fail("access", "\"" + access + "\" is not r, w or rw");
    r.readable = access.find('r') != std::string::npos;
    r.writable = access.find('w') != std::string::npos;
    r.parameter = optional_number(entry, "parameter", where);
    r.switch_number = optional_number(entry, "switch", where);
    if (const auto it = entry.find("extra_parameter"); it != entry.end())
        r.extra_parameter = text(*it, "extra_parameter", where);
    r.bits = parse_bits(entry, r.words, where);
    return r;
}

// The file-level protocol block is optional (a minimal map is just registers);
// what it does say must be something this observer speaks.
void parse_protocol(const json& root, int& default_address, bool& high_word_first, std::vector<int>& functions,
                    Where& where) {
    const auto it = root.find("protocol");
    if (it == root.end()) return;
    if (!it->is_object()) where.fail("protocol", "not an object");
    if (const auto kind = it->find("kind"); kind != it->end()) {
        const std::string k = text(*kind, "protocol.kind", where);
        if (k != "modbus-rtu") where.fail("protocol.kind", "\"" + k + "\" is not modbus-rtu");
    }
    if (const auto a = it->find("default_address"); a != it->end())
        default_address = static_cast<int>(integer(*a, "protocol.default_address", 1, 247, where));
    // The function codes the board declares (default: the four the observer uses).
    for (const char* key : {"read_functions", "write_functions"}) {
        const auto f = it->find(key);
        if (f == it->end()) continue;
        if (!f->is_array()) where.fail(std::string("protocol.") + key, "not a list of function codes");
        if (functions.size() == 4 && functions == std::vector<int>{3, 4, 6, 16}) functions.clear();
        for (const auto& code : *f)
            functions.push_back(static_cast<int>(integer(code, std::string("protocol.") + key, 1, 127, where)));
    }
    if (const auto order = it->find("word_order"); order != it->end()) {
        const std::string o = text(*order, "protocol.word_order", where);
        if (o == "big-endian")
            high_word_first = true;
        else if (o == "little-endian")
            high_word_first = false;
        else
            where.fail("protocol.word_order", "\"" + o + "\" is not big-endian or little-endian");
    }
}

}  // namespace

RegisterMap RegisterMap::load(const std::string& path) {
    Where where(path);
    std::ifstream in(path);
    if (!in) where.fail("", "cannot open the file");
    json root;
    try {
        root = json::parse(in);
    } catch (const json::parse_error& e) {
        where.fail("", std::string("not valid JSON: ") + e.what());
    }
    if (!root.is_object()) where.fail("", "the top level is not an object");

    RegisterMap map;
    map.path_ = path;
    parse_protocol(root, map.default_address_, map.high_word_first_, map.functions_, where);
    const json& registers = required(root, "registers", where);
    if (!registers.is_array()) where.fail("registers", "not an array");

    for (std::size_t i = 0; i < registers.size(); ++i) {
        const json& entry = registers[i];
        std::string name;
        if (entry.is_object() && entry.contains("name") && entry["name"].is_string()) name = entry["name"];
        where.at_register(i, name);
        Register r = parse_register(entry, where);
        const std::size_t index = map.registers_.size();
        if (!map.by_name_.emplace(r.name, index).second) where.fail("name", "\"" + r.name + "\" is used twice");
        for (int w = 0; w < r.words; ++w) {
            const auto [it, fresh] = map.by_word_.emplace(r.address + w, index);
            if (!fresh)
                where.fail("address", "word " + std::to_string(r.address + w) + " already belongs to " +
                                          map.registers_[it->second].name);
        }
        if (r.parameter && !map.by_parameter_.emplace(r.parameter, index).second)
            where.fail("parameter", "parameter " + std::to_string(r.parameter) + " already belongs to " +
                                        map.registers_[map.by_parameter_[r.parameter]].name);
        if (r.switch_number && !map.by_switch_.emplace(r.switch_number, index).second)
            where.fail("switch", "switch " + std::to_string(r.switch_number) + " already belongs to " +
                                     map.registers_[map.by_switch_[r.switch_number]].name);
        map.registers_.push_back(std::move(r));
    }
    return map;
}

const Register& RegisterMap::by_name(const std::string& name) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) throw std::out_of_range("register map " + path_ + ": no register named \"" + name + "\"");
    return registers_[it->second];
}

const Register* RegisterMap::parameter(int number) const {
    const auto it = by_parameter_.find(number);
    return it == by_parameter_.end() ? nullptr : &registers_[it->second];
}

const Register* RegisterMap::switch_register(int number) const {
    const auto it = by_switch_.find(number);
    return it == by_switch_.end() ? nullptr : &registers_[it->second];
}

std::int64_t signed_raw(const Register& reg, std::uint32_t raw) {
    const int bits = 16 * reg.words;
    std::int64_t value = raw;
    if (reg.is_signed && (raw >> (bits - 1)) & 1u) value -= std::int64_t{1} << bits;
    return value;
}

const Register* RegisterMap::at_address(int address) const {
    const auto it = by_word_.find(address);
    return it == by_word_.end() ? nullptr : &registers_[it->second];
}

}  // namespace bmshil::rig
