// The real dilogarithm against its defining integral Li2(x) = -int_0^x ln(1-t)/t dt,
// done here by composite Gauss-Legendre quadrature, and against closed forms.
#include "dilogarithm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

namespace bmshil::model {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Nodes and weights of n-point Gauss-Legendre on [-1, 1], by Newton on P_n.
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
    x.assign(n, 0.0);
    w.assign(n, 0.0);
    for (int i = 0; i < n; ++i) {
        double z = std::cos(kPi * (i + 0.75) / (n + 0.5));
        double dp = 0.0;
        for (int it = 0; it < 100; ++it) {
            double p0 = 1.0, p1 = z;
            for (int k = 2; k <= n; ++k) {
                const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
                p0 = p1;
                p1 = p2;
            }
            dp = n * (z * p1 - p0) / (z * z - 1.0);
            const double dz = p1 / dp;
            z -= dz;
            if (std::abs(dz) < 1e-17) break;
        }
        x[i] = z;
        w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
}

// Composite 20-point Gauss-Legendre over `panels` equal panels of [lo, hi].
double integrate(const std::function<double(double)>& f, double lo, double hi, int panels) {
    std::vector<double> x, w;
    gauss_legendre(20, x, w);
    const double h = (hi - lo) / panels;
    double sum = 0.0;
    for (int p = 0; p < panels; ++p) {
        const double mid = lo + (p + 0.5) * h;
        double part = 0.0;
        for (std::size_t j = 0; j < x.size(); ++j) part += w[j] * f(mid + 0.5 * h * x[j]);
        sum += 0.5 * h * part;
    }
    return sum;
}

// -int_0^x ln(1-t)/t dt; for x = 1 (log singularity at t = 1) through
// t = 1 - e^{-s}: int_0^inf s/(e^s - 1) ds.
double li2_by_quadrature(double x) {
    if (x == 1.0) return integrate([](double s) { return s / std::expm1(s); }, 0.0, 45.0, 400);
    return integrate([](double t) { return -std::log1p(-t) / t; }, 0.0, x, 400);
}

TEST(Dilogarithm, MatchesDefiningIntegralAndClosedForms) {
    const double ln2 = std::log(2.0);
    struct Case {
        double x;
        double closed_form;  // NaN where none
    };
    const Case cases[] = {{-1.0, -kPi * kPi / 12.0},
                          {0.5, kPi * kPi / 12.0 - 0.5 * ln2 * ln2},
                          {1.0, kPi * kPi / 6.0},
                          {-5.0, NAN},
                          {0.9, NAN},
                          {1e-10, NAN}};
    for (const Case& c : cases) {
        const double li2 = dilogarithm(c.x);
        const double quad = li2_by_quadrature(c.x);
        const double rel = std::abs(li2 - quad) / std::abs(quad);
        std::printf("Li2(%g) = %.17g, quadrature %.17g, relative difference %.2e (limit 1e-12)", c.x, li2, quad, rel);
        EXPECT_LE(rel, 1e-12) << c.x;
        if (!std::isnan(c.closed_form)) {
            const double rel_closed = std::abs(li2 - c.closed_form) / std::abs(c.closed_form);
            std::printf("; closed form %.17g, relative difference %.2e", c.closed_form, rel_closed);
            EXPECT_LE(rel_closed, 1e-15) << c.x;
        }
        std::printf("\n");
    }
}

TEST(Dilogarithm, ContinuousWhereTheMethodsMeet) {
    // The series, inversion and reflection branches meet at -1 and 1/2.
    for (double x : {-1.0, 0.5}) {
        const double below = dilogarithm(std::nextafter(x, -2.0)), above = dilogarithm(std::nextafter(x, 2.0));
        std::printf("Li2 across %g: %.17g | %.17g\n", x, below, above);
        EXPECT_NEAR(below, above, 1e-15) << x;
    }
    EXPECT_TRUE(std::isnan(dilogarithm(1.5)));
}

}  // namespace
}  // namespace bmshil::model
