// Numbers as text for reports: locale-independent (std::to_chars never looks at
// LC_NUMERIC, unlike printf), so the same result always gives the same bytes.
#pragma once

#include <cstdint>
#include <string>

namespace bmshil::reports {

// Like printf's "%.<significant>g": 3.65, 0.00015, 1e+06; nan, inf, -inf.
std::string format_general(double value, int significant);

// Like printf's "%.<decimals>f": 12.500000. No exponent, which is what
// xs:decimal (JUnit's time attribute) accepts.
std::string format_fixed(double value, int decimals);

std::string format_unsigned(std::uint64_t value);

// The value rounded to `significant` digits, as a number (for compact JSON:
// a plot needs no more than a pixel's worth). 0, NaN and infinities as they are.
double round_significant(double value, int significant);

}  // namespace bmshil::reports
