"""The simulated board behind the protocol: the firmware at its tick, its clock,
its own AFE, its Modbus port."""

import struct
import time

from conftest import modbus_crc16, modbus_read_request, run_until


def start(client):
    w = client.hello()
    assert w.type == "WELCOME"
    s = client.request("START")
    assert s.type == "START_OK"
    # Microseconds since the power-on this START made: a clock started anew, not an
    # epoch. How many depends on the machine's load (5.1 ms seen on a loaded CI
    # machine), so the bound only tells a fresh clock from an old one.
    assert 0 <= s.body["board_us"] < 1_000_000
    return w.body["daq"], s.body["board_us"]


def fets_closed(reply):
    return reply.body["out"]["charge_fet"] and reply.body["out"]["discharge_fet"]


def test_the_firmware_closes_its_fets_on_a_healthy_pack(client):
    _, started_us = start(client)
    replies = run_until(client, fets_closed, timeout_s=1.0)
    edges = [e for r in replies for e in r.body["edges"]]
    # The bundled firmware: the charge FET and the precharge path at its first call
    # (power-on), the discharge FET one tick later when the soft start sees the
    # terminal at the pack's voltage.
    assert edges[0]["out"]["charge_fet"] and edges[0]["out"]["precharge"] and not edges[0]["out"]["discharge_fet"]
    # The first call is the power-on's, made by the board's thread as soon as
    # START powered it on: within the first tick of the clock START reported.
    assert edges[0]["board_us"] < started_us + 10_000
    closing = next(e for e in edges if e["out"]["discharge_fet"])
    assert not closing["out"]["precharge"]
    # A later tick on the board's 10 ms grid; a loaded machine may skip a late
    # tick, hence no tight upper bound.
    assert 10_000 <= closing["board_us"] < 1_000_000
    assert all(e["board_us"] % 100 == 0 for e in edges)  # stamped at the 100 us edge resolution
    times = [e["board_us"] for e in edges]
    assert times == sorted(times)


def test_the_board_clock_runs_at_real_time_pace(agent, client):
    start(client)

    def sample():
        sent = time.monotonic()
        pong = client.request("PING", {"rig_us": int(sent * 1e6)})
        return (sent + pong.received_s) / 2, pong.body["board_us"]

    t0, b0 = sample()
    calls0 = agent.instruments.board.firmware_calls
    time.sleep(1.0)
    t1, b1 = sample()
    calls = agent.instruments.board.firmware_calls - calls0
    pace = (b1 - b0) / ((t1 - t0) * 1e6)
    assert abs(pace - 1.0) < 0.05, pace
    # One call per 10 ms tick: a late tick is skipped, never bunched, so never more
    # than the ticks in that second; a loaded machine skips some, so the lower bound is loose.
    assert 50 <= calls <= 102, calls


def test_the_afe_on_board_trips_at_set_time_plus_latency_plus_delay(agent, client):
    daq, _ = start(client)
    latency_us, resolution_us = daq["input_latency_us"], daq["edge_resolution_us"]
    ready = run_until(client, fets_closed, timeout_s=1.0)[-1]
    threshold_mA = ready.body["out"]["afe_sc_threshold_mA"]
    delay_us = ready.body["out"]["afe_sc_delay_us"]
    assert (threshold_mA, delay_us) == (500_000, 200)  # the bundled firmware's defaults
    assert ready.body["afe_sc_tripped"] is False
    short_mA = -(threshold_mA + 100_000)

    before = client.request("PING", {"rig_us": 0}).body["board_us"]  # the board clock before the APPLY is read
    set_reply = client.apply(current_mA=short_mA)
    after = set_reply.body["board_us"]  # ... and after it was executed
    replies = [set_reply] + run_until(client, lambda r: r.body["afe_sc_tripped"], timeout_s=0.5, period_s=0.002, current_mA=short_mA)
    tripped = replies[-1]
    trip_us = tripped.body["afe_sc_trip_board_us"]

    # The set time lies in [before, after], a round trip on loopback.
    assert after - before < 100_000, (before, after)
    assert before + latency_us + delay_us <= trip_us <= after + latency_us + delay_us, (before, after, trip_us)
    # As the brief puts it, from the APPLY_OK's own clock reading: the agent reads it
    # right after setting the instruments (2-3 us measured), so the trip is at most
    # the edge resolution plus a 500 us margin for a thread switch in between
    # (the firmware's call takes some 20 us) before after + latency + delay; a loaded
    # machine can switch threads for longer, so the margin is a scheduler's 10 ms.
    assert 0 <= after + latency_us + delay_us - trip_us <= resolution_us + 10_000
    # Exactly: the instrument's own record of when it was told.
    change = next(c for c in agent.instruments.board.pins.log if c.pin == "shunt_current_mA" and c.value == short_mA)
    assert trip_us == change.set_us + latency_us + delay_us

    # The DAQ's edge capture saw the discharge FET open at the trip, within its resolution.
    edges = [e for r in replies for e in r.body["edges"]]
    opening = next(e for e in edges if not e["out"]["discharge_fet"])
    assert trip_us <= opening["board_us"] < trip_us + resolution_us
    assert opening["out"]["charge_fet"]  # the AFE opened the discharge FET only
    assert tripped.body["out"]["discharge_fet"] is False

    # The firmware was told (afe_sc_tripped in its inputs): protection bit 15, short circuit.
    reply = client.apply(current_mA=short_mA, rx=modbus_read_request(1, 0x0023, 2))
    tx = reply.body["tx"]
    assert len(tx) == 9 and modbus_crc16(tx[:-2]) == struct.unpack("<H", tx[-2:])[0]
    protection_bits = struct.unpack(">I", tx[3:7])[0]
    assert protection_bits & (1 << 15)


def test_modbus_read_over_rs485(client):
    start(client)
    cells = [3_300_000] * 16
    cells[0] = 3_300_600  # quantised by the 1 mV emulator channel to 3.301 V
    cells[1] = 3_299_400  # ... and to 3.299 V
    client.apply(cells_uV=cells)
    time.sleep(0.003)  # past the 1 ms input latency: the cells are at the pins
    request = modbus_read_request(slave=1, start=0x0000, count=2)
    assert request.hex() == "010300000002c40b"  # the textbook frame: CRC 0x0BC4, low byte first
    reply = client.apply(cells_uV=cells, rx=request)
    tx = reply.body["tx"]
    assert len(tx) == 3 + 2 * 2 + 2
    assert tx[0:3] == bytes([0x01, 0x03, 0x04])  # slave 1, function 03, 4 bytes
    assert modbus_crc16(tx[:-2]) == struct.unpack("<H", tx[-2:])[0]
    assert struct.unpack(">HH", tx[3:7]) == (3301, 3299)  # cell_01 and cell_02 in mV
    # Another slave's request is not answered.
    assert client.apply(cells_uV=cells, rx=modbus_read_request(slave=2, start=0, count=2)).body["tx"] == b""
