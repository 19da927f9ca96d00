// The uniform-grid lookup the cell tables use on the hot path: exact where the
// source table is linear between grid points, ends held, and the plain
// interpolation on a non-uniform grid it is built from.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "uniform_table.h"

namespace bmshil::model {
namespace {

TEST(UniformTable, LinearSourceIsExactEverywhere) {
    // y = 2.5 x - 1 given on an irregular grid: every resampled point lies on
    // the line, so every lookup in range does too.
    const UniformTable t({0.0, 0.13, 0.5, 0.91, 1.0}, {-1.0, -0.675, 0.25, 1.275, 1.5}, 0.0, 1.0, 2001);
    double worst = 0.0;
    for (int k = 0; k <= 1000; ++k) {
        const double x = k / 1000.0 * 0.999 + 0.0003;
        worst = std::max(worst, std::abs(t(x) - (2.5 * x - 1.0)));
    }
    std::printf("linear source, 1001 lookups: largest error %.2e (limit 1e-12)\n", worst);
    EXPECT_LE(worst, 1e-12);
}

TEST(UniformTable, NodesOnTheGridAreKept) {
    // Nodes on multiples of the grid step (1/2000): the kink survives exactly.
    const UniformTable t({0.0, 0.25, 1.0}, {3.0, 3.2, 3.35}, 0.0, 1.0, 2001);
    EXPECT_NEAR(t(0.25), 3.2, 1e-12);
    EXPECT_NEAR(t(0.125), 3.1, 1e-12);
    EXPECT_NEAR(t(0.625), 3.275, 1e-12);
}

TEST(UniformTable, EndsAreHeld) {
    const UniformTable t({0.0, 1.0}, {2.0, 3.0}, 0.0, 1.0, 11);
    EXPECT_EQ(t(-0.5), 2.0);
    EXPECT_EQ(t(1.5), 3.0);
    EXPECT_EQ(t(0.0), 2.0);
    EXPECT_EQ(t(1.0), 3.0);
}

TEST(UniformTable, CurvedSourceErrorShrinksWithTheGrid) {
    // y = x^2 sampled at 0.1 spacing, then resampled: the lookup follows the
    // piecewise-linear source, whose midpoint error is h^2/4 = 2.5e-3.
    std::vector<double> x, y;
    for (int k = 0; k <= 10; ++k) {
        x.push_back(k / 10.0);
        y.push_back(k * k / 100.0);
    }
    const UniformTable t(x, y, 0.0, 1.0, 2001);
    const double at = 0.55;
    std::printf("x^2 at 0.55: table %.6f, source lerp %.6f, exact %.6f\n", t(at), interpolate(x, y, at), at * at);
    EXPECT_NEAR(t(at), interpolate(x, y, at), 1e-12);
    EXPECT_NEAR(t(at) - at * at, 0.0025, 1e-12);
}

TEST(Interpolate, NonUniformGridAndHeldEnds) {
    const std::vector<double> x{0.0, 0.1, 0.5, 2.0}, y{1.0, 2.0, 0.0, 3.0};
    EXPECT_DOUBLE_EQ(interpolate(x, y, 0.05), 1.5);
    EXPECT_DOUBLE_EQ(interpolate(x, y, 0.3), 1.0);
    EXPECT_DOUBLE_EQ(interpolate(x, y, 1.25), 1.5);
    EXPECT_DOUBLE_EQ(interpolate(x, y, -1.0), 1.0);
    EXPECT_DOUBLE_EQ(interpolate(x, y, 5.0), 3.0);
}

}  // namespace
}  // namespace bmshil::model
