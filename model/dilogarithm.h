// The real dilogarithm Li2(x) = -integral_0^x ln(1 - t)/t dt, for x <= 1 (the
// charge-transfer element's energy integral needs it, see cell.cpp).
#pragma once

namespace bmshil::model {

// Li2(x) for x <= 1, to a few ulp. x > 1 (where Li2 is complex) returns NaN.
double dilogarithm(double x);

}  // namespace bmshil::model
