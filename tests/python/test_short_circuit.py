"""The short-circuit scenario in Python: the AFE trips within its delay, the
output comes back after 60 s (INTERPRETATION.md, "Short circuit"), #71 shorts
in a row lock it (switch 40), and only the button clears the lock. Run against
the bundled firmware and against the variant whose lock is disabled, which
this test must catch."""

import pytest

import bmshil
from conftest import library

# The AFE's comparator delay the board configures (200 us), plus the time the
# current takes to cross the threshold: the window the YAML scenario uses.
TRIP_WINDOW_S = (200e-6, 260e-6)
RECOVERY_WINDOW_S = (59.9, 60.2)


def short_and_trip(rig):
    """Shorts the output; returns the trip delay measured on a 5 us trace."""
    rec = rig.record(["discharge_current_A", "discharge_fet"], interval_s=5e-6)
    t0 = rig.now_s
    rig.short()
    assert rig.run_until("discharge_fet == off", timeout_s=0.01)
    rig.run_for(20e-6)
    rec.stop()
    trace = rec.take()
    low, high = TRIP_WINDOW_S
    delay = bmshil.reacts_within(trace, "discharge_current_A > 100", "discharge_fet == 0",
                                 (low + high) / 2, (high - low) / 2, parameter="AFE short-circuit delay")
    # The current crossed the threshold within microseconds of the short.
    assert bmshil.ever(trace, "discharge_current_A > 100") - t0 < 10e-6
    rig.short(False)
    return delay


def recover(rig, short_at_s):
    assert rig.run_until("discharge_fet == on", timeout_s=61.0)
    elapsed = rig.now_s - short_at_s
    assert RECOVERY_WINDOW_S[0] <= elapsed <= RECOVERY_WINDOW_S[1], f"recovered {elapsed:.4f} s after the short"


@pytest.mark.parametrize(
    "firmware",
    [
        pytest.param("bms_firmware", id="bundled"),
        pytest.param("bms_firmware_sc_lock_disabled", id="sc_lock_disabled",
                     marks=pytest.mark.xfail(raises=AssertionError, reason="a firmware without the lock must fail")),
    ],
)
def test_shorts_in_a_row_lock_the_output_until_the_button(firmware):
    with bmshil.Rig(library(firmware), soc=0.9) as rig:
        shorts_to_lock = int(rig.parameters()[71])
        assert rig.switches()[40], "switch 40 (short-circuit lock) is on by default"
        rig.run_for(2.0)
        for n in range(1, shorts_to_lock):
            start = rig.now_s
            delay = short_and_trip(rig)
            assert 200e-6 <= delay <= 260e-6
            assert rig.read("bit:error_code_bits.SC") == 1
            recover(rig, start)
            assert rig.read("bit:fault_bits.short_circuit_lock") == 0, f"locked after short {n} of {shorts_to_lock}"
            rig.run_for(1.0)
        # The #71-th short in a row locks the output.
        short_and_trip(rig)
        rig.run_for(0.1)
        assert rig.read("bit:fault_bits.short_circuit_lock") == 1, f"#71 = {shorts_to_lock} shorts, and no lock"
        rec = rig.record(["discharge_fet"])
        rig.run_for(300.0)
        bmshil.always(rec.take(), "discharge_fet == 0", parameter="#71 overcurrent recovery count (lock)")
        # The manual reset.
        rig.press_button(0.5)
        assert rig.run_until("discharge_fet == on", timeout_s=3.0)
        rig.run_for(0.1)
        assert rig.read("bit:fault_bits.short_circuit_lock") == 0
        assert rig.safety() == []
