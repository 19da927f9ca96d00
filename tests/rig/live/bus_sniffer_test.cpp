// What the bus last carried (reads, and writes the board acknowledged), from
// the requests and answers going by.
#include <gtest/gtest.h>

#include "live/bus_sniffer.h"

namespace bmshil::rig::live {
namespace {

// A frame with its CRC appended (low byte first).
std::vector<std::uint8_t> framed(std::vector<std::uint8_t> f) {
    std::uint16_t crc = 0xFFFF;
    for (std::uint8_t b : f) {
        crc ^= b;
        for (int k = 0; k < 8; ++k) crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
    }
    f.push_back(crc & 0xFF);
    f.push_back(crc >> 8);
    return f;
}

Register bit_word(int address, int words) {
    Register r;
    r.address = address;
    r.words = words;
    r.bits = {{0, "OVP"}, {1, "UVP"}, {17, "HIGH"}};
    return r;
}

TEST(BusSniffer, KeepsTheWordsOfAnsweredReads) {
    BusSniffer s(1);
    const Register codes = bit_word(39, 1), prot = bit_word(35, 2);
    EXPECT_FALSE(s.bits_set(codes, true));  // never read
    // Read 35..39 (5 words), the request in two pieces as a pty may hand it over.
    const auto request = framed({1, 3, 0, 35, 0, 5});
    s.from_masters({request.begin(), request.begin() + 3}, 1.0);
    s.from_masters({request.begin() + 3, request.end()}, 1.0);
    const auto answer = framed({1, 3, 10, 0x00, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x03});
    s.to_masters({answer.begin(), answer.begin() + 5});
    EXPECT_FALSE(s.bits_set(codes, true));  // not complete yet
    s.to_masters({answer.begin() + 5, answer.end()});
    EXPECT_EQ(*s.bits_set(codes, true), (std::vector<std::string>{"OVP", "UVP"}));
    // Two words, high first: 0x0002'0001 has bits 0 and 17.
    EXPECT_EQ(*s.value(prot, true), 0x00020001u);
    EXPECT_EQ(*s.bits_set(prot, true), (std::vector<std::string>{"OVP", "HIGH"}));
    EXPECT_EQ(s.last_read_s(), 1.0);
}

TEST(BusSniffer, IgnoresExceptionsOtherSlavesAndBadCrc) {
    BusSniffer s(1);
    const Register codes = bit_word(39, 1);
    s.from_masters(framed({2, 3, 0, 39, 0, 1}), 1.0);  // another slave
    s.to_masters(framed({1, 3, 2, 0, 1}));
    EXPECT_FALSE(s.bits_set(codes, true));
    s.from_masters(framed({1, 3, 0, 39, 0, 1}), 2.0);
    s.to_masters(framed({1, 0x83, 2}));  // an exception answers it
    EXPECT_FALSE(s.bits_set(codes, true));
    s.from_masters(framed({1, 4, 0, 39, 0, 1}), 3.0);
    auto bad = framed({1, 4, 2, 0, 1});
    bad.back() ^= 0xFF;
    s.to_masters(bad);
    EXPECT_FALSE(s.bits_set(codes, true));
    s.from_masters(framed({1, 4, 0, 39, 0, 1}), 4.0);
    s.to_masters(framed({1, 4, 2, 0, 2}));
    EXPECT_EQ(*s.bits_set(codes, true), (std::vector<std::string>{"UVP"}));
    EXPECT_EQ(s.last_read_s(), 4.0);
}

TEST(BusSniffer, KeepsWritesTheBoardAcknowledged) {
    BusSniffer s(1);
    Register limit;  // a one-word parameter at 5
    limit.address = 5;
    Register wide;   // a two-word one at 10, high word first
    wide.address = 10;
    wide.words = 2;
    // 06: write 3640 to 5; the answer echoes the request.
    const auto single = framed({1, 6, 0, 5, 0x0E, 0x38});
    s.from_masters(single, 1.0);
    EXPECT_TRUE(s.take_written().empty()) << "not acknowledged yet";
    EXPECT_FALSE(s.value(limit, true));
    s.to_masters(single);
    EXPECT_EQ(s.take_written(), (std::vector<int>{5}));
    EXPECT_EQ(*s.value(limit, true), 3640u);
    EXPECT_TRUE(s.take_written().empty()) << "taken once";
    // 16: two words to 10 and 11, the request in three pieces; the answer
    // gives the address and the count.
    const auto multiple = framed({1, 0x10, 0, 10, 0, 2, 4, 0x00, 0x01, 0x86, 0xA0});
    s.from_masters({multiple.begin(), multiple.begin() + 4}, 2.0);
    s.from_masters({multiple.begin() + 4, multiple.begin() + 9}, 2.0);
    s.from_masters({multiple.begin() + 9, multiple.end()}, 2.0);
    s.to_masters(framed({1, 0x10, 0, 10, 0, 2}));
    EXPECT_EQ(s.take_written(), (std::vector<int>{10, 11}));
    EXPECT_EQ(*s.value(wide, true), 100000u);
    // Refused with an exception: nothing written, the value stays.
    s.from_masters(framed({1, 6, 0, 5, 0x0F, 0xFF}), 3.0);
    s.to_masters(framed({1, 0x86, 3}));
    EXPECT_TRUE(s.take_written().empty());
    EXPECT_EQ(*s.value(limit, true), 3640u);
    // A write never answered (the master gave up), then a read: only the read counts.
    s.from_masters(framed({1, 6, 0, 5, 0x0F, 0xA0}), 4.0);
    s.from_masters(framed({1, 3, 0, 5, 0, 1}), 4.5);
    s.to_masters(framed({1, 3, 2, 0x0E, 0x38}));
    EXPECT_TRUE(s.take_written().empty());
    EXPECT_EQ(*s.value(limit, true), 3640u);
    EXPECT_EQ(s.last_read_s(), 4.5);
    // A write, then a read of it.
    auto both = framed({1, 6, 0, 5, 0x0E, 0x10});
    const auto read = framed({1, 3, 0, 5, 0, 1});
    s.from_masters(both, 5.0);
    s.to_masters(both);
    s.from_masters(read, 5.1);
    s.to_masters(framed({1, 3, 2, 0x0E, 0x10}));
    EXPECT_EQ(s.take_written(), (std::vector<int>{5}));
    EXPECT_EQ(*s.value(limit, true), 3600u);
}

}  // namespace
}  // namespace bmshil::rig::live
