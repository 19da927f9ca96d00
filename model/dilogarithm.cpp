#include "dilogarithm.h"

#include <cmath>
#include <limits>

namespace bmshil::model {
namespace {

constexpr double kPi2Over6 = 1.6449340668482264;  // pi^2/6 = Li2(1)

// Li2 for -1 <= x <= 1/2 by the series in y = -ln(1 - x), |y| <= ln 2:
// Li2 = sum_n B_n y^(n+1)/(n+1)! (Bernoulli numbers, B_1 = -1/2). The
// coefficients B_n/(n+1)! of the even n fall by (2 pi)^2 a term; up to n = 22
// the remainder is below 1e-22 of the sum.
double bernoulli_series(double x) {
    const double y = -std::log1p(-x);
    const double y2 = y * y;
    // B_{2k}/(2k+1)! for k = 1..11.
    constexpr double c[] = {0.027777777777777776, -0.00027777777777777778, 4.7241118669690098e-06,
                            -9.1857730746619641e-08, 1.8978869988971001e-09, -4.0647616451442256e-11,
                            8.9216910204564523e-13, -1.9939295860721074e-14, 4.5189800296199183e-16,
                            -1.0356517612181247e-17, 2.395218621026187e-19};
    double p = c[10];
    for (int k = 9; k >= 0; --k) p = c[k] + y2 * p;
    // n = 0 and n = 1 terms: y - y^2/4; the even terms y^(2k+1) c_k.
    return y - 0.25 * y2 + y * y2 * p;
}

}  // namespace

double dilogarithm(double x) {
    if (x > 1.0 || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
    if (x == 1.0) return kPi2Over6;
    if (x < -1.0) {
        // Inversion: Li2(x) = -pi^2/6 - ln^2(-x)/2 - Li2(1/x), 1/x in (-1, 0).
        const double l = std::log(-x);
        return -kPi2Over6 - 0.5 * l * l - bernoulli_series(1.0 / x);
    }
    if (x <= 0.5) return bernoulli_series(x);
    // Reflection: Li2(x) = pi^2/6 - ln(x) ln(1 - x) - Li2(1 - x), 1 - x in [0, 1/2)
    // (exact in floating point for x in (1/2, 1]).
    return kPi2Over6 - std::log(x) * std::log1p(-x) - bernoulli_series(1.0 - x);
}

}  // namespace bmshil::model
