"""The simulated DAQ's pieces on their own: quantisation, edge stamps, the AFE comparator."""

import time

from bmshil_bench_agent import protocol
from bmshil_bench_agent.simulated import ShortCircuitComparator, SimulatedInstruments, quantise, stamp


def test_quantise_to_the_channel_resolution():
    assert [quantise(v, 1000) for v in (3_300_499, 3_300_500, 3_299_500, -1_499, -1_500)] == [3_300_000, 3_301_000, 3_300_000, -1_000, -2_000]
    assert [quantise(v, 10) for v in (-600_004, -600_005, 14, 15)] == [-600_000, -600_010, 10, 20]
    assert quantise(10_123, 1) == 10_123


def test_edge_stamps_are_the_next_sample():
    assert [stamp(t, 100) for t in (0, 1, 99, 100, 101, 13_258)] == [0, 100, 100, 100, 200, 13_300]


def test_the_comparator_needs_the_whole_delay_without_a_break():
    afe = ShortCircuitComparator()
    afe.sense(0, -900_000)
    assert afe.deadline_us() is None  # unarmed until the firmware configures it
    afe.configure(500, 500_000, 200)
    assert afe.deadline_us() == 700  # over since it was armed
    afe.sense(650, -499_990)  # a break before the delay is over
    assert afe.deadline_us() is None
    afe.sense(1_000, -500_000)  # at the threshold magnitude: over
    assert afe.deadline_us() == 1_200
    afe.sense(1_100, -700_000)  # still over: the delay runs from 1 000
    assert afe.deadline_us() == 1_200
    afe.trip(1_200)
    assert (afe.latched, afe.trip_us, afe.deadline_us()) == (True, 1_200, None)
    afe.sense(1_300, +900_000)  # charge current never trips it
    afe.release(2_000)
    assert (afe.latched, afe.deadline_us()) == (False, None)
    afe.sense(3_000, -600_000)
    afe.trip(afe.deadline_us())
    assert afe.trip_us == 3_200
    afe.release(3_300)  # released while still over: the delay starts again at the release
    assert afe.deadline_us() == 3_500
    afe.configure(3_400, 2**31 - 1, 200)  # the firmware's disarmed comparator
    assert afe.deadline_us() is None


def test_reading_the_outputs_keeps_the_edges_for_the_next_apply():
    instruments = SimulatedInstruments()
    try:
        instruments.power_on()
        deadline = time.monotonic() + 1.0
        while not instruments.read_outputs()["discharge_fet"] and time.monotonic() < deadline:
            time.sleep(0.005)
        assert instruments.read_outputs()["discharge_fet"]
        edges = instruments.take_edges()
        assert [bool(o["discharge_fet"]) for _, o in edges] == [False, True]
        assert instruments.take_edges() == []
        instruments.safe_state()
        instruments.power_off()
        assert (instruments.board_clock_us(), instruments.read_outputs()) == (0, protocol.released_outputs())
    finally:
        instruments.close()
