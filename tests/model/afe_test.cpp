// The AFE as the board sees the pack: whole codes clipped to the ADC's range,
// and the sensor faults of the physical circuit (an open sense wire through
// the inputs' filter network, a drifting shunt offset). Offsets and noise are
// set to zero here so that every reading is known to the code.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "afe.h"
#include "cell_params.h"
#include "test_support.h"

namespace bmshil::model {
namespace {

constexpr double kLsb_V = 382e-6;
constexpr double kFullScale_V = 16383 * kLsb_V;  // 14-bit codes: 6.258306 V

class AfeTest : public ::testing::Test {
protected:
    AfeTest()
        : type_(std::make_shared<const CellType>(load_cell_params(test::cell_set("lfp_100ah_prismatic")))),
          bank_(make_bank(type_)),
          rng_(7),
          afe_(quiet(), NtcConfig{}, 0.0, {1, 6, 11, 16}, std::vector<double>(16, 0.0), rng_, 11) {}

    static AfeConfig quiet() {
        AfeConfig c;
        c.cell_offset_max_V = 0.0;
        c.cell_noise_V = 0.0;
        c.pack_noise_V = 0.0;
        c.current_offset_max_A = 0.0;
        c.current_noise_A = 0.0;
        return c;  // input network: 0.1 uF per channel, 1 uA input current, 0.3 V clamp
    }
    static CellBank make_bank(const std::shared_ptr<const CellType>& type) {
        std::vector<CellVariation> v(16);
        std::vector<double> soc(16, 0.5);
        return CellBank(type, 16, v.data(), soc.data(), 25.0);
    }
    AfeInputs truth(double now_s, std::uint32_t balance_mask = 0, double current_A = 0.0) const {
        return {now_s, bank_, nullptr, current_A, 52.0, 25.0, 25.0, balance_mask, 33.0};
    }
    SensorReadings read(const AfeInputs& t) {
        SensorReadings r;
        afe_.measure(t, r);
        return r;
    }
    // Cell k's (0-based) reading in volts, and its truth at rest.
    static double volts(const SensorReadings& r, std::size_t k) { return r.cell_tap_uV[k] * 1e-6; }
    double emf(std::size_t k) const { return bank_.emf_V()[k]; }

