"""HELLO / WELCOME and the refusals: version, mode, busy, no_session, bad_message."""

import struct

import msgpack

from bmshil_bench_agent import board_contract
from conftest import PROTOCOL, DaqClient, apply_body


def test_struct_layout_is_the_headers():
    # rig/board_contract.h on x86-64: inputs 8 + 64 + 4 + 4 + 24 + 4 (+4 padding) + 8,
    # outputs 8 + 4 + 4 + 4 (+4 padding) + 8, port five 8-byte fields, storage two.
    assert board_contract.struct_sizes() == (120, 32, 40, 16)
    assert board_contract.BoardInputs.afe_sc_trip_time_us.offset == 112
    assert board_contract.BoardOutputs.next_wake_us.offset == 24


def test_welcome_declares_identity_capabilities_and_daq(client):
    w = client.hello()
    assert w.protocol == PROTOCOL
    assert w.type == "WELCOME" and w.seq == 1
    assert (w.body["major"], w.body["minor"]) == (1, 0)
    for capability in ("realtime", "rs485", "edge_capture", "afe_on_board"):
        assert capability in w.body["capabilities"]
    assert "lockstep" not in w.body["capabilities"]
    identity = w.body["identity"]
    assert sorted(identity) == ["board", "calibration", "daq", "firmware"]
    assert all(isinstance(v, str) and v for v in identity.values())
    assert identity["firmware"].startswith("bms-hil bundled firmware")
    assert w.body["daq"] == {
        "cell_voltage_resolution_uV": 1000,
        "pack_voltage_resolution_mV": 10,
        "current_resolution_mA": 10,
        "ntc_resolution_ohm": 1,
        "input_latency_us": 1000,
        "edge_resolution_us": 100,
    }
    assert (w.body["heartbeat_ms"], w.body["link_timeout_ms"]) == (500, 2000)
    assert isinstance(w.body["session"], str) and w.body["session"]


def test_another_protocol_gets_error_version_in_ours(client):
    client.send("HELLO", {"major": 2, "minor": 0, "mode": "realtime"}, frame0=b"BMSHIL-DAQ/2")
    e = client.receive()
    assert e.protocol == PROTOCOL  # the agent's own frame 0
    assert (e.type, e.seq) == ("ERROR", 0)
    assert e.body["code"] == "version"
    assert (e.body["major"], e.body["minor"]) == (1, 0)
    # Nothing else of it was handled: no session was opened.
    assert client.request("PING", {"rig_us": 1}).body["code"] == "no_session"


def test_hello_of_another_major_gets_error_version(client):
    e = client.hello(major=2)
    assert (e.type, e.seq, e.body["code"], e.body["seq"]) == ("ERROR", 1, "version", 1)
    assert e.body["major"] == 1


def test_lockstep_gets_error_mode(client):
    e = client.hello(mode="lockstep")
    assert (e.type, e.seq, e.body["code"]) == ("ERROR", 1, "mode")
    # The same rig asking for real time next gets its session.
    assert client.hello().type == "WELCOME"


def test_second_session_is_busy_until_the_first_ends(context, agent, client):
    assert client.hello().type == "WELCOME"
    other = DaqClient(context, agent.endpoint)
    try:
        e = other.hello()
        assert (e.type, e.body["code"], e.seq) == ("ERROR", "busy", 1)
        assert client.request("BYE").type == "BYE_OK"
        assert other.hello().type == "WELCOME"
    finally:
        other.close()


def test_requests_without_a_session_get_no_session(client):
    e = client.request("START")
    assert (e.type, e.seq, e.body["code"]) == ("ERROR", 1, "no_session")


def test_bad_messages(client):
    assert client.hello().type == "WELCOME"
    assert client.request("START").type == "START_OK"
    # A key missing: bad_message with the request's number, nothing executed.
    body = apply_body()
    del body["in"]["shunt_current_mA"]
    e = client.request("APPLY", body)
    assert (e.type, e.seq, e.body["code"]) == ("ERROR", 3, "bad_message")
    assert "shunt_current_mA" in e.body["message"]
    # A cell array of the wrong size.
    body = apply_body()
    body["in"]["cell_tap_uV"] = body["in"]["cell_tap_uV"][:60]
    assert client.request("APPLY", body).body["code"] == "bad_message"
    # Frames that do not decode: three frames, a 4-byte sequence, a body that is no map.
    client.send_frames([PROTOCOL, b"PING", struct.pack("<Q", 9)])
    e = client.receive()
    assert (e.type, e.seq, e.body["code"]) == ("ERROR", 0, "bad_message")
    client.send_frames([PROTOCOL, b"PING", b"\x09\x00\x00\x00", msgpack.packb({})])
    e = client.receive()
    assert (e.type, e.seq, e.body["code"]) == ("ERROR", 0, "bad_message")
    client.send_frames([PROTOCOL, b"PING", struct.pack("<Q", 9), msgpack.packb([1, 2])])
    assert client.receive().body["code"] == "bad_message"
    # Lock-step requests are not real-time ones.
    assert client.request("STEP", apply_body()).body["code"] == "bad_message"
    # The session goes on.
    assert client.request("PING", {"rig_us": 5}).type == "PONG"
