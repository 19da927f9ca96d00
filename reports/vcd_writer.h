// Waveforms of a scenario as a Value Change Dump (IEEE 1364-2005, clause 18),
// which GTKWave and every HDL waveform viewer open.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace bmshil::reports {

// Usage: declare variables, optionally give initial values, begin(), then
// time(t) / change_*() as the run proceeds, close().
//
// Only changes are written: a value equal to the one last written for that
// variable (compared as printed) writes nothing, and "#t" appears only when
// something changes at t. close() writes the final time once, so a viewer
// shows the run up to its end and not only up to the last change.
class VcdWriter {
public:
    // timescale: "1 us", "10 ns", "100ms", ... (1, 10 or 100 of s, ms, us,
    // ns, ps, fs). Throws std::invalid_argument for others and
    // std::runtime_error naming the path if the file cannot be created.
    explicit VcdWriter(const std::string& path, std::string timescale = "1 us");
    ~VcdWriter();  // closes if close() was not called
    VcdWriter(const VcdWriter&) = delete;
    VcdWriter& operator=(const VcdWriter&) = delete;

    // Declare a variable before begin(). scope: dot-separated modules
    // ("pack.cell01" is module cell01 inside module pack), not empty; name
    // without whitespace, unique in its scope. Returns the variable's id.
    int add_real(const std::string& scope, const std::string& name);
    int add_wire(const std::string& scope, const std::string& name, int width = 1);  // width 1..64

    // Writes the header and $dumpvars with the current values: those given
    // before begin(), else 0 for reals and x for wires. Only once.
    void begin();

    // New value of a variable; before begin() it sets the initial value.
    // change_wire throws std::out_of_range if value does not fit the width.
    void change_real(int id, double value);
    void change_wire(int id, std::uint64_t value);

    // The current time in timescale units; never earlier than the last one
    // (std::logic_error otherwise).
    void time(std::uint64_t t);

    // Writes the final time, flushes and closes; throws std::runtime_error if
    // writing failed. Begins first if begin() was not called. Later calls to
    // anything but close() throw std::logic_error.
    void close();

    // The VCD identifier code of the variable with this id: '!'..'~' for the
    // first 94, then two characters, and so on (bijective base 94).
    static std::string identifier_code(int id);

private:
    struct Variable {
        std::string scope;
        std::string name;
        int width;          // 0 for a real
        std::string code;   // VCD identifier code
        std::string value;  // as last written (or to be dumped): "r3.3", "b101", "1", ...
    };
    int add(const std::string& scope, const std::string& name, int width);
    Variable& variable(int id, bool real);
    void set(Variable& v, std::string value);
    void write_value(const Variable& v);
    void write_scopes();
    void require_open(const char* what) const;

    std::string path_;
    std::string timescale_;
    std::ofstream out_;
    std::vector<Variable> variables_;
    bool begun_ = false;
    bool closed_ = false;
    std::uint64_t time_ = 0;          // current time
    std::uint64_t written_time_ = 0;  // time of the last "#t" in the file
};

}  // namespace bmshil::reports