    std::shared_ptr<const CellType> type_;
    CellBank bank_;
    Random rng_;
    Afe afe_;
};

TEST_F(AfeTest, ReadsWholeCodesOfTheCellVoltage) {
    const SensorReadings r = read(truth(1.0));
    for (std::size_t k = 0; k < 16; ++k) {
        EXPECT_EQ(r.cell_tap_uV[k] % 382, 0);
        EXPECT_NEAR(volts(r, k), emf(k), 0.5 * kLsb_V + 1e-9);
    }
}

TEST_F(AfeTest, OpenWireDriftsAtTheInputCurrentOverTwoCapacitors) {
    const double v8 = emf(7), v9 = emf(8);
    afe_.set_sense_wire_open(8, true, truth(0.0));
    EXPECT_TRUE(afe_.sense_wire_open(8));
    // du/dt = -1 uA / (2 x 0.1 uF) = -5 V/s: 0.1 s later channel 8 reads 0.5 V
    // less, channel 9 0.5 V more; the two still sum to the two cells.
    const SensorReadings r = read(truth(0.1));
    std::printf("open wire above cell 8 after 0.1 s: ch8 %.4f V (cell %.4f), ch9 %.4f V (cell %.4f)\n",
                volts(r, 7), v8, volts(r, 8), v9);
    EXPECT_NEAR(volts(r, 7), v8 - 0.5, 0.5 * kLsb_V + 1e-9);
    EXPECT_NEAR(volts(r, 8), v9 + 0.5, 0.5 * kLsb_V + 1e-9);
    EXPECT_NEAR(volts(r, 6), emf(6), 0.5 * kLsb_V + 1e-9) << "the other channels see their cells";
    EXPECT_NEAR(volts(r, 9), emf(9), 0.5 * kLsb_V + 1e-9);
}

TEST_F(AfeTest, OpenWireStopsAtTheClampAndTheAdcClips) {
    afe_.set_sense_wire_open(8, true, truth(0.0));
    // After 2 s it would be 10 V down: the diode holds it 0.3 V below the
    // junction under it. Channel 8 (-0.3 V) reads code 0; channel 9
    // (v8 + v9 + 0.3 V, about 6.9 V) reads the full scale.
    const SensorReadings r = read(truth(2.0));
    EXPECT_EQ(r.cell_tap_uV[7], 0);
    EXPECT_EQ(r.cell_tap_uV[8], static_cast<std::int32_t>(std::lround(kFullScale_V * 1e6)));
    EXPECT_GT(emf(7) + emf(8) + 0.3, kFullScale_V) << "the premise: the pair's voltage is beyond the ADC's range";
}

TEST_F(AfeTest, BleedResistorPullsTheFloatingInputToItsSide) {
    const double sum = emf(7) + emf(8);
    afe_.set_sense_wire_open(8, true, truth(0.0));
    // Cell 9's resistor (33 ohm) is across the floating input and the junction
    // above: tau = 33 ohm x 0.2 uF = 6.6 us, the input settles at the junction
    // above less 1 uA x 33 ohm. Channel 9 then reads 33 uV (code 0), channel 8
    // the pair (clipped).
    const std::uint32_t cell9 = 1u << 8;
    SensorReadings r = read(truth(1e-3, cell9));
    EXPECT_EQ(r.cell_tap_uV[8], 0);
    EXPECT_EQ(r.cell_tap_uV[7], static_cast<std::int32_t>(std::lround(kFullScale_V * 1e6)));
    // Both resistors on: a divider, half the pair on each channel (less
    // 16.5 uV on the lower one).
    const std::uint32_t both = cell9 | (1u << 7);
    afe_.settle_inputs(truth(2e-3, cell9));
    r = read(truth(3e-3, both));
    EXPECT_NEAR(volts(r, 7), 0.5 * sum - 16.5e-6, 0.5 * kLsb_V + 1e-9);
    EXPECT_NEAR(volts(r, 8), 0.5 * sum + 16.5e-6, 0.5 * kLsb_V + 1e-9);
    // The wire back: each channel its cell.
    afe_.set_sense_wire_open(8, false, truth(4e-3, both));
    r = read(truth(5e-3));
    EXPECT_NEAR(volts(r, 7), emf(7), 0.5 * kLsb_V + 1e-9);
    EXPECT_NEAR(volts(r, 8), emf(8), 0.5 * kLsb_V + 1e-9);
}

TEST_F(AfeTest, OpenWiresOutsideTheStackOrSideBySideAreRefused) {
    EXPECT_THROW(afe_.set_sense_wire_open(0, true, truth(0.0)), std::invalid_argument);
    EXPECT_THROW(afe_.set_sense_wire_open(16, true, truth(0.0)), std::invalid_argument);
    afe_.set_sense_wire_open(8, true, truth(0.0));
    EXPECT_THROW(afe_.set_sense_wire_open(9, true, truth(0.0)), std::invalid_argument);
    EXPECT_NO_THROW(afe_.set_sense_wire_open(10, true, truth(0.0)));
}

TEST_F(AfeTest, ShuntOffsetDriftsLinearlyOverItsTime) {
    // 0 A flowing, the part's offset zero here: the channel reads the drift.
    afe_.drift_shunt_offset(3.0, 100.0, 10.0);
    EXPECT_EQ(read(truth(10.0)).shunt_current_mA, 0);
    EXPECT_EQ(read(truth(60.0)).shunt_current_mA, 1500);   // halfway: 1.5 A
    EXPECT_EQ(read(truth(110.0)).shunt_current_mA, 3000);  // there
    EXPECT_EQ(read(truth(500.0)).shunt_current_mA, 3000);  // and stays
    // From where it is to a new value, at once.
    afe_.drift_shunt_offset(-1.0, 0.0, 600.0);
    EXPECT_EQ(read(truth(600.0, 0, 20.0)).shunt_current_mA, 19000);
}

}  // namespace
}  // namespace bmshil::model
