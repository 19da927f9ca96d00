// The cell type's tables: the rested OCV and its inverse, for each bundled
// cell set, against the function itself and a plain bisection of it.
#include <gtest/gtest.h>

#include <cstdio>

#include "cell_type.h"
#include "test_support.h"

namespace bmshil::model {
namespace {

// 60 halvings of [-0.2, 1.2]: the root to the last bit, slowly.
double bisected_soc(const CellType& type, double v, double h, double temperature_K) {
    double lo = -0.2, hi = 1.2;
    for (int k = 0; k < 60; ++k) {
        const double mid = 0.5 * (lo + hi);
        (type.rested_ocv_V(mid, h, temperature_K) < v ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

class RestedSocAtV : public ::testing::TestWithParam<const char*> {};

TEST_P(RestedSocAtV, InvertsTheRestedOcvOverTheTableAndItsWalls) {
    const CellType type(load_cell_params(test::cell_set(GetParam())));
    double worst_V = 0.0, worst_soc = 0.0;
    int points = 0;
    for (const double degC : {-20.0, 0.0, 25.0, 45.0})
        for (const double h : {-1.0, 0.0, 1.0}) {
            const double t_K = degC + kKelvinOffset;
            // From below the lower wall's foot to above the table's top, on the walls too.
            for (double soc = -0.1; soc <= 1.1; soc += 0.0007) {
                const double v = type.rested_ocv_V(soc, h, t_K);
                const double found = type.rested_soc_at_V(v, h, t_K);
                ASSERT_NEAR(type.rested_ocv_V(found, h, t_K), v, 1e-12) << degC << " degC, h " << h << ", soc " << soc;
                worst_V = std::max(worst_V, std::abs(type.rested_ocv_V(found, h, t_K) - v));
                // Where the OCV rises, the crossing is one: the bisection's.
                const double bisected = bisected_soc(type, v, h, t_K);
                if (type.rested_ocv_V(soc + 1e-6, h, t_K) > v + 1e-9 && v > type.rested_ocv_V(soc - 1e-6, h, t_K) + 1e-9) {
                    ASSERT_NEAR(found, bisected, 1e-11) << degC << " degC, h " << h << ", soc " << soc;
                    worst_soc = std::max(worst_soc, std::abs(found - bisected));
                }
                ++points;
            }
        }
    std::printf("%s: %d voltages, worst OCV error %.2e V, worst SOC off the bisection's %.2e\n", GetParam(), points,
                worst_V, worst_soc);
    // Beyond where the walls stop (0 V, 5 V), the range's ends.
    EXPECT_EQ(type.rested_soc_at_V(-1.0, 1.0, 298.15), type.rested_soc_at_V(-2.0, 1.0, 298.15));
    EXPECT_NEAR(type.rested_soc_at_V(-1.0, 1.0, 298.15), -0.2, 1e-15);
    EXPECT_NEAR(type.rested_soc_at_V(6.0, 1.0, 298.15), 1.2, 1e-15);
}

INSTANTIATE_TEST_SUITE_P(BundledCells, RestedSocAtV,
                         ::testing::Values("lfp_100ah_prismatic", "lfp_2ah_aboutenergy_18650"));

}  // namespace
}  // namespace bmshil::model
