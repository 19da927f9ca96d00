// One line of text per finding, the same in the JUnit failure message, its
// system-out and anything else that prints findings for a person.
#pragma once

#include <string>

#include "verdict.h"

namespace bmshil::reports {

// "3.65 V": a value with six significant digits and its unit ("" for none).
std::string quantity(double v, const std::string& unit);

// "p005.trip_value (parameter 5): configured 3.65 V, measured 3.72 V,
//  tolerance 0.01 V: cell 3 tripped 70 mV late"
// Always one line (line breaks in the parts become spaces); numbers as %.6g.
std::string finding_line(const rig::Finding& f);

// "cell_over_voltage, cell 3: from 12.5 s to 13.25 s, worst 3.71"
// or "... from 12.5 s to the end, worst 3.71" when still open at the end.
std::string safety_line(const rig::SafetyFinding& s);

}  // namespace bmshil::reports
