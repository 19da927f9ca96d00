// A parameter file: the settings a user's firmware runs with, as YAML.
//
//   parameters: {5: 3.60, 6: 3.40}    # number: value in the manual's unit
//   switches: {31: on}
//
// Loading checks each entry against spec/ (a known number, a finite number,
// on/off) and remembers its line, so the rules of parameter_rules.h can point
// at it. Writing produces the same format, for `bmshil params`.
#pragma once

#include <string>

#include "spec.h"

namespace bmshil::rig::oracle {

class ParameterFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The manual's defaults overridden by the file (an empty path: the defaults).
ParameterSet load_parameter_file(const Spec& spec, const std::string& path);
ParameterSet parse_parameter_file(const Spec& spec, const std::string& yaml_text, const std::string& file_name);

// Every parameter and switch that differs from the manual's default, with
// each one's name as a comment; `header` goes on top as comment lines.
std::string format_parameter_file(const ParameterSet& set, const std::string& header);

}  // namespace bmshil::rig::oracle
