// The codec: the contract's structs survive MessagePack bit for bit, arrays are
// little-endian bin a NumPy client reads, and a bad body names its key.
#include "adapters/zmq/messages.h"

#include <gtest/gtest.h>

#include <limits>


namespace bmshil::rig::daq {
namespace {

using nlohmann::json;

bmshil_board_inputs awkward_inputs() {
    bmshil_board_inputs in{};
    in.now_us = std::numeric_limits<std::uint64_t>::max() - 7;
    for (unsigned i = 0; i < BMSHIL_MAX_CELLS; ++i) in.cell_tap_uv[i] = static_cast<std::int32_t>(3300000 + 17 * i) * (i % 3 == 0 ? -1 : 1);
    in.cell_tap_uv[15] = std::numeric_limits<std::int32_t>::min();
    in.pack_terminal_mv = -1;
    in.shunt_current_ma = -2644000;
    for (unsigned i = 0; i < BMSHIL_NTC_COUNT; ++i) in.ntc_ohm[i] = 10000 + i;
    in.ntc_ohm[2] = BMSHIL_NTC_OPEN_OHM;
    in.ntc_ohm[3] = 0;
    in.button_pressed = 1;
    in.afe_sc_tripped = 1;
    in.afe_sc_trip_time_us = 2100209;
    return in;
}

TEST(Messages, InputsAndOutputsSurviveMessagePackBitForBit) {
    const bmshil_board_inputs in = awkward_inputs();
    const json packed = json::from_msgpack(json::to_msgpack(encode(in)));
    const bmshil_board_inputs back = decode_inputs(packed);
    EXPECT_EQ(back.now_us, in.now_us);
    for (unsigned i = 0; i < BMSHIL_MAX_CELLS; ++i) EXPECT_EQ(back.cell_tap_uv[i], in.cell_tap_uv[i]) << i;
    EXPECT_EQ(back.pack_terminal_mv, -1);
    EXPECT_EQ(back.shunt_current_ma, -2644000);
    for (unsigned i = 0; i < BMSHIL_NTC_COUNT; ++i) EXPECT_EQ(back.ntc_ohm[i], in.ntc_ohm[i]) << i;
    EXPECT_EQ(back.button_pressed, 1);
    EXPECT_EQ(back.afe_sc_tripped, 1);
    EXPECT_EQ(back.afe_sc_trip_time_us, 2100209u);

    bmshil_board_outputs out{};
    out.charge_fet_on = 1;
    out.heater_on = 1;
    out.afe_sc_clear = 1;
    out.balance_mask = 0x8001;
    out.afe_sc_threshold_ma = 500000;
    out.afe_sc_delay_us = 200;
    out.next_wake_us = 123456789012ull;
    const bmshil_board_outputs o = decode_outputs(json::from_msgpack(json::to_msgpack(encode(out))));
    EXPECT_EQ(o.charge_fet_on, 1);
    EXPECT_EQ(o.discharge_fet_on, 0);
    EXPECT_EQ(o.heater_on, 1);
    EXPECT_EQ(o.afe_sc_clear, 1);
    EXPECT_EQ(o.balance_mask, 0x8001u);
    EXPECT_EQ(o.afe_sc_threshold_ma, 500000);
    EXPECT_EQ(o.afe_sc_delay_us, 200u);
    EXPECT_EQ(o.next_wake_us, 123456789012ull);
}

TEST(Messages, ArraysAreLittleEndianBin) {
    const json j = encode(awkward_inputs());
    const auto& taps = j.at("cell_tap_uV").get_binary();
    ASSERT_EQ(taps.size(), 64u);
    // Tap 1 is 3300017 uV = 0x00325AB1: low byte first.
    EXPECT_EQ(taps[4], 0xB1);
    EXPECT_EQ(taps[5], 0x5A);
    EXPECT_EQ(taps[6], 0x32);
    EXPECT_EQ(taps[7], 0x00);
    const auto& ntc = j.at("ntc_ohm").get_binary();
    ASSERT_EQ(ntc.size(), 24u);
    EXPECT_EQ(ntc[8], 0xFF);  // NTC 3 open
    EXPECT_EQ(ntc[11], 0xFF);
}

TEST(Messages, ABadBodyNamesItsKey) {
    json j = encode(awkward_inputs());
    j.erase("shunt_current_mA");
    try {
        decode_inputs(j);
        FAIL();
    } catch (const BadMessage& e) {
        EXPECT_STREQ(e.what(), "the body has no 'shunt_current_mA'");
    }
    j = encode(awkward_inputs());
    j["cell_tap_uV"] = json::binary({1, 2, 3});
    try {
        decode_inputs(j);
        FAIL();
    } catch (const BadMessage& e) {
        EXPECT_STREQ(e.what(), "'cell_tap_uV' must be bin of 16 little-endian 32-bit numbers");
    }
    j = encode(awkward_inputs());
    j["now_us"] = "soon";
    EXPECT_THROW(decode_inputs(j), BadMessage);
}

TEST(Messages, FramesRoundTripOverARealSocketPair) {
    zmq::context_t context;
    zmq::socket_t router(context, zmq::socket_type::router), dealer(context, zmq::socket_type::dealer);
    router.bind("inproc://messages_test");
    dealer.connect("inproc://messages_test");
    Message m;
    m.type = "STEP";
    m.seq = 0x0102030405060708ull;
    m.body = json{{"in", encode(awkward_inputs())}, {"rx", json::binary({0x01, 0x03})}};
    ASSERT_TRUE(send(dealer, m));
    zmq::message_t from;
    const Message got = receive(router, &from);
    EXPECT_GT(from.size(), 0u);
    EXPECT_EQ(got.protocol, kProtocol);
    EXPECT_EQ(got.type, "STEP");
    EXPECT_EQ(got.seq, 0x0102030405060708ull);
    EXPECT_EQ(got.body, m.body);
    // Three frames are not the protocol's four.
    dealer.send(zmq::str_buffer("BMSHIL-DAQ/1"), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer("STEP"), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer("12345678"), zmq::send_flags::none);
    try {
        receive(router, &from);
        FAIL();
    } catch (const BadMessage& e) {
        EXPECT_STREQ(e.what(), "a message has 3 frames, the protocol 4");
    }
}

}  // namespace
}  // namespace bmshil::rig::daq
