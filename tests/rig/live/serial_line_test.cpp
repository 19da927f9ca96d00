// The RS485 line in simulated time: characters at the baud rate's pace,
// queued behind one another.
#include <gtest/gtest.h>

#include <cmath>

#include "live/serial_line.h"

namespace bmshil::rig::live {
namespace {

TEST(SerialLine, CharacterTimeFollowsTheFormat) {
    SerialFormat f;
    f.baud = 9600;
    EXPECT_EQ(f.bits_per_char(), 10);  // start, 8 data, stop
    EXPECT_NEAR(f.char_time_s(), 10.0 / 9600.0, 1e-15);
    f.parity = 'E';
    f.stop_bits = 2;
    EXPECT_EQ(f.bits_per_char(), 12);
    f.baud = 115200;
    EXPECT_NEAR(f.char_time_s(), 12.0 / 115200.0, 1e-15);
}

TEST(SerialLine, BytesArriveOneCharacterTimeApartAndQueue) {
    SerialFormat f;
    f.baud = 9600;
    const double c = f.char_time_s();  // 1.0417 ms
    SerialLine line(f);
    EXPECT_TRUE(line.idle());
    EXPECT_TRUE(std::isinf(line.next_arrival_s()));
    // An 8-byte request handed over at t = 1 s: the last byte is in at 1 s + 8 c.
    line.send({1, 3, 0, 0, 0, 10, 0xC5, 0xCD}, 1.0);
    EXPECT_NEAR(line.next_arrival_s(), 1.0 + c, 1e-12);
    EXPECT_TRUE(line.take_arrived(1.0 + c - 1e-9).empty());
    EXPECT_EQ(line.take_arrived(1.0 + 3 * c + 1e-12), (std::vector<std::uint8_t>{1, 3, 0}));
    // More bytes while the line is busy go out after the ones on it.
    line.send({0xAA}, 1.0 + 3 * c);
    EXPECT_EQ(line.take_arrived(1.0 + 8 * c + 1e-12), (std::vector<std::uint8_t>{0, 0, 10, 0xC5, 0xCD}));
    EXPECT_NEAR(line.next_arrival_s(), 1.0 + 9 * c, 1e-12);
    EXPECT_EQ(line.take_arrived(2.0), (std::vector<std::uint8_t>{0xAA}));
    EXPECT_TRUE(line.idle());
    // After a silence the next byte takes one character time from its send.
    line.send({7}, 5.0);
    EXPECT_NEAR(line.next_arrival_s(), 5.0 + c, 1e-12);
}

}  // namespace
}  // namespace bmshil::rig::live
