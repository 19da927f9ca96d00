// The separating set and the random sets, generated from spec/ alone.
#include <gtest/gtest.h>

#include "spec_fixture.h"

#include <cmath>
#include <cstdio>

#include "oracle/parameter_rules.h"
#include "oracle/profiles.h"


namespace bmshil::rig::oracle {
namespace {

// Pairs of thresholds on the same kind of value that the manual's defaults
// make equal or nearly so (the coincidences a firmware can hide behind).
struct Coincidence {
    int a, b;
    double scale_b;  // b x scale_b is compared with a
    double apart;    // at least this far apart in the separating set
};
const Coincidence kCoincidences[] = {
    {2, 6, 1.0, 0.015},         // cell recoveries 3.38 V
    {4, 8, 1.0, 0.015},         // cell recoveries 3.10 V
    {7, 17, 1.0 / 16, 0.015},   // 43.2 V = 16 x 2.7 V
    {6, 16, 1.0 / 16, 0.015},   // 54 V / 16 = 3.375 V
    {12, 16, 1.0, 0.24},        // total recoveries 54 V
    {14, 18, 1.0, 0.24},        // total recoveries 48 V
    {26, 34, 1.0, 1.0},         // 50 degC
    {22, 30, 1.0, 1.0},         // 47 degC
    {27, 35, 1.0, 1.0},         // -10 degC
    {31, 35, 1.0, 1.0},         // the alarm equal to its protection
    {48, 50, 1.0, 1.0},         // 85 degC
    {55, 56, -1.0, 2.0},        // 110 A both ways
};

TEST(Profiles, SeparatingSetPullsTheDefaultsCoincidencesApart) {
    const ParameterSet set = separating_set(spec());
    EXPECT_TRUE(check_rules(set).empty());
    for (const Coincidence& c : kCoincidences) {
        const double d = std::abs(set[c.a] - set[c.b] * c.scale_b);
        EXPECT_GE(d, c.apart - 1e-9) << "#" << c.a << " = " << set[c.a] << ", #" << c.b << " = " << set[c.b];
        std::printf("#%d = %g, #%d = %g: %.4g apart\n", c.a, set[c.a], c.b, set[c.b], d);
    }
}

TEST(Profiles, SeparatingSetMovesDelaysCountsAndTemperatures) {
    const ParameterSet set = separating_set(spec());
    for (int n : {58, 65, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 82})
        EXPECT_NE(set[n], spec().parameter(n).default_value) << "#" << n;
    EXPECT_NE(set[67], set[68]) << "the charge and discharge over-current delays, equal at the defaults";
    // Temperatures off whole degrees.
    for (int n = 21; n <= 50; ++n) EXPECT_GT(std::abs(set[n] - std::round(set[n])), 0.05) << "#" << n;
    // The pack's own description is kept.
    for (int n : {59, 60, 66, 83, 84, 85, 86, 87}) EXPECT_EQ(set[n], spec().parameter(n).default_value) << "#" << n;
}

TEST(Profiles, RandomSetsAreValidSeededAndApart) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        const ParameterSet a = random_set(spec(), seed);
        const ParameterSet b = random_set(spec(), seed);
        EXPECT_TRUE(check_rules(a).empty()) << "seed " << seed;
        int moved = 0;
        for (const auto& [n, p] : spec().parameters()) {
            EXPECT_EQ(a[n], b[n]) << "seed " << seed << " #" << n;
            moved += a[n] != p.default_value;
        }
        EXPECT_GT(moved, 50) << "seed " << seed;
        for (const Coincidence& c : kCoincidences)
            EXPECT_GE(std::abs(a[c.a] - a[c.b] * c.scale_b), c.apart * 0.66 - 1e-9)
                << "seed " << seed << ": #" << c.a << " and #" << c.b;
    }
    EXPECT_NE(random_set(spec(), 1)[5], random_set(spec(), 2)[5]);
}

}  // namespace
}  // namespace bmshil::rig::oracle
