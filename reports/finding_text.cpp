#include "finding_text.h"

#include "number_format.h"

namespace bmshil::reports {

namespace {

// Six significant digits: what a person compares at a glance. The JSON result
// keeps the exact values.
std::string number(double v) { return format_general(v, 6); }

// "(parameter 5)", "(switch 12)", "(parameter 5, switch 12)" or "".
std::string reference(const rig::Finding& f) {
    std::string r;
    if (f.parameter != 0) r = "parameter " + std::to_string(f.parameter);
    if (f.switch_number != 0) r += (r.empty() ? "" : ", ") + std::string("switch ") + std::to_string(f.switch_number);
    return r.empty() ? r : " (" + r + ")";
}

// Messages come from the oracle and from scenario files and may hold line
// breaks; a finding must stay one line so that a failure lists one per line.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

}  // namespace

std::string quantity(double v, const std::string& unit) {
    return unit.empty() ? number(v) : number(v) + " " + unit;
}

std::string finding_line(const rig::Finding& f) {
    std::string line = f.check + reference(f) + ": configured " + quantity(f.configured, f.unit) + ", measured " +
                       quantity(f.measured, f.unit) + ", tolerance " + quantity(f.tolerance, f.unit);
    if (!f.message.empty()) line += ": " + f.message;
    return one_line(line);
}

std::string safety_line(const rig::SafetyFinding& s) {
    std::string line = s.kind;
    if (s.cell != 0) line += ", cell " + std::to_string(s.cell);
    line += ": from " + number(s.start_s) + " s to ";
    line += (s.end_s < 0.0) ? std::string("the end") : number(s.end_s) + " s";
    line += ", worst " + number(s.worst);
    return one_line(line);
}

}  // namespace bmshil::reports
