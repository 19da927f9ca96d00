// The longest a run may simulate. SystemC's clock is a 64-bit count of
// picoseconds: past 2^63 ps (106.75 days) sc_start stops short without a word,
// past 2^64 ps it fails (E544). A run asked for more is an error instead.
// (A header of its own: the scenario parser checks durations without SystemC.)
#pragma once

#include <stdexcept>

namespace bmshil::rig {

constexpr double kMaxSimulated_s = 100.0 * 86400.0;

class SimulatedTimeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace bmshil::rig
