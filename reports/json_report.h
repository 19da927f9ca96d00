// The suite's result as JSON: the machine-readable record of a run, which
// forked children hand back to their parent and an interrupted run resumes
// from, so reading it back gives exactly what was written.
#pragma once

#include <stdexcept>
#include <string>

#include "verdict.h"

namespace bmshil::reports {

// A result file that cannot be read back; the message starts with the file's
// path and says where in it the problem is.
class ResultFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Version of the layout below; read_json refuses other versions.
inline constexpr int result_format_version = 4;  // 4: a finding's times, an item's wall_s

// Keys sorted (nlohmann::json's objects are ordered maps), 2-space indent,
// trailing newline. Top level: format_version, firmware, firmware_file, board
// (backend, board, firmware, daq, calibration: the board's identity), seed,
// passed, counts, coverage (the lists, the reasons, and *_count of each list
// plus parameter_count and switch_count), scenarios (every field of
// ScenarioResult with its findings and safety findings; status as
// to_string()). Doubles are printed shortest round-trip; NaN and infinities,
// which JSON has no number for, as the strings "NaN", "Infinity", "-Infinity".
// Invalid UTF-8 in strings is written as U+FFFD rather than failing the run.
std::string result_json(const rig::SuiteResult& result);

// Writes result_json(result) to path (atomically, so a reader never sees half
// a file). Throws std::runtime_error naming the path if it cannot.
void write_json(const rig::SuiteResult& result, const std::string& path);

// Reads a file written by write_json. The derived fields (passed, counts,
// *_count) are not read: they follow from the rest. Throws ResultFileError.
rig::SuiteResult read_json(const std::string& path);

// As read_json, from text; `name` is what error messages call the source.
rig::SuiteResult parse_result_json(const std::string& text, const std::string& name);

}  // namespace bmshil::reports
