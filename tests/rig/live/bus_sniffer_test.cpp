// What the masters last read, from the requests and answers going by.
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

TEST(BusSniffer, IgnoresWritesExceptionsOtherSlavesAndBadCrc) {
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

}  // namespace
}  // namespace bmshil::rig::live
