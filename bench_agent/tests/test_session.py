"""Sequence numbers, heartbeats and the lost link."""

import time

from conftest import DaqClient, apply_body, modbus_read_request


def start(client):
    assert client.hello().type == "WELCOME"
    assert client.request("START").type == "START_OK"


def test_a_resent_apply_is_executed_once_and_answered_identically(agent, client):
    start(client)
    request = modbus_read_request(slave=1, start=0, count=2)
    first = client.apply(rx=request)
    assert len(first.body["tx"]) == 9  # the firmware answered in that call
    written = list(agent.instruments.rs485_written)
    interrupts = agent.instruments.board.interrupt_calls
    # The rig's resend: the very same frames, the same sequence number.
    client.send_frames(client.last_frames)
    again = client.receive()
    assert again is not None
    assert again.frames == first.frames  # byte for byte: the reply kept, not a new one
    assert agent.instruments.rs485_written == written == [request]
    assert agent.instruments.board.rs485_bytes_in == 8  # the request reached the board once
    assert agent.agent.counters["resent"] == 1
    # No firmware call for the resend (the regular ticks went on meanwhile, no interrupt).
    assert agent.instruments.board.interrupt_calls == interrupts


def test_a_stale_request_is_dropped(agent, client):
    start(client)  # #1, #2
    current_seq = client.send("PING", {"rig_us": 3})  # #3
    assert client.receive().seq == current_seq
    client.send("APPLY", apply_body(current_mA=-20_000), seq=2)  # older than the last executed
    assert client.receive(timeout_s=0.3) is None
    assert agent.agent.counters["stale"] == 1
    assert agent.instruments.settings.shunt_current_mA == 0  # not executed
    assert client.request("PING", {"rig_us": 4}).type == "PONG"  # the session goes on with #4


def test_heartbeats_come_every_heartbeat_ms(context, make_agent):
    a = make_agent(heartbeat_ms=100)
    c = DaqClient(context, a.endpoint)
    try:
        assert c.hello().type == "WELCOME"
        t0 = time.monotonic()
        assert c.receive(timeout_s=0.55) is None  # only heartbeats in the meantime
        beats = [h for h in c.heartbeats if h.received_s >= t0]
        assert 4 <= len(beats) <= 6
        assert all(h.seq == 0 and h.body == {} for h in beats)
        gaps_ms = [(b.received_s - a_.received_s) * 1000 for a_, b in zip(beats, beats[1:])]
        # The agent polls at least every 10 ms; the rest is thread scheduling, which on
        # a loaded machine can delay one beat and so shorten the next gap.
        assert all(40 <= g <= 200 for g in gaps_ms), gaps_ms
        assert 90 <= sum(gaps_ms) / len(gaps_ms) <= 130, gaps_ms
    finally:
        c.close()


def test_a_lost_link_puts_the_bench_in_its_safe_state(context, make_agent):
    a = make_agent(link_timeout_ms=300, heartbeat_ms=100)
    c = DaqClient(context, a.endpoint)
    try:
        assert c.hello().body["link_timeout_ms"] == 300
        assert c.request("START").type == "START_OK"
        c.apply(cells_uV=[3_500_000] * 16, current_mA=25_000)
        silent_from = time.monotonic()  # the rig's last word
        assert a.instruments.settings.shunt_current_mA == 25_000
        safe_before = len(a.instruments.safe_state_times)
        deadline = silent_from + 0.300 + 0.2
        while len(a.instruments.safe_state_times) == safe_before and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(a.instruments.safe_state_times) == safe_before + 1
        after_ms = (a.instruments.safe_state_times[-1] - silent_from) * 1000
        # Not before the timeout; within it plus the agent's 10 ms poll and thread
        # scheduling (up to 150 ms on a loaded machine).
        assert 300 <= after_ms <= 300 + 150, after_ms
        assert a.instruments.settings.shunt_current_mA == 0
        assert a.instruments.settings.cell_tap_uV == [3_300_000] * 16
        assert a.instruments.settings.ntc_ohm == [10_000] * 6
        assert a.instruments.settings.button is False
        time.sleep(0.002)  # the input latency, 1 ms: then the pins hold it too
        pins = a.instruments.board.pin_levels()
        assert (pins.shunt_current_mA, pins.cell_tap_uV) == (0, [3_300_000] * 16)
        # The session was dropped.
        assert c.request("PING", {"rig_us": 1}).body["code"] == "no_session"
    finally:
        c.close()


def test_bye_ends_the_session_and_a_resent_bye_gets_bye_ok(agent, client):
    start(client)
    bye = client.request("BYE")
    assert bye.type == "BYE_OK"
    client.send_frames(client.last_frames)
    assert client.receive().frames == bye.frames
    assert client.request("PING", {"rig_us": 1}).body["code"] == "no_session"
