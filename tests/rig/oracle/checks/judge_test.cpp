// The judging functions of the generated checks, on made-up traces: pure, no
// kernel. Each turns what a check saw into a finding with numbers.
#include <gtest/gtest.h>

#include "oracle/checks/delay.h"
#include "oracle/checks/no_reaction.h"
#include "oracle/checks/trip_value.h"


namespace bmshil::rig::oracle {
namespace {

// A ramp of 0.5 mV/s from 3.60 V, sampled every 10 ms.
Trace ramp() {
    Trace t;
    for (int k = 0; k <= 20000; ++k) t.add(k * 0.01, 3.60 + 0.0005 * k * 0.01);
    return t;
}

CrossingSeen over_voltage(std::optional<double> reaction_s) {
    CrossingSeen s;
    s.what = "cell over-voltage protection (#5)";
    s.event = "tripped";
    s.reaction = "charge FET opens";
    s.reaction_s = reaction_s;
    s.last_value = 3.70;
    s.configured = 3.65;
    s.tolerance = 0.0054;
    s.confirmation_s = 1.0;
    s.unit = "V";
    return s;
}

TEST(JudgeCrossing, TheValueJudgedIsTheOneAConfirmationDelayBeforeTheReaction) {
    // Crossed 3.65 V at 100 s, reacted 1 s later: judged at 3.650 V, passed.
    const Finding f = judge_crossing(Finding{}, ramp(), over_voltage(101.0));
    EXPECT_TRUE(f.passed) << f.message;
    EXPECT_NEAR(f.measured, 3.650, 1e-6);
    EXPECT_DOUBLE_EQ(f.configured, 3.65);
    EXPECT_DOUBLE_EQ(f.tolerance, 0.0054);
    EXPECT_EQ(f.message, "cell over-voltage protection (#5): tripped at 3.65 V, configured 3.65 +- 0.0054");
}

TEST(JudgeCrossing, FiftyMillivoltsLateFails) {
    // Reacting 100 s later on this ramp is 50 mV past the threshold.
    const Finding f = judge_crossing(Finding{}, ramp(), over_voltage(201.0));
    EXPECT_FALSE(f.passed);
    EXPECT_NEAR(f.measured, 3.700, 1e-6);
}

TEST(JudgeCrossing, AtTheEdgeOfTheTolerance) {
    // 5.0 mV early passes, 5.8 mV early does not (tolerance 5.4 mV).
    EXPECT_TRUE(judge_crossing(Finding{}, ramp(), over_voltage(91.0)).passed);
    EXPECT_FALSE(judge_crossing(Finding{}, ramp(), over_voltage(89.4)).passed);
}

TEST(JudgeCrossing, NoReactionFailsWithWhereTheRampEnded) {
    const Finding f = judge_crossing(Finding{}, ramp(), over_voltage(std::nullopt));
    EXPECT_FALSE(f.passed);
    EXPECT_DOUBLE_EQ(f.measured, 3.70);
    EXPECT_EQ(f.message, "cell over-voltage protection (#5): no charge FET opens up to 3.7 V");
}

TimingSeen delay_of(std::optional<double> reaction_s) {
    TimingSeen s;
    s.what = "discharging over-current protection (#56)";
    s.event = "reacted";
    s.step_s = 50.0;
    s.reaction_s = reaction_s;
    s.window_s = 12.0;
    s.configured_s = 10.0;
    s.tolerance_s = 0.020;
    return s;
}

TEST(JudgeTiming, ADelayWithinOneTickAndOnePoll) {
    EXPECT_TRUE(judge_timing(Finding{}, delay_of(60.01)).passed);
    EXPECT_TRUE(judge_timing(Finding{}, delay_of(59.985)).passed);
    const Finding late = judge_timing(Finding{}, delay_of(60.03));
    EXPECT_FALSE(late.passed);
    EXPECT_NEAR(late.measured, 10.03, 1e-9);
    const Finding half = judge_timing(Finding{}, delay_of(55.0));
    EXPECT_FALSE(half.passed);
    EXPECT_NEAR(half.measured, 5.0, 1e-9);
    const Finding never = judge_timing(Finding{}, delay_of(std::nullopt));
    EXPECT_FALSE(never.passed);
    EXPECT_DOUBLE_EQ(never.measured, 12.0);
    EXPECT_NE(never.message.find("not reacted within 12 s"), std::string::npos) << never.message;
}

TEST(JudgeNoReaction, QuietForTheWindowPasses) {
    QuietSeen s;
    s.what = "switch 10 off: cell over-voltage protection";
    s.window_s = 5.0;
    EXPECT_TRUE(judge_no_reaction(Finding{}, s).passed);
    s.reacted_after_s = 1.01;
    const Finding f = judge_no_reaction(Finding{}, s);
    EXPECT_FALSE(f.passed);
    EXPECT_DOUBLE_EQ(f.measured, 1.01);
    EXPECT_EQ(f.message, "switch 10 off: cell over-voltage protection still reacted after 1.01 s");
}

}  // namespace
}  // namespace bmshil::rig::oracle

