#include "vcd_writer.h"

#include <locale>
#include <memory>
#include <stdexcept>

#include "number_format.h"

namespace bmshil::reports {

namespace {

// "1 us" / "10ns" -> "1 us" / "10 ns"; the only forms IEEE 1364 allows.
std::string normalized_timescale(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    const std::string number = text.substr(0, i);
    while (i < text.size() && text[i] == ' ') ++i;
    const std::string unit = text.substr(i);
    const bool number_ok = number == "1" || number == "10" || number == "100";
    const bool unit_ok = unit == "s" || unit == "ms" || unit == "us" || unit == "ns" || unit == "ps" || unit == "fs";
    if (!number_ok || !unit_ok)
        throw std::invalid_argument("VCD timescale \"" + text + "\": expected 1, 10 or 100 and one of s ms us ns ps fs");
    return number + " " + unit;
}

// Printable ASCII without space: what viewers accept as a name unquoted.
// A dot is refused too: viewers read it as a hierarchy separator.
void check_name(const std::string& name, const char* what) {
    if (name.empty()) throw std::invalid_argument(std::string("VCD ") + what + " name is empty");
    for (char c : name)
        if (c <= ' ' || c > '~' || c == '.')
            throw std::invalid_argument(std::string("VCD ") + what + " name \"" + name +
                                        "\": only printable ASCII without spaces or dots");
}

std::vector<std::string> scope_path(const std::string& scope) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = scope.find('.', start);
        parts.push_back(scope.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        check_name(parts.back(), "scope");
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

std::string binary(std::uint64_t value) {
    std::string bits;
    do {
        bits.insert(bits.begin(), static_cast<char>('0' + (value & 1)));
        value >>= 1;
    } while (value != 0);
    return bits;
}

// Scopes in the order they were first declared, each with its variables.
struct ScopeNode {
    std::string name;
    std::vector<int> variables;
    std::vector<std::unique_ptr<ScopeNode>> children;

    ScopeNode& child(const std::string& child_name) {
        for (auto& c : children)
            if (c->name == child_name) return *c;
        children.push_back(std::make_unique<ScopeNode>());
        children.back()->name = child_name;
        return *children.back();
    }
};

}  // namespace

VcdWriter::VcdWriter(const std::string& path, std::string timescale)
    : path_(path), timescale_(normalized_timescale(timescale)), out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw std::runtime_error("cannot write " + path);
    // Widths go through operator<<; the classic locale keeps a global locale
    // with digit grouping out of the file.
    out_.imbue(std::locale::classic());
}

VcdWriter::~VcdWriter() {
    try {
        close();
    } catch (...) {
        // A destructor must not throw; call close() to see the error.
    }
}

std::string VcdWriter::identifier_code(int id) {
    if (id < 0) throw std::out_of_range("VCD variable id " + std::to_string(id));
    constexpr int digits = '~' - '!' + 1;  // 94 printable characters
    std::string code;
    auto n = static_cast<unsigned>(id);
    while (true) {
        code.push_back(static_cast<char>('!' + n % digits));
        n /= digits;
        if (n == 0) return code;
        --n;  // bijective numbering: "!" .. "~", then "!!" .. , so no code repeats
    }
}

void VcdWriter::require_open(const char* what) const {
    if (closed_) throw std::logic_error(std::string("VcdWriter::") + what + " after close() of " + path_);
}

int VcdWriter::add_real(const std::string& scope, const std::string& name) { return add(scope, name, 0); }

int VcdWriter::add_wire(const std::string& scope, const std::string& name, int width) {
    if (width < 1 || width > 64)
        throw std::invalid_argument("VCD wire " + scope + "." + name + ": width " + std::to_string(width) +
                                    " not in 1..64");
    return add(scope, name, width);
}

int VcdWriter::add(const std::string& scope, const std::string& name, int width) {
    require_open("add");
    if (begun_) throw std::logic_error("VCD variable " + scope + "." + name + " declared after begin()");
    scope_path(scope);  // validates
    check_name(name, "variable");
    for (const auto& v : variables_)
        if (v.scope == scope && v.name == name) throw std::invalid_argument("VCD variable " + scope + "." + name + " declared twice");
    const int id = static_cast<int>(variables_.size());
    const std::string initial = width == 0 ? "r0" : width == 1 ? "x" : "bx";
    variables_.push_back({scope, name, width, identifier_code(id), initial});
    return id;
}

VcdWriter::Variable& VcdWriter::variable(int id, bool real) {
    require_open("change");
    if (id < 0 || id >= static_cast<int>(variables_.size()))
        throw std::out_of_range("VCD variable id " + std::to_string(id) + " not declared");
    Variable& v = variables_[static_cast<std::size_t>(id)];
    if ((v.width == 0) != real)
        throw std::invalid_argument("VCD variable " + v.scope + "." + v.name + " is not a " + (real ? "real" : "wire"));
    return v;
}

void VcdWriter::change_real(int id, double value) {
    // Compared as printed: equal text is no change in the file (this also
    // keeps a NaN that stays NaN from being written again each time).
    set(variable(id, true), "r" + format_general(value, 9));
}

void VcdWriter::change_wire(int id, std::uint64_t value) {
    Variable& v = variable(id, false);
    if (v.width < 64 && (value >> v.width) != 0)
        throw std::out_of_range("VCD wire " + v.scope + "." + v.name + ": value " + format_unsigned(value) +
                                " does not fit " + std::to_string(v.width) + " bits");
    set(v, v.width == 1 ? binary(value) : "b" + binary(value));
}

void VcdWriter::set(Variable& v, std::string value) {
    if (value == v.value) return;
    v.value = std::move(value);
    if (!begun_) return;  // the initial value, dumped by begin()
    if (time_ != written_time_) {
        out_ << '#' << format_unsigned(time_) << '\n';
        written_time_ = time_;
    }
    write_value(v);
}

void VcdWriter::write_value(const Variable& v) {
    // Scalars are "1!"; vectors and reals have a space before the code.
    if (v.width == 1) out_ << v.value << v.code << '\n';
    else out_ << v.value << ' ' << v.code << '\n';
}

void VcdWriter::time(std::uint64_t t) {
    require_open("time");
    if (t < time_)
        throw std::logic_error("VCD time going backwards in " + path_ + ": " + format_unsigned(t) + " after " +
                               format_unsigned(time_));
    time_ = t;
}

void VcdWriter::write_scopes() {
    ScopeNode root;
    for (std::size_t i = 0; i < variables_.size(); ++i) {
        ScopeNode* node = &root;
        for (const auto& part : scope_path(variables_[i].scope)) node = &node->child(part);
        node->variables.push_back(static_cast<int>(i));
    }
    const auto write = [this](const ScopeNode& node, const auto& self) -> void {
        out_ << "$scope module " << node.name << " $end\n";
        for (int i : node.variables) {
            const Variable& v = variables_[static_cast<std::size_t>(i)];
            if (v.width == 0) out_ << "$var real 64 " << v.code << ' ' << v.name << " $end\n";
            else out_ << "$var wire " << v.width << ' ' << v.code << ' ' << v.name << " $end\n";
        }
        for (const auto& child : node.children) self(*child, self);
        out_ << "$upscope $end\n";
    };
    for (const auto& top : root.children) write(*top, write);
}

void VcdWriter::begin() {
    require_open("begin");
    if (begun_) throw std::logic_error("VcdWriter::begin() called twice for " + path_);
    begun_ = true;
    // No $date: the same run must give the same file.
    out_ << "$version bms-hil $end\n";
    out_ << "$timescale " << timescale_ << " $end\n";
    write_scopes();
    out_ << "$enddefinitions $end\n";
    out_ << '#' << format_unsigned(time_) << '\n';
    written_time_ = time_;
    out_ << "$dumpvars\n";
    for (const auto& v : variables_) write_value(v);
    out_ << "$end\n";
}

void VcdWriter::close() {
    if (closed_) return;
    if (!begun_) begin();
    if (time_ != written_time_) out_ << '#' << format_unsigned(time_) << '\n';
    closed_ = true;
    out_.close();
    if (!out_) throw std::runtime_error("cannot write " + path_ + ": write failed");
}

}  // namespace bmshil::reports