#include "oracle/checks/port.h"

namespace bmshil::rig::oracle {
namespace {

std::vector<std::uint8_t> framed(std::vector<std::uint8_t> b) {
    const std::uint16_t crc = modbus_crc(b);
    b.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    b.push_back(static_cast<std::uint8_t>(crc >> 8));
    return b;
}

TEST(JudgePort, TheCrcOfTheStandard) {
    // Modbus over Serial Line 1.02, the read example: 01 03 00 00 00 01 has CRC 0x0A84 (84 0A on the wire).
    EXPECT_EQ(modbus_crc({0x01, 0x03, 0x00, 0x00, 0x00, 0x01}), 0x0A84);
}

TEST(JudgePort, ExceptionsResponsesAndSilence) {
    Finding f;
    f.check = "port.quantity_zero";
    const PortExpectation exception3{PortExpectation::Kind::exception, 3, 3, 0, {}};
    EXPECT_TRUE(judge_port_answer(f, 1, exception3, framed({0x01, 0x83, 0x03})).passed);
    EXPECT_FALSE(judge_port_answer(f, 1, exception3, framed({0x01, 0x83, 0x02})).passed) << "another code";
    EXPECT_FALSE(judge_port_answer(f, 1, exception3, framed({0x02, 0x83, 0x03})).passed) << "another slave";
    auto bad_crc = framed({0x01, 0x83, 0x03});
    bad_crc.back() ^= 1;
    EXPECT_FALSE(judge_port_answer(f, 1, exception3, bad_crc).passed);
    const Finding silent = judge_port_answer(f, 1, exception3, {});
    EXPECT_FALSE(silent.passed);
    EXPECT_EQ(silent.message, "port.quantity_zero: expected exception 3 to function 3 (Modbus), got nothing");
    const PortExpectation read{PortExpectation::Kind::response, 3, 0, 7, {}};
    EXPECT_TRUE(judge_port_answer(f, 1, read, framed({0x01, 0x03, 0x02, 0x0C, 0xE4})).passed);
    EXPECT_FALSE(judge_port_answer(f, 1, read, framed({0x01, 0x03, 0x04, 0x0C, 0xE4, 0, 0})).passed);
    const PortExpectation none{};
    EXPECT_TRUE(judge_port_answer(f, 1, none, {}).passed);
    EXPECT_FALSE(judge_port_answer(f, 1, none, framed({0x01, 0x83, 0x03})).passed);
}

TEST(JudgePort, AWriteIsEchoed) {
    Finding f;
    f.check = "port.write_single";
    // Function 6: the response is the request itself.
    const auto request = framed({0x01, 0x06, 0x10, 0x05, 0x0E, 0x75});
    const PortExpectation echo{PortExpectation::Kind::response, 6, 0, 8, request};
    EXPECT_TRUE(judge_port_answer(f, 1, echo, request).passed);
    // The value's low byte left from an older frame: the right length and CRC, the wrong echo.
    const Finding stale = judge_port_answer(f, 1, echo, framed({0x01, 0x06, 0x10, 0x05, 0x0E, 0x74}));
    EXPECT_FALSE(stale.passed);
    EXPECT_NE(stale.message.find("beginning 01 06 10 05 0e 75"), std::string::npos) << stale.message;
    // Function 16: address and quantity come back.
    const PortExpectation head{PortExpectation::Kind::response, 16, 0, 8, {0x01, 0x10, 0x10, 0x05, 0x00, 0x02}};
    EXPECT_TRUE(judge_port_answer(f, 1, head, framed({0x01, 0x10, 0x10, 0x05, 0x00, 0x02})).passed);
    EXPECT_FALSE(judge_port_answer(f, 1, head, framed({0x01, 0x10, 0x10, 0x05, 0x00, 0x01})).passed);
}

}  // namespace
}  // namespace bmshil::rig::oracle
